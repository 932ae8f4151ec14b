"""Asking before a destructive act: a dialog with the question, Cancel, and a red button
naming the act. Used by every page that rejects, cancels, removes, discards or deletes."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from nicegui import ui


class ConfirmDialog:
    """One dialog per page, asked again for each act (`ask`); `on_yes` may be async."""

    def __init__(self) -> None:
        self._on_yes: Callable[[], Any] = lambda: None
        with ui.dialog() as self.dialog, ui.card().classes("w-96 max-w-full gap-4").props(
                'role="alertdialog" data-testid="confirm-dialog"'):
            with ui.row().classes("items-start gap-3 no-wrap"):
                ui.icon("warning").classes("text-2xl text-orange-600")
                self.question = ui.label().classes("text-base").mark("confirm-question")
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=self.dialog.close).props(
                    'flat data-testid="confirm-no"').mark("confirm-no")
                self.yes = ui.button(color="negative", on_click=self._confirmed)
                self.yes.props('data-testid="confirm-yes"').mark("confirm-yes")

    def ask(self, question: str, button: str, on_yes: Callable[[], Any]) -> None:
        self._on_yes = on_yes
        self.question.set_text(question)
        self.yes.set_text(button)
        self.dialog.open()

    async def _confirmed(self) -> None:
        self.dialog.close()
        if inspect.isawaitable(done := self._on_yes()):
            await done
