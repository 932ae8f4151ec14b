"""`statewright import` and `export` from a shell: exit codes 0/1/2, files written only
when the result is a valid definition, never a traceback, and no web stack loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest

from runtime import Engine
from shared.loading import load_document, parse_definition
from tests.formats_helpers import BILLION_LAUGHS, FIXTURES, ROOT, SAMPLES, XXE


def statewright(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "runtime.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert "Traceback" not in done.stdout + done.stderr
    return done


def test_a_camunda_file_that_maps_completely_is_written(tmp_path):
    out = tmp_path / "approval.json"
    done = statewright("import", str(FIXTURES / "camunda7-approval.bpmn"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "imported 'order-approval' (9 states)" in done.stdout
    assert "warning approve_sla: the timer becomes the human task's SLA" in done.stderr
    assert statewright("validate", str(out)).returncode == 0


def test_a_file_with_unmapped_elements_is_reported_and_not_written(tmp_path):
    out = tmp_path / "claim.json"
    done = statewright("import", str(FIXTURES / "camunda-claim.bpmn"), "--out", str(out))
    assert done.returncode == 1
    assert "error   Flow_Old: condition '=date(filed)" in done.stderr
    assert "unreachable" in done.stderr
    # the payment branch can fail into an end event before the parallel gateways' join
    assert "unbalanced_fork: branch 1 of fork 'Gateway_Fork'" in done.stderr
    assert "not written" in done.stderr.splitlines()[-1]
    assert not out.exists()


@pytest.mark.parametrize(("name", "message"), [
    ("order.asl.json", "Notify all: a Parallel needs two or more `Branches`"),
    ("traffic.scxml", "notify: <parallel> not imported"),
])
def test_asl_and_scxml_are_told_by_content(tmp_path, name, message):
    done = statewright("import", str(FIXTURES / name), "--out", str(tmp_path / "x.json"))
    assert done.returncode == 1  # both fixtures hold a malformed parallel part on purpose
    assert message in done.stderr


@pytest.mark.parametrize(("content", "message"), [
    (XXE, "refused: the XML declares a DTD or entities"),
    (BILLION_LAUGHS, "refused: the XML declares a DTD or entities"),
    (b"<bpmn:definitions", "not well-formed XML"),
    (b'{"StartAt": ', "not valid JSON"),
    (b"just text", "not a BPMN, SCXML or Amazon States Language file"),
    (b"", "is empty"),
])
def test_bad_input_is_one_line_naming_the_file_and_exit_2(tmp_path, content, message):
    path = tmp_path / "upload.bpmn"
    path.write_bytes(content)
    done = statewright("import", str(path), "--out", str(tmp_path / "x.json"))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith(f"error: {path}") and message in done.stderr


def test_a_missing_file_is_exit_2(tmp_path):
    done = statewright("import", str(tmp_path / "nope.bpmn"), "--out", str(tmp_path / "x.json"))
    assert done.returncode == 2 and "no such file" in done.stderr


@pytest.fixture
def published(db_url):
    """Two versions of the loan sample in the store (the second with another SLA)."""
    document = load_document(SAMPLES[2])
    with Engine(db_url) as engine:
        engine.publish(document)
        review = next(s for s in document["states"] if s["id"] == "review")
        review["sla_s"] = 3600
        engine.publish(document)
    return db_url, parse_definition(document)


@pytest.mark.parametrize("kind", ["bpmn", "scxml", "json"])
def test_export_writes_the_latest_version_and_it_imports_back(tmp_path, published, kind):
    db, definition = published
    out = tmp_path / f"loan.{kind}"
    done = statewright("export", definition.key, "--format", kind, "--out", str(out), "--db", db)
    assert done.returncode == 0, done.stderr
    assert f"{definition.key} v2: {kind} written to {out}" in done.stdout
    if kind == "json":
        assert parse_definition(json.loads(out.read_text())) == definition
        return
    back = tmp_path / "back.json"
    assert statewright("import", str(out), "--out", str(back)).returncode == 0
    assert parse_definition(json.loads(back.read_text())).to_document() == \
        definition.to_document()


def test_export_of_an_older_version_to_stdout(published):
    db, definition = published
    done = statewright("export", definition.key, "--format", "bpmn", "--version", "1",
                       "--db", db)
    assert done.returncode == 0, done.stderr
    root = ET.fromstring(done.stdout)
    assert '"sla_s":86400' in done.stdout and '"sla_s":3600' not in done.stdout
    assert root.tag.endswith("definitions")
    mermaid = statewright("export", definition.key, "--format", "mermaid", "--db", db)
    assert mermaid.stdout.startswith("---\ntitle: Loan approval\n---\nstateDiagram-v2")
    yaml_text = statewright("export", definition.key, "-f", "yaml", "--db", db).stdout
    assert "key: loan-approval" in yaml_text


def test_export_refuses_unknown_formats_and_keys(published):
    db, _ = published
    done = statewright("export", "loan-approval", "--format", "asl", "--db", db)
    assert done.returncode == 2 and "asl is import only" in done.stderr
    done = statewright("export", "no-such-process", "--db", db)
    assert done.returncode == 1 and "no-such-process" in done.stderr


def test_import_and_export_leave_the_web_stack_unloaded(tmp_path):
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from runtime.cli import app\n"
        f"done = CliRunner().invoke(app, ['import', {str(FIXTURES / 'camunda7-approval.bpmn')!r},"
        f" '--out', {str(tmp_path / 'x.json')!r}])\n"
        "assert done.exit_code == 0, done.output\n"
        "import shared.formats.bpmn_write, shared.formats.scxml_write, shared.formats.mermaid\n"
        "print(sorted(m for m in ('fastapi', 'nicegui', 'sqlalchemy', 'uvicorn') "
        "if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

