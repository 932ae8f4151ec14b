"""`bench --suite audit` runs end to end on a small database and its checks hold."""

from __future__ import annotations

import pytest

from runtime.benchmarks.audit import run


@pytest.mark.parametrize("db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_the_audit_benchmark_verifies_what_it_times(db_url):
    result = run(db_url, instances=6, per_instance=8)
    assert (result["instances"], result["events"], result["purged"]) == (6, 48, 6)
    assert result["verified"] and result["archives_verified"] and result["verified_after_purge"]
    assert result["checkpoint_bytes"] > 0 and result["archive_files"] == 1
