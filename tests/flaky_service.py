"""A real local HTTP service for the resilience tests, run in a thread on 127.0.0.1.

`/flaky/{key}?fail=N` answers 503 for the first N calls with that key, then 200 with
`{"calls": n}`; `/slow?s=X` sleeps X seconds before answering; `/ok` answers at once.
`down_url()` names a port nobody listens on (connection refused).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest


class FlakyService:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                with service._lock:
                    service.calls[url.path] += 1
                    count = service.calls[url.path]
                if url.path.startswith("/flaky/") and count <= int(query.get("fail", "0")):
                    self._answer(503, {"error": "unavailable", "calls": count})
                elif url.path == "/slow":
                    time.sleep(float(query.get("s", "1")))
                    self._answer(200, {"calls": count})
                else:
                    self._answer(200, {"calls": count})

            def _answer(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def down_url() -> str:
    """A URL on a local port that was free a moment ago: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(name="service")
def running_service() -> Iterator[FlakyService]:
    svc = FlakyService()
    try:
        yield svc
    finally:
        svc.close()
