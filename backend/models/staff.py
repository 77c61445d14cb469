"""Staff accounts, their console sessions and their API tokens.

Secrets are never stored as given: passwords as argon2 hashes, session cookies and API tokens as
SHA-256
digests (they are long random values, so a fast hash suffices), TOTP seeds sealed with the key in
SECRET_KEY (backend/security/totp.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.clock import now
from backend.extensions import db
from backend.models.content import new_id


class StaffUser(db.Model):  # type: ignore[name-defined]
    """A member of staff: hotline operator or supervisor, content editor, moderator or admin."""

    __tablename__ = "staff_user"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                          default=now)
    # Sealed TOTP seed (never the plain seed); NULL until enrolled.
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The last accepted TOTP time step: a code is accepted once, never replayed.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    locale: Mapped[str] = mapped_column(String(2), nullable=False, default="ru")
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False, default="Asia/Dushanbe")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=now)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    @property
    def mfa_enrolled(self) -> bool:
        return self.totp_secret_sealed is not None


class StaffSession(db.Model):  # type: ignore[name-defined]
    """A server-side console session. The cookie holds a random token; only its digest is stored,
    so a database dump cannot be replayed as a login."""

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie token
    staff_user_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # NULL while the password has passed but the second factor has not.
    mfa_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ip: Mapped[str] = mapped_column(String(45), nullable=False, default="")


class StaffApiToken(db.Model):  # type: ignore[name-defined]
    """An opaque bearer token for the staff phone app or automation; stored as a digest,
    expiring."""

    __tablename__ = "staff_api_token"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    staff_user_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True)
    label: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
