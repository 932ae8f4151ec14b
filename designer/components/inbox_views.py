"""Saved views of the inbox: pick one to reopen its filter and search, or save the current
ones under a name (`runtime.people.tasks.saved_views`, private to the user)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nicegui import ui

from runtime.core.errors import EngineError
from runtime.people.tasks import saved_views

if TYPE_CHECKING:
    from runtime import Engine

Filters = dict[str, str]


class SavedViewsBar:
    """The view picker with its Save and Delete buttons."""

    def __init__(self, engine: Engine, username: str, current: Callable[[], Filters],
                 apply: Callable[[Filters], None]) -> None:
        self.engine, self.username, self.current, self.apply = engine, username, current, apply
        self.views: dict[str, Filters] = {}
        self._picking = False
        with ui.row().classes("items-center gap-2 max-sm:w-full"):
            self.picker = ui.select([], label="Saved views", clearable=True,
                                    on_change=lambda e: self._picked(e.value)).props(
                'dense outlined data-testid="saved-view"').classes("w-56 max-sm:grow").mark(
                "saved-view")
            ui.button("Save view", icon="bookmark_add", on_click=self._ask_name).props(
                'flat no-caps data-testid="save-view"').mark("save-view")
            self.delete = ui.button(icon="delete", on_click=self._delete).props(
                'flat round dense aria-label="Delete the saved view" '
                'data-testid="view-delete"').mark("view-delete").tooltip(
                "Delete the saved view")
        self._dialog()
        self._reload()

    def _reload(self, selected: str | None = None) -> None:
        self.views = {v.name: v.filters for v in saved_views.listed(self.engine, self.username)}
        self._picking = True
        self.picker.set_options(sorted(self.views), value=selected)
        self._picking = False
        self.delete.set_enabled(selected is not None)

    def _picked(self, name: str | None) -> None:
        self.delete.set_enabled(name is not None)
        if self._picking or name is None:
            return
        self.apply(self.views.get(name, {}))

    def show_current(self, filters: Filters) -> None:
        """Leave the picked view's name shown only while the inbox still shows that view."""
        name = self.picker.value
        if name is not None and self.views.get(name) != filters:
            self._picking = True
            self.picker.set_value(None)
            self._picking = False
            self.delete.set_enabled(False)

    def _dialog(self) -> None:
        with ui.dialog() as self.dialog, ui.card().classes("w-96 max-w-full"):
            ui.label("Save this view of the inbox").classes("text-lg font-semibold")
            self.described = ui.label().classes("text-sm text-slate-600")
            self.name = ui.input("Name").props('autofocus data-testid="view-name"').classes(
                "w-full").mark("view-name")
            self.problem = ui.label().classes("text-negative text-sm").mark("view-error")
            self.name.on("keydown.enter", self._save)
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat no-caps")
                ui.button("Save", on_click=self._save).props(
                    'no-caps data-testid="view-save"').mark("view-save")

    def _ask_name(self) -> None:
        described = ", ".join(f"{k}: {v}" for k, v in self.current().items())
        self.described.set_text(described or "No filter or search: the whole inbox.")
        self.name.set_value(self.picker.value or "")
        self.problem.set_text("")
        self.dialog.open()

    def _save(self) -> None:
        try:
            view = saved_views.save(self.engine, self.username, self.name.value or "",
                                    self.current())
        except EngineError as refusal:
            self.problem.set_text(refusal.message)
            return
        self.dialog.close()
        self._reload(view.name)
        ui.notify(f"Saved the view {view.name!r}", type="positive")

    def _delete(self) -> None:
        name = self.picker.value
        if name is None:
            return
        try:
            saved_views.remove(self.engine, self.username, name)
        except EngineError as refusal:
            ui.notify(refusal.message, type="warning")
        else:
            ui.notify(f"Deleted the view {name!r}")
        self._reload()
