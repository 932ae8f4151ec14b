"""`statewright users ...` and `statewright tokens ...`: accounts and API tokens from a shell.

Passwords are never taken as arguments (they would show in `ps` and shell history): they are
prompted for, read from standard input with `--password-stdin`, or generated once.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from runtime.cli.app import app
from runtime.cli.common import cli_actor

if TYPE_CHECKING:
    from runtime.security.identity import IdentityService, TokenInfo, User

users_app = typer.Typer(help="Manage user accounts and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API bearer tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")

# Same option, variable and default as `statewright serve`, so both see one database.
DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="STATEWRIGHT_DB",
        help="Database URL: sqlite:///file.db or postgresql://user@host/db.",
        show_default=True,
    ),
]
DEFAULT_DB = "sqlite:///statewright.db"
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@contextmanager
def _identity(db: str) -> Iterator[IdentityService]:
    """Open the service; any refusal becomes `error: <message>` and exit status 1."""
    from sqlalchemy.exc import OperationalError

    from runtime.security.identity import IdentityError, IdentityService

    service = None
    try:
        service = IdentityService(db)
        yield service
    except (IdentityError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except OperationalError as error:
        typer.echo(f"error: cannot use the database {db}: {error.orig}", err=True)
        raise typer.Exit(1) from None
    finally:
        if service is not None:
            service.close()


def _read_password(from_stdin: bool, prompt: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=True)


def _user_dict(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "roles": list(user.roles),
        "disabled": user.disabled,
        "login": "password" if user.has_password else ("oidc" if user.oidc_subject else "none"),
        "must_change_password": user.must_change_password,
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


def _token_dict(token: TokenInfo, now: datetime) -> dict:
    def when(moment: datetime | None) -> str | None:
        return moment.isoformat(timespec="seconds") if moment else None

    return {
        "token_id": token.token_id,
        "username": token.username,
        "name": token.name,
        "status": token.status(now),
        "created_at": when(token.created_at),
        "expires_at": when(token.expires_at),
        "last_used_at": when(token.last_used_at),
    }


def _print_table(rows: list[dict], columns: list[str]) -> None:
    cells = [[("" if row[c] is None else str(row[c])) for c in columns] for row in rows]
    widths = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(columns)]
    for line in [columns, *cells]:
        padded = (text.ljust(width) for text, width in zip(line, widths, strict=True))
        typer.echo("  ".join(padded).rstrip())


def parse_duration_s(text: str) -> int:
    """`3600`, `90s`, `15m`, `12h` or `30d` as seconds."""
    match = _DURATION.match(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise typer.BadParameter(f"{text!r} is not a duration like 3600, 90s, 15m, 12h or 30d.")
    return int(match.group(1)) * _UNIT_S[match.group(2)]


@users_app.command("add")
def add_user(
    username: str,
    role: Annotated[
        list[str] | None, typer.Option("--role", "-r", help="A role to grant (repeatable).")
    ] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in the UI.")] = "",
    email: Annotated[str, typer.Option(help="E-mail address.")] = "",
    password_stdin: PasswordStdin = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Create a user (without --password-stdin: print a one-time password to change)."""
    from runtime.security.identity.passwords import generate_password

    password = _read_password(True, "") if password_stdin else generate_password()
    with _identity(db) as service:
        user = service.create_user(
            username,
            password=password,
            roles=role or [],
            display_name=display_name,
            email=email,
            must_change_password=not password_stdin,
        )
        service.record_admin_act(cli_actor(), "user.create", user.username,
                                 f"roles: {', '.join(user.roles)}")
    roles = ", ".join(user.roles) or "no roles"
    typer.echo(f"Created user {user.username} ({roles}).")
    if not password_stdin:
        typer.echo(f"One-time password (shown once, change at first login): {password}")


@users_app.command("list")
def list_users(as_json: JsonOption = False, db: DbOption = DEFAULT_DB) -> None:
    """List users with their roles and state."""
    with _identity(db) as service:
        rows = [_user_dict(user) for user in service.list_users()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        row["roles"] = ",".join(row["roles"])
        row["state"] = "disabled" if row["disabled"] else "locked" if row["locked_until"] else ""
    _print_table(rows, ["username", "roles", "login", "state", "last_login_at"])


@users_app.command("roles")
def set_roles(
    username: str,
    roles: Annotated[
        list[str] | None, typer.Argument(help="The complete new set of roles; none shows them.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Show a user's roles, or replace them with the roles given."""
    with _identity(db) as service:
        before = service.get_user(username).roles
        user = service.set_roles(username, roles) if roles else service.get_user(username)
        if roles:
            change = f"{', '.join(before) or '-'} -> {', '.join(user.roles) or '-'}"
            service.record_admin_act(cli_actor(), "user.roles", username, change)
    typer.echo(f"{user.username}: {', '.join(user.roles) or 'no roles'}")


@users_app.command("passwd")
def change_password(
    username: str,
    password_stdin: PasswordStdin = False,
    temporary: Annotated[
        bool, typer.Option("--temporary", help="Make the user change it at next login.")
    ] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Set a user's password (an administrator's reset; also lifts a lock-out)."""
    password = _read_password(password_stdin, f"New password for {username}")
    with _identity(db) as service:
        service.change_password(username, password, temporary=temporary)
        service.record_admin_act(cli_actor(), "user.reset-password", username)
    typer.echo(f"Password of {username} changed.")


@users_app.command("disable")
def disable_user(
    username: str,
    enable: Annotated[bool, typer.Option("--enable", help="Re-enable the user instead.")] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Disable a user: logins and API tokens are refused at once (nothing is deleted)."""
    with _identity(db) as service:
        user = service.enable(username) if enable else service.disable(username)
        service.record_admin_act(cli_actor(), "user.enable" if enable else "user.disable",
                                 username)
    typer.echo(f"User {user.username} {'disabled' if user.disabled else 'enabled'}.")


@tokens_app.command("create")
def create_token(
    username: str,
    name: Annotated[str, typer.Option("--name", "-n", help="What the token is for.")],
    expires_in: Annotated[
        str | None, typer.Option(help="Lifetime: 3600, 90s, 15m, 12h or 30d; default never.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Create an API token. The token is printed once on standard output; keep it safe."""
    lifetime = parse_duration_s(expires_in) if expires_in else None
    with _identity(db) as service:
        token_id, secret = service.create_token(username, name, expires_in_s=lifetime)
        service.record_admin_act(cli_actor(), "token.create", token_id, f"{name} for {username}")
    typer.echo(f"Token {token_id} for {username} (shown once):", err=True)
    typer.echo(secret)


@tokens_app.command("list")
def list_tokens(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
    as_json: JsonOption = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """List API tokens (never their secrets)."""
    now = datetime.now(UTC)
    with _identity(db) as service:
        rows = [_token_dict(token, now) for token in service.list_tokens(username)]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    _print_table(rows, ["token_id", "username", "name", "status", "expires_at", "last_used_at"])


@tokens_app.command("revoke")
def revoke_token(token_id: str, db: DbOption = DEFAULT_DB) -> None:
    """Revoke an API token; it is refused from the next request on."""
    with _identity(db) as service:
        service.revoke_token(token_id)
        service.record_admin_act(cli_actor(), "token.revoke", token_id)
    typer.echo(f"Token {token_id} revoked.")
