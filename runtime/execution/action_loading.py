"""Finds the modules that register task actions, so `serve` and `worker` can run them.

An action module exposes `register(engine)`, which registers handlers with
`@engine.action(name)`. Sources, registered in this order (a later one overrides an action
of the same name, so a real module always wins over a demo stand-in):

1. the demo actions for the samples (`runtime.demo:register`), when asked for;
2. every other `statewright.actions` entry point of the installed packages;
3. `$STATEWRIGHT_ACTIONS`, comma-separated module paths;
4. `--actions module.path` on the command line (repeatable).

A source that cannot be imported, or whose `register` fails, raises `ActionLoadingError`
naming it: a worker started without its handlers would send every task down its error path.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

log = logging.getLogger("statewright.actions")

ENTRY_POINT_GROUP = "statewright.actions"
ACTIONS_ENV = "STATEWRIGHT_ACTIONS"
DEMO_REFERENCE = "runtime.demo:register"
_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*(:[A-Za-z_]\w*)?$")


class ActionLoadingError(Exception):
    """An action module could not be imported, lacks `register(engine)`, or its `register` failed.

    The message names the module and where it was asked for (`--actions`, the environment
    variable, or the entry point).
    """


@dataclass(frozen=True)
class ActionSource:
    """One `module` or `module:function` to call with the engine, and where it was named."""

    reference: str
    origin: str

    @property
    def module(self) -> str:
        return self.reference.partition(":")[0]

    @property
    def function(self) -> str:
        return self.reference.partition(":")[2] or "register"


def action_sources(modules: Iterable[str] = (), *, demo: bool,
                   environ: Mapping[str, str] | None = None) -> list[ActionSource]:
    """Every source to load, in registration order, each named once."""
    environ = os.environ if environ is None else environ
    sources = [ActionSource(DEMO_REFERENCE, "the demo actions")] if demo else []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        target = f"{entry.module}:{entry.attr}" if entry.attr else entry.module
        if target != DEMO_REFERENCE:
            sources.append(ActionSource(target, f"entry point {entry.name!r}"))
    for name in environ.get(ACTIONS_ENV, "").split(","):
        if name.strip():
            sources.append(ActionSource(name.strip(), f"${ACTIONS_ENV}"))
    sources.extend(ActionSource(name.strip(), "--actions") for name in modules)
    unique: dict[str, ActionSource] = {}
    for source in sources:
        unique.setdefault(source.reference, source)
    return list(unique.values())


def load_actions(engine: Any, modules: Iterable[str] = (), *, demo: bool,
                 environ: Mapping[str, str] | None = None) -> list[ActionSource]:
    """Register the actions of every source on `engine`; returns the sources loaded."""
    sources = action_sources(modules, demo=demo, environ=environ)
    for source in sources:
        register_from(engine, source)
    if sources:
        log.info("Actions registered from %s: %s",
                 ", ".join(s.reference for s in sources), ", ".join(engine.actions.names()))
    if demo:
        log.warning("Demo actions stand in for real services (credit bureau, ERP, payments); "
                    "start with --no-demo-actions in production")
    return sources


def register_from(engine: Any, source: ActionSource) -> None:
    """Import one source and call its register function with the engine."""
    named = f"{source.reference!r} ({source.origin})"
    if not _REFERENCE.match(source.reference):
        raise ActionLoadingError(
            f"{named} is not a module path like 'mycompany.actions' or 'mycompany.actions:register'"
        )
    module = _import(source.module, named)
    register = getattr(module, source.function, None)
    if not callable(register):
        raise ActionLoadingError(f"the action module {named} has no {source.function}(engine) "
                                 "function")
    try:
        register(engine)
    except Exception as exc:
        raise ActionLoadingError(
            f"{source.function}(engine) of the action module {named} failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def _import(module: str, named: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise ActionLoadingError(
                f"cannot load the action module {named}: there is no module named {exc.name!r}"
            ) from exc
        raise ActionLoadingError(
            f"the action module {named} could not be imported: {exc}"
        ) from exc
    except SyntaxError as exc:
        raise ActionLoadingError(
            f"the action module {named} has a syntax error at {exc.filename}:{exc.lineno}: "
            f"{exc.msg}"
        ) from exc
    except Exception as exc:
        raise ActionLoadingError(
            f"the action module {named} failed while importing: {type(exc).__name__}: {exc}"
        ) from exc
