"""A designer-only server for browser tests: the FastAPI app with `designer.app.mount`.

It serves the real pages through the real `mount`, with an in-memory engine standing in for
the runtime, so the browser tests need nothing but this file and the built canvas bundle.
Usage: python e2e/designer_server.py PORT
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from fastapi import FastAPI

from designer.app import mount


class InMemoryEngine:
    """Publishes versions into a dict: the slice of the runtime Engine the designer calls."""

    def __init__(self) -> None:
        self.published: dict[str, list[dict[str, Any]]] = {}

    def definitions(self) -> list[dict[str, Any]]:
        return [{"key": key, "name": docs[-1].get("name")} for key, docs in self.published.items()]

    def versions(self, key: str) -> list[int]:
        return list(range(1, len(self.published.get(key, [])) + 1))

    def version(self, key: str, number: int) -> dict[str, Any]:
        return self.published[key][number - 1]

    def publish(self, document: dict[str, Any], actor: str) -> int:
        self.published.setdefault(document["key"], []).append(document)
        return len(self.published[document["key"]])


def main(port: int) -> None:
    app = FastAPI()

    @app.get("/api/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    mount(app, InMemoryEngine())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(int(sys.argv[1]))
