"""Operator queries over instances: filtered, sorted pages, incidents by cause, pending work.

Every list is one `LIMIT/OFFSET` query with a `COUNT`, so an Instances page stays fast with
many thousands of instances. Variable filters (`runtime.operations.variable_filter`: `amount
> 10000`, `status != open`) compare JSON values by type on both databases (`amount=5000`
matches 5000 and 5000.0, `vip=true` a boolean, anything else a string); sensitive variables
are sealed in the store and so never match a filter. Variables stored zstd-compressed keep
their short top-level values readable by SQL (`runtime.store.compression`); a filter SQL
cannot decide on those (a longer string, `!=`, an order) also decodes the compressed rows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from runtime.core import events as ev
from runtime.core.clock import from_db, to_db
from runtime.core.error_classes import CLASSES, PERMANENT, classify
from runtime.core.views import Instance, InstancePage
from runtime.instances import InstanceAccess
from runtime.operations.acts import JOB_PARKED
from runtime.operations.variable_filter import QueryInvalid, VariableFilter, parse
from runtime.store import compression
from runtime.store import schema as t

MAX_PAGE = 500
_INSTANCE_ID = re.compile(
    r"(?:instance )?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*")
SORTABLE = {"started": "created_at", "updated": "updated_at", "definition": "definition_key",
            "state": "state", "status": "status", "business_key": "business_key", "id": "id"}
OPEN_JOB_STATES = (t.JOB_READY, t.JOB_LEASED, JOB_PARKED)


@dataclass(frozen=True)
class InstanceQuery:
    """What the Instances page asks for; every field left None does not filter."""

    definition: str | None = None
    version: int | None = None
    status: str | None = None
    state: str | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    variable: str | None = None  # "amount > 10000" (`variable_filter`)
    text: str | None = None  # part of the id or business key
    sort: str = "started"
    descending: bool = True
    limit: int = 25
    offset: int = 0


@dataclass(frozen=True)
class IncidentGroup:
    """Instances in incident for the same reason (the cause an operator fixes once), and the
    class of that error (`runtime.core.error_classes`)."""

    cause: str
    definition: str
    state: str | None
    instance_ids: list[str] = field(default_factory=list)
    error_class: str = PERMANENT


@dataclass(frozen=True)
class PendingJob:
    """Work the instance waits for: an action (maybe retrying), a timer or a subprocess."""

    id: str
    kind: str
    state: str
    run_at: datetime | None
    attempt: int
    last_error: str | None
    payload: dict[str, Any]


def search(ledger: InstanceAccess, query: InstanceQuery) -> InstancePage:
    """One page of the instances matching `query`, sorted as it asks."""
    column = SORTABLE.get(query.sort)
    if column is None:
        raise QueryInvalid(f"cannot sort by {query.sort!r}; sort by one of: "
                           f"{', '.join(SORTABLE)}", {"field": "sort", "value": query.sort})
    limit, offset = max(1, min(query.limit, MAX_PAGE)), max(0, query.offset)
    i = t.instances
    where = _conditions(ledger, query)
    order = getattr(i.c, column)
    order = order.desc() if query.descending else order.asc()
    with ledger.store.read() as conn:
        total = conn.execute(select(func.count()).select_from(i).where(*where)).scalar() or 0
        rows = conn.execute(select(i).where(*where).order_by(order, i.c.id)
                            .limit(limit).offset(offset)).all()
    return InstancePage([_instance(ledger, r) for r in rows], total, limit, offset)


def _conditions(ledger: InstanceAccess, query: InstanceQuery) -> list[ColumnElement[bool]]:
    i = t.instances
    where: list[ColumnElement[bool]] = []
    for column, value in (("definition_key", query.definition), ("version", query.version),
                          ("status", query.status), ("state", query.state)):
        if value not in (None, ""):
            where.append(getattr(i.c, column) == value)
    if query.started_from is not None:
        where.append(i.c.created_at >= to_db(query.started_from))
    if query.started_to is not None:
        where.append(i.c.created_at <= to_db(query.started_to))
    if query.text:
        pattern = f"%{query.text.strip().lower()}%"
        where.append(or_(func.lower(i.c.id).like(pattern),
                         func.lower(func.coalesce(i.c.business_key, "")).like(pattern)))
    if query.variable:
        wanted = parse(query.variable)
        match = _variable_matches(ledger.store.dialect, wanted)
        if wanted.op != "=" or not compression.peekable(wanted.value):
            # not decidable by SQL in compressed rows
            match = or_(match, i.c.id.in_(_compressed_matches(ledger, where, wanted)))
        where.append(match)
    return where


def _variable_matches(dialect: str, wanted: VariableFilter) -> ColumnElement[bool]:
    """SQL for `wanted` on the instance's variables, typed as `VariableFilter.matches`."""
    column, name, op, value = t.instances.c.variables, wanted.name, wanted.op, wanted.value
    if dialect == "postgresql":
        found = func.jsonb_extract_path(cast(column, JSONB), name)
        kind = func.jsonb_typeof(found)
        literal_ = cast(literal(json.dumps(value), String), JSONB)
        if op == "=":
            return found == literal_
        if op == "!=":
            return found != literal_
        same = kind == ("string" if isinstance(value, str) else "number")
        if isinstance(value, str):  # byte order, as SQLite compares
            found_text = func.jsonb_extract_path_text(cast(column, JSONB), name)
            return and_(same, _compare(found_text.collate("C"), op, value))
        return and_(same, _compare(found, op, literal_))
    path = "$." + json.dumps(name)  # quoted: names with dots or spaces stay one key
    found, kind = func.json_extract(column, path), func.json_type(column, path)
    if value is None:
        return kind == "null" if op == "=" else kind != "null"
    if isinstance(value, bool):
        boolean = kind == ("true" if value else "false")
        return boolean if op == "=" else and_(kind.is_not(None), ~boolean)
    if op == "=":
        return and_(kind.not_in(("true", "false")), found == value)
    if op == "!=":
        return or_(kind.in_(("true", "false", "null", "object", "array")), found != value)
    same = kind == "text" if isinstance(value, str) else kind.in_(("integer", "real"))
    return and_(same, _compare(found, op, value))


def _compare(left: Any, op: str, right: Any) -> ColumnElement[bool]:
    return {">": left > right, ">=": left >= right, "<": left < right,
            "<=": left <= right}[op]


def _compressed_matches(ledger: InstanceAccess, where: list[ColumnElement[bool]],
                        wanted: VariableFilter) -> list[str]:
    """Ids of the rows matching the other filters whose compressed variables match `wanted`,
    decoded here since SQL cannot see inside them."""
    column = t.instances.c.variables
    if ledger.store.dialect == "postgresql":
        compressed = cast(column, JSONB).has_key(compression.ENVELOPE)
    else:
        compressed = func.json_type(column, "$." + json.dumps(compression.ENVELOPE)) == "text"
    query = select(t.instances.c.id, column).where(*where, compressed)
    with ledger.store.read() as conn:
        return [row.id for row in conn.execute(query) if wanted.matches(row.variables or {})]


def incident_groups(ledger: InstanceAccess, definition: str | None = None,
                    limit: int = MAX_PAGE) -> list[IncidentGroup]:
    """Instances in incident grouped by error class and cause: the error of the action whose
    final failure led there, else the reason of their latest `incident` event. Classes come
    in `CLASSES` order, each one's groups largest first."""
    i, e = t.instances, t.events
    failure = e.alias("failure")
    latest = (select(e.c.instance_id, func.max(e.c.seq).label("seq"))
              .where(e.c.type == ev.INCIDENT).group_by(e.c.instance_id).subquery())
    query = (select(i.c.id, i.c.definition_key, i.c.state, e.c.data,
                    failure.c.data.label("failure"))
             .join(latest, latest.c.instance_id == i.c.id)
             .join(e, and_(e.c.instance_id == latest.c.instance_id, e.c.seq == latest.c.seq))
             .outerjoin(failure, and_(failure.c.instance_id == latest.c.instance_id,
                                      failure.c.seq == latest.c.seq - 1,
                                      failure.c.type == ev.ACTION_FAILED))
             .where(i.c.status == "incident").order_by(i.c.updated_at.desc()).limit(limit))
    if definition:
        query = query.where(i.c.definition_key == definition)
    groups: dict[tuple[str, str, str, str | None], IncidentGroup] = {}
    with ledger.store.read() as conn:
        for row in conn.execute(query):
            failed = row.failure or {}
            if failed.get("error"):
                reason = f"{failed.get('action')}: {failed.get('error')}"
                kind = classify(failed.get("error_type"), str(failed["error"]))
            else:
                reason = (row.data or {}).get("reason") or "no reason recorded"
                kind = classify(None, str(reason))
            cause = _cause(str(reason))
            key = (kind, cause, row.definition_key, row.state)
            group = groups.setdefault(key, IncidentGroup(cause, row.definition_key, row.state,
                                                         error_class=kind))
            group.instance_ids.append(row.id)
    return sorted(groups.values(),
                  key=lambda g: (CLASSES.index(g.error_class), -len(g.instance_ids)))


def _cause(reason: str) -> str:
    """The reason without instance ids, so the same fault groups across instances."""
    return _INSTANCE_ID.sub("", reason).strip() or reason


def pending_jobs(ledger: InstanceAccess, instance_id: str) -> list[PendingJob]:
    """The instance's jobs not yet done or cancelled (parked ones belong to a suspension)."""
    j = t.jobs
    with ledger.store.read() as conn:
        rows = conn.execute(select(j).where(j.c.instance_id == instance_id,
                                            j.c.state.in_(OPEN_JOB_STATES))
                            .order_by(j.c.run_at)).all()
    return [PendingJob(r.id, r.kind, r.state, from_db(r.run_at), r.attempt, r.last_error,
                       dict(r.payload or {})) for r in rows]


def children(ledger: InstanceAccess, instance_id: str) -> list[Instance]:
    """The instances a subprocess state of `instance_id` started, oldest first."""
    i = t.instances
    with ledger.store.read() as conn:
        rows = conn.execute(select(i).where(i.c.parent_id == instance_id)
                            .order_by(i.c.created_at, i.c.id).limit(MAX_PAGE)).all()
    return [_instance(ledger, r) for r in rows]


def _instance(ledger: InstanceAccess, row: Any) -> Instance:
    inst = Instance.from_row(row)
    return replace(inst, variables=ledger.sealer.unseal(inst.id, inst.variables))
