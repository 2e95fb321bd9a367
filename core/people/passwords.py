"""Password hashing for staff accounts: argon2id (argon2-cffi's defaults, RFC 9106 low-memory
profile). Hashes are self-describing strings (`$argon2id$v=19$m=…`), stored as they are."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()


def hash_password(plain: str) -> str:
    """The argon2id hash of `plain`, with a fresh random salt."""
    return _HASHER.hash(plain)


def verify_password(hash: str, plain: str) -> bool:
    """True when `plain` matches `hash`; False on a mismatch or a malformed hash."""
    try:
        return _HASHER.verify(hash, plain)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
