"""Dashboard queries: read only the aggregate tables, never the event log.

Every query takes the definition `key` (None: all definitions, for the overview), an
optional `version` and an optional UTC range `since <= hour < until` (hours are the unit; a
day is the sum of its 24 hours).
Durations come back in seconds; percentiles carry the sketch's relative error
(`runtime.analytics.sketch.RELATIVE_ERROR`, under 5%).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, select

from runtime.analytics import tables as a
from runtime.analytics.sketch import ZERO_BUCKET, percentile, value_of
from runtime.core.clock import to_db

OUTCOMES = ("started", "completed", "failed", "cancelled")
# "business": durations counted in working time on the definition's calendar (kinds the
# updater records only for versions with a calendar: `docs/calendars.md`).
CLOCKS = ("wall", "business")
_BUSINESS_KINDS = {"cycle": "cycle_biz", "state_time": "state_time_biz",
                   "exited": "exited_biz"}


def timed(kind: str, clock: str) -> str:
    """The aggregate kind holding `kind`'s durations on `clock`."""
    if clock not in CLOCKS:
        raise ValueError(f"time must be one of {', '.join(CLOCKS)}, not {clock!r}")
    return _BUSINESS_KINDS[kind] if clock == "business" else kind


def in_scope(table: Table, key: str | None, version: int | None, since: datetime | None,
             until: datetime | None) -> list[Any]:
    """WHERE clauses for one definition (or all), version and hour (or day) range."""
    clauses = [] if key is None else [table.c.definition_key == key]
    if version is not None:
        clauses.append(table.c.version == version)
    at = table.c.day if table is a.histograms_daily else table.c.hour
    if since is not None:  # the hour holding `since` counts in full
        clauses.append(at >= _floor(since))
    if until is not None:
        clauses.append(at < to_db(until))
    return clauses


def sketch_spans(since: datetime | None, until: datetime | None
                 ) -> list[tuple[Table, datetime | None, datetime | None]]:
    """Which sketch table answers which part of a range: the daily one for the whole days
    in it, the hourly one for the hours before the first and after the last whole day."""
    start = _floor(since) if since is not None else None
    first = None if start is None else _floor(start + timedelta(hours=23), day=True)
    last = None if until is None else _floor(to_db(until), day=True)
    if first is not None and last is not None and first >= last:
        return [(a.histograms, start, until)]
    spans: list[tuple[Table, datetime | None, datetime | None]] = [
        (a.histograms_daily, first, last)]
    if start is not None and first is not None and start < first:
        spans.append((a.histograms, start, first))
    if until is not None and last is not None and last < to_db(until):
        spans.append((a.histograms, last, until))
    return spans


def throughput(conn: Connection, key: str | None, version: int | None = None, *, by: str = "hour",
               since: datetime | None = None, until: datetime | None = None
               ) -> list[dict[str, Any]]:
    """Instances started/completed/failed/cancelled per `hour` or `day`, oldest first."""
    _check_by(by)
    c = a.counts
    rows = conn.execute(select(c.c.hour, c.c.kind, func.sum(c.c.count)).where(
        *in_scope(c, key, version, since, until), c.c.kind.in_(OUTCOMES)
    ).group_by(c.c.hour, c.c.kind))
    buckets: dict[datetime, dict[str, Any]] = {}
    for hour, kind, n in rows:
        at = _bucket(hour, by)
        bucket = buckets.setdefault(at, {by: at, **dict.fromkeys(OUTCOMES, 0)})
        bucket[kind] += int(n)
    return [buckets[at] for at in sorted(buckets)]


def histograms_by_subject(conn: Connection, kind: str, key: str | None, version: int | None,
                          since: datetime | None, until: datetime | None
                          ) -> dict[str, list[tuple[int, int]]]:
    """A kind's sketches in scope, merged over time and versions: subject -> (bucket, n)."""
    summed: Counter[tuple[str, int]] = Counter()
    for h, start, end in sketch_spans(since, until):
        summed.update({(subject, bucket): int(n) for subject, bucket, n in conn.execute(
            select(h.c.subject, h.c.bucket, func.sum(h.c.count)).where(
                *in_scope(h, key, version, start, end), h.c.kind == kind
            ).group_by(h.c.subject, h.c.bucket))})
    merged: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for (subject, bucket), n in summed.items():
        merged[subject].append((bucket, n))
    return merged


def _totals(conn: Connection, kind: str, key: str | None, version: int | None,
            since: datetime | None, until: datetime | None) -> dict[str, tuple[int, int]]:
    c = a.counts
    rows = conn.execute(select(c.c.state, func.sum(c.c.count), func.sum(c.c.total_us)).where(
        *in_scope(c, key, version, since, until), c.c.kind == kind).group_by(c.c.state))
    return {state: (int(n), int(us)) for state, n, us in rows}


def cycle_time(conn: Connection, key: str | None, version: int | None = None, *,
               since: datetime | None = None, until: datetime | None = None,
               quantiles: tuple[float, ...] = (0.5, 0.9, 0.99), clock: str = "wall"
               ) -> dict[str, Any]:
    """Finished instances' count, mean and percentiles (`p50`, `p90`, ...) of start-to-end time."""
    kind = timed("cycle", clock)
    n, us = _totals(conn, kind, key, version, since, until).get("", (0, 0))
    buckets = histograms_by_subject(conn, kind, key, version, since, until).get("", [])
    return {"count": n, "mean_s": us / n / 1e6 if n else None,
            **{_label(q): percentile(buckets, q) for q in quantiles}}


def time_in_state(conn: Connection, key: str | None, version: int | None = None, *,
                  since: datetime | None = None, until: datetime | None = None,
                  clock: str = "wall") -> list[dict[str, Any]]:
    """Per state left in the range: visits, mean, median and p90 of the time spent there."""
    totals = _totals(conn, timed("exited", clock), key, version, since, until)
    hists = histograms_by_subject(conn, timed("state_time", clock), key, version, since, until)
    return [{"state": state, "count": n, "mean_s": us / n / 1e6,
             "p50": percentile(hists[state], 0.5), "p90": percentile(hists[state], 0.9)}
            for state, (n, us) in sorted(totals.items())]


def state_counts(conn: Connection, key: str | None, version: int | None = None, *,
                 since: datetime | None = None, until: datetime | None = None
                 ) -> list[dict[str, Any]]:
    """Entries and exits per state (over all time, entered - exited is work in progress)."""
    entered = _totals(conn, "entered", key, version, since, until)
    exited = _totals(conn, "exited", key, version, since, until)
    return [{"state": s, "entered": entered.get(s, (0, 0))[0], "exited": exited.get(s, (0, 0))[0]}
            for s in sorted(entered.keys() | exited.keys())]


def transitions(conn: Connection, key: str | None, version: int | None = None, *,
                since: datetime | None = None, until: datetime | None = None
                ) -> list[dict[str, Any]]:
    """How often each (from, to, event) was taken: edge widths, Sankey links."""
    c = a.counts
    rows = conn.execute(select(c.c.state, c.c.target, c.c.event, func.sum(c.c.count)).where(
        *in_scope(c, key, version, since, until), c.c.kind == "transition"
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
    hists = histograms_by_subject(conn, "variant", key, version, since, until)
    return [{"hash": h, "path": paths.get(h), "count": n, "mean_s": us / n / 1e6,
             "p50": percentile(hists[h], 0.5), "p90": percentile(hists[h], 0.9)}
            for h, (n, us) in top]


def sla_breaches(conn: Connection, key: str | None, version: int | None = None, *,
                 since: datetime | None = None, until: datetime | None = None
                 ) -> dict[str | None, int]:
    """Breaches counted when a human state is left (or the process ends) after its `sla_s`.

    Keyed by state id; the process-level SLA is under None.
    """
    return {state or None: n for state, (n, _) in sorted(
        _totals(conn, "sla_breach", key, version, since, until).items())}


def dashboard(conn: Connection, key: str, version: int | None = None, *,
              since: datetime | None = None, until: datetime | None = None,
              clock: str = "wall") -> dict[str, Any]:
    """Everything above in one dict (what `statewright analytics show` prints)."""
    scope = {"since": since, "until": until}
    return {
        "definition": key, "version": version, "time": clock,
        "throughput_per_day": throughput(conn, key, version, by="day", **scope),
        "cycle_time": cycle_time(conn, key, version, clock=clock, **scope),
        "states": state_counts(conn, key, version, **scope),
        "time_in_state": time_in_state(conn, key, version, clock=clock, **scope),
        "transitions": transitions(conn, key, version, **scope),
        "top_variants": top_variants(conn, key, version, **scope),
        "sla_breaches": sla_breaches(conn, key, version, **scope),
    }


def cycle_trend(conn: Connection, key: str | None, version: int | None = None, *,
                by: str = "day", since: datetime | None = None, until: datetime | None = None,
                clock: str = "wall") -> list[dict[str, Any]]:
    """Per hour or day (by the hour instances finished): count, p50, p90 and p99 cycle time."""
    _check_by(by)
    kind = timed("cycle", clock)
    spans = sketch_spans(since, until) if by == "day" else [(a.histograms, since, until)]
    per: dict[datetime, Counter[int]] = defaultdict(Counter)
    for h, start, end in spans:
        at = h.c.day if h is a.histograms_daily else (
            _day_of(conn, h.c.hour) if by == "day" else h.c.hour)
        for moment, bucket, n in conn.execute(select(at, h.c.bucket, func.sum(h.c.count)).where(
                *in_scope(h, key, version, start, end), h.c.kind == kind
        ).group_by(at, h.c.bucket)):
            per[_as_datetime(moment)][bucket] += int(n)
    return [{by: moment, "count": sum(per[moment].values()),
             **{_label(q): percentile(per[moment].items(), q) for q in (0.5, 0.9, 0.99)}}
            for moment in sorted(per)]


def cycle_distribution(conn: Connection, key: str | None, version: int | None = None, *,
                       since: datetime | None = None, until: datetime | None = None,
                       clock: str = "wall") -> list[dict[str, Any]]:
    """Finished instances per sketch bucket, empty buckets between the first and the last
    included (so a chart never draws a gap as a plateau): `bucket`, `seconds`, `count`."""
    counts = dict(histograms_by_subject(conn, timed("cycle", clock), key, version, since,
                                        until).get("", []))
    measured = sorted(b for b in counts if b != ZERO_BUCKET)
    span = range(measured[0], measured[-1] + 1) if measured else range(0)
    return [{"bucket": b, "seconds": value_of(b), "count": counts.get(b, 0)}
            for b in ([ZERO_BUCKET] if ZERO_BUCKET in counts else []) + list(span)]


def sla_trend(conn: Connection, key: str | None, version: int | None = None, *,
              by: str = "day", since: datetime | None = None, until: datetime | None = None
              ) -> list[dict[str, Any]]:
    """SLA breaches per hour or day: of human states (`states`) and of whole processes."""
    _check_by(by)
    c = a.counts
    rows = conn.execute(select(c.c.hour, c.c.state, func.sum(c.c.count)).where(
        *in_scope(c, key, version, since, until), c.c.kind == "sla_breach"
    ).group_by(c.c.hour, c.c.state))
    per: dict[datetime, dict[str, Any]] = {}
    for hour, state, n in rows:
        at = _bucket(hour, by)
        row = per.setdefault(at, {by: at, "states": 0, "process": 0})
        row["states" if state else "process"] += int(n)
    return [per[at] for at in sorted(per)]


def per_definition(conn: Connection, *, since: datetime | None = None,
                   until: datetime | None = None) -> list[dict[str, Any]]:
    """The overview's table: per definition key, outcomes, SLA breaches and cycle time."""
    c = a.counts
    counts = conn.execute(select(c.c.definition_key, c.c.kind, func.sum(c.c.count)).where(
        *in_scope(c, None, None, since, until),
        c.c.kind.in_((*OUTCOMES, "sla_breach"))).group_by(c.c.definition_key, c.c.kind))
    out: dict[str, dict[str, Any]] = {}
    for key, kind, n in counts:
        row = out.setdefault(key, {"definition": key, **dict.fromkeys(OUTCOMES, 0),
                                   "sla_breach": 0})
        row[kind] += int(n)
    cycles: dict[str, Counter[int]] = defaultdict(Counter)
    for h, start, end in sketch_spans(since, until):
        for key, bucket, n in conn.execute(select(h.c.definition_key, h.c.bucket, func.sum(
                h.c.count)).where(*in_scope(h, None, None, start, end), h.c.kind == "cycle"
                                  ).group_by(h.c.definition_key, h.c.bucket)):
            cycles[key][bucket] += int(n)
    return [{**out[key], "p50": percentile(cycles[key].items(), 0.5),
             "p90": percentile(cycles[key].items(), 0.9)} for key in sorted(out)]


def _floor(moment: datetime, day: bool = False) -> datetime:
    hour = to_db(moment).replace(minute=0, second=0, microsecond=0)
    return hour.replace(hour=0) if day else hour


def _check_by(by: str) -> None:
    if by not in ("hour", "day"):
        raise ValueError(f"by={by!r}: use hour or day")


def _day_of(conn: Connection, hour: Any) -> Any:
    """The day of an hour column, grouped in the database (fewer rows to read back)."""
    if conn.dialect.name == "postgresql":
        return func.date_trunc("day", hour)
    return func.substr(hour, 1, 10)  # SQLite stores "YYYY-MM-DD HH:MM:SS"


def _as_datetime(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _bucket(hour: datetime, by: str) -> datetime:
    return hour.replace(hour=0) if by == "day" else hour


def _label(q: float) -> str:
    return f"p{q * 100:g}"
