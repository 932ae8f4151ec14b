"""`statewright serve` in a subprocess with a chosen environment: the shared designer server of
`conftest.py` and the own servers of browser tests that need one (e.g. for single sign-on)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
from browser_settings import ROOT

STARTUP_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(workdir: Path) -> str:
    """The database `running_server(workdir, ...)` serves."""
    return f"sqlite:///{workdir / 'e2e.db'}"


@contextmanager
def running_server(workdir: Path, env: Mapping[str, str], db: str | None = None
                   ) -> Iterator[str]:
    """Serve `db` (default: a fresh SQLite database in `workdir`) with `env` added to ours;
    yields the base URL once `/api/v1/healthz` answers, and stops the server afterwards. The
    log is `workdir/server.log`."""
    port = free_port()
    log_path = workdir / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "runtime.cli",
                "serve",
                "--port",
                str(port),
                "--db",
                db or database_url(workdir),
            ],
            cwd=workdir,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_S
            while True:
                try:
                    if httpx.get(f"{url}/api/v1/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"statewright serve did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)
