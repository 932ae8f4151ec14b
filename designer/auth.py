"""Who is using the web app, and whether they may see this page or do this thing.

The session keeps only the username; roles are re-read from the identity store on every page
and every guarded action, so a role change or a disabled account takes effect at once. Hiding
a button is never the check: `require` runs on the server before a page or action proceeds.
"""

from __future__ import annotations

from urllib.parse import quote

from nicegui import app, ui

from runtime.identity import AuthenticationFailed, IdentityService, Principal

SESSION_KEY = "statewright.username"


class WebAuth:
    """Password logins for the web app over the shared `IdentityService`."""

    def __init__(self, identity: IdentityService) -> None:
        self.identity = identity

    def principal(self) -> Principal | None:
        """The logged-in user with their current roles, or None."""
        username = app.storage.user.get(SESSION_KEY)
        if not username:
            return None
        try:
            return self.identity.principal_for(username, "password")
        except AuthenticationFailed:  # deleted or disabled since logging in
            app.storage.user.pop(SESSION_KEY, None)
            return None

    def login(self, username: str, password: str, ip: str | None) -> Principal:
        """Check the password (raises `AuthenticationFailed` / `RateLimited`) and remember
        the user in this browser's session."""
        principal = self.identity.authenticate(username, password, ip)
        app.storage.user[SESSION_KEY] = principal.username
        return principal

    def username(self) -> str | None:
        """The session's username for display (no store read: not a permission check)."""
        return app.storage.user.get(SESSION_KEY)

    def logout(self) -> None:
        app.storage.user.pop(SESSION_KEY, None)

    def require(self, permission: str, path: str) -> Principal | None:
        """The user if they hold `permission`; otherwise send them to log in, or say no.
        Callers stop building the page when this returns None."""
        principal = self.principal()
        if principal is None:
            ui.navigate.to(f"/login?next={quote(path)}")
            return None
        if principal.must_change_password:
            ui.navigate.to(f"/password?next={quote(path)}")
            return None
        if not principal.can(permission):
            with ui.card().classes("w-full items-center py-10").mark("forbidden"):
                ui.icon("block").classes("text-5xl text-red-500")
                ui.label(f"{principal.username} may not do this").classes("text-xl font-semibold")
                ui.label(f"It needs the permission `{permission}`; ask an admin for a role.")
            return None
        return principal
