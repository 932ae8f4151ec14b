"""`statewright` commands run on an e2e server's database, as an admin would run them: tests
prepare accounts and API tokens this way instead of through the pages under test."""

from __future__ import annotations

import subprocess
import sys

from browser_settings import ROOT


def cli(db: str, *args: str, stdin: str | None = None, timeout_s: float = 60) -> str:
    """Run `statewright <args> --db <db>`; fails the test with the command's output unless it
    succeeds, and returns what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "runtime.cli", *args, "--db", db],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout_s,
    )
    assert done.returncode == 0, f"statewright {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def add_user(db: str, username: str, role: str, password: str) -> str:
    """Create `username` with `role` and a password that need not be changed; returns the name."""
    cli(db, "users", "add", username, "--role", role, "--password-stdin", stdin=password + "\n")
    return username


def new_admin_token(db: str, name: str) -> str:
    """A new API token of the first admin, named `name`."""
    return cli(db, "tokens", "create", "admin", "--name", name).strip()
