"""Envelope encryption keys: the KEK ring (`ring`, `environment`), per-instance data keys
(`data_keys`), the legacy Fernet keys (`legacy`) and re-wrapping (`rotation`)."""

from runtime.security.keys.data_keys import DataKeys, InstanceErased
from runtime.security.keys.environment import ring_from_environment
from runtime.security.keys.ring import (
    KeyEncryptionKey,
    KeyRing,
    KeyRingInvalid,
    KeysUnavailable,
    LocalKek,
)

__all__ = ["DataKeys", "InstanceErased", "KeyEncryptionKey", "KeyRing", "KeyRingInvalid",
           "KeysUnavailable", "LocalKek", "ring_from_environment"]
