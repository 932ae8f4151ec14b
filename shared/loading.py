"""Reading definition documents (JSON or YAML) and turning them into the model.

Two steps with two kinds of failure: `load_document` fails with `DocumentError` when the input
is not a readable JSON/YAML object at all; `parse_definition` fails with `SchemaError`, whose
`schema` findings name the JSON path of every mismatch (`states[2].timeout_s: ...`).
Hostile input (huge, deeply nested, YAML alias bombs) is refused before it can exhaust memory
or the interpreter's recursion limit.
"""

from __future__ import annotations

import json
import os
import re
import sys
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared.definition import KEY_PATTERN, NAME_PATTERN, STATE_ID_PATTERN, Definition
from shared.errors import DocumentError, SchemaError
from shared.findings import Finding

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
# YAML aliases let a small file expand into a huge object; count what the parser produced.
MAX_NODES = 2_000_000
MAX_TOTAL_CHARS = 4 * MAX_DOCUMENT_BYTES

_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_BRACKET_OR_STRING = re.compile(r'[\[\]{}"\\]')


@cache
def _yaml_loader() -> type:
    """The safe YAML loader (libyaml when installed), reading what the equivalent JSON gives.

    YAML 1.1 turns `on:` (our transition's event key!), `yes`, `off` into booleans and
    `2024-01-01` into dates; here only `true`/`false` are booleans and dates stay strings.
    Built on first use: PyYAML is imported only when a document is not JSON.
    """
    import yaml

    loader = type("JsonLikeYamlLoader", (getattr(yaml, "CSafeLoader", yaml.SafeLoader),), {})
    loader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
        ]
        for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"))
    return loader


def load_document(source: str | bytes | os.PathLike[str]) -> dict[str, Any]:
    """Read a definition document from a path, or from JSON/YAML text given as str or bytes.

    A `str` is taken as text when it is blank, long, contains a newline or starts with `{` or
    `[`, and as a file path otherwise. A `.json` file must be strict JSON; other input may be
    JSON or YAML.
    Raises `DocumentError` naming the source and the problem.
    """
    if isinstance(source, bytes):
        return _parse_text(_decode(source, "the document"), "the document")
    if isinstance(source, str) and _looks_like_text(source):
        if len(source) > MAX_DOCUMENT_BYTES:
            raise DocumentError(f"the document is larger than {_megabytes(MAX_DOCUMENT_BYTES)}")
        return _parse_text(source, "the document")
    path = Path(source)
    strict_json = path.suffix.lower() == ".json"
    return _parse_text(_decode(_read(path), str(path)), str(path), strict_json=strict_json)


def _looks_like_text(source: str) -> bool:
    first = source.lstrip()[:1]
    return first in ("", "{", "[") or "\n" in source or len(source) > 4096


def read_stdin() -> dict[str, Any]:
    """The document piped to standard input (`statewright validate -`)."""
    data = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"standard input is larger than {_megabytes(MAX_DOCUMENT_BYTES)}")
    return _parse_text(_decode(data, "standard input"), "standard input")


def parse_definition(doc: Any) -> Definition:
    """The model of a loaded document; raises `SchemaError` with one finding per mismatch."""
    try:
        check_shape(doc, "the document")
    except DocumentError as exc:
        raise SchemaError([Finding.of("schema", str(exc))]) from None
    try:
        return Definition.model_validate(doc)
    except ValidationError as exc:
        raise SchemaError([_schema_finding(doc, error) for error in exc.errors()]) from None
    except (RecursionError, MemoryError):  # pragma: no cover - check_shape keeps these away
        raise SchemaError([Finding.of("schema", "the document is too large or deep")]) from None


def check_shape(value: Any, name: str) -> None:
    """Refuse values nested deeper than MAX_DEPTH or too big (also when built by YAML aliases)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = chars = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise DocumentError(f"{name} is too large: more than {MAX_NODES:,} values")
        if isinstance(node, str):
            chars += len(node)
            if chars > MAX_TOTAL_CHARS:
                raise DocumentError(
                    f"{name} is too large: more than {MAX_TOTAL_CHARS:,} characters"
                )
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise DocumentError(f"{name} is nested more than {MAX_DEPTH} levels deep")
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in children:
            if isinstance(key, str):
                chars += len(key)
            stack.append((child, depth + 1))


def _read(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise DocumentError(f"{path} is a directory, not a definition file")
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentError(
                f"{path} is {_megabytes(size)}; definitions may be at most "
                f"{_megabytes(MAX_DOCUMENT_BYTES)}"
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except PermissionError:
        raise DocumentError(f"{path}: permission denied") from None
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_DOCUMENT_BYTES:  # grew while we read it, or a special file
        raise DocumentError(f"{path} is larger than {_megabytes(MAX_DOCUMENT_BYTES)}")
    return data


def _decode(data: bytes, name: str) -> str:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{name} is larger than {_megabytes(MAX_DOCUMENT_BYTES)}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{name} is not UTF-8 text (invalid byte at offset {exc.start}); "
            "save it as UTF-8 JSON or YAML"
        ) from None


def _parse_text(text: str, name: str, *, strict_json: bool = False) -> dict[str, Any]:
    if not text.strip():
        raise DocumentError(f"{name} is empty; expected a JSON or YAML definition")
    _check_bracket_depth(text, name)
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as json_error:
        if strict_json:
            raise DocumentError(f"{name} is not valid JSON: {json_error}") from None
        value = _parse_yaml(text, name, json_error)  # checks the shape itself
    except RecursionError:
        raise DocumentError(f"{name} is nested too deeply") from None
    else:
        check_shape(value, name)
    if not isinstance(value, dict):
        raise DocumentError(
            f"{name} is {_kind(value)}, not an object; a definition is an object with "
            "`key`, `states` and `transitions`"
        )
    return value


def _parse_yaml(text: str, name: str, json_error: ValueError) -> Any:
    import yaml

    try:
        value = yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError as yaml_error:
        if text.lstrip()[:1] in ("{", "["):  # meant as JSON: the JSON message is the useful one
            raise DocumentError(f"{name} is not valid JSON: {json_error}") from None
        raise DocumentError(
            f"{name} is neither JSON nor YAML: {_yaml_message(yaml_error)}"
        ) from None
    except RecursionError:
        raise DocumentError(f"{name} is nested too deeply") from None
    except Exception as exc:  # explicit tags (`!!int abc`) fail inside PyYAML's constructors
        raise DocumentError(f"{name} is not valid YAML: {type(exc).__name__}: {exc}") from None
    check_shape(value, name)
    # JSON object keys are strings; YAML ones may be numbers or null. Normalise the same way.
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError) as exc:  # e.g. a `!!binary` mapping key
        raise DocumentError(f"{name} has a value JSON cannot hold: {exc}") from None


def _check_bracket_depth(text: str, name: str) -> None:
    """Refuse `[[[[...` before a parser recurses into it (and hits the recursion limit).

    Counting all brackets is quick and usually settles it; only when that count says "too
    deep" are brackets inside strings (`"[[[["`) told apart, in one linear pass.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    brackets = _NOT_BRACKET.sub("", text)
    if max(accumulate(_BRACKET_STEP[c] for c in brackets), default=0) <= MAX_DEPTH:
        return
    depth, in_string, escaped_at = 0, False, -1
    for match in _BRACKET_OR_STRING.finditer(text):
        char, at = match.group(), match.start()
        if in_string:
            if char == "\\" and at != escaped_at:
                escaped_at = at + 1
            elif char == '"' and at != escaped_at:
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise DocumentError(f"{name} is nested more than {MAX_DEPTH} levels deep")
        elif char in "]}":
            depth -= 1


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def _yaml_message(error: Any) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    return f"{where}{problem}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
    }.get(type(value), type(value).__name__)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


# ---- schema findings -------------------------------------------------------------------

_PATTERN_HINTS = {
    KEY_PATTERN: "use 1-64 lowercase letters, digits and '-', starting with a letter or digit",
    STATE_ID_PATTERN: "use 1-64 letters, digits, '_' and '-', starting with a letter or '_'",
    NAME_PATTERN: "use 1-64 letters, digits and '_', starting with a letter or '_'",
}


def _schema_finding(doc: Any, error: Any) -> Finding:
    """A `schema` finding naming the JSON path, with the state or transition it sits in."""
    path, node, states, transitions = "", doc, [], []
    for step in error["loc"]:
        # Discriminated unions put the state's `type` into the location; the document has no
        # such key, so it is left out of the path the user sees.
        tag = isinstance(node, dict) and step not in node and node.get("type") == step
        if tag or step == "[key]":  # pydantic marks a bad dict key with this pseudo-step
            continue
        if isinstance(step, int):
            path += f"[{step}]"
            node = node[step] if isinstance(node, list) and -len(node) <= step < len(node) else None
        else:
            path += (
                ("." if path else "") + step
                if re.fullmatch(r"[A-Za-z_]\w*", step)
                else f"[{json.dumps(step)}]"
            )
            node = node.get(step) if isinstance(node, dict) else None
        top_level_item = path.count("[") == 1 and isinstance(node, dict)
        if top_level_item and path.startswith("states[") and isinstance(node.get("id"), str):
            states = [node["id"]]
        if top_level_item and path.startswith("transitions["):
            tid = node.get("id")
            transitions = [tid if isinstance(tid, str) and tid else f"t{error['loc'][1]}"]
    return Finding.of(
        "schema", f"{path or 'the document'}: {_schema_message(error)}", states, transitions
    )


def _schema_message(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of statewright/v1 (check the spelling)"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in _PATTERN_HINTS:
        return f"{error['input']!r} is not allowed here: {_PATTERN_HINTS[ctx['pattern']]}"
    if kind == "union_tag_not_found":
        return (
            "a state needs a `type`: start, task, human, wait, timer, decision, subprocess or end"
        )
    return str(error["msg"])
