""""Why is it stuck?": one instance's state, how long it has been there against that state's
usual time, what it waits for, and its last error with the error's class.

The usual time is the p50/p95 of the time instances of the same version spent in the state
(the analytics sketches of the last `USUAL_DAYS` days, all versions when this one has fewer
than `MIN_VISITS` visits), so it costs a few aggregate rows, never a scan of the log. The
last error is read from the newest `RECENT_EVENTS` events of the instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from runtime.analytics.queries import histograms_by_subject
from runtime.analytics.sketch import percentile
from runtime.core import events as ev
from runtime.core.clock import from_db
from runtime.core.error_classes import REMEDIES, classify
from runtime.core.views import Instance
from runtime.execution.breakers import BreakerBoard
from runtime.instances import InstanceAccess
from runtime.operations.waits import Wait, waits_of
from runtime.store import schema as t
from runtime.store.base import snapshot_of

USUAL_DAYS = 30
MIN_VISITS = 5
RECENT_EVENTS = 200
SLOW_OVER_P95 = 1.0  # longer than the p95 of earlier visits: unusually long


@dataclass(frozen=True)
class LastError:
    """The newest failure in the instance's log: an action's error or an incident's reason."""

    message: str
    error_class: str
    error_type: str | None
    at: datetime
    action: str | None = None
    attempt: int | None = None
    final: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "class": self.error_class, "type": self.error_type,
                "remedy": REMEDIES[self.error_class], "at": self.at.isoformat(),
                "action": self.action, "attempt": self.attempt, "final": self.final}


@dataclass(frozen=True)
class UsualTime:
    """How long visits of the state usually take (seconds), and over which visits."""

    visits: int
    p50_s: float | None
    p95_s: float | None
    scope: str  # "version N" or "all versions"

    def to_json(self) -> dict[str, Any]:
        return {"visits": self.visits, "p50_s": self.p50_s, "p95_s": self.p95_s,
                "scope": self.scope}


@dataclass(frozen=True)
class Explanation:
    instance: Instance
    state_type: str | None
    since: datetime | None
    for_s: float | None
    usual: UsualTime | None
    verdict: str  # finished | no usual time yet | within its usual time | unusually long
    waits: list[Wait] = field(default_factory=list)
    last_error: LastError | None = None

    @property
    def summary(self) -> str:
        inst = self.instance
        if not self.waits and inst.status not in ("running", "suspended", "incident"):
            return f"It is {inst.status}: it waits for nothing."
        where = f"in {inst.state}" + (f" for {short(self.for_s)}" if self.for_s is not None else "")
        usual = (f" (usually {short(self.usual.p50_s)}, p95 {short(self.usual.p95_s)})"
                 if self.usual and self.usual.p50_s is not None else "")
        waiting = "; ".join(w.summary for w in self.waits) or "nothing known"
        status = "in incident" if inst.status == "incident" else inst.status
        return f"It is {status} {where}{usual}: {self.verdict}. It waits for {waiting}."

    def to_json(self) -> dict[str, Any]:
        inst = self.instance
        return {
            "instance": {"id": inst.id, "definition": inst.definition, "version": inst.version,
                         "state": inst.state, "status": inst.status,
                         "business_key": inst.business_key},
            "state": {"id": inst.state, "type": self.state_type,
                      "since": self.since.isoformat() if self.since else None,
                      "for_s": self.for_s,
                      "usual": self.usual.to_json() if self.usual else None,
                      "verdict": self.verdict},
            "waits_for": [w.to_json() for w in self.waits],
            "last_error": self.last_error.to_json() if self.last_error else None,
            "summary": self.summary,
        }


def explain(ledger: InstanceAccess, instance_id: str,
            breakers: BreakerBoard | None = None) -> Explanation:
    """Why `instance_id` is where it is; raises `NotFound` for an unknown id."""
    inst = ledger.get(instance_id)
    now = ledger.clock.now()
    with ledger.store.read() as conn:
        row = ledger.store.instance_row(conn, instance_id)
        e = t.events
        recent = conn.execute(select(e.c.seq, e.c.type, e.c.data, e.c.at).where(
            e.c.instance_id == instance_id).order_by(e.c.seq.desc()).limit(RECENT_EVENTS)).all()
        entered = next((from_db(r.at) for r in recent if r.seq == row.entered_seq), None)
        if entered is None:  # an old visit: read its first event alone
            entered = from_db(conn.execute(select(e.c.at).where(
                e.c.instance_id == instance_id, e.c.seq == row.entered_seq)).scalar())
        definition = ledger.definition_in(conn, inst.definition, inst.version)
        usual = _usual_time(conn, inst, now)
    spec = definition.state(inst.state) if inst.state else None
    live = inst.status in ("running", "suspended", "incident")
    for_s = (now - entered).total_seconds() if live and entered else None
    visits = [(state, seq) for _, state, seq in snapshot_of(row).visits() if state]
    waits = waits_of(ledger, inst, visits, breakers or BreakerBoard(ledger))
    return Explanation(inst, spec.type if spec else None, entered if live else None, for_s,
                       usual if live else None, _verdict(live, for_s, usual), waits,
                       last_error(recent))


def last_error(recent: list[Any]) -> LastError | None:
    """The newest `action_failed` or `incident` among `recent` events (newest first); an
    incident's own failure is the action error just before it, when there is one."""
    for n, event in enumerate(recent):
        data = event.data or {}
        if event.type == ev.ACTION_FAILED:
            return _action_error(event, data)
        if event.type == ev.INCIDENT:
            before = recent[n + 1] if n + 1 < len(recent) else None
            if before is not None and before.type == ev.ACTION_FAILED:
                return _action_error(before, before.data or {})
            reason = str(data.get("reason") or "no reason recorded")
            return LastError(reason, classify(None, reason), None, from_db(event.at), final=True)
    return None


def _action_error(event: Any, data: dict[str, Any]) -> LastError:
    message = str(data.get("error") or "")
    return LastError(message, classify(data.get("error_type"), message),
                     data.get("error_type"), from_db(event.at), data.get("action"),
                     data.get("attempt"), bool(data.get("final")))


def _usual_time(conn: Any, inst: Instance, now: datetime) -> UsualTime | None:
    if inst.state is None:
        return None
    since = now - timedelta(days=USUAL_DAYS)
    for version, scope in ((inst.version, f"version {inst.version}"), (None, "all versions")):
        buckets = histograms_by_subject(conn, "state_time", inst.definition, version, since,
                                        None).get(inst.state, [])
        visits = sum(n for _, n in buckets)
        if visits >= MIN_VISITS or version is None:
            return UsualTime(visits, percentile(buckets, 0.5), percentile(buckets, 0.95), scope)
    return None


def _verdict(live: bool, for_s: float | None, usual: UsualTime | None) -> str:
    if not live:
        return "finished"
    if for_s is None or usual is None or usual.p95_s is None or usual.visits < MIN_VISITS:
        return "no usual time yet"
    if for_s > usual.p95_s * SLOW_OVER_P95:
        return "unusually long (over the p95 of earlier visits)"
    if usual.p50_s is not None and for_s > usual.p50_s:
        return "longer than most visits, within the p95"
    return "within its usual time"


def short(seconds: float | None) -> str:
    """3 s, 4.5 min, 2.1 h, 3.0 d."""
    if seconds is None:
        return "—"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"
