"""The one error shape of the REST API and the handlers that produce it.

Every failure answers `{"error": {"code", "message", "details"}}`: a stable code a client can
branch on, a message naming the thing that is wrong, and details saying where. Engine errors
are translated here (and only here), so routers simply let them propagate.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime.api import denials
from runtime.core.errors import EngineError

log = logging.getLogger("statewright.api")
# The pydantic error type of a request value no store can hold: answered 400 `bad-request`.
UNSTORABLE = "unstorable"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """What every 4xx/5xx answer of the API looks like."""

    error: ErrorBody


class ApiError(Exception):
    """Raised by routers for a refusal they decide themselves (e.g. a key mismatch)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}
    return JSONResponse(body, status_code=status, headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting the error shape for the given statuses."""
    return {status: {"model": ErrorResponse} for status in statuses}


_HTTP_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation",
    503: "unavailable",
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as `{"location", "message", "type"}` with a dotted location."""
    out = []
    for err in exc.errors():
        location = ".".join(str(part) for part in err.get("loc", ()))
        out.append({"location": location, "message": err.get("msg", ""), "type": err.get("type")})
    return out


async def _on_request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    malformed = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if malformed is not None:
        reason = malformed.get("ctx", {}).get("error", "cannot be parsed")
        position = malformed.get("loc", ("body", None))[-1]
        return error_response(
            400,
            "malformed-json",
            f"The request body is not valid JSON: {reason} (at character {position})",
            {"position": position},
        )
    unstorable = next((e for e in errors if e.get("type") == UNSTORABLE), None)
    if unstorable is not None:
        location = ".".join(str(part) for part in unstorable.get("loc", ()))
        return error_response(
            400,
            "bad-request",
            f"{location}: {unstorable.get('msg', '')}; nothing was changed.",
            {"location": location},
        )
    details = _field_errors(exc)
    first = details[0]
    message = f"Invalid request: {first['location']}: {first['message']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more)"
    return error_response(422, "validation", message, {"errors": details})


async def _on_http_exception(request: Request, exc: HTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, "http-error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("-", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = f"No such endpoint: {request.method} {request.url.path}"
    if exc.status_code in denials.DENIED_STATUSES:
        denials.record(request, exc.status_code, code, message)
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _on_engine_error(request: Request, exc: EngineError) -> JSONResponse:
    if exc.status in denials.DENIED_STATUSES:
        denials.record(request, exc.status, exc.code, exc.message)
    return error_response(exc.status, exc.code, exc.message, exc.details)


async def _on_database_down(request: Request, exc: DBAPIError) -> JSONResponse:
    """A lost connection or a locked SQLite file: the caller may retry, nothing was half-done."""
    log.warning("Database unavailable for %s %s: %s", request.method, request.url.path, exc.orig)
    return error_response(
        503,
        "unavailable",
        "The database is not reachable right now; retry shortly.",
        headers={"Retry-After": "1"},
    )


async def _on_unstorable_value(request: Request, exc: DataError) -> JSONResponse:
    """A value the database refuses (a NUL character, an out-of-range number): the input's
    fault, and the transaction was rolled back. The driver's message may quote the value, so
    it goes to the log only."""
    log.warning("Database refused a value in %s %s: %s", request.method, request.url.path,
                exc.orig)
    return error_response(400, "bad-request",
                          "A value in the request cannot be stored (for example a NUL "
                          "character or a number out of range); nothing was changed.")


async def _on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    if exc.status in denials.DENIED_STATUSES:
        denials.record(request, exc.status, exc.code, exc.message)
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


class RequestIdAndCatchAll:
    """Tags each request with an id and turns any unhandled exception into a logged 500.

    A plain ASGI middleware rather than an `Exception` handler: Starlette re-raises after such
    a handler, which would log twice and leak to the server's default handler.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = Headers(scope=scope).get("x-request-id", "")
        request_id = supplied if _REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error(
                "Unhandled error in request %s %s", request_id, scope.get("path"), exc_info=exc
            )
            if started:
                raise
            response = error_response(
                500,
                "internal",
                f"Internal error; quote request id {request_id} to the operator.",
                {"request_id": request_id},
            )
            await response(scope, receive, send_with_id)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(HTTPException, _on_http_exception)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(EngineError, _on_engine_error)
    app.add_exception_handler(DataError, _on_unstorable_value)
    for unavailable in (OperationalError, InterfaceError):
        app.add_exception_handler(unavailable, _on_database_down)
