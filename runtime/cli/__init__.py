"""The `statewright` command line; each concept adds its commands in its own module.

Command modules import the engine, the web stack and SQLAlchemy inside the commands that
need them, so `statewright --help` and `statewright validate` start at once.
"""

from runtime.cli import (
    absences,
    alerts,
    analytics,
    audit,
    bench,
    compliance,
    database,
    definitions,
    demo,
    explain,
    formats,
    instances,
    keys,
    messaging,
    modelling,
    operations,
    retention,
    server,
    tasks,
    users,
)
from runtime.cli.app import app

__all__ = ["absences", "alerts", "analytics", "app", "audit", "bench", "compliance", "database",
           "definitions", "demo", "explain", "formats", "instances", "keys", "messaging",
           "modelling", "operations", "retention", "server", "tasks", "users"]
