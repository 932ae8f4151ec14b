"""Which spans a persisted step makes: read from the events it appended, nothing else.

Spans are planned from the events a transaction writes and emitted after it commits, so a
step is traced exactly when it is recorded: an action that ran twice (its lease ran out and
another worker re-ran it) is traced once, by whoever recorded it, and a re-tried batch does
not trace its rolled-back attempt. Names and attributes are SPEC §9's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.core import events as ev
from runtime.core.step import ROOT, Snapshot
from runtime.observability import ids

INSTANCE_ID = "statewright.instance.id"
DEFINITION_KEY = "statewright.definition.key"
DEFINITION_VERSION = "statewright.definition.version"
STATE_FROM = "statewright.state.from"
STATE_TO = "statewright.state.to"
EVENT = "statewright.event"
STATE = "statewright.state"
ATTEMPT = "statewright.action.attempt"
Link = tuple[int, int]  # (trace id, span id)
COMPENSATION_EVENTS = frozenset({"compensation_done", "compensation_failed"})
SPANNED_MARKS = ev.OPERATOR_EVENTS | {ev.CANCELLED}


@dataclass(frozen=True)
class SpanPlan:
    """A span to emit once the transaction commits; `parent` None makes it a trace root.

    `run`: timed by the action run it records (the runner noted when it began and ended);
    the others last from the step to its commit.
    """

    name: str
    span: int
    parent: int | None
    attributes: dict[str, Any]
    links: tuple[Link, ...] = ()
    error: str | None = None
    run: bool = False


def plan(before: Snapshot, new_events: list[ev.NewEvent], links: dict[str, Link]
         ) -> list[SpanPlan]:
    """The spans of `new_events`, appended after `before`.

    A subprocess start notes its child's link in `links`; the child's start (in the same
    transaction) takes it, or links to the parent's instance span when it is not there.
    """
    iid = before.id
    root = ids.root_span(iid)
    base: dict[str, Any] = {INSTANCE_ID: iid, DEFINITION_KEY: before.definition,
                            DEFINITION_VERSION: before.version}
    at = {ROOT: (before.state, before.entered_seq),
          **{b.id: (b.state, b.entered_seq) for b in before.branches}}
    plans: list[SpanPlan] = []
    for seq, event in enumerate(new_events, start=before.seq + 1):
        data = event.data
        token = data.get("branch") or ROOT  # a branch's events name it (runtime.core.step)
        state, visit = at.get(token, (None, 0))
        if event.type == ev.INSTANCE_STARTED:
            base[DEFINITION_VERSION] = data["version"]
            parent_id = data.get("parent_id")
            link = (links.pop(iid, None) or (ids.trace_id(parent_id), ids.root_span(parent_id))
                    ) if parent_id else None
            extra = {k: v for k, v in (("statewright.business_key", data.get("business_key")),
                                       ("statewright.parent.id", parent_id)) if v}
            plans.append(SpanPlan(f"instance {before.definition}", root, None,
                                  {**base, **extra}, (link,) if link else ()))
        elif event.type == ev.TRANSITION:
            plans.append(_transition(iid, seq, data, base, root))
            at[token] = (data["to"], seq)
        elif event.type == ev.BRANCHES_STARTED:
            at.update({branch: (data["fork"], seq) for branch in data["branches"]})
        elif event.type == ev.BRANCHES_JOINED:
            at[data["parent"]] = (data["join"], seq)
        elif event.type in (ev.ACTION_SUCCEEDED, ev.ACTION_FAILED) and not data.get(
                "compensation"):
            plans.append(SpanPlan(
                data["action"], ids.run_span(iid, "action", visit, data["attempt"]),
                ids.event_span(iid, visit),
                {**base, STATE: state, ATTEMPT: data["attempt"], **_failure(data)},
                error=data.get("error"), run=True))
        elif event.type in COMPENSATION_EVENTS or event.type == ev.ACTION_FAILED:
            plans.append(SpanPlan(
                data["action"], ids.run_span(iid, "compensation", data["of_seq"],
                                             data["attempt"]), root,
                {**base, STATE: data["state"], ATTEMPT: data["attempt"],
                 "statewright.compensation": True, **_failure(data)},
                error=data.get("error"), run=True))
        elif event.type == ev.SUBPROCESS_STARTED:
            span = ids.event_span(iid, seq)
            links[data["child"]] = (ids.trace_id(iid), span)
            plans.append(SpanPlan(
                f"subprocess {data['definition']}", span, ids.event_span(iid, visit),
                {**base, STATE: state, "statewright.child.id": data["child"],
                 "statewright.child.definition.key": data["definition"],
                 "statewright.child.definition.version": data["version"]}))
        elif event.type == ev.INCIDENT:
            plans.append(SpanPlan("incident", ids.event_span(iid, seq), root,
                                  {**base, STATE: state}, error=data.get("reason")))
        elif event.type in SPANNED_MARKS:
            plans.append(SpanPlan(event.type, ids.event_span(iid, seq), root,
                                  {**base, STATE: state}))
    return plans


def _transition(iid: str, seq: int, data: dict[str, Any], base: dict[str, Any], root: int
                ) -> SpanPlan:
    source, target = data.get("from"), data["to"]
    attributes = {**base, STATE_TO: target}
    if source is not None:
        attributes[STATE_FROM] = source
    if data.get("event") is not None:
        attributes[EVENT] = data["event"]
    if data.get("transition"):
        attributes["statewright.transition.id"] = data["transition"]
    if data.get("status"):
        attributes["statewright.status"] = data["status"]
    name = f"{source} -> {target}" if source is not None else f"-> {target}"
    return SpanPlan(name, ids.event_span(iid, seq), root, attributes)


def _failure(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (("statewright.error.type", data.get("error_type")),
                              ("statewright.retry_at", data.get("retry_at"))) if v}
