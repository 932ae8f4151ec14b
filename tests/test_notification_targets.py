"""Notification channels cannot be pointed into the server's own network (SSRF): loopback,
link-local (cloud metadata) and private targets are refused when a channel is added — by the
engine, the REST API and the CLI — and again at delivery, on the address actually connected
to, unless `STATEWRIGHT_ALLOW_PRIVATE_WEBHOOKS` allows them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient
from test_tasks import _claim, _task_of
from webhook_receiver import WebhookReceiver, free_port

from runtime import Engine, EngineError
from runtime.api import create_app
from runtime.people import notifications as notes

ALLOW = "STATEWRIGHT_ALLOW_PRIVATE_WEBHOOKS"
INTERNAL = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://127.0.0.1:8080/admin",
    "http://localhost:9090/",
    "http://10.0.0.5/hook",
    "http://192.168.1.20/hook",
    "http://100.64.0.1/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "https://[fd00::5]/hook",
]


@pytest.fixture(autouse=True)
def no_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW, raising=False)


@pytest.mark.parametrize("url", INTERNAL)
def test_an_internal_target_is_refused_and_nothing_is_stored(engine: Engine, url: str) -> None:
    with pytest.raises(EngineError, match=f"refused: .* unless {ALLOW} allows it") as refused:
        notes.add_channel(engine, "role", "underwriter", "webhook", url)
    assert refused.value.details == {"field": "url"}
    assert notes.list_channels(engine) == []


def test_a_public_target_is_accepted(engine: Engine) -> None:
    channel = notes.add_channel(engine, "role", "underwriter", "slack", "https://8.8.8.8/hook")
    assert notes.list_channels(engine) == [channel]


def test_the_allow_list_opens_only_what_it_names(engine: Engine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW, "127.0.0.1, 10.20.0.0/16")
    notes.add_channel(engine, "role", "underwriter", "webhook", "http://127.0.0.1:9/hook")
    notes.add_channel(engine, "role", "underwriter", "webhook", "http://10.20.3.4/hook")
    with pytest.raises(EngineError, match=r"169\.254\.169\.254 is a link-local address"):
        notes.add_channel(engine, "role", "underwriter", "webhook", "http://169.254.169.254/")
    monkeypatch.setenv(ALLOW, "1")
    notes.add_channel(engine, "role", "underwriter", "webhook", "http://169.254.169.254/")
    monkeypatch.setenv(ALLOW, "intranet")
    with pytest.raises(EngineError, match=f"{ALLOW}: 'intranet' is neither an address"):
        notes.add_channel(engine, "role", "underwriter", "webhook", "http://10.0.0.1/")
    assert len(notes.list_channels(engine)) == 3


def test_delivery_checks_the_connected_address_again(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A channel that was allowed (or whose name resolved elsewhere) when it was added is
    still refused at delivery once its name leads into the private network."""
    port = free_port()
    monkeypatch.setenv(ALLOW, "127.0.0.1")
    notes.add_channel(engine, "role", "underwriter", "webhook", f"http://localhost:{port}/hook")
    task_id = _task_of(engine, _claim(engine))
    monkeypatch.delenv(ALLOW)
    with WebhookReceiver(port) as receiver:
        assert notes.deliver_due(engine) == 0
    assert receiver.received == []
    [row] = notes.list_outbox(engine, task_id)
    assert row["status"] == "pending" and "is a loopback address" in row["last_error"]


def test_delivery_reaches_an_allowed_receiver(engine: Engine,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW, "127.0.0.1")
    with WebhookReceiver(free_port()) as receiver:
        notes.add_channel(engine, "role", "underwriter", "webhook", receiver.url + "/hook")
        _claim(engine)
        assert notes.deliver_due(engine) == 1
    assert receiver.received[0]["body"]["type"] == "task_created"


def test_the_api_refuses_an_internal_channel_with_400(engine: Engine) -> None:
    app = create_app(engine)
    with TestClient(app) as api:
        root = Callers(app).bearer("root", "admin")
        refused = api.post("/api/v1/notification-channels", headers=root, json={
            "scope": "alert", "target": "*", "format": "webhook",
            "url": "http://169.254.169.254/latest/meta-data"})
        assert refused.status_code == 400, refused.text
        assert ALLOW in refused.json()["error"]["message"]
        listed = api.get("/api/v1/notification-channels", headers=root).json()["items"]
        assert listed == []


def test_the_cli_refuses_an_internal_channel(sqlite_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "tasks", "channel-add", "role", "underwriter",
         "http://127.0.0.1:8080/admin", "--db", sqlite_url],
        capture_output=True, text=True, timeout=60, env=_env_without_allowance())
    assert done.returncode == 1
    assert "127.0.0.1 is a loopback address" in done.stderr and "Traceback" not in done.stderr


def _env_without_allowance() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != ALLOW}
