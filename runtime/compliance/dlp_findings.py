"""The DLP findings section: personal data the DLP scan masked or flagged where no variable
declares it (runtime/security/dlp.py), one row per variable and kind. Read from the
`dlp_flagged` events of the log, which hold names and kinds, never values. Blocked values
are not here: a refused change stores nothing (the refusal is counted in the metrics)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from runtime.compliance.log_reads import scoped_events
from runtime.compliance.model import Scope
from runtime.core import events as ev

COLUMNS = ("at", "actor", "definition", "instance", "source", "variable", "kind", "action")


def dlp_findings(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    rows = []
    for e in scoped_events(conn, scope, (ev.DLP_FLAGGED,)):
        data = e["data"]
        for found in data.get("findings", []):
            rows.append({"at": e["at"], "actor": e["actor"] or "system",
                         "definition": e["definition"], "instance": e["instance"],
                         "source": data.get("source", ""), "variable": found.get("variable"),
                         "kind": found.get("kind"), "action": data.get("action", "")})
    return rows
