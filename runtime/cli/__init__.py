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


from runtime.cli import definitions  # noqa: E402,F401  (registers commands on `app`)
from runtime.cli import users  # noqa: E402,F401  (users and tokens commands)
from runtime.cli import server  # noqa: E402,F401  (serve and worker)
from runtime.cli import instances  # noqa: E402,F401  (publish, start, send, show)
from runtime.cli import audit  # noqa: E402,F401  (audit verify)
from runtime.cli import bench  # noqa: E402,F401  (bench)
