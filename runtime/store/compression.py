"""Large JSON values stored compressed with zstd: `CompressedJSON`, a column type over JSON.

A value whose JSON is longer than `STATEWRIGHT_COMPRESS_OVER_BYTES` (default 2048; `0`
turns compression off) is stored as the JSON envelope `{"$zstd": "<base64 of the zstd
frame of its JSON>"}` when that is smaller; shorter values are stored as before. Reading
turns an envelope back into the value, and anything else (rows written before compression
existed, values under the threshold) reads as it is, so existing databases need no
migration. Hashes never see the envelope: the event hash chain is computed over the
canonical, uncompressed event (`runtime.core.events`) and verified over the decoded value.

SQL cannot look inside the envelope. For the instance variables (`peek=True`) the envelope
therefore also carries each top-level scalar variable uncompressed (numbers, booleans, null,
strings up to `PEEK_CHARS` characters): `{"$zstd": "...", "amount": 5000, "vip": true}`,
so the variable filter of the Instances page (`json_extract` / `jsonb_extract_path` on the
row) finds them in compressed rows too. Only a filter on a longer string must decode the
compressed rows (`runtime.operations.queries` does that in Python).

Values are encoded with orjson (as `json_codec`); one orjson refuses (integers beyond 64
bits, non-string keys) is stored uncompressed, so reading back with orjson is lossless.
A dict that itself has a top-level `"$zstd"` key is always stored as an envelope, so an
envelope read back is never mistaken for data; one that fails to decode reads as it is.
zstd compressors are not thread-safe: each thread has its own.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import threading
from typing import Any

import orjson
import zstandard
from sqlalchemy import JSON
from sqlalchemy.types import TypeDecorator

ENVELOPE = "$zstd"
DEFAULT_OVER_BYTES = 2048
LEVEL = 3  # zstd's default: higher levels gain little on JSON of a few KB and cost more time
PEEK_CHARS = 256

log = logging.getLogger("statewright.store")
_local = threading.local()


def _over_from_env() -> int | None:
    raw = os.environ.get("STATEWRIGHT_COMPRESS_OVER_BYTES", "").strip()
    if not raw:
        return DEFAULT_OVER_BYTES
    try:
        over = int(raw)
    except ValueError:
        log.warning("STATEWRIGHT_COMPRESS_OVER_BYTES=%r is not a whole number of bytes; "
                    "using %d", raw, DEFAULT_OVER_BYTES)
        return DEFAULT_OVER_BYTES
    return over if over > 0 else None


_over_bytes: int | None = _over_from_env()


def over_bytes() -> int | None:
    """Values whose JSON is longer than this many bytes are compressed; None: none are."""
    return _over_bytes


def configure(over: int | None) -> None:
    """Set the threshold for this process (None or 0: off); new writes follow it, reads of
    compressed rows work either way."""
    global _over_bytes
    _over_bytes = over if over and over > 0 else None


def _codec() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    codec = getattr(_local, "codec", None)
    if codec is None:
        codec = _local.codec = (zstandard.ZstdCompressor(level=LEVEL),
                                zstandard.ZstdDecompressor())
    return codec


def peekable(value: Any) -> bool:
    """Whether a top-level variable with this value stays readable by SQL in an envelope."""
    if isinstance(value, str):
        return len(value) <= PEEK_CHARS
    return value is None or isinstance(value, bool | int | float)


def encode(value: Any, peek: bool = False) -> Any:
    """What to store for `value`: the value itself, or its compressed envelope."""
    over = _over_bytes
    if over is None and not (isinstance(value, dict) and ENVELOPE in value):
        return value
    try:
        raw = orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: left to json_codec's fallback, uncompressed
        return value
    reserved = isinstance(value, dict) and ENVELOPE in value
    if over is not None and len(raw) <= over and not reserved:
        return value
    envelope: dict[str, Any] = {ENVELOPE: base64.b64encode(
        _codec()[0].compress(raw)).decode("ascii")}
    if peek and isinstance(value, dict):
        envelope.update((k, v) for k, v in value.items() if k != ENVELOPE and peekable(v))
    if not reserved and len(orjson.dumps(envelope)) >= len(raw):
        return value  # incompressible (already compressed or random data): not worth it
    return envelope


def decode(value: Any) -> Any:
    """The value an envelope stands for; anything else as it is."""
    if not isinstance(value, dict):
        return value
    packed = value.get(ENVELOPE)
    if not isinstance(packed, str):
        return value
    try:
        return orjson.loads(_codec()[1].decompress(base64.b64decode(packed, validate=True)))
    except (binascii.Error, zstandard.ZstdError, orjson.JSONDecodeError, ValueError):
        return value  # data that merely has a "$zstd" key, written before compression


def is_envelope(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get(ENVELOPE), str)


class CompressedJSON(TypeDecorator[Any]):
    """JSON that stores values over the threshold zstd-compressed (see the module doc)."""

    impl = JSON
    cache_ok = True

    def __init__(self, peek: bool = False) -> None:
        super().__init__()
        self.peek = peek

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return encode(value, self.peek)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return decode(value)
