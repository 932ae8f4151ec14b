"""Compliance reports, on SQLite and PostgreSQL: a month of expense claims in which Ana both
prepares and approves one claim (four eyes broken, and late), an operator corrects an IBAN,
an admin grants roles and creates a token; the auditor's report shows all of it."""

from __future__ import annotations

import csv
import io
import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api_callers import Callers, cheap_passwords  # noqa: F401 (a fixture)
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from runtime import Engine
from runtime.api import create_app
from runtime.cli import app as cli
from runtime.compliance import Scope, ScopeInvalid, build_report, to_csv, to_pdf
from runtime.core.errors import NotFound
from runtime.operations import perform
from runtime.people.tasks import Caller
from runtime.security.identity import IdentityService
from shared.validation import validate

ANA = Caller("ana", frozenset({"clerk", "approver"}))
BEN = Caller("ben", frozenset({"approver"}))
EXPENSES: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "expense-claim",
    "variables": [
        {"name": "amount", "type": "number", "required": True},
        {"name": "iban", "type": "string", "sensitive": True},
    ],
    "states": [
        {"id": "submitted", "type": "start"},
        {"id": "prepare", "type": "human", "role": "clerk", "sla_s": 86400,
         "form": [{"name": "iban", "type": "string", "required": True}]},
        {"id": "approve", "type": "human", "role": "approver", "sla_s": 3600},
        {"id": "paid", "type": "end", "outcome": "completed"},
    ],
    "transitions": [
        {"from": "submitted", "to": "prepare"},
        {"from": "prepare", "to": "approve", "on": "submit"},
        {"from": "approve", "to": "paid", "on": "approve"},
    ],
    "segregation": [{"name": "four eyes", "states": ["prepare", "approve"]}],
}
TITLES = ("Activity", "Operator actions", "Admin acts", "Sensitive access", "DLP findings",
          "Segregation of duties", "SLA adherence", "Late tasks")


def _work(engine: Engine, iid: str, who: Caller, outcome: str, data: dict | None = None) -> None:
    task = next(t for t in engine.tasks.list(who, state="open").items if t.instance_id == iid)
    engine.tasks.claim(task.id, who)
    engine.tasks.complete(task.id, who, outcome, data or {})


@pytest.fixture
def month(engine: Engine, db_url: str, clock: Any) -> dict[str, str]:
    engine.publish(EXPENSES)
    fair = engine.start("expense-claim", {"amount": 120}, actor="intake")
    _work(engine, fair, ANA, "submit", {"iban": "DE02120300000000202051"})
    clock.advance(600)
    _work(engine, fair, BEN, "approve")

    selfish = engine.start("expense-claim", {"amount": 4800}, actor="intake")
    _work(engine, selfish, ANA, "submit", {"iban": "DE02500105170137075030"})
    clock.advance(2 * 3600)  # past the approval's one-hour SLA
    _work(engine, selfish, ANA, "approve")

    held = engine.start("expense-claim", {"amount": 75}, actor="intake")
    perform(engine.ledger, held, "suspend", "receipt is missing", actor="olga")
    perform(engine.ledger, held, "resume", "receipt arrived", actor="olga")
    perform(engine.ledger, held, "set-vars", "customer corrected the IBAN", actor="olga",
            variables={"iban": "DE89370400440532013000"})

    identity = IdentityService(db_url, clock=clock)
    try:
        identity.create_user("aud", roles=["auditor"])
        identity.record_admin_act("root", "user.create", "aud", "roles: auditor")
        identity.create_user("ana", roles=["clerk"])
        identity.set_roles("ana", ["clerk", "approver"])
        identity.record_admin_act("root", "user.roles", "ana", "+approver")
        identity.create_token("aud", "quarterly review")
        identity.record_admin_act("root", "token.create", "t-1", "quarterly review for aud")
    finally:
        identity.close()
    return {"fair": fair, "selfish": selfish, "held": held}


def _report(engine: Engine, since: str = "2026-01-01", until: str = "2026-01-31",
            definition: str | None = None) -> Any:
    with engine.store.read() as conn:
        return build_report(conn, Scope.parse(since, until, definition), engine.clock.now())


def test_the_report_shows_who_did_what_and_the_broken_four_eyes_rule(
        engine: Engine, month: dict[str, str]) -> None:
    report = _report(engine)
    assert [s.title for s in report.sections] == list(TITLES)
    actors = {r["actor"] for r in report.section("activity").rows}
    assert {"intake", "ana", "ben", "olga"} <= actors
    assert any(r["what"] == "approve -> paid on approve" and r["actor"] == "ben"
               for r in report.section("activity").rows)

    acts = [(r["actor"], r["action"], r["reason"]) for r in
            report.section("operator_actions").rows]
    assert acts == [("olga", "suspend", "receipt is missing"),
                    ("olga", "resume", "receipt arrived"),
                    ("olga", "set-vars", "customer corrected the IBAN")]
    assert report.section("operator_actions").rows[2]["detail"] == "variables: iban"

    admin = [(r["actor"], r["action"], r["target"]) for r in report.section("admin_acts").rows]
    assert admin == [("root", "user.create", "aud"), ("root", "user.roles", "ana"),
                     ("root", "token.create", "t-1")]

    sensitive = [(r["actor"], r["access"], r["variables"]) for r in
                 report.section("sensitive_access").rows]
    assert sensitive == [("ana", "entered in a task form", "iban"),
                         ("ana", "entered in a task form", "iban"),
                         ("olga", "set by an operator", "iban")]
    assert "DE02" not in str(report.to_json())  # names only, never a sensitive value

    [violation] = report.section("segregation").rows
    assert (violation["instance"], violation["actor"], violation["rule"],
            violation["states"]) == (month["selfish"], "ana", "four eyes", "prepare + approve")


def test_sla_adherence_counts_the_late_approval(engine: Engine, month: dict[str, str]) -> None:
    report = _report(engine)
    approve = next(r for r in report.section("sla_adherence").rows if r["state"] == "approve")
    assert (approve["finished"], approve["breaches"], approve["adherence_pct"]) == (2, 1, 50.0)
    [late] = report.section("sla_late_tasks").rows
    assert (late["instance"], late["state"], late["done_by"], late["status"]) == (
        month["selfish"], "approve", "ana", "late")


def test_period_and_definition_filter_the_report(engine: Engine,
                                                 month: dict[str, str]) -> None:
    later = _report(engine, "2026-01-02", "2026-01-31")
    assert all(not s.rows for s in later.sections if s.key != "sla_adherence")
    assert _report(engine, definition="expense-claim").section("segregation").rows
    with pytest.raises(NotFound, match="'travel' is not published"):
        _report(engine, definition="travel")
    with pytest.raises(ScopeInvalid, match="from 'last tuesday' is not a date"):
        Scope.parse("last tuesday", None)
    with pytest.raises(ScopeInvalid, match="the period is empty"):
        Scope.parse("2026-02-01", "2026-01-01")


def test_csv_reads_back_row_for_row(engine: Engine, month: dict[str, str]) -> None:
    report = _report(engine)
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    for section in report.sections:
        assert sum(r["section"] == section.key for r in rows) == len(section.rows)
    [violation] = [r for r in rows if r["section"] == "segregation"]
    assert violation["actor"] == "ana" and violation["rule"] == "four eyes"


def _pdf_text(pdf: bytes) -> str:
    """The text of every (Flate-compressed) content stream, enough to find the titles."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    text = b""
    for body in streams:
        try:
            text += zlib.decompress(body)
        except zlib.error:
            text += body
    return text.decode("latin-1")


def test_pdf_has_every_section(engine: Engine, month: dict[str, str]) -> None:
    pdf = to_pdf(_report(engine))
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    for title in TITLES:
        assert f"({title} (" in text.replace("\\(", "(").replace("\\)", ")"), title


@pytest.mark.usefixtures("cheap_passwords")
def test_the_api_serves_auditors_and_refuses_operators(engine: Engine,
                                                      month: dict[str, str]) -> None:
    app = create_app(engine)
    with TestClient(app) as api:
        callers = Callers(app)
        auditor = callers.bearer("aude", "auditor")
        url = "/api/v1/compliance/report?from=2026-01-01&to=2026-01-31"
        body = api.get(url, headers=auditor).json()
        assert body["scope"]["from"] == "2026-01-01T00:00:00+00:00"
        segregation = next(s for s in body["sections"] if s["key"] == "segregation")
        assert segregation["rows"][0]["actor"] == "ana"

        refused = api.get(url, headers=callers.bearer("olga", "operator"))
        assert refused.status_code == 403

        as_csv = api.get(url + "&format=csv&definition=expense-claim", headers=auditor)
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert "compliance-20260101-20260201-expense-claim.csv" in as_csv.headers[
            "content-disposition"]
        assert as_csv.text.startswith("section,")
        as_pdf = api.get(url + "&format=pdf", headers=callers.bearer("root", "admin"))
        assert as_pdf.content.startswith(b"%PDF")

        bad = api.get("/api/v1/compliance/report?from=2026-13-01", headers=auditor)
        assert bad.status_code == 422 and "from" in bad.json()["error"]["message"]
        unknown = api.get("/api/v1/compliance/report?definition=travel", headers=auditor)
        assert unknown.status_code == 404


def test_the_cli_writes_csv_and_pdf_and_refuses_bad_input(
        engine: Engine, month: dict[str, str], db_url: str, tmp_path: Any) -> None:
    runner = CliRunner()
    out = tmp_path / "q1.csv"
    done = runner.invoke(cli, ["compliance", "report", "--db", db_url, "--from", "2026-01-01",
                               "--to", "2026-01-31", "--definition", "expense-claim",
                               "--format", "csv", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "segregation of duties 1" in done.output
    assert any(r["section"] == "segregation" for r in csv.DictReader(out.open()))
    pdf = tmp_path / "q1.pdf"
    assert runner.invoke(cli, ["compliance", "report", "--db", db_url, "--from", "2026-01-01",
                               "--format", "pdf", "--out", str(pdf)]).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")

    for args, message in ((["--format", "pdf"], "--format pdf needs --out"),
                          (["--format", "xml"], "--format 'xml' is unknown"),
                          (["--from", "soon"], "--from: from 'soon' is not a date"),
                          (["--definition", "travel"], "'travel' is not published")):
        refused = runner.invoke(cli, ["compliance", "report", "--db", db_url, *args])
        assert refused.exit_code == 2 and message in refused.output, refused.output


def test_showing_sensitive_values_in_the_clear_is_recorded(
        engine: Engine, month: dict[str, str], db_url: str) -> None:
    masked = CliRunner().invoke(cli, ["show", month["held"], "--db", db_url])
    assert masked.exit_code == 0 and "DE89370400440532013000" not in masked.output
    shown = CliRunner().invoke(cli, ["show", month["held"], "--reveal", "--db", db_url])
    assert shown.exit_code == 0 and "DE89370400440532013000" in shown.output
    now = datetime.now(UTC)
    with engine.store.read() as conn:
        report = build_report(conn, Scope(now - timedelta(hours=1), now + timedelta(hours=1)),
                              now)
    [read] = report.section("sensitive_access").rows
    assert (read["access"], read["instance"]) == ("read in the clear", month["held"])
    assert read["variables"] == "iban via statewright show"  # the masked show recorded nothing
    assert read["actor"].startswith("cli")


def test_personal_data_the_dlp_scan_found_is_listed_by_name_and_kind_only(
        engine: Engine, month: dict[str, str]) -> None:
    noted = {**EXPENSES, "key": "expense-note", "dlp": {"mode": "mask"},
             "variables": [*EXPENSES["variables"], {"name": "note", "type": "string"}]}
    engine.publish(noted)
    iid = engine.start("expense-note", {"amount": 9, "note": "card 4111-1111-1111-1111, "
                                        "ask jane@example.com"}, actor="intake")
    report = _report(engine)
    rows = report.section("dlp_findings").rows
    assert [(r["actor"], r["instance"], r["source"], r["variable"], r["kind"], r["action"])
            for r in rows] == [("intake", iid, "start", "note", "card", "masked"),
                               ("intake", iid, "start", "note", "email", "masked")]
    exported = to_csv(report) + _pdf_text(to_pdf(report))
    assert "4111" not in exported and "jane@" not in exported


def test_a_segregation_rule_must_name_states_people_do() -> None:
    broken = {**EXPENSES, "segregation": [{"states": ["prepare", "paid", "pay"]}]}
    found = [(f.code, f.message) for f in validate(broken).findings]
    assert ("bad-segregation", "segregation[0] names end 'paid', which no person does: "
            "name only start, human, wait states") in found
    assert any("names 'pay', but there is no such state" in m for _, m in found)
    assert validate(EXPENSES).ok
