"""The server browser tests drive: what `statewright serve` builds (engine, REST API, web UI
through `designer.app.mount`) without the background runner or sample processes, so each test
session starts from an empty database.

Usage: python e2e/designer_server.py PORT DATABASE_URL
"""

from __future__ import annotations

import sys

import uvicorn

from designer.app import mount
from runtime import Engine
from runtime.api import create_app


def main(port: int, database_url: str) -> None:
    engine = Engine(database_url)
    app = create_app(engine)
    mount(app, engine)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
