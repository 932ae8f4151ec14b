"""Password hashing (argon2id via argon2-cffi), the password policy and the login lock-out.

argon2id is memory-hard, so a stolen users table is expensive to brute-force; the
parameters are argon2-cffi's defaults (RFC 9106 "low memory" profile) and a stored hash made
with older parameters is upgraded on the next successful login.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from runtime.security.identity.errors import PasswordPolicyError

MIN_PASSWORD_LENGTH = 12
# argon2 hashes any length, but a megabyte "password" is a cheap way to burn server CPU.
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()
# Verified against when the user is unknown, so a miss costs the same time as a hit.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing or corrupt hash never matches (and still
    spends the time of one verification)."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def spend_verification_time(password: str) -> None:
    """Do the work of one failed verification, to keep refusals uniform in timing."""
    verify_password(None, password)


def check_password_policy(password: str, username: str, where: str = "password") -> None:
    """Refuse short, oversized or username-equal passwords; `where` names the input."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"The {where} is too short: it needs at least {MIN_PASSWORD_LENGTH} characters "
            f"(got {len(password)})."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"The {where} is too long: at most {MAX_PASSWORD_LENGTH} characters."
        )
    if password.strip().lower() == username.lower():
        raise PasswordPolicyError(f"The {where} must not be the username.")


def generate_password() -> str:
    """A one-time password: 20 URL-safe characters, about 120 bits of entropy."""
    return secrets.token_urlsafe(15)


LOCKOUT_AFTER_FAILURES = 5
LOCKOUT_FIRST_S = 30
LOCKOUT_MAX_S = 15 * 60


def lockout_delay_s(failures: int) -> int:
    """Seconds an account stays locked after its `failures`-th failure in a row:
    none before the 5th, then 30 s doubling per further failure, capped at 15 minutes."""
    if failures < LOCKOUT_AFTER_FAILURES:
        return 0
    return min(LOCKOUT_FIRST_S * 2 ** (failures - LOCKOUT_AFTER_FAILURES), LOCKOUT_MAX_S)
