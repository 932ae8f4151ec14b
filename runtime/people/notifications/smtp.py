"""Sending an e-mail channel's notification through the SMTP server named by the environment.

`STATEWRIGHT_SMTP_HOST` (required for e-mail channels), `STATEWRIGHT_SMTP_PORT` (25),
`STATEWRIGHT_SMTP_SECURITY` (`none`, `starttls` or `ssl`; by default `ssl` on port 465,
`starttls` on 587, else `none`), `STATEWRIGHT_SMTP_USER` and `STATEWRIGHT_SMTP_PASSWORD`
(log in when set), `STATEWRIGHT_SMTP_FROM` (the sender; `statewright@<host name>`).
Read at each delivery, so a fixed configuration takes effect without a restart.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from email.message import EmailMessage
from typing import Any

from runtime.people.notifications.outbox import mail_recipients

SECURITY = ("none", "starttls", "ssl")
TIMEOUT_S = 10.0


def send(row: Any, delivery_header: str) -> tuple[int | None, str | None]:
    """Mail the row's body; (the server's 250, None) when accepted, else (code, problem)."""
    env = os.environ
    host = env.get("STATEWRIGHT_SMTP_HOST")
    if not host:
        return None, "e-mail channels need STATEWRIGHT_SMTP_HOST (and the port, sender...)"
    try:
        port = int(env.get("STATEWRIGHT_SMTP_PORT", "25"))
    except ValueError:
        return None, f"STATEWRIGHT_SMTP_PORT={env['STATEWRIGHT_SMTP_PORT']!r} is not a port"
    default = {465: "ssl", 587: "starttls"}.get(port, "none")
    security = env.get("STATEWRIGHT_SMTP_SECURITY", default).lower()
    if security not in SECURITY:
        return None, f"STATEWRIGHT_SMTP_SECURITY={security!r}: use one of {', '.join(SECURITY)}"
    message = EmailMessage()
    message["From"] = env.get("STATEWRIGHT_SMTP_FROM") or f"statewright@{socket.getfqdn()}"
    message["To"] = ", ".join(mail_recipients(row.url))
    message["Subject"] = row.body.get("subject", row.kind)
    message[delivery_header] = row.id  # receivers' filters de-duplicate on it, as webhooks do
    message.set_content(row.body.get("text", ""))
    try:
        with _connect(host, port, security) as server:
            if env.get("STATEWRIGHT_SMTP_USER"):
                server.login(env["STATEWRIGHT_SMTP_USER"], env.get("STATEWRIGHT_SMTP_PASSWORD", ""))
            server.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        return None, f"the mail server refused {', '.join(exc.recipients)}"
    except smtplib.SMTPResponseException as exc:
        return exc.smtp_code, f"the mail server answered {exc.smtp_code}: {exc.smtp_error!r}"
    except (smtplib.SMTPException, OSError) as exc:
        return None, f"cannot send mail through {host}:{port}: {exc}"
    return 250, None


def _connect(host: str, port: int, security: str) -> smtplib.SMTP:
    if security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_S,
                                context=ssl.create_default_context())
    server = smtplib.SMTP(host, port, timeout=TIMEOUT_S)
    if security == "starttls":
        server.starttls(context=ssl.create_default_context())
    return server
