"""Values sealed before envelope encryption: one Fernet key for the whole database.

That key came from `STATEWRIGHT_SECRET_KEY` (derived) or was generated and kept in the clear
in the `secrets` table. Logged events cannot be re-encrypted without breaking their hash
chain, so the old tokens stay and are read with the old key(s). What changes is where those
keys live: on opening, every legacy key found is stored wrapped by the active KEK (row
`LEGACY_DATA_KEY` of `data_keys`, re-wrapped by `keys rotate` like any DEK) and the clear
copy is deleted from `secrets`; `STATEWRIGHT_SECRET_KEY` may then be dropped.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from datetime import datetime

from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from runtime.core.clock import to_db
from runtime.security.keys.ring import KeyRing, KeysUnavailable
from runtime.store import schema as t
from runtime.store.base import Store

SECRET_KEY_ENV = "STATEWRIGHT_SECRET_KEY"
LEGACY_SECRET_NAME = "sealing-key"
log = logging.getLogger("statewright.keys")


def legacy_fernet(store: Store, ring: KeyRing, now: datetime) -> MultiFernet | None:
    """The legacy keys (None when there are none), moved under the key ring when it can."""
    d, s = t.data_keys, t.secrets
    context = t.LEGACY_DATA_KEY.encode()
    with store.read() as conn:
        row = conn.execute(select(d.c.kek_id, d.c.wrapped).where(
            d.c.instance_id == t.LEGACY_DATA_KEY)).first()
        clear = conn.execute(select(s.c.value).where(s.c.name == LEGACY_SECRET_NAME)).scalar()
    stored: list[str] = []
    movable = True
    if row is not None and row.wrapped is not None:
        try:
            stored = ring.unwrap(row.kek_id, base64.b64decode(row.wrapped),
                                 context).decode().split()
        except KeysUnavailable as exc:
            log.error("The legacy sealing keys cannot be read: %s", exc.message)
            movable = False  # never overwrite what cannot be read now
    # the old sealer derived its Fernet key from the secret, whether set or generated
    secrets = (os.environ.get(SECRET_KEY_ENV), clear)
    derived = [_fernet_key(secret) for secret in secrets if secret]
    keys = list(dict.fromkeys([*stored, *derived]))
    if not keys:
        return None
    if movable and (set(keys) != set(stored) or clear is not None):
        _move_under_ring(store, ring, keys, row is not None, clear is not None, now)
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _fernet_key(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).decode()


def _move_under_ring(store: Store, ring: KeyRing, keys: list[str], replace_row: bool,
                     drop_clear: bool, now: datetime) -> None:
    d = t.data_keys
    try:
        kek_id, wrapped = ring.wrap("\n".join(keys).encode(), t.LEGACY_DATA_KEY.encode())
    except KeysUnavailable:
        return  # no key ring: the legacy key stays where it is, still read from there
    values = {"kek_id": kek_id, "wrapped": base64.b64encode(wrapped).decode()}
    try:
        with store.write() as conn:
            if replace_row:
                conn.execute(update(d).where(d.c.instance_id == t.LEGACY_DATA_KEY)
                             .values(**values, rewrapped_at=to_db(now)))
            else:
                conn.execute(insert(d).values(instance_id=t.LEGACY_DATA_KEY,
                                              created_at=to_db(now), **values))
            if drop_clear:
                conn.execute(delete(t.secrets).where(t.secrets.c.name == LEGACY_SECRET_NAME))
    except IntegrityError:
        return  # another process moved them at the same moment; the next start re-checks
    log.info("Legacy sealing keys are now stored wrapped by KEK %r%s", kek_id,
             "; the clear copy in the database was deleted" if drop_clear else "")
