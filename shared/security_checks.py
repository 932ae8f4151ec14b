"""The definition security scan: what in a definition would leak a secret or a sensitive value.

- `secret-in-definition` (error): a key, token, private key or URL password pasted into the
  document, or a default given to a sensitive variable. A definition is read by every analyst,
  operator and manager and kept in every version, so nothing in it is secret.
- `plain-http-endpoint` (warning): an `http://` URL to another machine, sent unencrypted.
- `restricted-in-guard` (warning): a guard reads a sensitive variable, so the route taken (in
  every graph and history) tells something about the value.
- `sensitive-copied-to-plain` (warning): a `set` derives a variable not declared sensitive
  from a sensitive one; the runtime keeps it sealed anyway (`shared.sensitivity`).
- `restricted-in-output` (warning): a sensitive value flows where sealing does not follow it:
  a timer's `until` (the due time is stored in clear), a subprocess `input` (the child process
  decides), or a trigger matching messages on a sensitive variable.

"Sensitive" is `sensitive: true`, plus what a `set` derives from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from shared.definition import Definition, SubprocessState, TimerState
from shared.errors import GuardError
from shared.findings import Finding
from shared.guards import referenced_names
from shared.secret_patterns import is_placeholder, secret_kind, string_literals, urls
from shared.sensitivity import declared_sensitive, sensitive_names

Located = tuple[tuple[Any, ...], str, str]  # (JSON path, the slot's name, the string)
# CEL fields, by their last path key (`set` and `input` by the key before the variable).
_EXPRESSIONS = {"when", "until", "correlate", "variables", "business_key", "payload",
                "idempotency"}
_EXPRESSION_MAPS = {"set", "input"}
# Fields whose format admits no secret (ids, names of states, events, roles, actions): skipped.
_IDENTIFIERS = {"schema", "key", "id", "type", "from", "to", "on", "outcome", "priority",
                "role", "escalate_to", "action", "compensation", "breaker", "definition",
                "match", "group"}
# Fields people read rather than the runtime using them: no endpoint lives there.
_PROSE = {"name", "description", "label", "help"}
_KEEP_OUT = (
    "remove it: the definition is readable by everyone who reads processes and stays in every "
    "version; give the action its key through the worker's environment, or pass the value at "
    "start in a `sensitive: true` variable"
)


def check_security(definition: Definition) -> list[Finding]:
    sensitive = sensitive_names(definition)
    strings = _strings(definition.to_document(layout=False))
    return [
        *_pasted_secrets(definition, strings),
        *_plain_http(definition, strings),
        *_sensitive_defaults(definition),
        *_guards(definition, sensitive),
        *_copies(definition, sensitive),
        *_outputs(definition, sensitive),
    ]


def _pasted_secrets(definition: Definition, strings: list[Located]) -> Iterator[Finding]:
    for path, slot, text in strings:
        for url in urls(text):
            if url.password is not None and not is_placeholder(url.password):
                yield _at(definition, path, "secret-in-definition",
                          f"{_where(path)} has a password in the URL {url.redacted}: {_KEEP_OUT} "
                          "(a trigger's broker account: `statewright subscriptions add`, which "
                          "keeps the URL out of the definition)")
                break
        else:
            values = string_literals(text) if _is_expression(path) else [text]
            kind = next((k for v in values if (k := secret_kind(v, slot))), None)
            if kind:
                yield _at(definition, path, "secret-in-definition",
                          f"{_where(path)} holds what looks like {kind}: {_KEEP_OUT}")


def _plain_http(definition: Definition, strings: list[Located]) -> Iterator[Finding]:
    for path, _, text in strings:
        if path[-1] in _PROSE:
            continue
        for url in urls(text):
            if url.plain_http:
                yield _at(definition, path, "plain-http-endpoint",
                          f"{_where(path)} points at {url.redacted} over plain http: whatever is "
                          "sent there crosses the network unencrypted; use https://")
                break


def _sensitive_defaults(definition: Definition) -> Iterator[Finding]:
    for variable in definition.variables:
        if variable.level == "restricted" and variable.default is not None:
            yield Finding.of(
                "secret-in-definition",
                f"sensitive variable '{variable.name}' has a default, which is stored in clear "
                "in the definition: remove the default and pass the value at start",
            )


def _guards(definition: Definition, sensitive: frozenset[str]) -> Iterator[Finding]:
    for index, t in enumerate(definition.transitions):
        read = sorted(_reads(t.when) & sensitive) if t.when else []
        if read:
            ref = t.ref(index)
            yield Finding.of(
                "restricted-in-guard",
                f"transition {ref} ({t.source} -> {t.target}) guard reads sensitive "
                f"{_names(read)}: the route taken, shown in every graph and history, reveals "
                "something about the value; let an action decide and return a plain verdict "
                "(`approved: true`) to route on",
                states=[t.source], transitions=[ref],
            )


def _copies(definition: Definition, sensitive: frozenset[str]) -> Iterator[Finding]:
    declared = declared_sensitive(definition)
    for index, t in enumerate(definition.transitions):
        for target, src in t.set.items():
            read = sorted(_reads(src) & sensitive)
            if read and target not in declared:
                ref = t.ref(index)
                yield Finding.of(
                    "sensitive-copied-to-plain",
                    f"transition {ref} ({t.source} -> {t.target}) sets '{target}' from sensitive "
                    f"{_names(read)}: it is kept sealed and masked like them; declare "
                    f"'{target}' with `sensitive: true` so readers of the process know",
                    states=[t.source], transitions=[ref],
                )


def _outputs(definition: Definition, sensitive: frozenset[str]) -> Iterator[Finding]:
    if not sensitive:
        return
    for state in definition.states:
        if isinstance(state, TimerState) and state.until:
            read = sorted(_reads(state.until) & sensitive)
            if read:
                yield Finding.of(
                    "restricted-in-output",
                    f"timer '{state.id}' computes `until` from sensitive {_names(read)}: the due "
                    "time is stored and shown in clear; compute the date in an action and store "
                    "it in a plain variable, or use `duration_s`",
                    states=[state.id],
                )
        if isinstance(state, SubprocessState):
            for child_var, src in state.input.items():
                read = sorted(_reads(src) & sensitive)
                if read:
                    yield Finding.of(
                        "restricted-in-output",
                        f"subprocess '{state.id}' passes sensitive {_names(read)} as "
                        f"'{child_var}' to process '{state.definition}', which seals it only if "
                        f"it declares '{child_var}' with `sensitive: true`: make sure it does",
                        states=[state.id],
                    )
    for index, trigger in enumerate(definition.triggers):
        kind, _, variable = trigger.match.partition(":")
        if kind == "variable" and variable in sensitive:
            yield Finding.of(
                "restricted-in-output",
                f"triggers[{index}] matches messages on sensitive '{variable}': the value "
                "travels in clear in every message and in dead-letter reasons; match on the "
                "business key or a plain reference number instead",
            )


def _strings(document: dict[str, Any]) -> list[Located]:
    """Every string of the document with its path and the name of the slot it fills: its key,
    or within a variable's default the variable's name (unless a key inside says otherwise).
    A walk with an explicit stack: definitions run to thousands of states."""
    found: list[Located] = []
    stack: list[tuple[Any, tuple[Any, ...], str]] = [(document, (), "")]
    while stack:
        value, path, slot = stack.pop()
        if isinstance(value, str):
            if not path or path[-1] not in _IDENTIFIERS:
                found.append((path, slot, value))
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):  # popped in document order
                inner = value["name"] if key == "default" and isinstance(
                    value.get("name"), str) else key
                stack.append((item, (*path, key), inner))
        elif isinstance(value, list):
            stack.extend((item, (*path, index), slot)
                         for index, item in reversed(list(enumerate(value))))
    return found


def _is_expression(path: tuple[Any, ...]) -> bool:
    if len(path) >= 2 and path[-2] in _EXPRESSION_MAPS:
        return True
    return bool(path) and path[-1] in _EXPRESSIONS and path[0] in ("transitions", "states",
                                                                    "triggers")


def _where(path: tuple[Any, ...]) -> str:
    """`variables[2].default`: the JSON path as `schema` findings print it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _at(definition: Definition, path: tuple[Any, ...], code: str, message: str) -> Finding:
    """A finding naming the state or transition that holds the string at `path`."""
    if len(path) > 1 and path[0] == "states" and path[1] < len(definition.states):
        return Finding.of(code, message, states=[definition.states[path[1]].id])
    if len(path) > 1 and path[0] == "transitions" and path[1] < len(definition.transitions):
        t = definition.transitions[path[1]]
        return Finding.of(code, message, states=[t.source], transitions=[t.ref(path[1])])
    return Finding.of(code, message)


def _reads(src: str) -> set[str]:
    try:
        return referenced_names(src)
    except GuardError:
        return set()  # reported as bad-guard


def _names(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)
