"""Argon2id hashing of staff passwords, till PINs and account PINs."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's minimum for Argon2id: m = 19 MiB, t = 2, p = 1.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# A hash of a password nobody has, verified when a username is unknown, so that an unknown user
# and a wrong password take the same time.
_DUMMY_HASH = _HASHER.hash("posapp-no-such-user-dummy-password")


def hash_password(password: str) -> str:
    """Return the Argon2id hash of ``password`` (the whole string: nothing is truncated)."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; a missing hash costs the same time."""
    try:
        _HASHER.verify(stored_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with other parameters and should be replaced at next log-in."""
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
