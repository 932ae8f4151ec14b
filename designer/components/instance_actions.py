"""Operator actions from the web app: a reason dialog, a server-side permission check, a result.

Every action goes through `runtime.operations.perform` (the same audited code as the REST API
and the CLI); the permission is checked again when the operator confirms, not only when the
button was drawn.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nicegui import run, ui

from designer.auth import WebAuth
from designer.components.instance_status import testid
from runtime.core.errors import EngineError
from runtime.operations import perform

if TYPE_CHECKING:
    from runtime import Engine

log = logging.getLogger("statewright.web.operations")
OPERATE = "instances.operate"
ERASE = "instances.erase"
PERMISSION = {"erase": ERASE}  # the permission of an operation, when it is not OPERATE
VERBS = {
    "suspend": "Suspend",
    "resume": "Resume",
    "cancel": "Cancel",
    "retry": "Retry",
    "move": "Move",
    "migrate": "Migrate",
    "rollback": "Roll back",
    "set-vars": "Set variables",
    "erase": "Erase",
}
DESTRUCTIVE = frozenset({"cancel", "erase"})  # red buttons; their dialog's confirm is red too


def operation_props(operation: str) -> str:
    """The Quasar props of an operation's button: outlined, red when it destroys."""
    return "outline dense no-caps" + (" color=negative" if operation in DESTRUCTIVE else "")


@dataclass(frozen=True)
class Outcome:
    instance_id: str
    ok: bool
    message: str


async def run_operation(
    engine: Engine, auth: WebAuth, ids: Iterable[str], operation: str, reason: str, **params: Any
) -> list[Outcome] | None:
    """Perform `operation` on each instance as the logged-in operator; None when not allowed.

    A refused instance does not stop the others; each outcome says what happened. The work
    runs off the event loop: an operation may evaluate guards (a move into a decision)."""
    principal = auth.allowed(
        PERMISSION.get(operation, OPERATE), f"{VERBS.get(operation, operation).lower()} instances"
    )
    if principal is None:
        return None
    outcomes = []
    for iid in ids:
        try:
            after = await run.io_bound(
                perform, engine, iid, operation, reason, principal.username, **params
            )
            outcomes.append(Outcome(iid, True, f"{after.status}, in {after.state}"))
        except EngineError as exc:
            outcomes.append(Outcome(iid, False, exc.message))
        except Exception:  # a bug, not the operator's mistake: the other instances go on
            log.exception("%s of instance %s failed", operation, iid)
            outcomes.append(Outcome(iid, False, "failed unexpectedly; see the server log"))
    _report(operation, outcomes)
    return outcomes


def _report(operation: str, outcomes: list[Outcome]) -> None:
    verb = VERBS.get(operation, operation)
    failed = [o for o in outcomes if not o.ok]
    if len(outcomes) == 1:
        only = outcomes[0]
        ui.notify(
            f"{verb}: {only.message}" if only.ok else f"{verb} refused: {only.message}",
            type="positive" if only.ok else "negative",
            multi_line=True,
        )
        return
    done = len(outcomes) - len(failed)
    text = f"{verb}: {done} of {len(outcomes)} done"
    if failed:
        text += "; refused: " + "; ".join(f"{o.instance_id[:8]}: {o.message}" for o in failed[:3])
    ui.notify(text, type="negative" if failed else "positive", multi_line=True)


def reason_dialog(
    title: str,
    on_confirm: Callable[[str], Any],
    extra: Callable[[], Any] | None = None,
    destructive: bool = False,
) -> ui.dialog:
    """A dialog asking why (required: it goes into the audit log); `extra` adds fields;
    a `destructive` act gets a red confirm button."""
    with (
        ui.dialog() as dialog,
        ui.card().classes("w-[28rem]").mark("reason-dialog").props(testid("reason-dialog")),
    ):
        ui.label(title).classes("text-lg font-semibold")
        if extra is not None:
            extra()
        reason = (
            ui.textarea(placeholder="Why? It is recorded in the audit log.")
            .props("outlined autogrow")
            .classes("w-full")
            .mark("reason-input")
            .props(testid("reason-input"))
        )
        error = ui.label().classes("text-negative text-sm")

        async def confirm() -> None:
            text = (reason.value or "").strip()
            if not text:
                error.set_text("Please give a reason.")
                return
            dialog.close()
            if inspect.isawaitable(done := on_confirm(text)):
                await done

        with ui.row().classes("w-full justify-end"):
            ui.button("Back", on_click=dialog.close).props("flat")
            ui.button(
                "Confirm", on_click=confirm, color="negative" if destructive else "primary"
            ).mark("reason-confirm").props(testid("reason-confirm"))
    dialog.open()
    return dialog
