"""Purge records: the signed, hash-chained trace each purged instance leaves behind.

A purge deletes an instance's rows, which a signed checkpoint would otherwise report as a
deletion. The record keeps the head of the purged log and names its archive; it is chained
to the record before it and signed with the signing key, so rows written by someone who can
only write the database are recognised as forged, and a deleted record breaks the chain.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, insert, select

from runtime.core.clock import to_db
from runtime.core.events import GENESIS_HASH, chain_hash
from runtime.security.signing import canonical_json
from runtime.store import schema as t


@dataclass(frozen=True)
class PurgeChain:
    """The verified purge records: each purged instance's last `(seq, hash)`, and the head."""

    heads: dict[str, tuple[int, str]]
    hashes: list[str]  # of record 1, 2, ...

    @property
    def count(self) -> int:
        return len(self.hashes)


class PurgeRecordsBroken(Exception):
    """A purge record was edited, deleted, reordered or forged; the message says which."""


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    return chain_hash(prev_hash, canonical_json(fields))


def _fields(row: Any) -> dict[str, Any]:
    return {"seq": row["seq"], "instance_id": row["instance_id"],
            "definition_key": row["definition_key"], "last_seq": row["last_seq"],
            "last_hash": row["last_hash"], "archive": row["archive"], "reason": row["reason"],
            "actor": row["actor"],
            "purged_at": to_db(row["purged_at"]).isoformat(timespec="microseconds")}


def append(conn: Connection, key: Ed25519PrivateKey, purged: list[dict[str, Any]],
           archive: str, reason: str, actor: str | None, now: datetime) -> None:
    """Record `purged` (dicts with `id`, `definition_key`, `last_seq`, `last_hash`) in the
    caller's transaction, after the newest record (whose row it locks against a racing run)."""
    p = t.purges
    last = conn.execute(select(p.c.seq, p.c.hash).order_by(p.c.seq.desc()).limit(1)
                        .with_for_update()).first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS_HASH)
    rows = []
    for item in purged:
        seq += 1
        row = {"seq": seq, "instance_id": item["id"], "definition_key": item["definition_key"],
               "last_seq": item["last_seq"], "last_hash": item["last_hash"], "archive": archive,
               "reason": item.get("reason", reason), "actor": actor,
               "purged_at": to_db(now)}
        digest = _digest(prev, _fields(row))
        rows.append({**row, "prev_hash": prev, "hash": digest,
                     "signature": base64.b64encode(key.sign(digest.encode())).decode()})
        prev = digest
    if rows:
        conn.execute(insert(p), rows)


def head(conn: Connection) -> tuple[int, str]:
    """`(count, hash)` of the newest record, as a checkpoint records it."""
    last = conn.execute(select(t.purges.c.seq, t.purges.c.hash)
                        .order_by(t.purges.c.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, GENESIS_HASH)


def verified(conn: Connection, key: Ed25519PublicKey) -> PurgeChain:
    """Every record, checked link by link and signature by signature."""
    heads: dict[str, tuple[int, str]] = {}
    hashes: list[str] = []
    prev = GENESIS_HASH
    rows = conn.execute(select(t.purges).order_by(t.purges.c.seq)).mappings()
    for seq, row in enumerate(rows, start=1):
        where = f"purge record {row['seq']} (instance {row['instance_id']})"
        if row["seq"] != seq:
            raise PurgeRecordsBroken(f"purge record {seq} is missing")
        if row["prev_hash"] != prev or _digest(prev, _fields(row)) != row["hash"]:
            raise PurgeRecordsBroken(f"{where} was edited or moved")
        try:
            key.verify(base64.b64decode(row["signature"]), row["hash"].encode())
        except (InvalidSignature, binascii.Error, ValueError):
            raise PurgeRecordsBroken(f"{where} is not signed by the signing key "
                                     "(forged?)") from None
        heads[row["instance_id"]] = (row["last_seq"], row["last_hash"])
        prev = row["hash"]
        hashes.append(prev)
    return PurgeChain(heads, hashes)
