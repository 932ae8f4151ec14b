"""A consumer SIGKILLed while orders flow through Redis Streams, restarted: every order is
started exactly once, nothing is dead-lettered and the audit chain holds."""

from __future__ import annotations

from runtime.benchmarks import messaging_kill


def test_a_killed_consumer_leaves_every_message_applied_exactly_once(sqlite_url: str) -> None:
    result = messaging_kill.run(sqlite_url, "redis://127.0.0.1:6379/0", messages=400, kills=1)
    assert result["finished"], result
    assert (result["duplicates"], result["missing"], result["dead_letters"]) == (0, 0, 0)
    assert result["audit_ok"] and result["exactly_once"]
    assert 0 < result["applied_when_killed"][0] < 400, result
