"""`statewright users ...` and `statewright tokens ...` against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from api_callers import cheap_passwords  # noqa: F401 (fixture)
from typer.testing import CliRunner

from runtime.cli import app
from runtime.security.identity import IdentityService

pytestmark = pytest.mark.usefixtures("cheap_passwords")

STRONG = "correct horse battery staple"


@pytest.fixture
def run(db_url):
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None):
        return runner.invoke(app, [*args, "--db", db_url], input=stdin)

    return invoke


def test_an_admin_adds_a_user_who_logs_in_with_the_one_time_password(run, db_url):
    added = run("users", "add", "olga", "--role", "operator", "--role", "underwriter")
    assert added.exit_code == 0, added.output
    assert "Created user olga (operator, underwriter)." in added.output
    one_time = added.output.split("change at first login): ")[1].strip()
    service = IdentityService(db_url)
    try:
        assert service.authenticate("olga", one_time).must_change_password
    finally:
        service.close()
    listed = json.loads(run("users", "list", "--json").stdout)
    assert [(u["username"], u["roles"], u["login"]) for u in listed] == [
        ("olga", ["operator", "underwriter"], "password")
    ]
    table = run("users", "list").stdout.splitlines()
    assert table[0].split() == ["username", "roles", "login", "state", "last_login_at"]
    assert table[1].split()[:3] == ["olga", "operator,underwriter", "password"]


def test_roles_passwd_and_disable(run, db_url):
    run("users", "add", "ana", "--password-stdin", stdin=STRONG + "\n")
    assert run("users", "roles", "ana", "analyst", "manager").stdout == "ana: analyst, manager\n"
    assert run("users", "roles", "ana").stdout == "ana: analyst, manager\n"
    changed = run("users", "passwd", "ana", "--password-stdin", stdin="another long passphrase\n")
    assert changed.exit_code == 0 and "Password of ana changed." in changed.stdout
    assert run("users", "disable", "ana").stdout == "User ana disabled.\n"
    service = IdentityService(db_url)
    try:
        assert service.get_user("ana").disabled
        assert run("users", "disable", "ana", "--enable").stdout == "User ana enabled.\n"
        assert service.authenticate("ana", "another long passphrase").roles == {
            "analyst",
            "manager",
        }
    finally:
        service.close()


def test_passwd_prompts_twice_without_echo(run):
    run("users", "add", "ana", "--password-stdin", stdin=STRONG + "\n")
    typed = "typed at the prompt!\n" * 2
    assert run("users", "passwd", "ana", stdin=typed).exit_code == 0


def test_tokens_are_created_listed_and_revoked(run, db_url):
    run("users", "add", "olga", "--role", "operator")
    created = run("tokens", "create", "olga", "--name", "ci pipeline", "--expires-in", "30d")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("swt_")
    service = IdentityService(db_url)
    try:
        token_id = service.verify_token(secret).token_id
        listed = json.loads(run("tokens", "list", "olga", "--json").stdout)
        assert [(t["token_id"], t["name"], t["status"]) for t in listed] == [
            (token_id, "ci pipeline", "active")
        ]
        assert secret not in run("tokens", "list").stdout
        assert run("tokens", "revoke", token_id).stdout == f"Token {token_id} revoked.\n"
        assert json.loads(run("tokens", "list", "--json").stdout)[0]["status"] == "revoked"
    finally:
        service.close()


def test_every_change_made_from_the_command_line_is_in_the_admin_log(run, db_url):
    run("users", "add", "ana", "--password-stdin", stdin=STRONG + "\n")
    run("users", "roles", "ana", "analyst")
    run("users", "passwd", "ana", "--password-stdin", stdin="another long passphrase\n")
    run("users", "disable", "ana")
    run("users", "disable", "ana", "--enable")
    secret = run("tokens", "create", "ana", "--name", "nightly").stdout.strip()
    token_id = secret.split("_")[1]
    run("tokens", "revoke", token_id)
    run("users", "list")  # reading changes nothing and is not logged
    service = IdentityService(db_url)
    try:
        acts = [(a.action, a.target) for a in reversed(service.admin_acts())]
        actors = {a.actor for a in service.admin_acts()}
    finally:
        service.close()
    assert acts == [("user.create", "ana"), ("user.roles", "ana"),
                    ("user.reset-password", "ana"), ("user.disable", "ana"),
                    ("user.enable", "ana"), ("token.create", token_id),
                    ("token.revoke", token_id)]
    assert len(actors) == 1 and actors.pop().startswith("cli")


def test_mistakes_are_reported_without_a_traceback(run):
    run("users", "add", "ana")
    cases = [
        (("users", "add", "ana"), "error: A user named 'ana' already exists."),
        (("users", "roles", "zoe", "admin"), "error: No user named 'zoe'."),
        (("users", "add", "bad name"), "error: Invalid username 'bad name'"),
        (("tokens", "revoke", "0123"), "error: No token '0123' exists."),
        (("tokens", "create", "ana", "--name", " "), "error: A token needs a name"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 1 and message in result.stderr, (args, result.output)
        assert "Traceback" not in result.output
    weak = run("users", "passwd", "ana", "--password-stdin", stdin="short\n")
    assert weak.exit_code == 1 and "too short: it needs at least 12 characters" in weak.stderr
    bad = run("tokens", "create", "ana", "--name", "x", "--expires-in", "soon")
    assert bad.exit_code == 2 and "'soon' is not a duration" in bad.output


def test_the_commands_are_registered_on_the_statewright_command():
    out = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "users" in out and "tokens" in out


def test_an_unusable_database_is_named_in_the_error(tmp_path):
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"
    result = CliRunner().invoke(app, ["users", "list", "--db", missing])
    assert result.exit_code == 1 and f"error: cannot use the database {missing}" in result.stderr
    result = CliRunner().invoke(app, ["users", "list", "--db", "not a url"])
    assert result.exit_code == 1 and "Invalid database URL 'not a url'" in result.stderr
