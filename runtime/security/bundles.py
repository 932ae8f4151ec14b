"""Signed bundles: instances and their full hash-chained logs as JSON lines, sealed.

One format serves `statewright audit export` (one instance, for an auditor) and retention
archives (many finished instances, kept for years). Each line is canonical JSON: an
`instance` line (the row), then its `event` lines in seq order; the last line is the
`seal`: the SHA-256 of every line before it, each instance's head `(seq, hash)`, signed with
Ed25519. `verify` needs only the file and the public key: it recomputes every chain from
the genesis hash, so the file proves its own content years later, with no database.
Files whose name ends in `.zst` are zstandard-compressed (`verify` detects it by content).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import zstandard
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, select

from runtime.core.clock import to_db
from runtime.core.events import GENESIS_HASH, canonical, chain_hash
from runtime.security.signing import canonical_json, sign, signature_problem
from runtime.store import schema as t

FORMAT = "statewright-bundle/1"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_INSTANCE_COLUMNS = ("id", "definition_key", "version", "state", "status", "variables",
                     "entered_seq", "last_seq", "last_hash", "business_key", "parent_id",
                     "started_by", "created_at", "updated_at", "branches")


@dataclass(frozen=True)
class BundleReport:
    ok: bool
    instances: int
    events: int
    problem: str | None = None
    seal: dict[str, Any] | None = None

    def summary(self) -> str:
        if self.ok:
            return f"ok, {self.instances} instances, {self.events} events verified"
        return f"broken: {self.problem}"


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else to_db(moment).isoformat(timespec="microseconds")


def lines_of(conn: Connection, instance_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The bundle lines of these instances, read in the caller's transaction."""
    for instance_id in instance_ids:
        row = conn.execute(select(t.instances).where(t.instances.c.id == instance_id)
                           ).mappings().first()
        if row is None:
            continue
        line = {"kind": "instance", **{column: row[column] for column in _INSTANCE_COLUMNS}}
        yield {**line, "created_at": _when(row["created_at"]),
               "updated_at": _when(row["updated_at"])}
        for event in conn.execute(select(t.events).where(t.events.c.instance_id == instance_id)
                                  .order_by(t.events.c.seq)).mappings():
            yield {"kind": "event", "instance_id": instance_id, "seq": event["seq"],
                   "type": event["type"], "data": event["data"], "actor": event["actor"],
                   "at": _when(event["at"]), "prev_hash": event["prev_hash"],
                   "hash": event["hash"]}


def write(out: IO[bytes], lines: Iterable[dict[str, Any]], key: Ed25519PrivateKey,
          now: datetime, about: dict[str, Any]) -> dict[str, Any]:
    """Write `lines` and their seal to `out`; the seal (with `about` in it) is returned."""
    digest, count, heads = hashlib.sha256(), 0, {}
    for line in lines:
        data = canonical_json(line) + b"\n"
        digest.update(data)
        out.write(data)
        count += 1
        if line["kind"] == "event":
            heads[line["instance_id"]] = [line["seq"], line["hash"]]
    seal = sign({"kind": "seal", "format": FORMAT, **about, "lines": count,
                 "digest": digest.hexdigest(), "heads": heads,
                 "sealed_at": to_db(now).isoformat(timespec="seconds") + "Z"}, key)
    out.write(canonical_json(seal) + b"\n")
    return seal


def write_file(path: Path, lines: Iterable[dict[str, Any]], key: Ed25519PrivateKey,
               now: datetime, about: dict[str, Any]) -> dict[str, Any]:
    """Write a bundle file (zstandard when the name ends in `.zst`), flushed to disk."""
    with path.open("wb") as raw:
        if path.suffix == ".zst":
            with zstandard.ZstdCompressor(level=10).stream_writer(raw, closefd=False) as out:
                seal = write(out, lines, key, now, about)
        else:
            seal = write(raw, lines, key, now, about)
        raw.flush()
        os.fsync(raw.fileno())
    return seal


def _open(path: Path) -> IO[bytes]:
    raw = path.open("rb")
    if raw.read(4) == _ZSTD_MAGIC:
        raw.seek(0)
        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
    raw.seek(0)
    return raw


def verify(path: Path, key: Ed25519PublicKey) -> BundleReport:
    """Check the seal's signature, the digest of the lines and every chain in the file."""
    heads: dict[str, list[Any]] = {}
    digest, count, events, seal = hashlib.sha256(), 0, 0, None
    try:
        with _open(path) as source:
            for number, data in enumerate(source, start=1):
                if seal is not None:
                    return BundleReport(False, len(heads), events,
                                        f"line {number} follows the seal")
                line = json.loads(data)
                if line.get("kind") == "seal":
                    seal = line
                    continue
                digest.update(data)
                count += 1
                problem = _check_line(line, heads)
                if problem is not None:
                    return BundleReport(False, len(heads), events, f"line {number}: {problem}")
                events += line["kind"] == "event"
    except (OSError, zstandard.ZstdError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        return BundleReport(False, len(heads), events, f"{path} cannot be read as a bundle: {exc}")
    if seal is None:
        return BundleReport(False, len(heads), events, "the bundle has no seal (truncated?)")
    problem = signature_problem(seal, key)
    if problem is None and (seal.get("lines") != count or seal.get("digest") != digest.hexdigest()):
        problem = "its lines are not the ones that were sealed (edited, added or removed)"
    if problem is None and seal.get("heads") != {i: h[:2] for i, h in heads.items() if h[0]}:
        problem = "the heads of the chains differ from the sealed heads"
    if problem is None:
        ends = [i for i, (seq, last_hash, row) in heads.items() if row != [seq, last_hash]]
        if ends:
            problem = f"instance {ends[0]}'s recorded head is not the end of its chain"
    if problem is not None:
        return BundleReport(False, len(heads), events, f"the seal: {problem}", seal)
    return BundleReport(True, len(heads), events, seal=seal)


def _check_line(line: dict[str, Any], heads: dict[str, list[Any]]) -> str | None:
    """Follow one line; `heads[id]` is [last seq, last hash, the row's (last_seq, last_hash)]."""
    if line.get("kind") == "instance":
        heads[line["id"]] = [0, GENESIS_HASH, [line["last_seq"], line["last_hash"]]]
        return None
    if line.get("kind") != "event":
        return f"unknown line kind {line.get('kind')!r}"
    head = heads.get(line["instance_id"])
    if head is None:
        return f"event of instance {line['instance_id']} before its instance line"
    seq, prev = head[0] + 1, head[1]
    if line["seq"] != seq:
        return f"instance {line['instance_id']}: seq {seq} is missing"
    body = canonical(line["instance_id"], seq, line["type"], line["data"], line["actor"],
                     datetime.fromisoformat(line["at"]))
    if line["prev_hash"] != prev or chain_hash(prev, body) != line["hash"]:
        return f"instance {line['instance_id']} seq {seq} does not match its hash (edited)"
    head[0], head[1] = seq, line["hash"]
    return None
