"""Demo actions for the sample processes, so `statewright serve` shows them running.

They stand in for a credit bureau, an ERP, a directory service, a payment provider. Business
answers (a credit score, a budget, a fraud score) follow from the instance's variables, so the
same application always gets the same answer; a few services fail the way real ones do: some
hiccup once and pass on the retry, and some refuse a case on every attempt, which takes the
sample's error path (and, for a saga, its compensations). Nothing sleeps.

Loaded by `serve` and `worker` unless `--no-demo-actions` (see docs/actions.md).
"""

from __future__ import annotations

from typing import Any

from runtime.demo import claims, loans, onboarding, purchasing
from runtime.execution.actions import Handler

DEMO_ACTIONS: dict[str, Handler] = {
    **loans.ACTIONS,
    **purchasing.ACTIONS,
    **onboarding.ACTIONS,
    **claims.ACTIONS,
}


def register(engine: Any) -> None:
    """Register every demo action on `engine` (the `statewright.actions` entry point `demo`)."""
    for name, handler in DEMO_ACTIONS.items():
        engine.action(name)(handler)
