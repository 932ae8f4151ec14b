"""Dashboard queries: read only the aggregate tables, never the event log.

Every query takes the definition `key`, an optional `version` and an optional UTC range
`since <= hour < until` (hours are the unit; a day is the sum of its 24 hours).
Durations come back in seconds; percentiles carry the sketch's relative error
(`runtime.analytics.sketch.RELATIVE_ERROR`, under 5%).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select

from runtime.analytics import tables as a
from runtime.analytics.sketch import percentile
from runtime.clock import to_db

OUTCOMES = ("started", "completed", "failed", "cancelled")


def _where(table: Table, key: str, version: int | None, since: datetime | None,
           until: datetime | None) -> list[Any]:
    clauses = [table.c.definition_key == key]
    if version is not None:
        clauses.append(table.c.version == version)
    if since is not None:  # the hour holding `since` counts in full
        clauses.append(table.c.hour >= to_db(since).replace(minute=0, second=0, microsecond=0))
    if until is not None:
        clauses.append(table.c.hour < to_db(until))
    return clauses


def throughput(conn: Connection, key: str, version: int | None = None, *, by: str = "hour",
               since: datetime | None = None, until: datetime | None = None
               ) -> list[dict[str, Any]]:
    """Instances started/completed/failed/cancelled per `hour` or `day`, oldest first."""
    if by not in ("hour", "day"):
        raise ValueError(f"by={by!r}: use hour or day")
    c = a.counts
    rows = conn.execute(select(c.c.hour, c.c.kind, func.sum(c.c.count)).where(
        *_where(c, key, version, since, until), c.c.kind.in_(OUTCOMES)
    ).group_by(c.c.hour, c.c.kind))
    buckets: dict[datetime, dict[str, Any]] = {}
    for hour, kind, n in rows:
        at = hour.replace(hour=0) if by == "day" else hour
        bucket = buckets.setdefault(at, {by: at, **dict.fromkeys(OUTCOMES, 0)})
        bucket[kind] += int(n)
    return [buckets[at] for at in sorted(buckets)]


def _histogram(conn: Connection, kind: str, key: str, version: int | None,
               since: datetime | None, until: datetime | None) -> dict[str, list[tuple[int, int]]]:
    h = a.histograms
    rows = conn.execute(select(h.c.subject, h.c.bucket, func.sum(h.c.count)).where(
        *_where(h, key, version, since, until), h.c.kind == kind
    ).group_by(h.c.subject, h.c.bucket))
    merged: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for subject, bucket, n in rows:
        merged[subject].append((bucket, int(n)))
    return merged


def _totals(conn: Connection, kind: str, key: str, version: int | None,
            since: datetime | None, until: datetime | None) -> dict[str, tuple[int, int]]:
    c = a.counts
    rows = conn.execute(select(c.c.state, func.sum(c.c.count), func.sum(c.c.total_us)).where(
        *_where(c, key, version, since, until), c.c.kind == kind).group_by(c.c.state))
    return {state: (int(n), int(us)) for state, n, us in rows}


def cycle_time(conn: Connection, key: str, version: int | None = None, *,
               since: datetime | None = None, until: datetime | None = None,
               quantiles: tuple[float, ...] = (0.5, 0.9, 0.99)) -> dict[str, Any]:
    """Finished instances' count, mean and percentiles (`p50`, `p90`, ...) of start-to-end time."""
    n, us = _totals(conn, "cycle", key, version, since, until).get("", (0, 0))
    buckets = _histogram(conn, "cycle", key, version, since, until).get("", [])
    return {"count": n, "mean_s": us / n / 1e6 if n else None,
            **{_label(q): percentile(buckets, q) for q in quantiles}}


def time_in_state(conn: Connection, key: str, version: int | None = None, *,
                  since: datetime | None = None, until: datetime | None = None
                  ) -> list[dict[str, Any]]:
    """Per state left in the range: visits, mean, median and p90 of the time spent there."""
    totals = _totals(conn, "exited", key, version, since, until)
    hists = _histogram(conn, "state_time", key, version, since, until)
    return [{"state": state, "count": n, "mean_s": us / n / 1e6,
             "p50": percentile(hists[state], 0.5), "p90": percentile(hists[state], 0.9)}
            for state, (n, us) in sorted(totals.items())]


def state_counts(conn: Connection, key: str, version: int | None = None, *,
                 since: datetime | None = None, until: datetime | None = None
                 ) -> list[dict[str, Any]]:
    """Entries and exits per state (over all time, entered - exited is work in progress)."""
    entered = _totals(conn, "entered", key, version, since, until)
    exited = _totals(conn, "exited", key, version, since, until)
    return [{"state": s, "entered": entered.get(s, (0, 0))[0], "exited": exited.get(s, (0, 0))[0]}
            for s in sorted(entered.keys() | exited.keys())]


def transitions(conn: Connection, key: str, version: int | None = None, *,
                since: datetime | None = None, until: datetime | None = None
                ) -> list[dict[str, Any]]:
    """How often each (from, to, event) was taken: edge widths, Sankey links."""
    c = a.counts
    rows = conn.execute(select(c.c.state, c.c.target, c.c.event, func.sum(c.c.count)).where(
        *_where(c, key, version, since, until), c.c.kind == "transition"
    ).group_by(c.c.state, c.c.target, c.c.event))
    return sorted(({"from": s or None, "to": to, "event": e or None, "count": int(n)}
                   for s, to, e, n in rows), key=lambda r: (-r["count"], r["from"] or "", r["to"]))


def top_variants(conn: Connection, key: str, version: int | None = None, *, limit: int = 10,
                 since: datetime | None = None, until: datetime | None = None
                 ) -> list[dict[str, Any]]:
    """The most frequent paths of finished instances, with their cycle times."""
    totals = _totals(conn, "variant", key, version, since, until)
    top = sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    if not top:
        return []
    v = a.variants
    paths = {h: p for h, p in conn.execute(select(v.c.hash, v.c.path).where(
        v.c.definition_key == key, v.c.hash.in_([h for h, _ in top])))}
    hists = _histogram(conn, "variant", key, version, since, until)
    return [{"hash": h, "path": paths.get(h), "count": n, "mean_s": us / n / 1e6,
             "p50": percentile(hists[h], 0.5), "p90": percentile(hists[h], 0.9)}
            for h, (n, us) in top]


def sla_breaches(conn: Connection, key: str, version: int | None = None, *,
                 since: datetime | None = None, until: datetime | None = None
                 ) -> dict[str | None, int]:
    """Breaches counted when a human state is left (or the process ends) after its `sla_s`.

    Keyed by state id; the process-level SLA is under None.
    """
    return {state or None: n for state, (n, _) in sorted(
        _totals(conn, "sla_breach", key, version, since, until).items())}


def dashboard(conn: Connection, key: str, version: int | None = None, *,
              since: datetime | None = None, until: datetime | None = None) -> dict[str, Any]:
    """Everything above in one dict (what `statewright analytics show` prints)."""
    scope = {"since": since, "until": until}
    return {
        "definition": key, "version": version,
        "throughput_per_day": throughput(conn, key, version, by="day", **scope),
        "cycle_time": cycle_time(conn, key, version, **scope),
        "states": state_counts(conn, key, version, **scope),
        "time_in_state": time_in_state(conn, key, version, **scope),
        "transitions": transitions(conn, key, version, **scope),
        "top_variants": top_variants(conn, key, version, **scope),
        "sla_breaches": sla_breaches(conn, key, version, **scope),
    }


def _label(q: float) -> str:
    return f"p{q * 100:g}"
