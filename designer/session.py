"""One open Designer page's state: the draft, its findings, the selection and the history.

Every edit goes through `DesignerSession.changed`, which saves the draft, re-runs the one
validator and redraws the marks, so what the analyst sees is always the current verdict.
"""

from __future__ import annotations

import copy
import functools
import logging
from typing import TYPE_CHECKING, Any

from nicegui import ui

from designer import catalog, drafts
from designer.auth import WebAuth
from designer.components.canvas import ProcessCanvas
from designer.components.connect_dialog import ConnectDialog
from designer.components.findings_panel import canvas_marks, findings_list, findings_signature
from designer.components.process_properties import process_properties
from designer.components.properties import state_properties, transition_properties
from designer.components.publish_bar import publish_bar
from designer.draft import Draft
from designer.layout import free_spot
from runtime import EngineError
from shared.validation import validate

if TYPE_CHECKING:
    from runtime import Engine

log = logging.getLogger(__name__)
HISTORY_LIMIT = 100


class DesignerSession:
    """The state of one open Designer page: the draft, its findings, selection and history."""

    # Panels are redrawn synchronously into these containers (made by the page layout), so a
    # handler's effect is complete when it returns: no background refresh races the next gesture.
    toolbar_box: ui.row
    findings_box: ui.column
    properties_box: ui.column

    def __init__(self, engine: Engine, auth: WebAuth, document: dict[str, Any]) -> None:
        self.engine = engine
        self.auth = auth
        self.draft = Draft(document)
        self.report = validate(self.draft.doc)
        self.selection: tuple[list[str], list[str]] = ([], [])
        self.undo_stack: list[dict[str, Any]] = []
        self.redo_stack: list[dict[str, Any]] = []
        self.clipboard: list[dict[str, Any]] = []
        self.published_version: int | None = None
        self.guard_error: ui.label | None = None
        self.canvas: ProcessCanvas | None = None
        self.connect_dialog: ConnectDialog | None = None
        self.findings_shown: list[tuple[Any, ...]] | None = None
        self.save_status: ui.label | None = None
        # Redraws the header's "latest published" note (set by the page).
        self.published_note: Any = None

    # --- saving ----------------------------------------------------------------------------
    def save(self) -> None:
        """Save the draft, telling the header: "Saving…" while it is written, "Saved" after,
        "Unsaved changes" when the database refused it."""
        self.show_save_status("Saving…")
        try:
            drafts.save(self.engine, self.draft.doc, self.auth.username())
        except EngineError as error:
            log.warning("saving the draft %s failed: %s", self.draft.doc.get("key"), error)
            self.show_save_status("Unsaved changes")
            ui.notify("The draft could not be saved; try again", type="negative")
            return
        self.show_save_status("Saved")

    def show_save_status(self, text: str) -> None:
        if self.save_status is not None:
            self.save_status.set_text(text)

    def remember(self) -> None:
        """Snapshot before a meaningful edit so it can be undone."""
        self.undo_stack = [*self.undo_stack[-HISTORY_LIMIT:], copy.deepcopy(self.draft.doc)]
        self.redo_stack.clear()

    def may_design(self) -> bool:
        """Roles are read again for every change and publish: a revoked role stops both."""
        principal = self.auth.principal()
        if principal is None or not principal.can("definitions.publish"):
            ui.notify("You may no longer design processes; log in again", type="negative")
            ui.navigate.to(f"/designer/{self.draft.doc.get('key', '')}")
            return False
        return True

    def changed(self, *, refresh_properties: bool = False) -> None:
        if not self.may_design():
            return
        self.save()
        self.report = validate(self.draft.doc)
        self.redraw()
        self.findings_view(only_if_changed=True)
        self.toolbar_view()
        if refresh_properties:
            self.properties_view()
        elif self.guard_error is not None:
            self.guard_error.set_text(self._guard_message())

    def redraw(self) -> None:
        if self.canvas is not None:
            self.canvas.patch_graph(self.draft.canvas_nodes(), self.draft.canvas_edges())
            self.canvas.set_findings(canvas_marks(self.report.findings))

    def add_state(self, state_type: str, x: float | None = None, y: float | None = None) -> str:
        if x is None or y is None:
            selected = self.selection[0]
            spot = free_spot(self.draft.doc, beside=selected[0] if selected else None)
            x, y = spot["x"], spot["y"]
        self.remember()
        state_id = self.draft.add_state(state_type, x, y)
        self.selection = ([state_id], [])
        self.changed(refresh_properties=True)
        return state_id

    def on_drop(self, args: dict[str, Any]) -> None:
        try:
            self.add_state(str(args.get("type")), float(args["x"]), float(args["y"]))
        except (KeyError, TypeError, ValueError) as error:
            ui.notify(f"Cannot add that state: {error}", type="negative")

    def on_connect(self, args: dict[str, Any]) -> None:
        """An arrow drawn: added at once where its source is left without an event, else
        once the analyst has said which event it is for."""
        source, target = str(args.get("source")), str(args.get("target"))
        choices = self.draft.event_choices(source)
        if choices is not None and self.connect_dialog is not None:
            self.connect_dialog.ask(source, target, *choices)
        else:
            self.add_transition(source, target)

    def add_transition(self, source: str, target: str, event: str | None = None) -> None:
        self.remember()
        ref = self.draft.connect(source, target, event)
        if ref is not None:
            self.selection = ([], [ref])
            self.changed(refresh_properties=True)

    def on_delete(self, args: dict[str, Any]) -> None:
        self.remember()
        self.draft.delete(list(args.get("nodes", [])), list(args.get("edges", [])))
        self.selection = ([], [])
        self.changed(refresh_properties=True)

    def on_move(self, args: dict[str, Any]) -> None:
        """Layout only: saved with the draft, never validated, never a new version."""
        if not self.may_design():
            return
        self.draft.move(list(args.get("nodes", [])))
        self.save()
        if self.canvas is not None:
            self.canvas.patch_graph(self.draft.canvas_nodes(), self.draft.canvas_edges())

    def arrange(self) -> None:
        """Ask the canvas for ELK's layout; `on_arrange` stores it (an undoable change)."""
        if self.may_design() and self.canvas is not None:
            self.canvas.arrange()

    def on_arrange(self, args: dict[str, Any]) -> None:
        """Positions from ELK: asked for (Arrange, undoable and saved), or the first layout of
        a document without one (kept with the draft, saved only where a draft exists already,
        so opening a published process does not make a draft)."""
        positions = [p for p in args.get("nodes", []) if isinstance(p, dict)]
        if args.get("asked"):
            if not self.may_design():
                return
            self.remember()
            self.draft.move(positions)
            self.save()
        else:
            self.draft.move(positions)
            if drafts.load(self.engine, self.draft.doc["key"]) is not None:
                self.save()
        if self.canvas is not None:
            self.canvas.set_auto_layout(False)
            self.redraw()

    def on_select(self, args: dict[str, Any]) -> None:
        selection = (list(args.get("nodes", [])), list(args.get("edges", [])))
        if selection != self.selection:
            self.selection = selection
            self.properties_view()

    def edit_state(self, state_id: str, field: str, value: Any) -> None:
        self.remember()
        new_id = self.draft.update_state(state_id, field, value)
        if new_id != state_id:
            self.selection = ([new_id], [])
        self.changed(refresh_properties=new_id != state_id)

    def edit_transition(self, ref: str, field: str, value: Any) -> None:
        self.remember()
        self.draft.update_transition(ref, field, value)
        self.changed()

    def edit_process(self, field: str, value: Any) -> None:
        self.remember()
        self.draft.update_process(field, value)
        self.changed()

    def edit_variable(self, index: int, field: str, value: Any) -> None:
        self.remember()
        self.draft.update_variable(index, field, value)
        self.changed()

    def add_variable(self) -> None:
        self.remember()
        self.draft.add_variable()
        self.changed(refresh_properties=True)

    def remove_variable(self, index: int) -> None:
        self.remember()
        self.draft.remove_variable(index)
        self.changed(refresh_properties=True)

    def start_over(self, document: dict[str, Any]) -> None:
        """Show `document` (the published version) with a fresh history; saves no draft."""
        self.draft = Draft(document)
        self.undo_stack.clear()
        self.redo_stack.clear()
        self.selection = ([], [])
        self.report = validate(self.draft.doc)
        self.redraw()
        self.findings_view()
        self.toolbar_view()
        self.properties_view()

    def undo(self) -> None:
        if self.undo_stack:
            self.redo_stack.append(copy.deepcopy(self.draft.doc))
            self._restore(self.undo_stack.pop())

    def redo(self) -> None:
        if self.redo_stack:
            self.undo_stack.append(copy.deepcopy(self.draft.doc))
            self._restore(self.redo_stack.pop())

    def _restore(self, document: dict[str, Any]) -> None:
        self.draft = Draft(document)
        self.selection = ([], [])
        self.changed(refresh_properties=True)

    def copy_selection(self) -> None:
        self.clipboard = [
            copy.deepcopy(s) for s in self.draft.states if s["id"] in self.selection[0]
        ]

    def paste(self) -> None:
        """Paste copied states (not their transitions) beside the originals with fresh ids."""
        if not self.clipboard:
            return
        self.remember()
        pasted = []
        positions = {n["id"]: n for n in self.draft.canvas_nodes()}
        for original in self.clipboard:
            origin = positions.get(original["id"], {"x": 0, "y": 0})
            new_id = self.draft.add_state(original["type"], origin["x"] + 40, origin["y"] + 40)
            for field, value in original.items():
                if field not in ("id", "type"):
                    self.draft.update_state(new_id, field, value)
            pasted.append(new_id)
        self.selection = (pasted, [])
        self.changed(refresh_properties=True)

    # --- findings and publishing ------------------------------------------------------------
    @property
    def errors(self) -> list[Any]:
        return [f for f in self.report.findings if f.severity == "error"]

    def pick_finding(self, finding: Any) -> None:
        """Select and centre what a finding is about: its transition if it names one (guards,
        events; the last named, usually the one drawn most recently), else its first state."""
        if finding.transitions:
            self.selection = ([], [finding.transitions[-1]])
        elif finding.states:
            self.selection = ([finding.states[0]], [])
        else:
            return
        target = (self.selection[0] or self.selection[1])[0]
        if self.canvas is not None:
            self.canvas.focus(target)
        self.properties_view()

    def _guard_message(self) -> str:
        refs = set(self.selection[1])
        return "\n".join(
            f.message
            for f in self.report.findings
            if f.code == "bad-guard" and refs.intersection(f.transitions)
        )

    def publish(self) -> None:
        if self.errors:
            ui.notify("Fix the errors before publishing", type="warning")
            return
        if not self.may_design():
            return
        actor = self.auth.username() or "unknown"
        try:
            outcome = catalog.publish(self.engine, self.draft.doc, actor)
        except EngineError as error:  # the engine's refusal is shown to the analyst, not raised
            log.warning("publishing %s failed: %s", self.draft.doc.get("key"), error.message)
            ui.notify(f"Publishing failed: {error.message}", type="negative", multi_line=True)
            return
        self.published_version = outcome.version
        key = self.draft.doc["key"]
        # Published: the draft is that version now; keeping it would offer to "discard" it.
        drafts.discard(self.engine, key)
        self.show_save_status("Saved")
        if self.published_note is not None:
            self.published_note()
        if outcome.existed:
            ui.notify(f"No change since {key} version {outcome.version}", type="info")
        else:
            ui.notify(f"Published {key} version {outcome.version}", type="positive")
        self.toolbar_view()

    @functools.cached_property
    def suggestions(self) -> dict[str, list[str]]:
        """What the properties panel offers: the runtime's registered actions and the known
        roles (built-ins and those used in published definitions); free text stays allowed."""
        actions = self.engine.actions.names()
        return {
            "action": actions,
            "compensation": actions,
            "role": (roles := catalog.known_roles(self.engine)),
            "escalate_to": roles,
        }

    # --- views -----------------------------------------------------------------------------
    def toolbar_view(self) -> None:
        errors = len(self.errors)
        self.toolbar_box.clear()
        with self.toolbar_box:
            publish_bar(errors, len(self.report.findings) - errors, self.published_version,
                        self.publish)

    def findings_view(self, *, only_if_changed: bool = False) -> None:
        signature = findings_signature(self.report.findings)
        if only_if_changed and signature == self.findings_shown:
            return
        self.findings_shown = signature
        self.findings_box.clear()
        with self.findings_box:
            findings_list(self.report.findings, self.pick_finding)

    def properties_view(self) -> None:
        self.properties_box.clear()
        with self.properties_box:
            self._properties()

    def _properties(self) -> None:
        self.guard_error = None
        states, transitions = self.selection
        if not states and not transitions:
            process_properties(
                self.draft.doc,
                self.edit_process,
                self.edit_variable,
                self.add_variable,
                self.remove_variable,
            )
            return
        if len(states) + len(transitions) > 1:
            ui.label(f"{len(states)} states and {len(transitions)} transitions selected.").classes(
                "text-sm text-slate-600"
            )
            return
        if states:
            state = self.draft.state(states[0])
            if state is not None:
                calendars = sorted(self.draft.doc.get("calendars") or {})
                state_properties(
                    state, lambda f, v, s=states[0]: self.edit_state(s, f, v),
                    {**self.suggestions, "calendar": calendars},
                )
            return
        transition = self.draft.transition(transitions[0])
        if transition is not None:
            source = self.draft.state(transition.get("from", "")) or {}
            self.guard_error = transition_properties(
                transition,
                lambda f, v, r=transitions[0]: self.edit_transition(r, f, v),
                source.get("type"),
            )
            self.guard_error.set_text(self._guard_message())
