"""The report as one CSV file: a `section` column, then the union of every section's columns
(each row fills its own), so a spreadsheet filters by section and `csv.DictReader` reads it."""

from __future__ import annotations

import csv
import io

from runtime.compliance.model import ComplianceReport, cell


def to_csv(report: ComplianceReport) -> str:
    columns = list(dict.fromkeys(c for s in report.sections for c in s.columns))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["section", *columns], lineterminator="\n")
    writer.writeheader()
    for section in report.sections:
        for row in section.rows:
            writer.writerow({"section": section.key,
                             **{c: cell(row.get(c)) for c in section.columns}})
    return out.getvalue()
