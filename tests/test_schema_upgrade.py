"""Schema revisions: a database the first release wrote, with its data, upgraded to head on
SQLite and PostgreSQL loses nothing and runs on; old schemas are refused until upgraded.

`fixtures/release_0_1_data.json` holds every row of a database made by the first release's
code (`fixtures/make_release_0_1_data.py`): five loans (done, rejected, in an inbox with the
task claimed, waiting for documents), users, a token, a draft, dashboard aggregates.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, select, text
from typer.testing import CliRunner

import runtime.engine  # noqa: F401  (every table module, as the composition root has them)
from runtime import Engine, SchemaOutdated
from runtime.cli import app
from runtime.security.identity import IdentityService
from runtime.security.identity.tables import UtcDateTime
from runtime.security.identity.tables import metadata as identity_metadata
from runtime.store import connect_store, migrate, versioning
from runtime.store.compression import CompressedJSON
from runtime.store.schema import metadata as store_metadata

RELEASE_0_1 = json.loads((Path(__file__).parent / "fixtures/release_0_1_data.json").read_text())
# What the first release's data has in flight
APPS = {"LA-1": "completed", "LA-2": "running", "LA-3": "completed", "LA-4": "failed",
        "LA-5": "running"}


def _rows(conn: Any, meta: MetaData, name: str) -> list[dict[str, Any]]:
    """The table's rows as the fixture writes them (times in ISO), in a canonical order."""
    rows = [{k: v.isoformat() if isinstance(v, datetime | date) else v for k, v in row.items()}
            for row in conn.execute(select(meta.tables[name])).mappings()]
    return _sorted(rows)


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def _release_database(url: str) -> None:
    """The first release's schema (revision 0001), holding the first release's rows."""
    store = connect_store(url)
    assert migrate.upgrade(store, "0001").after == "0001"
    meta = MetaData()
    with store.sql.begin() as conn:
        meta.reflect(conn)
        for table in meta.sorted_tables:  # parents first: foreign keys hold
            dates = [c.name for c in table.columns if isinstance(c.type, DateTime)]
            rows = [{**row, **{d: datetime.fromisoformat(row[d]) for d in dates if row[d]}}
                    for row in RELEASE_0_1.get(table.name, [])]
            if rows:
                conn.execute(table.insert(), rows)
    store.close()


def test_revisions_are_one_line_each_named_by_its_file() -> None:
    scripts = ScriptDirectory(str(migrate.SCRIPTS))
    assert scripts.get_heads() == [versioning.head()]
    chain = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert chain == list(versioning.revisions()) == [r.id for r in migrate.history()]
    for script in scripts.walk_revisions():
        assert Path(script.path).name.startswith(f"{script.revision}_")
        assert script.doc, f"revision {script.revision} says what changed"


def test_a_first_start_creates_the_schema_at_head_and_stamps_it(db_url: str) -> None:
    Engine(db_url).close()
    store = connect_store(db_url)
    assert migrate.current(store) == versioning.head()
    store.close()


def test_replaying_every_revision_gives_the_schema_a_first_start_creates(db_url: str) -> None:
    store = connect_store(db_url)
    migrate.upgrade(store, "0001")
    migrate.upgrade(store)
    with store.sql.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn),
                                [store_metadata, identity_metadata])
    store.close()
    assert diff == []


def test_the_first_releases_database_upgrades_losing_nothing(db_url: str) -> None:
    _release_database(db_url)
    with pytest.raises(SchemaOutdated, match=r"revision 0001; .*db upgrade --db") as refused:
        Engine(db_url)
    assert refused.value.message.endswith(f"--db {db_url}`")  # as given (no password here)

    result = CliRunner().invoke(app, ["db", "upgrade", "--db", db_url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"before": "0001", "after": versioning.head(),
                                         "recognised_as": None}

    store = connect_store(db_url)
    meta = MetaData()
    with store.sql.connect() as conn:
        meta.reflect(conn)
        for name, rows in RELEASE_0_1.items():  # every row, every value, as it was
            kept = _rows(conn, meta, name)
            added = {k for r in kept for k in r} - {k for r in rows for k in r}
            assert all(r[k] is None for r in kept for k in added), name  # new columns: empty
            assert _sorted([{k: v for k, v in r.items() if k not in added} for r in kept]) == (
                _sorted(rows)), name
        # the tables added since are filled from what the old ones knew
        open_tasks = _rows(conn, meta, "analytics_tasks")
        hourly: defaultdict[tuple[Any, ...], int] = defaultdict(int)
        for row in RELEASE_0_1["analytics_histograms"]:
            hourly[(row["definition_key"], row["kind"], row["subject"], row["bucket"],
                    row["hour"][:10])] += row["count"]
        daily = {(r["definition_key"], r["kind"], r["subject"], r["bucket"], r["day"][:10]):
                 r["count"] for r in _rows(conn, meta, "analytics_histograms_daily")}
    store.close()
    assert [(t["role"], t["claimed_at"] is not None) for t in open_tasks] == [("underwriter", True)]
    assert daily == hourly and sum(daily.values()) > 0

    with Engine(db_url) as engine:  # and it runs on
        engine.action("send_rejection_letter")(lambda ctx: {})
        assert engine.verify_audit().ok
        loans = {i.variables["application_id"]: i for i in engine.list_instances().items}
        assert {app_id: i.status for app_id, i in loans.items()} == APPS
        assert engine.get(loans["LA-2"].id).variables["ssn"] == "123-45-2"  # still unsealed
        ana = type("Ana", (), {"username": "ana", "roles": ["underwriter"]})()
        (task,) = engine.tasks.list(ana, state="claimed").items  # claimed in 0.1
        engine.tasks.complete(task.id, ana, "reject", {"underwriter_comment": "too high"})
        engine.send(loans["LA-5"].id, "docs_received", {}, actor="ana")
        engine.run_until_idle(timeout_s=10)
        assert engine.get(loans["LA-2"].id).status == "failed"
        assert engine.get(loans["LA-5"].id).state == "review"
        assert engine.verify_audit().ok
        with engine.store.read() as conn:
            done = conn.execute(text("SELECT sum(count) FROM analytics_counts "
                                     "WHERE kind = 'task_completed'")).scalar()
        assert done == 1  # the task opened before the upgrade is counted by role
    with IdentityService(db_url) as identity:
        assert identity.authenticate("ana", "ana-underwriter-pw").username == "ana"


def test_serve_and_worker_refuse_an_old_schema_naming_the_command(sqlite_url: str) -> None:
    store = connect_store(sqlite_url)
    migrate.upgrade(store, "0003")
    store.close()
    for command in (["worker"], ["serve", "--no-ui", "--port", "18099"]):
        result = CliRunner().invoke(app, [*command, "--db", sqlite_url])
        assert result.exit_code == 2, result.output
        assert (f"schema revision 0003; this release needs {versioning.head()}: back it up, "
                f"then run `statewright db upgrade --db {sqlite_url}`") in result.output
    assert CliRunner().invoke(app, ["db", "upgrade", "--db", sqlite_url]).output == (
        f"upgraded from revision 0003 to {versioning.head()}\n")
    Engine(sqlite_url).close()


def test_a_database_from_before_revisions_were_recorded_is_dated_by_its_tables(
        db_url: str) -> None:
    store = connect_store(db_url)
    migrate.upgrade(store, "0003")
    with store.sql.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    store.close()
    # 0003 added only an identity table, so 0002's table dates it, and 0003 counts as done
    with pytest.raises(SchemaOutdated, match="revision 0003"):
        Engine(db_url)
    result = CliRunner().invoke(app, ["db", "upgrade", "--db", db_url])
    assert result.output == ("recognised an unstamped schema at revision 0003\n"
                             f"upgraded from revision 0003 to {versioning.head()}\n")
    Engine(db_url).close()


def test_an_unstamped_database_at_head_is_stamped_when_it_opens(db_url: str) -> None:
    Engine(db_url).close()
    store = connect_store(db_url)
    with store.sql.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    store.close()
    Engine(db_url).close()
    result = CliRunner().invoke(app, ["db", "current", "--db", db_url, "--json"])
    assert json.loads(result.output) == {"revision": versioning.head(),
                                         "head": versioning.head(), "at_head": True}


def test_a_schema_from_a_newer_release_is_refused_as_such(sqlite_url: str) -> None:
    Engine(sqlite_url).close()
    store = connect_store(sqlite_url)
    with store.sql.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    store.close()
    with pytest.raises(SchemaOutdated, match="'0099', which this release does not know"):
        Engine(sqlite_url)
    result = CliRunner().invoke(app, ["db", "upgrade", "--db", sqlite_url])
    assert result.exit_code == 1
    assert "failed and changed nothing" in result.output


def test_db_commands_name_bad_input(sqlite_url: str) -> None:
    runner = CliRunner()
    for args, message in [
        (["db", "current", "--db", "mysql://db/x"], "unsupported database 'mysql'"),
        (["db", "upgrade", "--db", sqlite_url, "--to", "0042"], "'0042' is no revision"),
        (["db", "current", "--db", "sqlite:////no/such/dir/x.db"], "cannot open the database"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and message in result.output, result.output
    history = json.loads(runner.invoke(app, ["db", "history", "--json"]).output)
    assert [r["revision"] for r in history] == list(versioning.revisions())
    assert "first release" in history[0]["summary"]


def test_servers_starting_together_on_a_fresh_database_create_it_once(db_url: str) -> None:
    with ThreadPoolExecutor(4) as pool:
        engines = list(pool.map(lambda _: Engine(db_url), range(4)))
    for engine in engines:
        engine.close()
    store = connect_store(db_url)
    with store.sql.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    store.close()


def test_the_deploy_guide_lists_every_revision() -> None:
    guide = (Path(__file__).resolve().parents[1] / "docs/deploy.md").read_text()
    listed = [line.split("|")[1].strip() for line in guide.splitlines()
              if line.startswith("| 0") and line.split("|")[1].strip().isdigit()]
    assert listed == list(versioning.revisions())


def test_a_table_added_without_a_revision_gets_a_drafted_one(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    shutil.copytree(versioning.VERSIONS, versions)
    full = [store_metadata, identity_metadata]
    assert migrate.draft_revision("nothing", full, versions) is None
    extra = MetaData()
    Table("holiday_calendars", extra, Column("id", String(36), primary_key=True),
          Column("days", CompressedJSON(), nullable=False), Column("at", UtcDateTime()),
          Index("ix_holiday_calendars_at", "at"))
    written = migrate.draft_revision("holiday calendars", [*full, extra], versions)
    following = f"{int(versioning.head()) + 1:04d}"
    assert written is not None and written.name == f"{following}_holiday_calendars.py"
    draft = written.read_text()
    assert f"revision = '{following}'" in draft
    assert f"down_revision = '{versioning.head()}'" in draft
    assert "op.create_table('holiday_calendars'" in draft
    assert "create_index('ix_holiday_calendars_at'" in draft
    assert "sa.JSON()" in draft and "sa.DateTime()" in draft and "runtime" not in draft
