"""PostgreSQL pool sizes come from `STATEWRIGHT_DB_POOL_*`; a bad value stops start-up with a
message naming the variable (no traceback), before any connection is tried."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.execution.runner import Runner
from runtime.security.identity.database import create_identity_engine
from runtime.store import open_store
from runtime.store.pools import (
    DEFAULT_SIZE,
    RUNNER_THREADS,
    PoolSettingError,
    PoolSettings,
    pool_settings,
)

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/nothing"


def test_defaults_follow_the_runner_threads():
    assert inspect.signature(Runner).parameters["threads"].default == RUNNER_THREADS
    assert pool_settings({}) == PoolSettings(DEFAULT_SIZE, DEFAULT_SIZE, 30.0)
    assert pool_settings({}).most == 2 * (RUNNER_THREADS + 4)


def test_values_from_the_environment():
    settings = pool_settings({"STATEWRIGHT_DB_POOL_SIZE": "3",
                              "STATEWRIGHT_DB_POOL_MAX_OVERFLOW": "0",
                              "STATEWRIGHT_DB_POOL_TIMEOUT_S": " 2.5 "})
    assert settings == PoolSettings(3, 0, 2.5)
    assert settings.engine_options() == {"pool_size": 3, "max_overflow": 0, "pool_timeout": 2.5}
    assert pool_settings({"STATEWRIGHT_DB_POOL_SIZE": ""}).size == DEFAULT_SIZE


@pytest.mark.parametrize(("name", "raw"), [
    ("STATEWRIGHT_DB_POOL_SIZE", "eight"), ("STATEWRIGHT_DB_POOL_SIZE", "0"),
    ("STATEWRIGHT_DB_POOL_SIZE", "2.5"), ("STATEWRIGHT_DB_POOL_MAX_OVERFLOW", "-1"),
    ("STATEWRIGHT_DB_POOL_TIMEOUT_S", "0"), ("STATEWRIGHT_DB_POOL_TIMEOUT_S", "nan"),
    ("STATEWRIGHT_DB_POOL_TIMEOUT_S", "soon"),
])
def test_a_bad_value_names_the_variable(name, raw):
    with pytest.raises(PoolSettingError) as error:
        pool_settings({name: raw})
    assert error.value.message.startswith(f"{name}={raw!r} is not valid: use ")
    assert error.value.details == {"variable": name, "value": raw}


def test_the_store_and_identity_pools_use_the_settings(postgres_url, monkeypatch):
    monkeypatch.setenv("STATEWRIGHT_DB_POOL_SIZE", "3")
    monkeypatch.setenv("STATEWRIGHT_DB_POOL_MAX_OVERFLOW", "2")
    monkeypatch.setenv("STATEWRIGHT_DB_POOL_TIMEOUT_S", "7")
    store = open_store(postgres_url)
    identity = create_identity_engine(postgres_url)
    try:
        for pool in (store.sql.pool, identity.pool):
            assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 2, 7.0)
    finally:
        store.close()
        identity.dispose()


def test_identity_reports_a_bad_setting_as_a_value_error(monkeypatch):
    monkeypatch.setenv("STATEWRIGHT_DB_POOL_MAX_OVERFLOW", "lots")
    with pytest.raises(ValueError, match="STATEWRIGHT_DB_POOL_MAX_OVERFLOW='lots'"):
        create_identity_engine(UNREACHABLE)


@pytest.mark.parametrize("command", [["worker"], ["users", "list"]])
def test_the_cli_says_which_variable_is_wrong_without_a_traceback(command):
    env = {**os.environ, "STATEWRIGHT_DB_POOL_SIZE": "many",
           "PYTHONPATH": str(Path(__file__).parent.parent)}
    done = subprocess.run([sys.executable, "-m", "runtime.cli", *command, "--db", UNREACHABLE],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode in (1, 2)
    assert "error: STATEWRIGHT_DB_POOL_SIZE='many' is not valid" in done.stderr
    assert "Traceback" not in done.stderr
