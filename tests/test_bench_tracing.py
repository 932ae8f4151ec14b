"""`statewright bench --suite tracing` measures each mode and every expected span arrives."""

from __future__ import annotations

import os

from runtime.benchmarks.tracing import run


def test_the_tracing_benchmark_measures_off_http_and_grpc_and_loses_no_span(sqlite_url):
    before = {k: v for k, v in os.environ.items() if k.startswith("OTEL_")}
    result = run(sqlite_url, instances=3, transitions=2, steps=2, rounds=1)
    assert {k: v for k, v in os.environ.items() if k.startswith("OTEL_")} == before
    assert result["off"]["transitions"] == 6 and "spans_received" not in result["off"]
    for mode in ("http", "grpc"):
        r = result[mode]
        assert r["spans_expected"] == 3 * (3 + 2) + 3 * (3 + 2 * 2)
        assert r["spans_received"] == r["spans_expected"]
        assert r["send_p50_us"] > 0 and r["send_p50_overhead_pct"] is not None
