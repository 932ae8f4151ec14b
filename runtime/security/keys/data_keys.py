"""Per-instance data keys (DEKs): created wrapped, unwrapped once into a bounded cache.

The hot path never unwraps per value: a transition finds its instance's DEK in memory; a
miss reads the one `data_keys` row and unwraps it once. A DEK created in a write transaction
is cached at once (a rolled-back start leaves an entry for an instance that does not exist,
which nothing reads). Erasure evicts the entry at once and again after its commit; other
processes drop theirs within the cache's time to live (`STATEWRIGHT_DEK_CACHE_TTL_S`).
"""

from __future__ import annotations

import base64
import os
import threading
from datetime import datetime

from cachetools import TTLCache
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, insert, select, update

from runtime.core.clock import Clock, to_db
from runtime.core.errors import EngineError
from runtime.security.keys.ring import KeyRing
from runtime.store import schema as t
from runtime.store.base import Store
from runtime.store.writer import after_commit

CACHE_SIZE_ENV, CACHE_TTL_ENV = "STATEWRIGHT_DEK_CACHE_SIZE", "STATEWRIGHT_DEK_CACHE_TTL_S"
ERASED = "erased"  # cache marker: the instance's DEK was destroyed
NO_KEY = "no-key"  # cache marker: the instance has no DEK (yet)
Key = AESGCM | str


class InstanceErased(EngineError):
    """The instance was erased: its data key is gone, so no sensitive value can be stored."""

    code = "instance-erased"
    status = 409


class DataKeys:
    """The DEKs of one store, under one key ring."""

    def __init__(self, store: Store, ring: KeyRing, clock: Clock) -> None:
        self.store = store
        self.ring = ring
        self.clock = clock
        self._cache: TTLCache[str, Key] = TTLCache(
            int(os.environ.get(CACHE_SIZE_ENV, "20000")),
            float(os.environ.get(CACHE_TTL_ENV, "300")))
        self._lock = threading.Lock()

    def for_write(self, conn: Connection, instance_id: str, new: bool) -> AESGCM:
        """The instance's DEK, created (and stored wrapped) when it has none yet."""
        key = None if new else self._cached(instance_id)
        if key is None or key == NO_KEY:
            key = NO_KEY if new else self._load(conn, instance_id)
        if key == ERASED:
            raise InstanceErased(f"instance {instance_id} was erased: its sensitive values "
                                 "can no longer be stored", {"instance": instance_id})
        if isinstance(key, AESGCM):
            return key
        dek = AESGCM.generate_key(bit_length=256)
        kek_id, wrapped = self.ring.wrap(dek, instance_id.encode())
        conn.execute(insert(t.data_keys).values(
            instance_id=instance_id, kek_id=kek_id, wrapped=_text(wrapped),
            created_at=to_db(self.clock.now())))
        aead = AESGCM(dek)
        self._put(instance_id, aead)
        return aead

    def for_read(self, instance_id: str) -> Key:
        """The DEK, or `ERASED`, or `NO_KEY` (values sealed the legacy way only)."""
        key = self._cached(instance_id)
        if key is not None:
            return key
        with self.store.read() as conn:
            return self._load(conn, instance_id)

    def reload(self, instance_id: str) -> Key:
        """Past a cached `NO_KEY`: another process may have created the DEK since."""
        with self._lock:
            self._cache.pop(instance_id, None)
        return self.for_read(instance_id)

    def erased(self, conn: Connection, instance_id: str) -> bool:
        row = conn.execute(select(t.data_keys.c.erased_at).where(
            t.data_keys.c.instance_id == instance_id)).first()
        return row is not None and row.erased_at is not None

    def destroy(self, conn: Connection, instance_id: str, now: datetime) -> None:
        """Crypto-shredding: forget the wrapped DEK for good (the row stays, marked erased)."""
        d = t.data_keys
        done = conn.execute(update(d).where(d.c.instance_id == instance_id).values(
            kek_id=None, wrapped=None, erased_at=to_db(now))).rowcount
        if not done:
            conn.execute(insert(d).values(instance_id=instance_id, created_at=to_db(now),
                                          erased_at=to_db(now)))
        self._evict(instance_id)
        after_commit(conn, lambda: self._put(instance_id, ERASED))

    def _load(self, conn: Connection, instance_id: str) -> Key:
        row = conn.execute(select(t.data_keys.c.kek_id, t.data_keys.c.wrapped).where(
            t.data_keys.c.instance_id == instance_id)).first()
        if row is None:
            key: Key = NO_KEY
        elif row.wrapped is None:
            key = ERASED
        else:
            key = AESGCM(self.ring.unwrap(row.kek_id, _bytes(row.wrapped), instance_id.encode()))
        self._put(instance_id, key)
        return key

    def _cached(self, instance_id: str) -> Key | None:
        with self._lock:
            return self._cache.get(instance_id)

    def _put(self, instance_id: str, key: Key) -> None:
        with self._lock:
            self._cache[instance_id] = key

    def _evict(self, instance_id: str) -> None:
        with self._lock:
            self._cache.pop(instance_id, None)


def _text(wrapped: bytes) -> str:
    return base64.b64encode(wrapped).decode()


def _bytes(text: str) -> bytes:
    return base64.b64decode(text)
