"""Amazon States Language (AWS Step Functions) -> `statewright/v1` (import only).

Task -> task (its `Resource` names the action; `Retry`, `Catch`, `TimeoutSeconds` carry
over), Choice -> decision (rules -> CEL guards, `Default` -> default), Wait -> timer, Succeed
and Fail -> end, Pass -> a decision with one default exit (its `Result` assigned with `set`).
`End: true` leads to a shared end state. Parallel -> a fork into each branch's states (ids
prefixed with the Parallel's, `Notify_all_Send_mail`) meeting at a join `<Parallel>_join`,
which leaves by the Parallel's `Next`; a branch's `End` and `Succeed` lead into the join. Map
and what a fork cannot hold (a Catch on the Parallel, a Fail inside a branch) are reported
by state name.
"""

from __future__ import annotations

import json
from typing import Any

from shared.formats.common import (
    FormatError,
    Imported,
    check_size,
    compact,
    definition_key,
    new_document,
    state_id,
)

_COMPARE = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=",
            "GreaterThanEquals": ">="}
_TYPES = {"String": "string", "Numeric": "number", "Boolean": "boolean", "Timestamp": "string"}


def read_asl(data: bytes | str, source: str = "the file") -> Imported:
    check_size(data, source)
    try:
        machine = json.loads(data)
    except ValueError as exc:
        raise FormatError(f"{source}: not valid JSON ({exc})") from None
    except RecursionError:
        raise FormatError(f"{source}: nested too deeply") from None
    if not isinstance(machine, dict) or not isinstance(machine.get("States"), dict) \
            or not isinstance(machine.get("StartAt"), str):
        raise FormatError(f"{source}: not Amazon States Language (needs `StartAt` and "
                          "`States`)")
    name = machine.get("Comment")
    imported = Imported(new_document(definition_key(machine.get("Name"), name),
                                     machine.get("Name") or name))
    _Machine(machine, imported).read()
    return imported


class _Machine:
    """One state machine: the whole file, or (with `parent` and `join`) a Parallel's branch,
    whose state ids carry the Parallel's as a prefix and whose ends lead into the join."""

    def __init__(self, machine: dict[str, Any], imported: Imported,
                 parent: _Machine | None = None, prefix: str = "", join: str | None = None
                 ) -> None:
        self.machine, self.out, self.doc = machine, imported, imported.document
        self.taken: set[str] = parent.taken if parent else set()
        self.variables: dict[str, str] = parent.variables if parent else {}
        self.join = join
        self.ids = {name: join if _succeeds(spec) and join else
                    state_id(prefix + name, self.taken)
                    for name, spec in machine["States"].items()}
        self.end: str | None = None

    def read(self) -> None:
        start = state_id("start", self.taken)
        self.doc["states"].append({"id": start, "type": "start"})
        self._go(start, self.machine["StartAt"], None, "StartAt")
        self._states()
        for variable, type_ in self.variables.items():
            self.doc["variables"].append({"name": variable, "type": type_})

    def _states(self) -> None:
        for name, spec in self.machine["States"].items():
            if not isinstance(spec, dict):
                self.out.unmapped(name, "a state must be an object")
            elif not (self.join and _succeeds(spec)):
                self._state(name, spec)

    def _go(self, source: str, target: Any, on: str | None, where: str, **extra: Any) -> None:
        if target not in self.ids:
            self.out.unmapped(where, f"`{target}` names no state; the transition is dropped")
            return
        transition = {"from": source, "to": self.ids[target], **extra}
        if on:
            transition["on"] = on
        self.doc["transitions"].append(transition)

    def _end(self, source: str, on: str | None) -> None:
        if self.join is not None:
            self.end = self.join
        elif self.end is None:
            self.end = state_id("end", self.taken)
            self.doc["states"].append({"id": self.end, "type": "end"})
        transition = {"from": source, "to": self.end}
        if on:
            transition["on"] = on
        self.doc["transitions"].append(transition)

    def _state(self, name: str, spec: dict[str, Any]) -> None:
        sid, kind = self.ids[name], spec.get("Type")
        state: dict[str, Any] = {"id": sid}
        if sid != name:
            state["name"] = name
        if spec.get("Comment"):
            state["description"] = str(spec["Comment"])
        if kind == "Task":
            self._task(name, spec, state)
        elif kind == "Choice":
            self.doc["states"].append({**state, "type": "decision"})
            self._choices(name, spec)
        elif kind == "Wait":
            self._wait(name, spec, state)
        elif kind == "Fail" and self.join:
            self.out.unmapped(name, "a Fail inside a Parallel branch: a branch cannot end the "
                                    "process before its join; lead it into the branch's end")
        elif kind in ("Succeed", "Fail"):
            outcome = {"outcome": "failed"} if kind == "Fail" else {}
            self.doc["states"].append({**state, "type": "end", **outcome})
        elif kind == "Pass":
            self.doc["states"].append({**state, "type": "decision"})
            self._next(name, spec, None, default=True, **self._pass_set(name, spec))
        elif kind == "Parallel":
            self._parallel(name, spec, state)
        elif kind == "Map":
            self.out.unmapped(name, "Map state: running branches per item of a list is not "
                                    "supported (a fork starts a fixed set of branches)")
        else:
            self.out.unmapped(name, f"state type {kind!r} is not supported")

    def _next(self, name: str, spec: dict[str, Any], on: str | None, **extra: Any) -> None:
        if spec.get("End") is True:
            self._end(self.ids[name], on)
        else:
            self._go(self.ids[name], spec.get("Next"), on, name, **extra)

    def _task(self, name: str, spec: dict[str, Any], state: dict[str, Any]) -> None:
        resource = str(spec.get("Resource") or name)
        state.update(type="task", action=resource.rsplit(":", 1)[-1] or resource)
        if isinstance(spec.get("TimeoutSeconds"), int | float) and spec["TimeoutSeconds"] > 0:
            state["timeout_s"] = compact(spec["TimeoutSeconds"])
        retry = _retry(spec.get("Retry"))
        if retry:
            state["retry"] = retry
        self.doc["states"].append(state)
        self._next(name, spec, "done")
        catchers = spec.get("Catch") or []
        for index, catcher in enumerate(catchers if isinstance(catchers, list) else []):
            if index == 0 and isinstance(catcher, dict):
                self._go(state["id"], catcher.get("Next"), "error", name)
            else:
                self.out.unmapped(f"{name}.Catch[{index}]", "only the first Catch becomes the "
                                                            "error path")

    def _parallel(self, name: str, spec: dict[str, Any], state: dict[str, Any]) -> None:
        branches = spec.get("Branches")
        if not isinstance(branches, list) or len(branches) < 2 or not all(
                isinstance(b, dict) and isinstance(b.get("States"), dict)
                and isinstance(b.get("StartAt"), str) for b in branches):
            self.out.unmapped(name, "a Parallel needs two or more `Branches`, each with "
                                    "`StartAt` and `States`")
            return
        fork = state["id"]
        join = state_id(f"{fork}_join", self.taken)
        self.doc["states"] += [{**state, "type": "fork"}, {"id": join, "type": "join"}]
        for branch in branches:
            inner = _Machine(branch, self.out, self, f"{fork}_", join)
            inner._go(fork, branch["StartAt"], None, f"{name}.Branches")
            inner._states()
        self._next_from(join, name, spec)
        for field in ("Catch", "Retry"):
            if spec.get(field):
                self.out.unmapped(f"{name}.{field}", f"a {field} on a Parallel has no place "
                                                     "on a fork; give the tasks in its "
                                                     f"branches their own {field}")

    def _next_from(self, source: str, name: str, spec: dict[str, Any]) -> None:
        if spec.get("End") is True:
            self._end(source, None)
        else:
            self._go(source, spec.get("Next"), None, name)

    def _wait(self, name: str, spec: dict[str, Any], state: dict[str, Any]) -> None:
        state["type"] = "timer"
        if isinstance(spec.get("Seconds"), int | float) and spec["Seconds"] > 0:
            state["duration_s"] = compact(spec["Seconds"])
        elif isinstance(spec.get("Timestamp"), str):
            state["until"] = f"timestamp({json.dumps(spec['Timestamp'])})"
        elif isinstance(spec.get("TimestampPath"), str):
            state["until"] = f"timestamp({self._path(spec['TimestampPath'], 'string')})"
        else:
            self.out.unmapped(name, "a Wait without Seconds, Timestamp or TimestampPath "
                                    "(SecondsPath) is not supported")
        self.doc["states"].append(state)
        self._next(name, spec, "elapsed")

    def _choices(self, name: str, spec: dict[str, Any]) -> None:
        for index, rule in enumerate(spec.get("Choices") or []):
            where = f"{name}.Choices[{index}]"
            try:
                guard = self._rule(rule)
            except ValueError as exc:
                self.out.unmapped(where, f"choice rule not translated: {exc}")
                continue
            self._go(self.ids[name], rule.get("Next"), None, where, when=guard)
        if "Default" in spec:
            self._go(self.ids[name], spec["Default"], None, name, default=True)

    def _rule(self, rule: Any) -> str:
        if not isinstance(rule, dict):
            raise ValueError("a rule must be an object")
        if "And" in rule or "Or" in rule:
            joiner = " && " if "And" in rule else " || "
            return joiner.join(f"({self._rule(r)})" for r in rule.get("And") or rule["Or"])
        if "Not" in rule:
            return f"!({self._rule(rule['Not'])})"
        variable = rule.get("Variable")
        if not isinstance(variable, str):
            raise ValueError("needs `Variable` (JSONata `Condition` is not supported)")
        for key, value in rule.items():
            for prefix, type_ in _TYPES.items():
                op = key.removeprefix(prefix).removesuffix("Path")
                if key.startswith(prefix) and op in _COMPARE:
                    right = self._path(value, type_) if key.endswith("Path") else \
                        json.dumps(value)
                    return f"{self._path(variable, type_)} {_COMPARE[op]} {right}"
            if key == "IsPresent":
                return ("" if value else "!") + f"has({self._path(variable, 'object', True)})"
        raise ValueError(f"no supported comparison in {sorted(rule)}")

    def _path(self, path: Any, type_: str, keep_object: bool = False) -> str:
        """`$.order.total` -> `order.total`, declaring `order`."""
        if not isinstance(path, str) or not path.startswith("$.") or "[" in path:
            raise ValueError(f"path {path!r} is not a simple `$.name` path")
        parts = path[2:].split(".")
        if not all(p.isidentifier() for p in parts):
            raise ValueError(f"path {path!r} is not a simple `$.name` path")
        kind = "object" if len(parts) > 1 else type_
        self.variables.setdefault(parts[0], kind)
        if keep_object and len(parts) == 1:
            raise ValueError("IsPresent needs a field path like `$.order.id`")
        return ".".join(parts)

    def _pass_set(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        if "Result" not in spec:
            return {}
        target = spec.get("ResultPath", "$")
        if not isinstance(target, str) or not target.startswith("$.") or "." in target[2:]:
            self.out.unmapped(name, "a Pass Result is assigned only to a `$.name` ResultPath")
            return {}
        result = spec["Result"]
        kind = ("boolean" if isinstance(result, bool) else "number" if isinstance(
            result, int | float) else "string" if isinstance(result, str) else "array"
            if isinstance(result, list) else "object")
        self.variables.setdefault(target[2:], kind)
        return {"set": {target[2:]: json.dumps(spec["Result"])}}


def _succeeds(spec: Any) -> bool:
    return isinstance(spec, dict) and spec.get("Type") == "Succeed"


def _retry(retriers: Any) -> dict[str, Any]:
    if not isinstance(retriers, list) or not retriers or not isinstance(retriers[0], dict):
        return {}
    first = retriers[0]
    retry: dict[str, Any] = {"max_attempts": int(first.get("MaxAttempts", 3)) + 1}
    for source, target in (("IntervalSeconds", "initial_s"), ("BackoffRate", "multiplier"),
                           ("MaxDelaySeconds", "max_s")):
        if isinstance(first.get(source), int | float):
            retry[target] = compact(first[source])
    return retry
