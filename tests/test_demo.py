"""`statewright demo`: a simulated stretch of days that leaves living dashboards behind."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from typer.testing import CliRunner

from runtime import Engine
from runtime.analytics import board as boards
from runtime.analytics.updater import rebuild
from runtime.cli import app
from runtime.demo.simulation import fast_sqlite
from runtime.people.tasks.tables import COMPLETED
from runtime.people.tasks.tables import tasks as tt
from runtime.store import schema as t


def test_a_demo_month_runs_the_samples_through_people_and_actions(db_url: str) -> None:
    result = CliRunner().invoke(app, ["demo", "--instances", "40", "--days", "3", "--seed", "4",
                                      "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "done in" in result.output and "40 instances" in result.output
    with Engine(db_url) as engine:
        with engine.store.read() as conn:
            per_key = dict(conn.execute(select(t.instances.c.definition_key, func.count())
                                        .group_by(t.instances.c.definition_key)).all())
            done_tasks = conn.execute(select(func.count()).select_from(tt).where(
                tt.c.status == COMPLETED)).scalar()
            finished = conn.execute(select(func.count()).select_from(t.instances).where(
                t.instances.c.status.in_(("completed", "failed", "cancelled")))).scalar()
            now = engine.clock.now()
            board = boards.load(conn, None, None, since=now - timedelta(days=4), until=now,
                                now=now)
        assert sum(per_key.values()) == 40 and len(per_key) >= 3  # the samples, mixed
        assert done_tasks and finished
        assert sum(r["started"] for r in board.throughput) == 40
        assert board.task_times and board.cycle["count"] == finished
        assert engine.verify_audit().ok
        rebuild(engine.store)  # the aggregates were kept as the month ran: a rebuild agrees
        with engine.store.read() as conn:
            again = boards.load(conn, None, None, since=now - timedelta(days=4), until=now,
                                now=now)
        assert (again.cycle, again.task_times) == (board.cycle, board.task_times)


def test_the_demo_names_a_bad_database_url() -> None:
    result = CliRunner().invoke(app, ["demo", "--instances", "5", "--db", "nosuch://x"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "nosuch" in result.output


def test_a_demo_sqlite_database_skips_the_fsync_per_commit() -> None:
    assert fast_sqlite("sqlite:///d.db") == "sqlite:///d.db?synchronous=normal"
    assert fast_sqlite("sqlite:///d.db?synchronous=full") == "sqlite:///d.db?synchronous=full"
    assert fast_sqlite("postgresql://u@h/db") == "postgresql://u@h/db"
