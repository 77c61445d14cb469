"""Checking a staff member's password and second factor, with lockout after repeated failures.

Failures of either step count towards one counter per account; at STAFF_LOCKOUT_THRESHOLD the
account
is locked for STAFF_LOCKOUT_MINUTES (a locked account refuses even the right password, so guessing
gains nothing). Per-address rate limits sit in front of the views (backend/security/throttle.py).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from backend.clock import as_utc, now
from backend.config import Settings
from backend.extensions import db
from backend.models.staff import StaffUser
from backend.security import totp
from backend.security.passwords import hash_password, needs_rehash, verify_password
from backend.security.roles import mfa_required
from backend.services.audit import Actor, record_audit
from backend.services.staff_accounts import find_user, totp_seed_of


class LoginRefused(Exception):
    """The attempt failed. ``reason`` is "invalid" (wrong credentials) or "locked"."""

    def __init__(self, reason: str, retry_after_seconds: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds


def _settings() -> Settings:
    from backend.app import get_settings

    return get_settings(current_app)


def is_locked(user: StaffUser) -> int:
    """Seconds until ``user`` is unlocked (0 when not locked)."""
    if user.locked_until is None:
        return 0
    remaining = (as_utc(user.locked_until) - now()).total_seconds()
    return max(0, int(remaining + 0.999))


def check_password(username: str, password: str, *, via: str = "console") -> StaffUser:
    """The active account matching ``username`` and ``password``; LoginRefused otherwise."""
    user = find_user(username) if username else None
    if user is not None and (remaining := is_locked(user)):
        raise LoginRefused("locked", remaining)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not user.active:
        raise LoginRefused("invalid")
    if not ok:
        _count_failure(user, "auth.password_failed", via)
    user.failed_attempts = 0
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def needs_second_factor(user: StaffUser) -> bool:
    """True when ``user`` must pass TOTP: mandatory roles, and anyone who enrolled."""
    return mfa_required(user.role) or user.mfa_enrolled


def check_second_factor(user: StaffUser, code: str, *, via: str = "console") -> None:
    """Accept a fresh TOTP ``code`` of ``user`` (each code once); LoginRefused otherwise."""
    if remaining := is_locked(user):
        raise LoginRefused("locked", remaining)
    seed = totp_seed_of(user)
    step = totp.accepted_step(seed, code, now(), user.totp_last_step) if seed else None
    if step is None:
        _count_failure(user, "auth.mfa_failed", via)
    user.totp_last_step = step
    user.failed_attempts = 0


def record_login(user: StaffUser, via: str = "console") -> None:
    """Note a completed login (both factors) and audit it."""
    user.last_login_at = now()
    record_audit(Actor.of(user, via), "auth.login", "staff_user", user.id)


def _count_failure(user: StaffUser, action: str, via: str) -> None:
    settings = _settings()
    user.failed_attempts += 1
    locked = user.failed_attempts >= settings.staff_lockout_threshold
    record_audit(Actor.of(user, via), action, "staff_user", user.id,
                 details={"attempt": user.failed_attempts})
    if locked:
        user.locked_until = now() + timedelta(minutes=settings.staff_lockout_minutes)
        user.failed_attempts = 0
        record_audit(Actor.of(user, via), "auth.lockout", "staff_user", user.id,
                     details={"minutes": settings.staff_lockout_minutes})
    db.session.commit()
    if locked:
        raise LoginRefused("locked", settings.staff_lockout_minutes * 60)
    raise LoginRefused("invalid")
