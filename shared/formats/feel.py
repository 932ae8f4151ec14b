"""Translating simple FEEL conditions (what Camunda users write on gateway flows) into CEL.

The subset: comparisons (`=`, `!=`, `<`, `<=`, `>`, `>=`) between variables (`amount`,
`order.total`) and literals (numbers, strings, `true`, `false`, `null`), combined with `and`,
`or`, `not(...)` and parentheses; a bare variable is a boolean test. Camunda 8's leading `=`
and Camunda 7's `${...}` wrapper are accepted, as are JUEL's `==`, `&&`, `||` and `!`.
Anything else (ranges, `in`, function calls, arithmetic) raises `FeelError`: a condition is
never guessed at, since a wrong guard routes instances silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r'\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<op><=|>=|!=|==|&&|\|\||[<>=!()])|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_]"
    r"[A-Za-z0-9_]*)*))"
)
_COMPARISONS = {"=": "==", "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_LITERAL_TYPES = {"number": "number", "string": "string", "true": "boolean",
                  "false": "boolean"}


class FeelError(ValueError):
    """The condition is outside the FEEL subset we translate; the message says what."""


@dataclass
class Translation:
    """The CEL text and the variables it names, with the type their use suggests."""

    cel: str
    variables: dict[str, str] = field(default_factory=dict)


def feel_to_cel(text: str) -> Translation:
    source = _unwrap(text)
    tokens = _tokenize(source)
    parser = _Parser(tokens)
    cel = parser.expression()
    if parser.position != len(tokens):
        raise FeelError(f"unexpected {tokens[parser.position][1]!r} in {text.strip()!r}")
    return Translation(cel, parser.variables)


def _unwrap(text: str) -> str:
    source = text.strip()
    if source[:2] in ("${", "#{") and source.endswith("}"):
        source = source[2:-1]
    elif source.startswith("="):
        source = source[1:]
    if not source.strip():
        raise FeelError("the condition is empty")
    return source


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while at < len(source):
        if source[at:].strip() == "":
            break
        match = _TOKEN.match(source, at)
        if not match:
            raise FeelError(f"cannot read {source[at:].strip()[:20]!r} (not in the FEEL subset)")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "name" and value in ("and", "or", "not", "true", "false", "null"):
            kind = value if value in ("and", "or", "not") else "literal"
        tokens.append((kind, value))
        at = match.end()
    return tokens


class _Parser:
    """Recursive descent over the token list; each method returns CEL text."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.variables: dict[str, str] = {}

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if not token[0]:
            raise FeelError("the condition ends too early")
        self.position += 1
        return token

    def expression(self) -> str:
        parts = [self.conjunction()]
        while self.peek() in (("or", "or"), ("op", "||")):
            self.take()
            parts.append(self.conjunction())
        return " || ".join(parts)

    def conjunction(self) -> str:
        parts = [self.negation()]
        while self.peek() in (("and", "and"), ("op", "&&")):
            self.take()
            parts.append(self.negation())
        return " && ".join(parts)

    def negation(self) -> str:
        if self.peek() in (("not", "not"), ("op", "!")):
            self.take()
            if self.peek() != ("op", "("):
                raise FeelError("`not` must be followed by a parenthesised condition")
            return f"!({self.parenthesised()})"
        return self.comparison()

    def comparison(self) -> str:
        left, left_kind = self.operand()
        kind, value = self.peek()
        if kind == "op" and value in _COMPARISONS:
            self.take()
            right, right_kind = self.operand()
            self._infer(left, left_kind, right_kind)
            self._infer(right, right_kind, left_kind)
            return f"{left} {_COMPARISONS[value]} {right}"
        if left_kind == "name":
            self._declare(left, "boolean")
        return left

    def operand(self) -> tuple[str, str]:
        kind, value = self.peek()
        if (kind, value) == ("op", "("):
            return f"({self.parenthesised()})", "group"
        self.take()
        if kind == "number":
            return value, "number"
        if kind == "string":
            return json.dumps(json.loads(value), ensure_ascii=False), "string"
        if kind == "literal":
            return value, value
        if kind == "name":
            if self.peek() == ("op", "("):
                raise FeelError(f"function calls ({value}(...)) are not in the FEEL subset")
            return value, "name"
        raise FeelError(f"expected a variable or a value, found {value!r}")

    def parenthesised(self) -> str:
        self.take()  # "("
        inner = self.expression()
        if self.take() != ("op", ")"):
            raise FeelError("a parenthesis is not closed")
        return inner

    def _infer(self, name: str, kind: str, other_kind: str) -> None:
        if kind == "name":
            self._declare(name, _LITERAL_TYPES.get(other_kind, "string"))

    def _declare(self, path: str, type_: str) -> None:
        head, _, rest = path.partition(".")
        self.variables.setdefault(head, "object" if rest else type_)
