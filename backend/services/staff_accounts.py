"""Staff account administration: create, reset a password, reset the second factor, deactivate.

Used by the ``hushbakht users`` commands and by tests. Every change leaves an audit event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from backend.clock import now
from backend.config import SUPPORTED_LOCALES
from backend.extensions import db
from backend.models.staff import StaffSession, StaffUser
from backend.security import totp
from backend.security.passwords import hash_password
from backend.security.roles import mfa_required, parse_role
from backend.services.audit import Actor, record_audit

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$")


class AccountError(ValueError):
    """The request cannot be done (unknown user, taken username, bad role); the message says why."""


@dataclass(frozen=True)
class Enrolment:
    """What a new or reset account needs to finish setting up its second factor (shown once)."""

    user: StaffUser
    totp_seed: str | None
    provisioning_uri: str | None


def _secret_key() -> str:
    return str(current_app.config["SECRET_KEY"])


def find_user(username: str) -> StaffUser | None:
    """The account named ``username`` (case-insensitive), or None."""
    return db.session.scalar(select(StaffUser).where(
        func.lower(StaffUser.username) == username.strip().lower()))


def _require_user(username: str) -> StaffUser:
    user = find_user(username)
    if user is None:
        raise AccountError(f"no staff account named {username!r}")
    return user


def create_staff_user(username: str, role: str, password: str, *, display_name: str = "",
                      locale: str = "ru", time_zone: str | None = None,
                      with_mfa: bool = False, actor: Actor | None = None) -> Enrolment:
    """Create an account. Hotline roles and admins always get a TOTP seed; others only on
    request."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError("a username is 3-64 characters: lower-case letters, digits, . _ -")
    parsed_role = parse_role(role)
    if locale not in SUPPORTED_LOCALES:
        raise AccountError(f"locale must be one of {', '.join(SUPPORTED_LOCALES)}")
    if find_user(username) is not None:
        raise AccountError(f"the username {username!r} is taken")
    from backend.app import get_settings

    settings = get_settings(current_app)
    zone = time_zone or settings.staff_default_time_zone
    _check_zone(zone)
    user = StaffUser(username=username, role=parsed_role.value,
                     display_name=display_name or username,
                     password_hash=hash_password(password), locale=locale, time_zone=zone)
    db.session.add(user)
    db.session.flush()
    seed = None
    if with_mfa or mfa_required(user.role):
        seed = _enrol(user)
    record_audit(actor or Actor.system(), "staff.create", "staff_user", user.id,
                 details={"username": username, "role": user.role})
    db.session.commit()
    return Enrolment(user, seed, totp.provisioning_uri(seed, username) if seed else None)


def reset_password(username: str, new_password: str, *, actor: Actor | None = None) -> StaffUser:
    """Set a new password, clear any lockout and end every session of the account."""
    user = _require_user(username)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now()
    user.failed_attempts = 0
    user.locked_until = None
    _end_sessions(user)
    record_audit(actor or Actor.system(), "staff.password_reset", "staff_user", user.id)
    db.session.commit()
    return user


def reset_mfa(username: str, *, actor: Actor | None = None) -> Enrolment:
    """Replace the TOTP seed (a lost phone) and end every session; returns the new seed once."""
    user = _require_user(username)
    seed = _enrol(user)
    _end_sessions(user)
    record_audit(actor or Actor.system(), "staff.mfa_reset", "staff_user", user.id)
    db.session.commit()
    return Enrolment(user, seed, totp.provisioning_uri(seed, user.username))


def set_active(username: str, active: bool, *, actor: Actor | None = None) -> StaffUser:
    """Deactivate (or reactivate) an account; deactivation ends its sessions at once."""
    user = _require_user(username)
    user.active = active
    if not active:
        _end_sessions(user)
        from backend.services.staff_tokens import revoke_all_tokens

        revoke_all_tokens(user)
    record_audit(actor or Actor.system(), "staff.activate" if active else "staff.deactivate",
                 "staff_user", user.id)
    db.session.commit()
    return user


def clear_lockout(username: str, *, actor: Actor | None = None) -> StaffUser:
    """Unlock an account locked after failed attempts (an admin who knows it is really them)."""
    user = _require_user(username)
    user.failed_attempts = 0
    user.locked_until = None
    record_audit(actor or Actor.system(), "staff.unlock", "staff_user", user.id)
    db.session.commit()
    return user


def set_preferences(user: StaffUser, *, locale: str | None = None,
                    time_zone: str | None = None) -> None:
    """Change the console language and time zone of ``user``."""
    if locale is not None:
        if locale not in SUPPORTED_LOCALES:
            raise AccountError(f"locale must be one of {', '.join(SUPPORTED_LOCALES)}")
        user.locale = locale
    if time_zone is not None:
        _check_zone(time_zone)
        user.time_zone = time_zone
    db.session.commit()


def list_users() -> list[StaffUser]:
    """Every account, by username."""
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.username)))


def totp_seed_of(user: StaffUser) -> str | None:
    """The plain TOTP seed of ``user`` (for verification only; never shown after enrolment)."""
    if user.totp_secret_sealed is None:
        return None
    return totp.open_seed(user.totp_secret_sealed, _secret_key(), user.id)


def _enrol(user: StaffUser) -> str:
    seed = totp.new_seed()
    user.totp_secret_sealed = totp.seal_seed(seed, _secret_key(), user.id)
    user.totp_last_step = None
    return seed


def _end_sessions(user: StaffUser) -> None:
    for session in db.session.scalars(select(StaffSession).where(
            StaffSession.staff_user_id == user.id, StaffSession.ended_at.is_(None))):
        session.ended_at = now()


def _check_zone(zone: str) -> None:
    from zoneinfo import available_timezones

    if zone not in available_timezones():
        raise AccountError(f"unknown time zone {zone!r}")
