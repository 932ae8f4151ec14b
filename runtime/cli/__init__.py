"""The `statewright` command line; each concept registers its commands in its own module."""

import typer

app = typer.Typer(
    name="statewright",
    help="Statewright: visual workflow designer and durable runtime.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)



@app.callback()
def main() -> None:
    """Statewright: visual workflow designer and durable runtime."""


# Each module registers its commands on `app` when imported.
from runtime.cli import (  # noqa: E402
    analytics,
    audit,
    bench,
    definitions,
    demo,
    instances,
    operations,
    server,
    tasks,
    users,
)

__all__ = ["analytics", "app", "audit", "bench", "definitions", "demo", "instances", "operations",
           "server", "tasks", "users"]
