"""Action modules plug into `serve` and `worker`: entry points, $STATEWRIGHT_ACTIONS, --actions.

A team writes `register(engine)` in its own package and names it; a name that cannot be loaded
stops the process with a message naming the module, never a traceback.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from runtime import Engine
from runtime.cli import app
from runtime.demo import DEMO_ACTIONS
from runtime.execution import action_loading as loading
from runtime.execution.action_loading import (
    ACTIONS_ENV,
    DEMO_REFERENCE,
    ActionLoadingError,
    ActionSource,
    action_sources,
    load_actions,
)
from runtime.execution.actions import ActionContext

LETTERS_MODULE = """
def register(engine):
    @engine.action("send_welcome_letter")
    def send_welcome_letter(ctx):
        return {"letter": "sent to " + ctx.variables["customer"]}

    @engine.action("credit_score")
    async def credit_score(ctx):
        return {"credit_score": 801}
"""

WELCOME: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "customer-welcome",
    "name": "Customer welcome",
    "variables": [{"name": "customer", "type": "string", "required": True},
                  {"name": "letter", "type": "string"}],
    "states": [
        {"id": "signed_up", "type": "start"},
        {"id": "welcome", "type": "task", "action": "send_welcome_letter"},
        {"id": "welcomed", "type": "end", "outcome": "completed"},
        {"id": "not_welcomed", "type": "end", "outcome": "failed"},
    ],
    "transitions": [
        {"from": "signed_up", "to": "welcome"},
        {"from": "welcome", "to": "welcomed", "on": "done"},
        {"from": "welcome", "to": "not_welcomed", "on": "error"},
    ],
}


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path for the action modules a test writes."""
    folder = tmp_path / "modules"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def _write(folder: Path, name: str, source: str) -> None:
    (folder / f"{name}.py").write_text(textwrap.dedent(source))


def _no_installed(monkeypatch: pytest.MonkeyPatch, *entries: EntryPoint) -> None:
    monkeypatch.setattr(loading, "entry_points", lambda group: list(entries))


def test_the_demo_module_is_an_installed_entry_point():
    sources = action_sources(demo=False, environ={})
    assert DEMO_REFERENCE not in [s.reference for s in sources]
    installed = loading.entry_points(group=loading.ENTRY_POINT_GROUP)
    assert DEMO_REFERENCE in [entry.value for entry in installed]


def test_sources_come_in_order_demo_installed_environment_command_line(monkeypatch):
    _no_installed(
        monkeypatch,
        EntryPoint("demo", DEMO_REFERENCE, loading.ENTRY_POINT_GROUP),
        EntryPoint("billing", "acme.billing:register_actions", loading.ENTRY_POINT_GROUP),
    )
    sources = action_sources(["acme.cli_one", "acme.shared"], demo=True,
                             environ={ACTIONS_ENV: " acme.env_one, ,acme.shared"})
    assert sources == [
        ActionSource(DEMO_REFERENCE, "the demo actions"),
        ActionSource("acme.billing:register_actions", "entry point 'billing'"),
        ActionSource("acme.env_one", f"${ACTIONS_ENV}"),
        ActionSource("acme.shared", f"${ACTIONS_ENV}"),
        ActionSource("acme.cli_one", "--actions"),
    ]
    assert action_sources(demo=False, environ={})[0].reference == "acme.billing:register_actions"


def test_a_teams_module_registers_its_actions_and_overrides_a_demo_one(
    modules, monkeypatch, sqlite_url
):
    _no_installed(monkeypatch)
    _write(modules, "acme_letters", LETTERS_MODULE)
    with Engine(sqlite_url) as engine:
        loaded = load_actions(engine, ["acme_letters"], demo=True, environ={})
        assert [s.reference for s in loaded] == [DEMO_REFERENCE, "acme_letters"]
        assert set(engine.actions.names()) == set(DEMO_ACTIONS) | {"send_welcome_letter"}
        engine.publish(WELCOME)
        iid = engine.start("customer-welcome", {"customer": "Ida"}, actor="web")
        engine.run_until_idle()
        assert engine.get(iid).variables["letter"] == "sent to Ida"
        scoring = ActionContext(instance_id=iid, action="credit_score", state="score", attempt=1)
        assert engine.actions.run(scoring, timeout_s=5) == {"credit_score": 801}


def test_an_installed_entry_point_names_its_register_function(modules, monkeypatch, sqlite_url):
    _write(modules, "acme_plugin", """
        def add_actions(engine):
            engine.action("audit_ping")(lambda ctx: {})
    """)
    _no_installed(monkeypatch, EntryPoint("acme", "acme_plugin:add_actions",
                                          loading.ENTRY_POINT_GROUP))
    with Engine(sqlite_url) as engine:
        load_actions(engine, demo=False, environ={})
        assert engine.actions.names() == ["audit_ping"]


@pytest.mark.parametrize(
    ("name", "source", "message"),
    [
        ("acme_missing", None, "cannot load the action module 'acme_missing' (--actions): "
                               "there is no module named 'acme_missing'"),
        ("acme_needs_lib", "import acme_not_installed_lib\n",
         "'acme_needs_lib' (--actions) could not be imported: "
         "No module named 'acme_not_installed_lib'"),
        ("acme_typo", "def register(engine)\n", "'acme_typo' (--actions) has a syntax error at "),
        ("acme_crashes", "raise RuntimeError('no config')\n",
         "'acme_crashes' (--actions) failed while importing: RuntimeError: no config"),
        ("acme_empty", "VALUE = 1\n", "'acme_empty' (--actions) has no register(engine) function"),
        ("acme_broken", "def register(engine):\n    engine.action('x')(42)\n",
         "register(engine) of the action module 'acme_broken' (--actions) failed: TypeError: "
         "the handler for action 'x' is not callable"),
        ("acme/letters.py", None, "'acme/letters.py' (--actions) is not a module path"),
    ],
)
def test_a_module_that_cannot_be_loaded_is_named_in_the_error(
    modules, monkeypatch, sqlite_url, name, source, message
):
    _no_installed(monkeypatch)
    if source is not None:
        _write(modules, name, source)
    with Engine(sqlite_url) as engine, pytest.raises(ActionLoadingError) as error:
        load_actions(engine, [name], demo=False, environ={})
    assert message in str(error.value)


def test_the_environment_variable_is_named_when_its_module_is_missing(monkeypatch, sqlite_url):
    _no_installed(monkeypatch)
    with Engine(sqlite_url) as engine, pytest.raises(ActionLoadingError, match=r"\$STATEWRIGHT"):
        load_actions(engine, demo=False, environ={ACTIONS_ENV: "acme.gone"})


# ---- the command line ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("args", "modules_seen", "demo"),
    [
        (["serve"], [], True),
        (["serve", "--no-samples"], [], False),
        (["serve", "--no-samples", "--demo-actions"], [], True),
        (["serve", "--no-demo-actions", "--actions", "acme.a", "--actions", "acme.b"],
         ["acme.a", "acme.b"], False),
        (["worker"], [], True),
        (["worker", "--no-demo-actions", "--actions", "acme.a"], ["acme.a"], False),
    ],
)
def test_serve_and_worker_pass_their_flags_to_the_loader(
    monkeypatch, sqlite_url, args, modules_seen, demo
):
    seen: list[tuple[list[str], bool]] = []

    def refuse(engine: Any, modules: Any, *, demo: bool) -> None:
        seen.append((list(modules), demo))
        raise ActionLoadingError("the action module 'acme.a' (--actions) is not there")

    monkeypatch.setattr("runtime.cli.serving.load_actions", refuse)
    result = CliRunner().invoke(app, [*args, "--db", sqlite_url])
    assert result.exit_code == 2
    assert seen == [(modules_seen, demo)]
    assert "error: the action module 'acme.a' (--actions) is not there" in result.output


def _statewright(*args: str, cwd: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "runtime.cli", *args], cwd=cwd,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": _pythonpath(cwd), **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _pythonpath(modules: Path) -> str:
    return f"{modules}:{Path(__file__).resolve().parents[1]}"


def test_a_bad_module_stops_the_worker_with_exit_2_and_no_traceback(tmp_path):
    process = _statewright("worker", "--db", f"sqlite:///{tmp_path / 'sw.db'}",
                           "--actions", "acme.no_such_actions", cwd=tmp_path)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "cannot load the action module 'acme.no_such_actions' (--actions)" in output
    assert "Traceback" not in output


def test_a_worker_runs_the_actions_of_a_module_named_in_the_environment(modules, tmp_path):
    _write(modules, "acme_letters", LETTERS_MODULE)
    db = f"sqlite:///{tmp_path / 'sw.db'}"
    with Engine(db) as engine:
        engine.publish(WELCOME)
        iid = engine.start("customer-welcome", {"customer": "Ida"}, actor="web")
        process = _statewright("worker", "--db", db, "--no-demo-actions", cwd=modules,
                               STATEWRIGHT_ACTIONS="acme_letters")
        try:
            deadline = time.monotonic() + 60
            while engine.get(iid).status == "running" and process.poll() is None:
                assert time.monotonic() < deadline, "the worker never ran the welcome letter"
                time.sleep(0.2)
            assert engine.get(iid).variables["letter"] == "sent to Ida"
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Actions registered from acme_letters: credit_score, send_welcome_letter" in output
