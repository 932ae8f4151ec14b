"""schemathesis against /api/openapi.json with an admin token: generated requests, valid and
invalid, never get a 5xx, and every refusal has the SPEC §5 error shape.

Negative cases include schemathesis leaving the token out on purpose (answered 401). Examples
per operation are kept small so each database takes about half a minute; the number of
requests and the time are printed.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from api_callers import Callers, cheap_passwords  # noqa: F401 (fixture)
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from test_tasks import CLAIM_REVIEW

from runtime import Engine
from runtime.api import create_app
from runtime.security.identity import RateLimiter, RequestLimits

EXAMPLES_PER_OPERATION = 6
# Revoking the admin's own token would turn every later case into a 401: run it last.
LAST = ("DELETE", "/api/v1/auth/token")


def _operations(schema: Any) -> list[Any]:
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: (op.method.upper(), op.path) == LAST)


def _problem(case: Any, response: Any, mode: GenerationMode) -> str | None:
    """What is wrong with an answer: a 5xx, or a refusal without the error shape."""
    where = f"{case.method} {case.formatted_path} ({mode.value})"
    if response.status_code >= 500:
        return (f"{where}: {response.status_code} {response.text[:300]}"
                f"\n  body={case.body!r:.300} query={case.query!r:.200}")
    shape = set(response.json().get("error", {})) if response.status_code >= 400 else None
    if shape is not None and shape != {"code", "message", "details"}:
        return f"{where}: {response.status_code} without the error shape: {response.text}"
    return None


def _exercise(operation: Any, mode: GenerationMode, headers: dict[str, str],
              problems: list[str]) -> int:
    """Run up to EXAMPLES_PER_OPERATION generated cases; returns how many were sent."""
    calls = 0

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        problem = _problem(case, case.call(headers=headers), mode)
        if problem:
            problems.append(problem)

    try:
        run()
    except Unsatisfiable:  # nothing invalid to generate (e.g. no parameters at all)
        assert mode is GenerationMode.NEGATIVE, operation.path
    return calls


@pytest.mark.usefixtures("cheap_passwords")
def test_generated_requests_never_get_a_server_error(engine: Engine,
                                                     loan_approval: dict[str, Any]) -> None:
    engine.publish(loan_approval)
    engine.publish(CLAIM_REVIEW)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    engine.start("claim-review", {"amount": 100}, actor="intake")
    generous = RequestLimits(RateLimiter(1_000_000, 10_000.0), RateLimiter(1_000_000, 10_000.0))
    app = create_app(engine, limits=generous)
    admin = Callers(app).bearer("root", "admin")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = _operations(schema)
    problems: list[str] = []
    began = time.perf_counter()
    calls = sum(_exercise(operation, mode, admin, problems) for operation in operations
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))
    elapsed = time.perf_counter() - began
    print(f"\nschemathesis on {engine.url.split(':')[0]}: {calls} generated requests over "
          f"{len(operations)} operations in {elapsed:.1f} s")
    assert not problems, "\n".join(problems[:20])
