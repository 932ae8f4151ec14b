"""`statewright serve` (API + web UI + background runner) and `statewright worker` (runner only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption

ActionsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--actions", metavar="MODULE",
        help="Python module whose register(engine) adds task actions; repeatable "
        "(also $STATEWRIGHT_ACTIONS, comma-separated, and `statewright.actions` entry points).",
    ),
]
DemoActionsOption = Annotated[
    bool | None,
    typer.Option(
        "--demo-actions/--no-demo-actions",
        help="Register the demo actions the samples use (default: on; for serve, as --samples).",
        show_default=False,
    ),
]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8080,
    db: DbOption = DEFAULT_DB,
    samples: Annotated[
        bool,
        typer.Option("--samples/--no-samples", help="Publish the samples on a fresh database."),
    ] = True,
    ui: Annotated[bool, typer.Option("--ui/--no-ui", help="Mount the web UI at /.")] = True,
    actions: ActionsOption = None,
    demo_actions: DemoActionsOption = None,
    tls_cert: Annotated[
        Path | None,
        typer.Option(envvar="STATEWRIGHT_TLS_CERT", help="Serve HTTPS with this PEM certificate "
                     "(chain); reloaded when the file changes."),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option(envvar="STATEWRIGHT_TLS_KEY", help="The certificate's PEM private key."),
    ] = None,
    tls_client_ca: Annotated[
        Path | None,
        typer.Option(envvar="STATEWRIGHT_TLS_CLIENT_CA",
                     help="PEM bundle of the CAs whose client certificates are accepted."),
    ] = None,
    tls_require_client_cert: Annotated[
        bool,
        typer.Option("--tls-require-client-cert", envvar="STATEWRIGHT_TLS_REQUIRE_CLIENT_CERT",
                     help="Refuse connections without a client certificate from "
                     "--tls-client-ca (mutual TLS, for service-to-service calls)."),
    ] = False,
) -> None:
    """Serve the REST API and web UI, and run due work in the background."""
    from runtime.cli import serving
    from runtime.cli.tls import TlsSettingError, TlsSettings

    try:
        tls = TlsSettings.from_options(tls_cert, tls_key, tls_client_ca, tls_require_client_cert)
    except TlsSettingError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    serving.serve(host, port, db, samples, ui, actions, demo_actions, tls)


@app.command()
def worker(db: DbOption = DEFAULT_DB, actions: ActionsOption = None,
           demo_actions: DemoActionsOption = None) -> None:
    """Run due actions and timers against the database until SIGTERM or Ctrl-C."""
    from runtime.cli import serving

    serving.work(db, actions, demo_actions)
