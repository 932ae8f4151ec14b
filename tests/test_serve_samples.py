"""What `serve` does before listening: publish the samples once, mount the web UI if it can."""

from __future__ import annotations

import json
import logging
import sys
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from runtime import Engine
from runtime.cli import serving as server
from runtime.samples import SAMPLES_DIR_ENV, publish_samples, samples_dir

SAMPLES = Path(__file__).resolve().parents[1] / "assets" / "samples"


def test_a_fresh_database_gets_every_sample_once(engine):
    published = publish_samples(engine, SAMPLES)
    assert {key for key, _ in published} == {p.stem for p in SAMPLES.glob("*.json")}
    assert all(version == 1 for _, version in published)
    assert publish_samples(engine, SAMPLES) == [], "a database with definitions is not fresh"
    assert all(d.version_count == 1 for d in engine.definitions())


def test_broken_samples_are_skipped_with_a_warning(engine, tmp_path, loan_approval, caplog):
    (tmp_path / "loan.json").write_text(json.dumps(loan_approval))
    (tmp_path / "half-written.json").write_text('{"key": "half", "states": [')
    trap = {**loan_approval, "key": "trap"}
    trap["transitions"] = [t for t in loan_approval["transitions"] if t["from"] != "wait_docs"]
    (tmp_path / "trap.json").write_text(json.dumps(trap))
    with caplog.at_level(logging.WARNING, logger="statewright.samples"):
        published = publish_samples(engine, tmp_path)
    assert published == [("loan-approval", 1)]
    assert "half-written.json" in caplog.text and "trap.json" in caplog.text
    assert "dead-end" in caplog.text


def test_a_sample_another_server_published_first_is_not_an_error(engine, monkeypatch):
    publish = engine.publish
    raced = []

    def lose_the_first_race(document: Any, actor: str | None = None) -> Any:
        if not raced:
            raced.append(document["key"])
            publish(document)
            raise IntegrityError("INSERT INTO definitions", {}, Exception("duplicate key"))
        return publish(document, actor=actor)

    monkeypatch.setattr(engine, "publish", lose_the_first_race)
    published = publish_samples(engine, SAMPLES)
    assert len(published) == len(list(SAMPLES.glob("*.json"))) - 1
    assert len(engine.definitions()) == len(list(SAMPLES.glob("*.json")))


def test_a_missing_sample_folder_is_a_warning_not_a_failure(engine, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="statewright.samples"):
        assert publish_samples(engine, tmp_path / "nowhere") == []
    assert "nowhere" in caplog.text


def test_the_sample_folder_can_be_configured(monkeypatch, tmp_path):
    assert samples_dir() == SAMPLES
    monkeypatch.setenv(SAMPLES_DIR_ENV, str(tmp_path))
    assert samples_dir() == tmp_path


def test_a_web_ui_that_fails_to_load_is_logged_and_the_api_is_served_alone(
    sqlite_url, monkeypatch, tmp_path, caplog
):
    engine = Engine(sqlite_url)
    (tmp_path / "ui_probe.py").write_text(
        "MOUNTED = []\n\ndef mount(app, engine):\n    MOUNTED.append((app, engine))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "ui_probe", raising=False)
    entries = [
        EntryPoint(name="designer", value="no_such_designer.app:mount", group="statewright.ui"),
        EntryPoint(name="probe", value="ui_probe:mount", group="statewright.ui"),
    ]
    monkeypatch.setattr(server, "entry_points", lambda group: entries)
    app = FastAPI()
    with caplog.at_level(logging.ERROR, logger="statewright.serve"):
        assert server.mount_ui(app, engine) == ["probe"]
    assert "'designer'" in caplog.text and "no_such_designer" in caplog.text

    import ui_probe

    assert [(app, engine)] == ui_probe.MOUNTED
    engine.close()
