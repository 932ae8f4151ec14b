"""Segregation-of-duties violations: one person did two states of a definition's
`segregation` rule in one instance (who did a state = the actor of the transition that left
it; `docs/definition-format.md`).

An instance is looked at when it has any event in the period, and then its whole log counts,
so a submit before the period and an approval in it are still caught.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Any

from sqlalchemy import Connection, select

from runtime.compliance.log_reads import documents
from runtime.compliance.model import Scope
from runtime.core import events as ev
from runtime.core.clock import from_db, to_db
from runtime.store import schema as t


def violations(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    rules = {ref: doc["segregation"] for ref, doc in documents(conn, scope.definition).items()
             if doc.get("segregation")}
    if not rules:
        return []
    keys = sorted({key for key, _ in rules})
    rows = []
    for instance, version, key, business_key in _instances_active_in(conn, scope, keys):
        done_by = _who_left_each_state(conn, instance)
        for index, rule in enumerate(rules.get((key, version), [])):
            rows.extend(_breaches(rule, index, done_by, {
                "definition": key, "version": version, "instance": instance,
                "business_key": business_key}))
    return sorted(rows, key=lambda r: r["at"])


def _instances_active_in(conn: Connection, scope: Scope, keys: list[str]) -> list[Any]:
    e, i = t.events, t.instances
    active = select(e.c.instance_id).where(
        e.c.at >= to_db(scope.since), e.c.at < to_db(scope.until)).distinct()
    return list(conn.execute(select(i.c.id, i.c.version, i.c.definition_key, i.c.business_key)
                             .where(i.c.definition_key.in_(keys), i.c.id.in_(active))
                             .order_by(i.c.created_at)))


def _who_left_each_state(conn: Connection, instance: str) -> dict[str, list[tuple[str, Any]]]:
    """state -> [(actor, when)] for every time a named actor left it."""
    e = t.events
    done_by: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for data, actor, at in conn.execute(select(e.c.data, e.c.actor, e.c.at).where(
            e.c.instance_id == instance, e.c.type == ev.TRANSITION,
            e.c.actor.is_not(None)).order_by(e.c.seq)):
        source = (data or {}).get("from")
        if source:
            done_by[source].append((actor, from_db(at)))
    return done_by


def _breaches(rule: dict[str, Any], index: int, done_by: dict[str, list[tuple[str, Any]]],
              where: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for first, second in combinations(rule["states"], 2):
        firsts = dict(done_by.get(first, []))
        for actor, at in dict(done_by.get(second, [])).items():
            if actor in firsts:
                rows.append({**where, "rule": rule.get("name") or f"segregation[{index}]",
                             "states": f"{first} + {second}", "actor": actor,
                             "first_at": min(firsts[actor], at), "at": max(firsts[actor], at)})
    return rows
