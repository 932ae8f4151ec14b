"""Which event a newly drawn arrow is for: asked, never guessed (#19.4).

A guessed event was often wrong in a way the analyst had not chosen (a task's second arrow
became `error`, or an `ambiguous` second `done`). The dialog offers a button per fitting
event, shows those another arrow of the source takes already as taken, and takes any other
name as free text. Cancel, Escape or a click beside the dialog add nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

# Chooses: (source, target, event) adds the transition.
Choose = Callable[[str, str, str], None]


class ConnectDialog:
    """One dialog per designer page, asked again for each arrow drawn (`ask`)."""

    def __init__(self, choose: Choose) -> None:
        self._choose = choose
        self._arrow = ("", "")
        self._taken: set[str] = set()
        self.dialog = ui.dialog().props('aria-label="Event of the new arrow"')
        with self.dialog, ui.card().classes("w-96 max-w-full gap-3").props(
                'data-testid="connect-dialog"').mark("connect-dialog"):
            self.question = ui.label().classes("text-base")
            self.buttons = ui.row().classes("gap-2")
            with ui.row().classes("w-full items-start no-wrap gap-2"):
                self.name = ui.input("Other event", validation=self._refusal).props(
                    'dense outlined data-testid="connect-event-name"').classes("grow").mark(
                    "connect-event-name")
                self.name.on("keydown.enter", self._typed)
                ui.button("OK", on_click=self._typed).props(
                    'flat data-testid="connect-event-ok"').mark("connect-event-ok")
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=self.dialog.close).props(
                    'flat data-testid="connect-cancel"').mark("connect-cancel")

    def ask(self, source: str, target: str, events: list[str], taken: set[str]) -> None:
        self._arrow, self._taken = (source, target), taken
        self.question.set_text(f"Which event takes the arrow {source} → {target}?")
        self.buttons.clear()
        with self.buttons:
            for event in events:
                used = event in taken
                button = ui.button(event + " (taken)" * used,
                                   on_click=lambda e=event: self._chosen(e))
                button.props(f'no-caps data-testid="connect-event-{event}"'
                             f' data-taken="{str(used).lower()}"').mark(f"connect-event-{event}")
                if used:
                    button.disable()
                    button.tooltip(f"Another arrow from {source} is taken on {event} already")
        self.name.set_value("")
        self.dialog.open()

    def _refusal(self, value: str | None) -> str | None:
        event = (value or "").strip()
        if event in self._taken:
            return f"Another arrow from {self._arrow[0]} is taken on {event} already"
        return None

    def _typed(self) -> None:
        event = (self.name.value or "").strip()
        if event and self._refusal(event) is None:
            self._chosen(event)

    def _chosen(self, event: str) -> None:
        self.dialog.close()
        self._choose(*self._arrow, event)
