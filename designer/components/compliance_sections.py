"""The sections of a compliance report as cards with tables, the same rows the CSV and PDF
carry (`runtime.compliance`); each card says how many rows it has, and when it was cut."""

from __future__ import annotations

from nicegui import ui

from designer.components.empty_state import calm_when_empty
from designer.components.table_cards import cards_on_phones
from runtime.compliance import ComplianceReport, Section
from runtime.compliance.model import MAX_ROWS, cell

# Sections whose rows are findings rather than a log: any row deserves attention.
FINDINGS = ("segregation", "sla_late_tasks")
LABELS = {"sla_s": "SLA (s)", "adherence_pct": "Adherence %", "business_key": "Business key"}


def show_summary(report: ComplianceReport) -> None:
    with ui.row().classes("w-full gap-2").props('data-testid="compliance-summary"'):
        for section in report.sections:
            alarming = section.key in FINDINGS and section.rows
            ui.chip(f"{section.title}: {len(section.rows)}",
                    color="red-2" if alarming else "blue-1", text_color="grey-9").props(
                f'square data-testid="count-{section.key}"')


def show_section(section: Section) -> None:
    with ui.card().classes("w-full gap-2").props(f'data-testid="section-{section.key}"'):
        ui.label(f"{section.title} ({len(section.rows)})").classes("text-lg font-semibold")
        ui.label(section.description).classes("text-sm text-slate-600")
        if section.truncated:
            ui.label(f"Only the first {MAX_ROWS} rows are shown: narrow the period.").classes(
                "text-sm text-orange-700")
        columns = [{"name": c, "label": LABELS.get(c, c.replace("_", " ").capitalize()), "field": c,
                    "align": "left"} for c in section.columns]
        rows = [{"_row": n, **{c: cell(row.get(c)) for c in section.columns}}
                for n, row in enumerate(section.rows)]
        table = ui.table(columns=columns, rows=rows, row_key="_row",
                         pagination={"rowsPerPage": 10})
        table.classes("w-full").props(
            f'flat bordered dense data-testid="table-{section.key}"')
        cards_on_phones(table)
        calm_when_empty(table, f"None in this period. {section.title} of the period picked "
                               "above are listed here.")
