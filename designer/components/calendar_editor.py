"""The process's business calendars, edited in the properties panel (docs/calendars.md).

Each calendar is a small card: name, time zone, working hours written on one line
(`mon-fri 09:00-17:00; sat 10:00-14:00`), holiday country and region, extra days off. Every
keystroke writes the whole `calendars` map back; what does not parse is written as typed, so
the findings panel names the problem (`bad-hours`, `bad-timezone`, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

OnChange = Callable[[str, Any], None]
NEW_CALENDAR = {"timezone": "UTC", "hours": {"mon-fri": "09:00-17:00"}}


def hours_text(hours: dict[str, str]) -> str:
    """`{"mon-fri": "09:00-17:00"}` as `mon-fri 09:00-17:00`, parts joined by `; `."""
    return "; ".join(f"{days} {ranges}".strip() for days, ranges in hours.items())


def parse_hours_text(text: str) -> dict[str, str]:
    """The inverse of `hours_text`; a part without ranges keeps its days with none, so
    validation reports it."""
    hours: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        days, _, ranges = part.partition(" ")
        hours[days] = ranges.replace(" ", "")
    return hours


def calendar_editor(document: dict[str, Any], on_change: OnChange) -> None:
    rows: list[list[Any]] = [[name, dict(body)] for name, body in
                             (document.get("calendars") or {}).items()]

    def write() -> None:
        on_change("calendars", {name: body for name, body in rows if name})

    def cards() -> None:
        box.clear()
        with box:
            for index, row in enumerate(rows):
                _card(index, row, write, lambda i=index: remove(i))

    def add() -> None:
        taken = {name for name, _ in rows}
        name = next(f"calendar-{n}" for n in range(1, len(rows) + 2)
                    if f"calendar-{n}" not in taken)
        rows.append([name, dict(NEW_CALENDAR)])
        write()
        cards()

    def remove(index: int) -> None:
        rows.pop(index)
        write()
        cards()

    with ui.row().classes("w-full items-center justify-between mt-2"):
        ui.label("Calendars").classes("text-sm font-semibold")
        ui.button(icon="add", on_click=add).props(
            'flat dense round aria-label="Add a calendar" data-testid="add-calendar"'
        ).mark("add-calendar").tooltip("Add a business calendar")
    box = ui.column().classes("w-full gap-1")
    cards()


def _card(index: int, row: list[Any], write: Callable[[], None],
          remove: Callable[[], None]) -> None:
    body: dict[str, Any] = row[1]

    def set_name(value: str) -> None:
        row[0] = value.strip()
        write()

    def set_field(field: str, value: Any) -> None:
        if value in (None, "", {}, []):
            body.pop(field, None)
        else:
            body[field] = value
        write()

    def set_holidays(country: str | None, region: str | None) -> None:
        source = dict(body.get("holidays") or {})
        if country is not None:
            source["country"] = country.strip().upper()
        if region is not None:
            source["subdivision"] = region.strip().upper() or None
        set_field("holidays", source if source.get("country") else None)

    source = body.get("holidays") or {}
    with ui.card().classes("w-full p-2 gap-1").props("flat bordered"):
        with ui.row().classes("w-full items-center gap-1 flex-nowrap"):
            ui.input("Name", value=row[0], on_change=lambda e: set_name(e.value or "")).props(
                f'dense data-testid="calendar-name-{index}"').classes("grow").mark(
                f"calendar-name-{index}")
            ui.button(icon="delete", on_click=remove).props(
                f'flat dense round aria-label="Remove the calendar" '
                f'data-testid="calendar-remove-{index}"')
        ui.input("Time zone", value=body.get("timezone", "UTC"), placeholder="Europe/Amsterdam",
                 on_change=lambda e: set_field("timezone", (e.value or "").strip())).props(
            f'dense data-testid="calendar-timezone-{index}"').classes("w-full").mark(
            f"calendar-timezone-{index}")
        ui.input("Working hours", value=hours_text(body.get("hours") or {}),
                 placeholder="mon-fri 09:00-17:00; sat 10:00-14:00",
                 on_change=lambda e: set_field("hours", parse_hours_text(e.value or ""))).props(
            f'dense data-testid="calendar-hours-{index}"').classes("w-full").mark(
            f"calendar-hours-{index}")
        with ui.row().classes("w-full gap-1 flex-nowrap"):
            ui.input("Holidays of", value=source.get("country") or "", placeholder="NL",
                     on_change=lambda e: set_holidays(e.value or "", None)).props(
                f'dense data-testid="calendar-country-{index}"').classes("w-1/2").mark(
                f"calendar-country-{index}")
            ui.input("Region", value=source.get("subdivision") or "", placeholder="optional",
                     on_change=lambda e: set_holidays(None, e.value or "")).props(
                f'dense data-testid="calendar-region-{index}"').classes("w-1/2")
        ui.input("Extra days off", value=", ".join(body.get("extra_holidays") or []),
                 placeholder="2026-12-24, 2026-12-31",
                 on_change=lambda e: set_field("extra_holidays", [
                     d.strip() for d in (e.value or "").split(",") if d.strip()])).props(
            f'dense data-testid="calendar-extra-{index}"').classes("w-full")
