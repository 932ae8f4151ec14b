"""The audit check of the event log's hash chains."""

from __future__ import annotations

from fastapi import APIRouter, Request

from runtime.api.models import AuditReport

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/verify", response_model=AuditReport, summary="Verify every instance's hash chain")
def verify_audit(request: Request) -> AuditReport:
    """Always 200: `ok` says whether the log is intact; otherwise the first break is named."""
    return AuditReport(**request.app.state.engine.verify_audit().to_json())
