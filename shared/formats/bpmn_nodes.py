"""One BPMN flow node or boundary event -> one statewright state (or a finding saying why not).

Camunda 7 (`camunda:` attributes) and Camunda 8 (`zeebe:` extension elements) keep task types,
candidate groups and called processes in different places; both are read by local name so a
file from either modeller, or a plain bpmn.io drawing, maps the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from shared.formats.common import Imported, compact, definition_key, iso_duration_s, local, slug

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
TASKS = {"serviceTask", "scriptTask", "sendTask", "businessRuleTask", "task"}
HUMAN_TASKS = {"userTask", "manualTask"}
REFUSED = {
    "inclusiveGateway": "inclusive gateway: taking the paths whose conditions hold is not "
    "supported; use a parallel gateway (every path) or an exclusive one (one path)",
    "eventBasedGateway": "event-based gateway: not supported; use a receive task with "
    "several outgoing messages",
    "complexGateway": "complex gateway: not supported",
    "subProcess": "embedded sub-process: not supported; use a call activity",
    "adHocSubProcess": "ad-hoc sub-process: not supported",
    "transaction": "transaction sub-process: not supported",
    "intermediateThrowEvent": "intermediate throw event: not supported; use a send task",
}


@dataclass
class Context:
    """What node mapping needs from the whole file: names of messages, lanes as roles."""

    messages: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)


def q(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def state_for(node: Element, sid: str, ctx: Context, out: Imported) -> dict[str, Any] | None:
    """The state for a flow node, or None after reporting why it has none."""
    tag, eid = local(node.tag), node.get("id", "?")
    state: dict[str, Any] = {"id": sid}
    if node.get("name"):
        state["name"] = node.get("name").strip()
    if tag == "startEvent":
        if _definitions(node):
            out.note(eid, f"the start event's {_definitions(node)[0]} trigger is not imported; "
                          "start instances with `statewright start` or a trigger")
        return {**state, "type": "start"}
    if tag == "endEvent":
        return {**state, "type": "end", **_end_outcome(node, eid, out)}
    if tag in TASKS:
        return {**state, "type": "task", "action": _action(node, eid, tag, ctx, out)}
    if tag in HUMAN_TASKS:
        role = ctx.roles.get(eid) or _attribute(node, "candidateGroups", "assignee")
        human = {**state, "type": "human"}
        if role:
            human["role"] = role.split(",")[0].strip()
        else:
            out.note(eid, "no lane or candidate group names who does this task; set `role`")
        return human
    if tag == "exclusiveGateway":
        return {**state, "type": "decision"}
    if tag == "receiveTask":
        return {**state, "type": "wait"}
    if tag == "intermediateCatchEvent":
        return _catch_event(node, state, ctx, out)
    if tag == "callActivity":
        called = node.get("calledElement") or _attribute(node, "processId", "calledElement")
        if not called:
            out.note(eid, "the call activity names no process; set `definition`")
            return {**state, "type": "subprocess"}
        return {**state, "type": "subprocess", "definition": definition_key(called)}
    out.unmapped(eid, REFUSED.get(tag, f"{tag}: not supported"))
    return None


def message_event(node: Element, ctx: Context) -> str:
    """The event a receive task or message catch waits for: the message's name."""
    definition = node.find(q("messageEventDefinition"))
    ref = node.get("messageRef") or (definition.get("messageRef") if definition is not None
                                     else None)
    return slug(ctx.messages.get(ref or "", "")) or "message"


def timer_seconds(node: Element, eid: str, out: Imported) -> float | None:
    """The duration of a timer event definition (`timeDuration`) in seconds, else None."""
    timer = node.find(q("timerEventDefinition"))
    duration = timer.find(q("timeDuration")) if timer is not None else None
    if duration is None or not (duration.text or "").strip():
        return None
    parsed = iso_duration_s(duration.text)
    if parsed is None:
        out.unmapped(eid, f"timer duration {duration.text.strip()!r} is not an ISO 8601 "
                          "duration like PT1H or P7D (FEEL expressions are not imported)")
        return None
    if parsed[1]:
        out.note(eid, f"{duration.text.strip()}: years and months are read as 365 and 30 days")
    return compact(parsed[0])


def kind_of(event: Element) -> str:
    """`timer`, `error`, `message`... of an event, `none` without an event definition."""
    definitions = _definitions(event)
    return definitions[0] if definitions else "none"


def _catch_event(node: Element, state: dict[str, Any], ctx: Context, out: Imported
                 ) -> dict[str, Any] | None:
    eid, kind = node.get("id", "?"), kind_of(node)
    if kind == "message":
        return {**state, "type": "wait"}
    if kind == "timer":
        seconds = timer_seconds(node, eid, out)
        if seconds is not None:
            return {**state, "type": "timer", "duration_s": seconds}
        timer = node.find(q("timerEventDefinition"))
        date = timer.find(q("timeDate")) if timer is not None else None
        if date is not None and (date.text or "").strip():
            return _timer_date(date, state, out)
        if timer is not None and timer.find(q("timeCycle")) is not None:
            out.unmapped(eid, "a timer cycle (repeating timer) has no statewright equivalent")
            return None
        if timer is not None and timer.find(q("timeDuration")) is None:
            out.note(eid, "the timer has no duration; set `duration_s`")
        return {**state, "type": "timer"} if timer is not None else None
    out.unmapped(eid, f"{kind} intermediate catch event: only message and timer are supported")
    return None


def _timer_date(date: Element, state: dict[str, Any], out: Imported) -> dict[str, Any] | None:
    text = date.text.strip()
    if "cel" in (date.get("language") or "").lower():
        return {**state, "type": "timer", "until": text}
    if re.fullmatch(r"\d{4}-\d\d-\d\d(T[0-9:.]+(Z|[+-]\d\d:?\d\d)?)?", text):
        return {**state, "type": "timer", "until": f'timestamp("{text}")'}
    out.unmapped(state["id"], f"timer date {text!r} is not an ISO 8601 date-time")
    return None


def _end_outcome(node: Element, eid: str, out: Imported) -> dict[str, str]:
    kind = kind_of(node)
    if kind == "error":
        return {"outcome": "failed"}
    if kind == "terminate":
        return {"outcome": "cancelled"}
    if kind != "none":
        out.note(eid, f"the end event's {kind} is not thrown; it ends the instance only")
    return {}


def _action(node: Element, eid: str, tag: str, ctx: Context, out: Imported) -> str:
    implementation = _attribute(node, "topic", "type", "class", "delegateExpression",
                                "expression")
    if tag == "sendTask" and not implementation and node.get("messageRef"):
        implementation = ctx.messages.get(node.get("messageRef", ""))
    if implementation:
        return implementation.strip()
    action = slug(node.get("name") or "") or eid
    if tag == "scriptTask":
        out.note(eid, f"the script is not imported; register an action named {action!r}")
    elif tag == "task":
        out.note(eid, f"a plain task is imported as an automated task running {action!r}")
    return action


def _attribute(node: Element, *names: str) -> str | None:
    """A vendor attribute (`camunda:topic`) or an attribute of a vendor extension element
    (`<zeebe:taskDefinition type=...>`), found by local name in the order of `names`,
    whatever the namespace."""
    extensions = node.find(q("extensionElements"))
    holders = [node.attrib] + [child.attrib for child in
                               (extensions.iter() if extensions is not None else ())]
    for name in names:
        for attributes in holders:
            for key, value in attributes.items():
                vendor = key.startswith("{") or attributes is not node.attrib
                if vendor and local(key) == name and value.strip() not in ("", "external"):
                    return value
    return None


def _definitions(event: Element) -> list[str]:
    return [local(child.tag).removesuffix("EventDefinition") for child in event
            if local(child.tag).endswith("EventDefinition")]
