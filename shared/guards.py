"""CEL expressions: guards (`when`), assignments (`set`), timer `until`, subprocess `input`.

Expressions are compiled once per distinct source (cached) with the `cel` module and are
never given to Python's `eval`. Names in scope are the process variables and `event`, the
payload of the event being handled.
"""

from __future__ import annotations

import importlib
import re
import sys
import types
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from shared.errors import GuardError

if TYPE_CHECKING:
    import cel

EVENT = "event"
MAX_EXPRESSION_CHARS = 10_000
# The CEL binding runs an expression to its end holding the GIL, stalling every thread of the
# server; so its cost is bounded before it runs. Comprehensions (`.all`, `.map`, ...) are what
# multiply: at most this many nested in one another (checked at compile time, so `validate`
# reports it as `bad-guard`) ...
MAX_COMPREHENSION_DEPTH = 2
# ... and at run time the estimate (largest list or map in scope) ** (nesting depth) must stay
# within this many steps (about 0.13 s of CEL: 8 million steps took 5 s on the test machine).
GUARD_STEP_BUDGET = 200_000

# Comprehension macros bind a loop name (`items.all(i, i > 0)`); CEL reports it as a variable.
_MACRO_BINDING = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")
_CEL_ERROR = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*)")
_MACRO_CALL = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(")
_STRING = re.compile(r"[rRbB]*('\''|\"\"\"|'|\")(?:\\.|(?!\1).)*?\1", re.DOTALL)


@lru_cache(maxsize=4096)
def compile_expression(src: str) -> cel.Program:
    """The compiled program for `src`; raises `GuardError` with CEL's reason when it is invalid."""
    if not src.strip():
        raise GuardError("the expression is empty")
    if len(src) > MAX_EXPRESSION_CHARS:
        raise GuardError(f"the expression is longer than {MAX_EXPRESSION_CHARS:,} characters")
    if (depth := comprehension_depth(src)) > MAX_COMPREHENSION_DEPTH:
        raise GuardError(
            f"it nests {depth} comprehensions (.all, .exists, .map, ...) in one another; at most "
            f"{MAX_COMPREHENSION_DEPTH} are allowed, as each multiplies the work"
        )
    try:
        return _cel().compile(src)
    except ValueError as exc:
        raise GuardError(_compile_reason(str(exc))) from None
    except Exception as exc:  # the binding may raise other types on odd input
        raise GuardError(f"{type(exc).__name__}: {exc}") from None


@lru_cache(maxsize=4096)
def comprehension_depth(src: str) -> int:
    """How deeply comprehension macros nest in `src` (0 without any); string literals skipped."""
    code = _STRING.sub(lambda m: " " * len(m.group(0)), src)
    macro_starts = {m.end() - 1 for m in _MACRO_CALL.finditer(code)}
    stack: list[bool] = []
    depth = deepest = 0
    for index, char in enumerate(code):
        if char == "(":
            is_macro = index in macro_starts
            stack.append(is_macro)
            depth += is_macro
            deepest = max(deepest, depth)
        elif char == ")" and stack:
            depth -= stack.pop()
    return deepest


def estimated_steps(src: str, context: dict[str, Any]) -> int:
    """An upper estimate of the work of `src` on `context`: its largest collection raised to
    the nesting depth of its comprehensions."""
    depth = comprehension_depth(src)
    return _largest_collection(context) ** depth if depth else 1


def _largest_collection(value: Any) -> int:
    largest, pending = 0, [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            largest = max(largest, len(item))
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            largest = max(largest, len(item))
            pending.extend(item)
    return largest


@lru_cache(maxsize=4096)
def _cel() -> Any:
    """The `cel` module, without its interactive shell.

    The package's `__init__` imports `cel.cli`, which loads prompt_toolkit (~0.15 s of every
    CLI start); we never use the shell, so `cel.cli` stands in as a module that imports the
    real one only if something reads from it.
    """
    if "cel" not in sys.modules and "cel.cli" not in sys.modules:
        sys.modules["cel.cli"] = _DeferredShell("cel.cli")
    import cel

    return cel


class _DeferredShell(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        del sys.modules["cel.cli"]
        return getattr(importlib.import_module("cel.cli"), name)


@lru_cache(maxsize=4096)
def _names(src: str) -> frozenset[str]:
    program = compile_expression(src)
    bound = set(_MACRO_BINDING.findall(src))
    return frozenset(name for name in program.variables() if name not in bound)


def referenced_names(src: str) -> set[str]:
    """Top-level names `src` reads (`event.amount` gives `event`); raises `GuardError`."""
    return set(_names(src))


def clear_caches() -> None:
    """Forget compiled programs (benchmarks measure a cold start with it)."""
    compile_expression.cache_clear()
    _names.cache_clear()


def evaluate(src: str, variables: dict[str, Any], event: dict[str, Any] | None = None) -> Any:
    """The value of `src` with the variables and `event` (the payload, `{}` if none) in scope."""
    program = compile_expression(src)
    context = {**variables, EVENT: event if event is not None else {}}
    if (steps := estimated_steps(src, context)) > GUARD_STEP_BUDGET:
        raise GuardError(
            f"`{_short(src)}` would take about {steps:,} steps over these values, more than "
            f"the budget of {GUARD_STEP_BUDGET:,}: nest fewer comprehensions or shorten the lists"
        )
    try:
        return program.execute(context)
    except RuntimeError as exc:
        missing = re.search(r"Undefined variable or function: '([^']+)'", str(exc))
        if missing and missing.group(1) in program.variables():
            raise GuardError(
                f"`{src}` uses {missing.group(1)!r}, which has no value in this instance "
                "(not set and not in the event)"
            ) from None
        if missing:
            raise GuardError(
                f"`{src}` calls {missing.group(1)}(), which does not exist or does not take "
                "arguments of these types"
            ) from None
        raise GuardError(f"`{src}` failed: {exc}") from None
    except TypeError as exc:
        raise GuardError(
            f"`{src}` mixes incompatible types ({str(exc).split('.')[0]}); "
            "check the variable types or convert with int(), double() or string()"
        ) from None
    except KeyError as exc:
        raise GuardError(f"`{src}` reads the field {exc.args[0]!r}, which is not there") from None
    except ZeroDivisionError:
        raise GuardError(f"`{src}` divides by zero") from None
    except Exception as exc:
        raise GuardError(f"`{src}` failed: {type(exc).__name__}: {exc}") from None


def evaluate_guard(
    src: str, variables: dict[str, Any], event: dict[str, Any] | None = None
) -> bool:
    """Whether the guard `src` holds; a guard giving anything but a boolean is a `GuardError`."""
    value = evaluate(src, variables, event)
    if not isinstance(value, bool):
        raise GuardError(f"the guard `{src}` gave {value!r}, not true or false")
    return value


def _compile_reason(message: str) -> str:
    """CEL's first error as `column N: reason`, without the echo of the whole source."""
    found = _CEL_ERROR.search(message)
    if not found:
        return message.splitlines()[0]
    line, column, reason = found.groups()
    where = f"column {column}" if line == "1" else f"line {line}, column {column}"
    return f"{where}: {reason.strip()}"


def _short(src: str, limit: int = 80) -> str:
    return src if len(src) <= limit else src[: limit - 1] + "…"
