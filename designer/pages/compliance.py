"""The Compliance page: the compliance report (docs/compliance.md) of a period and
definition, section by section, with CSV and PDF downloads of exactly what is shown.

It needs `compliance.read` (admins and auditors). Each download asks the server again,
since roles may change while the page is open.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from nicegui import run, ui

from designer.auth import WebAuth
from designer.components.compliance_sections import show_section, show_summary
from designer.components.shell import page_frame
from runtime.compliance import ComplianceReport, Scope, build_report, to_csv, to_pdf
from runtime.core.errors import EngineError

if TYPE_CHECKING:
    from runtime import Engine

PERMISSION = "compliance.read"
PATH = "/compliance"
ALL = "all definitions"


class CompliancePage:
    def __init__(self, engine: Engine, auth: WebAuth) -> None:
        self.engine = engine
        self.auth = auth
        self.report: ComplianceReport | None = None

    def build(self) -> None:
        today = self.engine.clock.now().date()
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Compliance").classes("text-2xl font-semibold")
            with ui.row().classes("gap-2"):
                ui.button("CSV", icon="download", on_click=lambda: self.download("csv")).props(
                    'outline data-testid="download-csv"')
                ui.button("PDF", icon="picture_as_pdf",
                          on_click=lambda: self.download("pdf")).props(
                    'outline data-testid="download-pdf"')
        with ui.card().classes("w-full"), ui.row().classes("w-full items-end gap-4"):
            self.since = ui.input("From", value=str(today - timedelta(days=30))).props(
                'type=date data-testid="filter-from"')
            self.until = ui.input("To (included)", value=str(today)).props(
                'type=date data-testid="filter-to"')
            keys = [d.key for d in self.engine.definitions()]
            self.definition = ui.select([ALL, *keys], value=ALL, label="Definition").classes(
                "w-64").props('data-testid="filter-definition"')
            ui.button("Show", icon="search", on_click=self.refresh).props(
                'data-testid="filter-show"')
        self.error = ui.label().classes("text-red-700").props('data-testid="filter-error"')
        self.body = ui.column().classes("w-full gap-4")
        self.refresh()

    def scope(self) -> Scope:
        chosen = self.definition.value
        return Scope.parse(self.since.value or None, self.until.value or None,
                           None if chosen == ALL else chosen, self.engine.clock.now())

    def refresh(self) -> None:
        self.error.set_text("")
        self.body.clear()
        try:
            scope = self.scope()
            with self.engine.store.read() as conn:
                self.report = build_report(conn, scope, self.engine.clock.now())
        except EngineError as exc:
            self.report = None
            self.error.set_text(exc.message)
            return
        with self.body:
            show_summary(self.report)
            for section in self.report.sections:
                show_section(section)

    async def download(self, kind: str) -> None:
        if self.auth.allowed(PERMISSION, "download compliance reports") is None:
            return
        report = self.report
        if report is None:
            ui.notify("Choose a valid period first", type="warning")
            return
        scope = report.scope
        name = f"compliance-{scope.since:%Y%m%d}-{scope.until:%Y%m%d}"
        name += f"-{scope.definition}" if scope.definition else ""
        if kind == "pdf":
            body: bytes | str = await run.io_bound(to_pdf, report)
            media = "application/pdf"
        else:
            body, media = to_csv(report), "text/csv"
        ui.download.content(body, f"{name}.{kind}", media)


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page(PATH)
    def page() -> None:
        with page_frame("Compliance", user=auth.username(), full_width=True):
            if auth.require(PERMISSION, PATH) is None:
                return
            CompliancePage(engine, auth).build()
