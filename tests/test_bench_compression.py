"""`statewright bench --suite compression` on tiny sizes: what it measures and prints.

No ratio is asserted for the demo month (its values are small: nothing may be compressed);
the large orders must shrink, and the sizes with compression off must be the plain JSON.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from runtime.benchmarks import compression as bench
from runtime.cli import app
from runtime.cli.bench import _print_compression
from runtime.store import compression


def _check(result: dict, database: str) -> None:
    assert result["database"] == database and result["threshold_bytes"] == 2048
    large = result["large"]
    for column in ("variables", "event data", "idempotent results"):
        c = large["columns"][column]
        assert c["compressed_values"] >= 3 and c["bytes_on"] < c["bytes_off"] / 2, column
        assert c["compressed_saved_pct"] > 60, column
    assert large["columns"]["job payloads"]["compressed_values"] == 0
    assert large["tables_bytes_on"] > 0 and set(large["tables"]) == set(bench.TABLES)
    assert compression.over_bytes() == 2048, "the process setting is restored"


def test_the_large_orders_shrink_on_sqlite(monkeypatch):
    monkeypatch.setattr(compression, "_over_bytes", 2048)
    _check(bench.run(None, large_instances=3), "sqlite")


@pytest.mark.postgres
def test_the_large_orders_shrink_on_postgres(monkeypatch, postgres_server):
    monkeypatch.setattr(compression, "_over_bytes", 2048)
    result = bench.run(postgres_server, large_instances=3)
    _check(result, "postgresql")
    assert all(c["toasted_on"] > 0 for c in result["large"]["columns"].values()
               if c["rows"])


def test_the_cli_runs_the_demo_month_and_the_large_orders(monkeypatch, capsys):
    monkeypatch.setattr(compression, "_over_bytes", 2048)
    monkeypatch.setattr(bench, "LARGE_INSTANCES", 3)
    done = CliRunner().invoke(app, ["bench", "--suite", "compression", "--instances", "3",
                                    "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.output[done.output.index("{"):])["compression"]
    _check(result, "sqlite")
    assert result["demo"]["instances"] == 3 and result["demo"]["columns"]["event data"]["rows"]
    _print_compression(result)
    printed = capsys.readouterr().out
    assert "demo month" in printed and "large orders" in printed and "% smaller" in printed
