"""What `serve` and `worker` do, imported only when one of them runs (the web stack is heavy)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

import typer
import uvicorn
from fastapi import FastAPI

from runtime.api import create_app
from runtime.cli.tls import CertificateReloader, TlsSettings
from runtime.core.errors import EngineError
from runtime.engine import Engine
from runtime.execution.action_loading import ActionLoadingError, load_actions
from runtime.execution.runner import Runner
from runtime.execution.schedules import Schedules
from runtime.messaging.configured import configured
from runtime.messaging.consumer import Consumers
from runtime.samples import publish_samples
from runtime.security.identity import IdentityError, IdentityService
from runtime.security.identity.service import ADMIN_PASSWORD_ENV

log = logging.getLogger("statewright.serve")
UI_ENTRY_POINTS = "statewright.ui"
TRUSTED_PROXIES_ENV = "STATEWRIGHT_TRUSTED_PROXIES"


def serve(host: str, port: int, db: str, samples: bool, ui: bool, actions: list[str] | None,
          demo_actions: bool | None, tls: TlsSettings | None = None) -> None:
    """Serve the REST API and web UI, and run due work in the background (over HTTPS, and
    with client certificates required, as `tls` says)."""
    _configure_logging()
    engine = _open_engine(db)
    # live pages move when a `worker` process (or another `serve`) advances an instance
    if not engine.follow_other_processes():
        log.warning("not yet hearing other processes' changes; live pages follow this one")
    _register_actions(engine, actions, samples if demo_actions is None else demo_actions)
    _first_admin(db)
    if samples:
        publish_samples(engine)
    api = create_app(engine)
    if ui:
        mount_ui(api, engine)
    config = uvicorn.Config(api, host=host, port=port, log_config=None,
                            **proxy_options(), **(tls.uvicorn_options() if tls else {}))
    server = uvicorn.Server(config)
    reloader = CertificateReloader(tls, config).start() if tls else None
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # it found; a no-op one here lets the runner and engine close and the process exit 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    runner = Runner(engine).start()
    schedules = Schedules(engine).start()  # cron-started definitions (APScheduler)
    consumers = start_messaging(engine)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    scheme = "https" if tls else "http"
    log.info("Statewright on %s://%s:%d (API under /api/v1, database %s%s)", scheme, shown, port,
             db, ", client certificates required" if tls and tls.require_client_cert else "")
    try:
        server.run()
    finally:
        if consumers is not None:
            consumers.stop()
        if reloader is not None:
            reloader.stop()
        schedules.stop()
        runner.stop()
        engine.close()


def proxy_options(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Take the client's address (and scheme) from `X-Forwarded-For` / `-Proto` only when the
    peer is one of `STATEWRIGHT_TRUSTED_PROXIES` (comma-separated addresses or networks);
    uvicorn's default trusts any local peer, which let a local client choose its address
    and so dodge the per-address rate limits."""
    trusted = env.get(TRUSTED_PROXIES_ENV, "").strip()
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def work(db: str, actions: list[str] | None, demo_actions: bool | None) -> None:
    """Run due actions and timers against the database until SIGTERM or Ctrl-C."""
    _configure_logging()
    engine = _open_engine(db)
    _register_actions(engine, actions, demo_actions is not False)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    runner = Runner(engine).start()
    consumers = start_messaging(engine)
    log.info("Statewright worker running against %s", db)
    try:
        stop.wait()
    finally:
        if consumers is not None:
            consumers.stop()
        runner.stop()
        engine.close()
    log.info("Statewright worker stopped")


def consume(db: str, max_backlog: int) -> None:
    """Consume every subscription and deliver the outbox until SIGTERM or Ctrl-C."""
    _configure_logging()
    engine = _open_engine(db)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    consumers = Consumers(engine.ledger, max_backlog=max_backlog).start()
    log.info("Statewright consumer running against %s", db)
    try:
        stop.wait()
    finally:
        consumers.stop()
        engine.close()


def start_messaging(engine: Engine) -> Consumers | None:
    """The consumers, when the database has subscriptions or outbox routes at start-up."""
    if not configured(engine.store):
        return None
    return Consumers(engine.ledger).start()


def _configure_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("STATEWRIGHT_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # APScheduler logs every run of its interval jobs at INFO: noise, not news.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _open_engine(db: str) -> Engine:
    """Strict about keys: on PostgreSQL or in production, no development key ring by default."""
    from runtime.security.keys import ring_from_environment

    try:
        return Engine(db, key_ring=ring_from_environment(db, strict=True))
    except EngineError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


def mount_ui(api: FastAPI, engine: Any) -> list[str]:
    """Mount every `statewright.ui` entry point; one that fails is logged and left out."""
    mounted = []
    for entry in entry_points(group=UI_ENTRY_POINTS):
        try:
            entry.load()(api, engine)
        except Exception:
            log.exception(
                "The web UI %r (%s) could not be mounted; serving the API alone", entry.name,
                entry.value,
            )
            continue
        mounted.append(entry.name)
    return mounted


def _register_actions(engine: Engine, modules: list[str] | None, demo: bool) -> None:
    try:
        load_actions(engine, modules or (), demo=demo)
    except ActionLoadingError as exc:
        engine.close()
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _first_admin(db: str) -> None:
    """SPEC §6: a fresh database gets an `admin` account; a generated password is shown once."""
    try:
        with IdentityService(db) as identity:
            one_time = identity.ensure_first_admin()
    except IdentityError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if one_time:
        typer.echo(
            f"Created the first account 'admin' with the one-time password {one_time} "
            f"(change it at first login, or set {ADMIN_PASSWORD_ENV} before the first start)."
        )
