"""The Designer page: palette, canvas, properties and findings for one process draft."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi.responses import RedirectResponse
from nicegui import app, ui

from designer import catalog, drafts
from designer.auth import WebAuth
from designer.components.canvas import ProcessCanvas
from designer.components.confirm import ConfirmDialog
from designer.components.connect_dialog import ConnectDialog
from designer.components.palette import state_palette
from designer.components.shell import page_frame
from designer.components.simulation_panel import SimulationPanel
from designer.components.whatif_panel import WhatIfPanel
from designer.downloads import download_draft
from designer.landing import PROCESSES_PATH
from designer.session import DesignerSession

if TYPE_CHECKING:
    from runtime import Engine

LAST_DESIGNED_KEY = "statewright.last-designed"


def _open_document(engine: Engine, key: str) -> dict[str, Any] | None:
    return drafts.load(engine, key) or catalog.published_document(engine, key)


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/designer")
    def designer_index() -> RedirectResponse | None:
        """The menu's "Designer": back to the process this user last opened, else a picker."""
        principal = auth.principal()
        last = last_designed(principal.username) if principal is not None else None
        if last and _open_document(engine, last) is not None:
            return RedirectResponse(f"/designer/{quote(last)}")
        with page_frame("Designer", user=auth.username(), title="Designer: pick a process"):
            if auth.require("definitions.publish", "/designer") is not None:
                _picker(engine)
        return None

    @ui.page("/designer/{key}")
    def designer_page(key: str) -> None:
        with page_frame(
            "Designer", user=auth.username(), full_width=True, title=f"Designer: {key}"
        ):
            if auth.require("definitions.publish", f"/designer/{key}") is None:
                return
            document = _open_document(engine, key)
            if document is None:
                ui.label(f"There is no process or draft with key {key!r}.").classes("text-lg")
                ui.link("Back to Processes", "/processes")
                return
            remember_designed(auth.username(), key)
            session = DesignerSession(engine, auth, document)
            _layout(session, document)


def last_designed(username: str) -> str | None:
    """The key of the process `username` last opened in the designer, if any."""
    return app.storage.general.get(f"{LAST_DESIGNED_KEY}:{username}")


def remember_designed(username: str | None, key: str) -> None:
    # General storage, not the user's: that is renewed at every login.
    if username:
        app.storage.general[f"{LAST_DESIGNED_KEY}:{username}"] = key


def _picker(engine: Engine) -> None:
    """Every process and draft, each opening the designer; new ones start on Processes."""
    ui.label("Open a process in the designer").classes("text-2xl font-semibold")
    keys = sorted({s.key for s in catalog.list_processes(engine)} | set(drafts.saved_keys(engine)))
    with ui.card().classes("w-full gap-1").props('data-testid="designer-picker"'):
        for key in keys:
            ui.link(key, f"/designer/{quote(key)}").classes("text-primary font-mono py-1").props(
                f'data-testid="pick-{key}"'
            )
        if not keys:
            ui.label("No processes yet.").classes("text-slate-600")
        ui.link("Create or import a process on the Processes page", PROCESSES_PATH).classes(
            "text-primary mt-2"
        )


def _layout(session: DesignerSession, document: dict[str, Any]) -> None:
    with ui.row().classes("w-full items-center justify-between"):
        with ui.column().classes("gap-0"):
            ui.label(document.get("name") or document["key"]).classes("text-xl font-semibold")
            with ui.row().classes("items-center gap-2 text-xs text-slate-600"):
                ui.label(document["key"]).classes("font-mono")
                note = ui.row().classes("items-center gap-2")

                def published_note() -> None:
                    note.clear()
                    with note:
                        _published_note(session, document["key"])

                session.published_note = published_note
                published_note()
                session.save_status = (
                    ui.label("Saved").classes("text-slate-600").mark("save-status")
                    .props('data-testid="save-status" role="status" aria-live="polite"')
                )
        with ui.row().classes("items-center gap-2"):
            ui.button(icon="undo", on_click=session.undo).props(
                'flat dense aria-label="Undo"'
            ).mark("undo").tooltip("Undo (Ctrl+Z)")
            ui.button(icon="redo", on_click=session.redo).props(
                'flat dense aria-label="Redo"'
            ).mark("redo").tooltip("Redo (Ctrl+Shift+Z)")
            ui.button("Arrange", icon="account_tree", on_click=session.arrange).props(
                'flat dense no-caps data-testid="arrange"'
            ).mark("arrange").tooltip("Lay the graph out left to right (ELK)")
            ui.button(icon="fit_screen", on_click=lambda: session.canvas.fit()).props(
                'flat dense aria-label="Fit view"'
            ).tooltip("Fit view")
            with ui.button(icon="download").props(
                'flat dense aria-label="Download" data-testid="export-menu"'
            ).mark(
                "download"
            ).tooltip("Download the draft as JSON, BPMN, SCXML or Mermaid"), ui.menu():
                for kind, label in (("json", "JSON (statewright/v1)"),
                                    ("bpmn", "BPMN 2.0 (Camunda Modeler)"),
                                    ("scxml", "SCXML"), ("mermaid", "Mermaid diagram")):
                    ui.menu_item(
                        label, on_click=lambda kind=kind: download_draft(session.draft.doc, kind)
                    ).props(f'data-testid="export-{kind}"').mark(f"export-{kind}")
            session.toolbar_box = ui.row().classes("items-center gap-3")
            session.toolbar_view()
    # Phones stack the canvas (first, most of the screen), the palette and the panels.
    with ui.row().classes(
        "w-full gap-3 flex-col md:flex-row md:flex-nowrap items-stretch md:h-[calc(100vh-150px)]"
    ):
        with ui.card().classes("w-full md:w-44 shrink-0 p-3 order-2 md:order-none"):
            state_palette(session.add_state)
        with ui.card().classes("grow p-0 min-w-0 h-[70vh] md:h-auto order-1 md:order-none"):
            session.canvas = (
                ProcessCanvas(
                    on_move=session.on_move,
                    on_connect=session.on_connect,
                    on_delete=session.on_delete,
                    on_select=session.on_select,
                    on_drop=session.on_drop,
                    on_arrange=session.on_arrange,
                )
                .classes("w-full h-full")
                .mark("canvas")
            )
            session.canvas.set_auto_layout(not session.draft.laid_out)
            session.connect_dialog = ConnectDialog(session.add_transition)
        with ui.column().classes("w-full md:w-80 shrink-0 gap-3 overflow-y-auto order-3"):
            _modelling(session)
            with (
                ui.card()
                .classes("w-full gap-2")
                .mark("properties")
                .props('data-testid="properties"')
            ):
                ui.label("Properties").classes("text-xs font-semibold uppercase text-slate-600")
                session.properties_box = ui.column().classes("w-full gap-2")
                session.properties_view()
            with ui.card().classes("w-full gap-1").mark("findings").props('data-testid="findings"'):
                ui.label("Findings").classes("text-xs font-semibold uppercase text-slate-600")
                session.findings_box = ui.column().classes("w-full gap-1")
                session.findings_view()
    session.redraw()
    ui.keyboard(on_key=lambda e: _shortcut(session, e))


def _modelling(session: DesignerSession) -> None:
    """Simulate (a token run of the draft) and What if (recorded instances replayed)."""
    document, canvas = (lambda: session.draft.doc), (lambda: session.canvas)
    with ui.card().classes("w-full gap-1").props('data-testid="simulate"'):
        with ui.expansion("Simulate", icon="play_circle").classes("w-full").props(
                'dense data-testid="simulate-open"'):
            SimulationPanel(document, canvas)
        with ui.expansion("What if", icon="compare_arrows").classes("w-full").props(
                'dense data-testid="whatif-open"'):
            WhatIfPanel(session.engine, document, canvas)


def _shortcut(session: DesignerSession, event: Any) -> None:
    if not event.action.keydown or not (event.modifiers.ctrl or event.modifiers.meta):
        return
    key = str(event.key.name).lower()
    if key == "z":
        session.redo() if event.modifiers.shift else session.undo()
    elif key == "y":
        session.redo()
    elif key == "c":
        session.copy_selection()
    elif key == "v":
        session.paste()


def _published_note(session: DesignerSession, key: str) -> None:
    """Which version the draft can be compared with, and a way back to it."""
    latest = catalog.latest_version(session.engine, key)
    if latest is None:
        ui.label("· never published")
        return
    ui.link(f"· latest published v{latest}", f"/processes/{key}/versions/{latest}")
    if drafts.load(session.engine, key) is not None:

        def discard() -> None:
            drafts.discard(session.engine, key)
            published = catalog.published_document(session.engine, key)
            if published is not None:
                session.start_over(published)
            button.delete()

        confirm = ConfirmDialog()
        button = (
            ui.button("discard draft", on_click=lambda: confirm.ask(
                f"Discard the draft of {key}? Its changes since v{latest} are lost.",
                "Discard draft", discard))
            .props('flat dense no-caps size=sm color=negative data-testid="discard-draft"')
            .mark("discard-draft")
            .tooltip(f"Throw the draft away and start again from v{latest}")
        )
