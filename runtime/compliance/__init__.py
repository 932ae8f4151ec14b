"""Compliance reports (docs/compliance.md): who did what when, operator actions with their
reasons, admin acts, access to sensitive values, segregation-of-duties violations and SLA
adherence, for a period and optionally one definition; as data, CSV or PDF.

Pure reads of the store (the event log, tasks, dashboard aggregates and the identity record
of admin acts); nothing here writes.
"""

from runtime.compliance.export_csv import to_csv
from runtime.compliance.export_pdf import to_pdf
from runtime.compliance.model import ComplianceReport, Scope, ScopeInvalid, Section
from runtime.compliance.report import build_report

FORMATS = ("json", "csv", "pdf")

__all__ = ["FORMATS", "ComplianceReport", "Scope", "ScopeInvalid", "Section", "build_report",
           "to_csv", "to_pdf"]
