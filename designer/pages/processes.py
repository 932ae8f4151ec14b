"""The Processes page: published processes with their versions, drafts, and "new process"."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi.responses import RedirectResponse
from nicegui import events, ui

from designer import catalog, drafts
from designer.auth import WebAuth
from designer.components.shell import page_frame
from designer.components.table_cards import cards_on_phones
from designer.draft import new_document
from designer.importing import ImportRefused, draft_from_upload
from designer.landing import PROCESSES_PATH, landing_path
from shared.definition import KEY_PATTERN

if TYPE_CHECKING:
    from runtime import Engine

DESIGN = "definitions.publish"

COLUMNS = [
    {"name": "key", "label": "Key", "field": "key", "align": "left", "sortable": True},
    {"name": "name", "label": "Name", "field": "name", "align": "left"},
    {"name": "latest", "label": "Latest version", "field": "latest", "align": "left"},
    {"name": "versions", "label": "Versions", "field": "versions", "align": "left"},
    {"name": "instances", "label": "Instances", "field": "instances", "align": "right"},
    {"name": "draft", "label": "Draft", "field": "draft", "align": "left"},
    {"name": "changed", "label": "Last change", "field": "changed", "align": "left"},
    {"name": "actions", "label": "", "field": "key", "align": "right"},
]

ACTIONS_SLOT = (
    '<q-td :props="props" class="whitespace-nowrap">'
    '<q-btn flat dense size="sm" icon="download" '
    ":aria-label=\"'Export ' + props.row.key\" :data-testid=\"'export-' + props.row.key\" "
    "@click=\"() => $parent.$emit('export', props.row.key)\"><q-tooltip>Export JSON"
    " (draft if any, else latest version)</q-tooltip></q-btn>"
    '<q-btn v-if="props.row.can_design" flat dense size="sm" icon="content_copy" '
    ":aria-label=\"'Duplicate ' + props.row.key\" "
    ":data-testid=\"'duplicate-' + props.row.key\" "
    "@click=\"() => $parent.$emit('duplicate', props.row.key)\"><q-tooltip>Duplicate under a"
    " new key</q-tooltip></q-btn>"
    '<q-btn v-if="props.row.can_design && props.row.has_draft" flat dense size="sm" '
    'icon="delete" color="negative" '
    ":aria-label=\"'Delete the draft of ' + props.row.key\" "
    ':data-testid="\'delete-draft-\' + props.row.key" '
    "@click=\"() => $parent.$emit('discard', props.row.key)\"><q-tooltip>Delete the"
    " draft</q-tooltip></q-btn></q-td>"
)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown time"


def process_rows(engine: Engine, *, can_design: bool) -> list[dict[str, Any]]:
    """Published processes merged with unpublished drafts, one row per key; the key links to
    the designer for those who may design, else to the latest published version."""
    rows: dict[str, dict[str, Any]] = {}
    for summary in catalog.list_processes(engine):
        rows[summary.key] = {
            "key": summary.key,
            "name": summary.name,
            "latest": summary.latest,
            "versions": ", ".join(f"v{n}" for n in summary.versions),
            "version_numbers": summary.versions,
            "draft": "none",  # a blank cell would read as missing data
            "changed": f"v{summary.latest} published {_when(summary.published_at)} by "
            f"{summary.published_by or 'unknown'}",
            "has_draft": False,
        }
    for draft in drafts.saved(engine):
        document = draft.document or {}
        row = rows.setdefault(
            draft.key,
            {
                "key": draft.key,
                "name": document.get("name") or draft.key,
                "latest": None,
                "versions": "",
                "version_numbers": [],
            },
        )
        status = catalog.draft_status(engine, document) if document else "empty"
        row["draft"] = status or f"same as v{row['latest']}"
        row["changed"] = f"{_when(draft.updated_at)} by {draft.updated_by or 'unknown'}"
        row["has_draft"] = True
    for row in rows.values():
        row["instances"] = engine.list_instances(definition=row["key"], limit=1).total
        row["can_design"] = can_design
        if can_design:
            row["href"] = f"/designer/{row['key']}"
        elif row["latest"] is not None:
            row["href"] = f"/processes/{row['key']}/versions/{row['latest']}"
        else:
            row["href"] = ""
    return sorted(rows.values(), key=lambda r: r["key"])


def export_document(engine: Engine, key: str) -> dict[str, Any] | None:
    """What "export" downloads: the draft when there is one, else the latest version."""
    return drafts.load(engine, key) or catalog.published_document(engine, key)


def duplicate_document(document: dict[str, Any], new_key: str) -> dict[str, Any]:
    """A copy of `document` under `new_key`, as a draft of its own."""
    copied = copy.deepcopy(document)
    copied["key"] = new_key
    return copied


def key_problem(key: str, taken: set[str]) -> str | None:
    """Why `key` cannot name a new process, or None when it can."""
    if not re.fullmatch(KEY_PATTERN, key):
        return "lower-case letters, digits and '-', starting with a letter or digit (max 64)"
    if key in taken:
        return f"a process with key {key!r} already exists"
    return None


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/")
    def home() -> RedirectResponse | None:
        """Each role's landing; those who land on the process list see it right here."""
        principal = auth.principal()
        if principal is not None and not principal.must_change_password:
            target = landing_path(principal.permissions)
            if target != PROCESSES_PATH:
                return RedirectResponse(target)
        processes_page("/")
        return None

    @ui.page(PROCESSES_PATH)
    def listed() -> None:
        processes_page(PROCESSES_PATH)

    def processes_page(path: str) -> None:
        with page_frame("Processes", user=auth.username()):
            principal = auth.require("definitions.read", path)
            if principal is None:
                return
            rows = process_rows(engine, can_design=principal.can(DESIGN))
            with ui.row().classes("w-full items-center justify-between"):
                ui.label("Processes").classes("text-2xl font-semibold")
                # shown to those who may design; the dialogs check again on the server
                if principal.can(DESIGN):
                    with ui.row().classes("gap-2"):
                        ui.button(
                            "Import", icon="upload_file", on_click=lambda: importer.open()
                        ).props('outline data-testid="import-process"').mark("import-process")
                        ui.button("New process", icon="add", on_click=lambda: dialog.open()).mark(
                            "new-process"
                        ).props('data-testid="new-process"')
            table = ui.table(columns=COLUMNS, rows=rows, row_key="key").classes("w-full")
            table.props('flat bordered data-testid="process-table"')
            cards_on_phones(table)
            table.add_slot(
                "body-cell-key",
                '<q-td :props="props" :data-label="props.col.label">'
                '<a v-if="props.row.href" :href="props.row.href" '
                'class="text-primary font-mono">{{ props.value }}</a>'
                '<span v-else class="font-mono">{{ props.value }}</span></q-td>',
            )
            table.add_slot(
                "body-cell-versions",
                '<q-td :props="props" :data-label="props.col.label">'
                '<a v-for="n in props.row.version_numbers" :key="n" '
                ":href=\"'/processes/' + props.row.key + '/versions/' + n\" "
                'class="text-primary mr-2">v{{ n }}</a></q-td>',
            )
            table.add_slot("body-cell-actions", ACTIONS_SLOT)
            if not rows:
                ui.label("No processes yet: create one to start drawing.").classes("text-slate-600")
            taken = {r["key"] for r in rows}
            dialog = _new_process_dialog(engine, auth, taken)
            importer = _import_dialog(engine, auth)
            duplicator = _duplicate_dialog(engine, auth, taken)
            confirm = _delete_draft_dialog(engine, auth)
            table.on("export", lambda e: _export(engine, str(e.args)))
            table.on("duplicate", lambda e: duplicator(str(e.args)))
            table.on("discard", lambda e: confirm(str(e.args)))


def may_design(auth: WebAuth) -> bool:
    """Asked again when a dialog acts: roles may have changed since the page was built."""
    principal = auth.principal()
    if principal is None or not principal.can(DESIGN):
        ui.notify("You may not create processes; log in as an analyst", type="negative")
        return False
    return True


def _new_process_dialog(engine: Engine, auth: WebAuth, taken: set[str]) -> ui.dialog:
    with ui.dialog() as dialog, ui.card().classes("w-96"):
        ui.label("New process").classes("text-lg font-semibold")
        key = (
            ui.input(
                "Key", placeholder="loan-approval", validation=lambda v: key_problem(v or "", taken)
            )
            .mark("new-key")
            .props('data-testid="new-key"')
            .classes("w-full")
        )
        name = (
            ui.input("Name", placeholder="Loan approval")
            .mark("new-name")
            .props('data-testid="new-name"')
        )
        name.classes("w-full")

        def create() -> None:
            if not may_design(auth):
                return
            problem = key_problem(key.value or "", taken)
            if problem:
                ui.notify(f"Key: {problem}", type="negative")
                return
            drafts.save(engine, new_document(key.value, name.value or None), auth.username())
            ui.navigate.to(f"/designer/{key.value}")

        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat")
            ui.button("Create and open", on_click=create).mark("create-process").props(
                'data-testid="create-process"'
            )
    return dialog


def _import_dialog(engine: Engine, auth: WebAuth) -> ui.dialog:
    """Upload a definition (JSON/YAML) or a BPMN, SCXML or Amazon States Language file; it
    becomes the draft of its key and opens in the designer. What a converted file could not
    map is listed first, by element id."""

    async def receive(event: events.UploadEventArguments) -> None:
        if not may_design(auth):
            return
        notes: list[str] = []
        try:
            document = draft_from_upload(await event.file.read(), event.file.name, notes)
        except ImportRefused as refusal:
            ui.notify(str(refusal), type="negative", multi_line=True)
            return
        drafts.save(engine, document, auth.username())
        if not notes:
            ui.navigate.to(f"/designer/{document['key']}")
            return
        report.clear()
        with report:
            ui.label(f"Imported as draft {document['key']!r}. Not everything maps:").classes(
                "text-sm font-semibold")
            for line in notes:
                ui.label(line).classes("text-xs font-mono whitespace-pre-wrap")
            ui.button("Open in the designer",
                      on_click=lambda: ui.navigate.to(f"/designer/{document['key']}")).props(
                'data-testid="open-imported"')

    with ui.dialog() as dialog, ui.card().classes("w-[36rem]"):
        ui.label("Import a process").classes("text-lg font-semibold")
        ui.label(
            "A statewright/v1 document (JSON or YAML), or a BPMN 2.0 (Camunda Modeler), SCXML "
            "or Amazon States Language file. It replaces the draft of the same key."
        ).classes("text-sm text-slate-600")
        ui.upload(on_upload=receive, auto_upload=True, max_file_size=2_000_000).props(
            'accept=".json,.yaml,.yml,.bpmn,.xml,.scxml,.asl" data-testid="import-upload"'
        ).classes("w-full").mark("import-upload")
        report = ui.column().classes("w-full gap-1").props('data-testid="import-notes"')
    return dialog


def _export(engine: Engine, key: str) -> None:
    document = export_document(engine, key)
    if document is None:
        ui.notify(f"Process {key!r} has no draft or version to export", type="negative")
        return
    text = json.dumps(document, indent=2, ensure_ascii=False)
    ui.download.content(text.encode(), f"{key}.json", "application/json")


def _duplicate_dialog(engine: Engine, auth: WebAuth, taken: set[str]) -> Callable[[str], None]:
    """Ask for a new key, then save a copy of the process (draft, else latest) as its draft."""
    source = {"key": ""}
    with ui.dialog() as dialog, ui.card().classes("w-96"):
        title = ui.label().classes("text-lg font-semibold")
        key = (
            ui.input("New key", validation=lambda v: key_problem(v or "", taken))
            .mark("duplicate-key")
            .props('data-testid="duplicate-key"')
            .classes("w-full")
        )

        def duplicate() -> None:
            if not may_design(auth):
                return
            problem = key_problem(key.value or "", taken)
            document = export_document(engine, source["key"])
            if problem or document is None:
                ui.notify(f"Key: {problem or 'nothing to copy'}", type="negative")
                return
            drafts.save(engine, duplicate_document(document, key.value), auth.username())
            ui.navigate.to(f"/designer/{key.value}")

        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat")
            ui.button("Duplicate and open", on_click=duplicate).mark("duplicate-confirm").props(
                'data-testid="duplicate-confirm"'
            )

    def open_for(process_key: str) -> None:
        source["key"] = process_key
        title.set_text(f"Duplicate {process_key}")
        key.value = f"{process_key}-copy"
        dialog.open()

    return open_for


def _delete_draft_dialog(engine: Engine, auth: WebAuth) -> Callable[[str], None]:
    """Deleting a draft loses unpublished work, so it is confirmed first."""
    target = {"key": ""}
    with ui.dialog() as dialog, ui.card().classes("w-96"):
        question = ui.label().classes("text-base")

        def delete() -> None:
            if not may_design(auth):
                return
            drafts.discard(engine, target["key"])
            ui.notify(f"Deleted the draft of {target['key']}", type="info")
            ui.navigate.to(PROCESSES_PATH)

        with ui.row().classes("w-full justify-end"):
            ui.button("Keep it", on_click=dialog.close).props("flat")
            ui.button("Delete draft", color="negative", on_click=delete).mark(
                "delete-draft-confirm"
            ).props('data-testid="delete-draft-confirm"')

    def open_for(process_key: str) -> None:
        target["key"] = process_key
        question.set_text(f"Delete the unpublished draft of {process_key}? This cannot be undone.")
        dialog.open()

    return open_for
