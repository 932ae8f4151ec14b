"""The `statewright` typer app that every command module adds its commands to."""

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
