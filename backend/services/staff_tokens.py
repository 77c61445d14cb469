"""Opaque bearer tokens for the staff API (the staff phone app, automation).

A token is ``hbst_`` + 43 random URL-safe characters; only its SHA-256 digest is stored. Tokens
expire
after STAFF_TOKEN_DAYS and can be revoked; deactivating an account revokes all of its tokens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from backend.clock import as_utc, now
from backend.extensions import db
from backend.models.staff import StaffApiToken, StaffUser
from backend.services.audit import Actor, record_audit
from backend.services.staff_sessions import digest

TOKEN_PREFIX = "hbst_"  # noqa: S105 - a label, not a secret


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once
    id: str
    expires_at: datetime


def issue_token(user: StaffUser, *, label: str = "", days: int | None = None,
                via: str = "api") -> IssuedToken:
    """A new token for ``user`` (the plain token is returned once and never stored)."""
    from backend.app import get_settings

    lifetime = days or get_settings(current_app).staff_token_days
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = StaffApiToken(token_digest=digest(token), staff_user_id=user.id, label=label[:80],
                        created_at=now(), expires_at=now() + timedelta(days=lifetime))
    db.session.add(row)
    db.session.flush()
    record_audit(Actor.of(user, via), "auth.token_issued", "staff_api_token", row.id,
                 details={"label": row.label, "days": lifetime})
    db.session.commit()
    return IssuedToken(token, row.id, row.expires_at)


def authenticate_token(token: str) -> tuple[StaffUser, StaffApiToken] | None:
    """The account and token row for a presented bearer ``token``, or None when invalid."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = db.session.scalar(
        select(StaffApiToken).where(StaffApiToken.token_digest == digest(token)))
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now():
        return None
    user = db.session.get(StaffUser, row.staff_user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or now() - as_utc(row.last_used_at) >= timedelta(minutes=1):
        row.last_used_at = now()
        db.session.commit()
    return user, row


def revoke_token(row: StaffApiToken, actor: Actor) -> None:
    """Stop a token working at once."""
    if row.revoked_at is None:
        row.revoked_at = now()
        record_audit(actor, "auth.token_revoked", "staff_api_token", row.id)
        db.session.commit()


def revoke_all_tokens(user: StaffUser) -> None:
    """Revoke every live token of ``user`` (the caller commits)."""
    for row in db.session.scalars(select(StaffApiToken).where(
            StaffApiToken.staff_user_id == user.id, StaffApiToken.revoked_at.is_(None))):
        row.revoked_at = now()
