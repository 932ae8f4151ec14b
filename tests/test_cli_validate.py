"""`statewright validate` on good, bad and hostile files: exit 0/1/2, never a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parents[1] / "assets" / "samples" / "loan-approval.json"


def validate(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "validate", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )
    assert "Traceback" not in result.stderr + result.stdout
    return result


def test_a_valid_sample_passes():
    result = validate(str(SAMPLE))
    assert result.returncode == 0
    assert result.stdout.strip() == f"{SAMPLE}: valid"
    assert "\x1b[" not in result.stdout  # no colour when stdout is not a terminal


def test_json_output_is_the_spec_shape(tmp_path):
    doc = json.loads(SAMPLE.read_text())
    doc["states"].append({"id": "limbo", "type": "wait"})
    (tmp_path / "loan.json").write_text(json.dumps(doc))
    result = validate(str(tmp_path / "loan.json"), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert {(f["code"], f["severity"]) for f in report["findings"]} == {
        ("unreachable", "error"),
        ("dead-end", "error"),
        ("unbounded-wait", "warning"),
    }
    for finding in report["findings"]:
        assert set(finding) == {"code", "severity", "message", "states", "transitions"}
        assert finding["states"] == ["limbo"]


def test_the_human_report_has_one_line_per_finding_and_a_summary(tmp_path):
    doc = json.loads(SAMPLE.read_text())
    next(s for s in doc["states"] if s["id"] == "review").pop("role")
    next(s for s in doc["states"] if s["id"] == "wait_docs").pop("timeout_s")
    doc["transitions"] = [t for t in doc["transitions"] if t.get("on") != "timeout"]
    path = tmp_path / "loan.yaml"
    path.write_text(json.dumps(doc))
    result = validate(str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["error", "missing-role"]
    assert "human 'review'" in lines[0]
    assert lines[1].split()[:2] == ["warning", "unbounded-wait"]
    assert lines[-1] == f"{path}: 1 error, 1 warning"


def test_warnings_alone_still_pass(tmp_path):
    doc = json.loads(SAMPLE.read_text())
    next(s for s in doc["states"] if s["id"] == "review").pop("sla_s")
    (tmp_path / "loan.json").write_text(json.dumps(doc))
    result = validate(str(tmp_path / "loan.json"))
    assert result.returncode == 0 and result.stdout.splitlines()[-1].endswith("valid, 1 warning")


def test_a_document_on_stdin():
    result = validate("-", "--json", stdin='{"key": "loan", "states": [{"id": 1}]}')
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    assert {f["code"] for f in findings} == {"schema"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x00\x9f\x92\x96 garbage", "not UTF-8"),
        (b"<html><body>not a definition</body>", "is a string, not an object"),
        (b'{"key": "loan", ', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested more than 64 levels"),
    ],
    ids=["empty", "binary", "html", "truncated-json", "deeply-nested"],
)
def test_an_unparseable_file_exits_2_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "process.definition"  # no .json suffix: YAML is tried as well
    path.write_bytes(content)
    result = validate(str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr and str(path) in result.stderr


def test_a_file_over_ten_megabytes_exits_2(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text('{"key": "loan", "description": "' + "x" * (10 * 1024 * 1024) + '"}')
    result = validate(str(path))
    assert result.returncode == 2 and "at most 10.0 MB" in result.stderr


def test_a_missing_file_and_a_directory_exit_2(tmp_path):
    missing = validate(str(tmp_path / "nowhere.json"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    directory = validate(str(tmp_path))
    assert directory.returncode == 2 and "is a directory" in directory.stderr


def test_wrong_types_are_schema_findings_with_exit_1(tmp_path):
    path = tmp_path / "process.json"
    path.write_text(json.dumps({"key": 42, "states": "many", "transitions": [None]}))
    result = validate(str(path), "--json")
    assert result.returncode == 1
    messages = [f["message"] for f in json.loads(result.stdout)["findings"]]
    assert any(m.startswith("key: ") for m in messages)
    assert any(m.startswith("states: ") for m in messages)
    assert any(m.startswith("transitions[0]: ") for m in messages)


def test_findings_are_coloured_on_a_terminal(tmp_path):
    doc = json.loads(SAMPLE.read_text())
    next(s for s in doc["states"] if s["id"] == "review").pop("role")
    (tmp_path / "loan.json").write_text(json.dumps(doc))
    terminal, terminal_end = os.openpty()
    with os.fdopen(terminal, "rb") as screen:
        result = subprocess.run(
            [sys.executable, "-m", "runtime.cli", "validate", str(tmp_path / "loan.json")],
            stdout=terminal_end,
            stderr=subprocess.PIPE,
            timeout=60,
        )
        os.close(terminal_end)
        output = screen.read1(65536).decode()
    assert result.returncode == 1
    assert "\x1b[31m" in output and "missing-role" in output
