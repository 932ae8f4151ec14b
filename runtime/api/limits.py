"""Request body size limit: bodies over `max_bytes` are refused with 413 before the app sees them.

A declared `Content-Length` is checked up front; a chunked body (no length) is read up to the
limit and replayed to the app, so no route ever parses an oversized document.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime.api.errors import error_response

DEFAULT_MAX_BODY_BYTES = 1_000_000


class BodySizeLimit:
    """Pure ASGI middleware (streaming-safe, unlike `BaseHTTPMiddleware`)."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                response = error_response(
                    400, "bad-request", f"Content-Length {declared!r} is not a byte count."
                )
            elif int(declared) > self.max_bytes:
                response = self._too_large(int(declared))
            else:
                await self.app(scope, receive, send)
                return
            await response(scope, receive, send)
            return
        await self._buffer_chunked(scope, receive, send)

    async def _buffer_chunked(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away before the body ended
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(size, at_least=True)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    def _too_large(self, size: int, at_least: bool = False):
        amount = f"at least {size}" if at_least else str(size)
        return error_response(
            413,
            "payload-too-large",
            f"The request body ({amount} bytes) exceeds the limit of {self.max_bytes} bytes.",
            {"limit_bytes": self.max_bytes},
        )
