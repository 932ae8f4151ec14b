"""`statewright db upgrade|current|history`: the database schema's revisions (alembic).

alembic and SQLAlchemy are imported inside the commands, so `--help` stays light.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption, JsonOption

if TYPE_CHECKING:
    from runtime.store import Store

db_app = typer.Typer(help="Upgrade the database schema and show its revision.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command()
def upgrade(
    db: DbOption = DEFAULT_DB,
    to: Annotated[str, typer.Option("--to", help="Revision to upgrade to.")] = "head",
    as_json: JsonOption = False,
) -> None:
    """Upgrade the schema to this release's, in one transaction (back the database up first)."""
    from runtime import engine  # noqa: F401  (every table's module, for a fresh database)
    from runtime.store import migrate

    with _store(db) as store:
        if to != "head" and to not in _known():
            _refuse(f"--to {to!r} is no revision; `statewright db history` lists them")
        try:
            done = migrate.upgrade(store, to)
        except Exception as exc:
            typer.echo(f"error: the upgrade of {store.display_url} failed and changed nothing: "
                       f"{_first_line(exc)}", err=True)
            raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({"before": done.before, "after": done.after,
                               "recognised_as": done.stamped_as}))
        return
    if done.stamped_as:
        typer.echo(f"recognised an unstamped schema at revision {done.stamped_as}")
    if done.before is None:
        typer.echo(f"created the schema at revision {done.after}")
    elif done.before == done.after:
        typer.echo(f"already at revision {done.after}")
    else:
        typer.echo(f"upgraded from revision {done.before} to {done.after}")


@db_app.command()
def current(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Print the database's schema revision and this release's newest."""
    from runtime.store import migrate, versioning

    with _store(db) as store:
        found = migrate.current(store)
    head = versioning.head()
    if as_json:
        typer.echo(json.dumps({"revision": found, "head": head, "at_head": found == head}))
        return
    if found is None:
        typer.echo(f"no schema yet (a first start creates revision {head})")
    elif found == head:
        typer.echo(f"{found} (head)")
    else:
        typer.echo(f"{found} (this release needs {head}: run `statewright db upgrade`)")


@db_app.command()
def history(as_json: JsonOption = False) -> None:
    """List the schema revisions, oldest first."""
    from runtime.store import migrate

    revisions = migrate.history()
    if as_json:
        typer.echo(json.dumps([{"revision": r.id, "summary": r.summary} for r in revisions]))
        return
    for revision in revisions:
        typer.echo(f"{revision.id}  {revision.summary}")


@db_app.command(hidden=True)
def revision(message: Annotated[str, typer.Argument(help="What the change is for.")]) -> None:
    """For developers: draft the next revision from the table definitions (autogenerate)."""
    from runtime import engine  # noqa: F401  (every table's module)
    from runtime.security.identity.tables import metadata as identity
    from runtime.store import migrate
    from runtime.store.schema import metadata as store

    written = migrate.draft_revision(message, [store, identity])
    typer.echo(f"wrote {written}: read it, move the data it needs, add a test"
               if written else "the revisions already give every table: nothing to write")


@contextmanager
def _store(db: str) -> Iterator[Store]:
    """The store of `db`, reachable, its schema not checked; bad URLs and errors exit 2."""
    from runtime.core.errors import StoreUnavailable
    from runtime.store import connect_store

    try:
        store = connect_store(db)
    except StoreUnavailable as exc:
        _refuse(exc.message)
    try:
        with store.sql.connect():
            pass
    except Exception as exc:
        store.close()
        _refuse(f"cannot open the database {store.display_url}: {_first_line(exc)}")
    try:
        yield store
    finally:
        store.close()


def _known() -> tuple[str, ...]:
    from runtime.store import versioning

    return versioning.revisions()


def _refuse(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
