"""Server-side console sessions with an idle timeout and an absolute lifetime.

The browser holds a random token in an HttpOnly cookie; the database holds its SHA-256 digest. A
session
dies when it is idle longer than STAFF_SESSION_IDLE_MINUTES, older than STAFF_SESSION_MAX_HOURS,
logged
out, or its account is deactivated or has its password or second factor reset.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from backend.clock import as_utc, now
from backend.config import Settings
from backend.extensions import db
from backend.models.staff import StaffSession, StaffUser
from backend.services.audit import client_address

# Writing last_seen_at on every request would turn every page view into a write; a minute is
# precise enough for a 30-minute idle timeout.
TOUCH_EVERY = timedelta(seconds=60)


def digest(token: str) -> str:
    """The stored form of a session cookie or API token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LiveSession:
    """A valid session and its account."""

    session: StaffSession
    user: StaffUser

    @property
    def fully_authenticated(self) -> bool:
        return self.session.mfa_verified_at is not None


def _settings() -> Settings:
    from backend.app import get_settings

    return get_settings(current_app)


def start_session(user: StaffUser, *, second_factor_done: bool) -> str:
    """Open a session for ``user`` and return its cookie token (the caller commits)."""
    token = secrets.token_urlsafe(32)
    at = now()
    db.session.add(StaffSession(
        id=digest(token), staff_user_id=user.id, created_at=at, last_seen_at=at,
        expires_at=at + timedelta(hours=_settings().staff_session_max_hours),
        mfa_verified_at=at if second_factor_done else None, ip=client_address()[0]))
    return token


def complete_second_factor(live: LiveSession) -> str:
    """Mark the session as past its second factor under a NEW token (no session fixation)."""
    old = live.session
    token = secrets.token_urlsafe(32)
    at = now()
    db.session.add(StaffSession(
        id=digest(token), staff_user_id=old.staff_user_id, created_at=old.created_at,
        last_seen_at=at, expires_at=old.expires_at, mfa_verified_at=at, ip=client_address()[0]))
    old.ended_at = at
    return token


def load_session(token: str | None) -> LiveSession | None:
    """The live session for a cookie ``token``, touched; None when missing, expired or ended."""
    if not token or len(token) > 128:
        return None
    session = db.session.get(StaffSession, digest(token))
    if session is None or session.ended_at is not None:
        return None
    at = now()
    idle = timedelta(minutes=_settings().staff_session_idle_minutes)
    if at >= as_utc(session.expires_at) or at - as_utc(session.last_seen_at) >= idle:
        session.ended_at = at
        db.session.commit()
        return None
    user = db.session.get(StaffUser, session.staff_user_id)
    if user is None or not user.active:
        return None
    if at - as_utc(session.last_seen_at) >= TOUCH_EVERY:
        session.last_seen_at = at
        db.session.commit()
    return LiveSession(session, user)


def end_session(token: str | None) -> None:
    """Log out: the token stops working at once."""
    if not token:
        return
    session = db.session.get(StaffSession, digest(token))
    if session is not None and session.ended_at is None:
        session.ended_at = now()
        db.session.commit()
