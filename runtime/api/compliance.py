"""The compliance report (docs/compliance.md) over REST: JSON, or a CSV / PDF download."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from runtime.api.errors import error_responses
from runtime.compliance import FORMATS, Scope, build_report, to_csv, to_pdf
from shared.definition import KEY_PATTERN

router = APIRouter(prefix="/compliance", tags=["compliance"])
MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}
MOMENT = r"^[0-9T:+.Z -]{10,40}$"  # a date or an ISO 8601 time; parsed by `Scope.parse`


@router.get("/report", summary="Compliance report of a period",
            responses={**error_responses(404, 422),
                       200: {"content": {m: {} for m in MEDIA.values()}}})
def compliance_report(
    request: Request,
    from_: Annotated[str | None, Query(alias="from", pattern=MOMENT,
                                       description="first day (YYYY-MM-DD) or ISO time")] = None,
    to: Annotated[str | None, Query(pattern=MOMENT,
                                    description="last day, included, or ISO time")] = None,
    definition: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
    format: Annotated[str, Query(pattern=f"^({'|'.join(FORMATS)})$")] = "json",
) -> Response:
    """Activity, operator actions, admin acts, sensitive access, segregation-of-duties
    violations and SLA adherence. Default period: the last 30 days."""
    engine = request.app.state.engine
    scope = Scope.parse(from_, to, definition, engine.clock.now())
    body = _render(engine, scope, format)
    headers = {} if format == "json" else {
        "Content-Disposition": f'attachment; filename="{_filename(scope, format)}"'}
    return Response(body, media_type=MEDIA[format], headers=headers)


def _render(engine: Any, scope: Scope, format: str) -> bytes:
    with engine.store.read() as conn:
        report = build_report(conn, scope, engine.clock.now())
    if format == "pdf":
        return to_pdf(report)
    if format == "csv":
        return to_csv(report).encode()
    return json.dumps(report.to_json()).encode()


def _filename(scope: Scope, format: str) -> str:
    name = f"compliance-{scope.since:%Y%m%d}-{scope.until:%Y%m%d}"
    return f"{name}-{scope.definition}.{format}" if scope.definition else f"{name}.{format}"

