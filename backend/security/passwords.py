"""Password hashing with argon2id.

"standard" (the default) is argon2-cffi's profile, RFC 9106's low-memory recommendation (64 MiB,
3 passes). "fast" (1 MiB, 1 pass) exists so test suites that create hundreds of accounts stay quick;
the console refuses to start with it in production (backend/console/__init__.py). Hashes carry their
parameters, so accounts hashed under one profile still verify under the other, and a login rehashes
a password whose parameters are weaker than the current profile's.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
PROFILES = {
    "standard": {},
    "fast": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
}


class WeakPassword(ValueError):
    """The password does not meet the policy; the message says why."""


@cache
def _hasher_for(profile: str) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(**PROFILES[profile])  # type: ignore[arg-type]
    # Verified against when the username is unknown, so both cases take the same time.
    return hasher, hasher.hash("not-a-real-password-used-for-timing-only")


def _hasher() -> tuple[PasswordHasher, str]:
    profile = "standard"
    if has_app_context():
        from backend.app import get_settings

        profile = get_settings(current_app).staff_password_hashing
    return _hasher_for(profile)


def check_policy(password: str) -> None:
    """Raise WeakPassword unless ``password`` is long enough (length beats composition rules)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if len(set(password)) < 5:
        raise WeakPassword("a password needs more than a few distinct characters")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (the policy is checked first)."""
    check_policy(password)
    return _hasher()[0].hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; the same work when ``stored_hash`` is None (unknown user)."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    hasher, dummy = _hasher()
    try:
        return hasher.verify(stored_hash or dummy, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current profile's."""
    return _hasher()[0].check_needs_rehash(stored_hash)
