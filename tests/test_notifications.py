"""Task notifications reach a real local HTTP receiver exactly once, through its downtime."""

from __future__ import annotations

import pytest
from test_tasks import ANA, _claim, _task_of
from webhook_receiver import WebhookReceiver, free_port

from runtime import Engine, EngineError, ManualClock
from runtime.people import notifications as notes
from runtime.people.notifications.delivery import retry_delay_s

pytestmark = pytest.mark.usefixtures("allow_local_webhooks")  # receivers on 127.0.0.1


def test_a_new_task_is_delivered_once_after_the_receiver_comes_back(
        engine: Engine, clock: ManualClock) -> None:
    port = free_port()
    notes.add_channel(engine, "role", "underwriter", "webhook", f"http://127.0.0.1:{port}/hook")
    iid = _claim(engine)
    task_id = _task_of(engine, iid)
    [row] = notes.list_outbox(engine, task_id)
    assert (row["kind"], row["status"]) == ("task_created", "pending")

    assert notes.deliver_due(engine) == 0  # the receiver is down
    [row] = notes.list_outbox(engine, task_id)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "cannot reach" in row["last_error"]

    with WebhookReceiver(port) as receiver:
        assert notes.deliver_due(engine) == 0  # backing off: not due yet
        clock.advance(retry_delay_s(1))
        assert notes.deliver_due(engine) == 1
        clock.advance(3600)
        assert notes.deliver_due(engine) == 0  # acknowledged: never again
    [got] = receiver.received
    assert got["headers"]["X-Statewright-Delivery"] == row["id"]
    assert got["body"]["type"] == "task_created"
    assert got["body"]["task"]["id"] == task_id and got["path"] == "/hook"
    [row] = notes.list_outbox(engine, task_id)
    assert (row["status"], row["response_status"]) == ("delivered", 200)


def test_slack_and_teams_channels_get_their_message_shapes(engine: Engine) -> None:
    with WebhookReceiver(free_port()) as receiver:
        notes.add_channel(engine, "definition", "claim-review", "slack", receiver.url + "/slack")
        notes.add_channel(engine, "role", "underwriter", "teams", receiver.url + "/teams")
        task_id = _task_of(engine, _claim(engine))
        engine.tasks.claim(task_id, ANA)
        engine.tasks.delegate(task_id, ANA, to_user="ben")
        assert notes.deliver_due(engine) == 4  # created and delegated, to both channels
    by_path: dict[str, list] = {}
    for got in receiver.received:
        by_path.setdefault(got["path"], []).append(got["body"])
    assert {m["text"] for m in by_path["/slack"]} == {
        "New task: Review the claim", "Task delegated: Review the claim"}
    assert all(m["blocks"][0]["type"] == "header" for m in by_path["/slack"])
    for teams in by_path["/teams"]:
        card = teams["attachments"][0]
        assert teams["type"] == "message"
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card["content"]["type"] == "AdaptiveCard"
    assert len(by_path["/teams"]) == 2


def test_a_receiver_answering_an_error_is_retried_until_it_accepts(
        engine: Engine, clock: ManualClock) -> None:
    with WebhookReceiver(free_port(), status=503) as receiver:
        notes.add_channel(engine, "role", "underwriter", "webhook", receiver.url)
        _claim(engine)
        assert notes.deliver_due(engine) == 0
        receiver.status = 204
        clock.advance(retry_delay_s(1))
        assert notes.deliver_due(engine) == 1
    assert len(receiver.received) == 2
    ids = {got["headers"]["X-Statewright-Delivery"] for got in receiver.received}
    assert len(ids) == 1  # the same delivery id on every attempt


def test_a_bad_channel_is_refused_with_the_field_named(engine: Engine) -> None:
    with pytest.raises(EngineError, match="http:// or https://"):
        notes.add_channel(engine, "role", "underwriter", "webhook", "ftp://x")
    with pytest.raises(EngineError, match="format 'sms'"):
        notes.add_channel(engine, "role", "underwriter", "sms", "http://127.0.0.1:1")
    with pytest.raises(EngineError, match="must be mailto:name@host"):
        notes.add_channel(engine, "role", "underwriter", "email", "http://127.0.0.1:1")
    assert notes.list_channels(engine) == []


def test_a_worker_that_dies_mid_delivery_leaves_the_row_to_the_next(db_url: str) -> None:
    from runtime.people.notifications.delivery import LEASE_S, _lease

    clock = ManualClock()
    with WebhookReceiver(free_port()) as receiver:
        with Engine(db_url, clock=clock) as crashed:
            notes.add_channel(crashed, "role", "underwriter", "webhook", receiver.url)
            _claim(crashed)
            assert len(_lease(crashed, 10)) == 1  # leased, then the process dies
        with Engine(db_url, clock=clock) as restarted:
            assert notes.deliver_due(restarted) == 0  # still leased by the dead worker
            clock.advance(LEASE_S + 1)
            assert notes.deliver_due(restarted) == 1
            assert notes.deliver_due(restarted) == 0
            [row] = notes.list_outbox(restarted)
    assert row["status"] == "delivered" and len(receiver.received) == 1
