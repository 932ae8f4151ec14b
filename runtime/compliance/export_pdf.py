"""The report as a PDF (fpdf2, imported only here): a title page header with the scope, then
each section's title, description and table, so a printed report reads like the page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runtime.compliance.model import ComplianceReport, Section, cell

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "Helvetica"  # a core font: no font file to ship; it covers Latin-1


def to_pdf(report: ComplianceReport, compress: bool = True) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_compression(compress)
    pdf.set_title("Statewright compliance report")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, "Compliance report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    scope = report.scope
    pdf.cell(0, 6, _latin1(f"Period: {cell(scope.since)} to {cell(scope.until)}   "
                           f"Definition: {scope.definition or 'all'}   "
                           f"Generated: {cell(report.generated_at)}"),
             new_x="LMARGIN", new_y="NEXT")
    for section in report.sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section) -> None:
    pdf.ln(4)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 8, _latin1(f"{section.title} ({len(section.rows)})"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "I", 9)
    note = " Truncated: narrow the period to see every row." if section.truncated else ""
    pdf.multi_cell(0, 5, _latin1(section.description + "." + note),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    if not section.rows:
        pdf.cell(0, 6, "None in this period.", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(first_row_as_headings=True, line_height=4.5) as table:
        table.row([c.replace("_", " ") for c in section.columns])
        for row in section.rows:
            table.row([_latin1(cell(row.get(c))) for c in section.columns])


def _latin1(text: str) -> str:
    """What the core font can draw: other characters become `?` rather than failing."""
    return text.encode("latin-1", "replace").decode("latin-1")
