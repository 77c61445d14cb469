"""The hotline's casework on an alert: notes, referrals, classification and outcome; and the
anonymised counts that outlive the purge.

Notes, referral details and the case's classification are encrypted at rest with
backend/security/encryption.py, bound to its row. Case rows and notes are removed by the retention
purge (backend/services/retention.py); ``case_statistic`` and ``referral_statistic`` hold only
counts and are never purged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.clock import now
from backend.extensions import db
from backend.models.content import new_id
from backend.security.encryption import register_encrypted_column


class AlertCase(db.Model):  # type: ignore[name-defined]
    """Classification and outcome of one alert, set when staff close it."""

    __tablename__ = "alert_case"

    alert_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("sos_alert.id", ondelete="CASCADE"), primary_key=True)
    # District, main and other forms of violence, outcome: about her, so encrypted like her notes
    # (JSON, backend.services.staff_alerts.CaseClassification). NULL while not closed.
    classification_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The statistics month of the case ("YYYY-MM", the month it was received, hotline time).
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    counted: Mapped[bool] = mapped_column(default=False, nullable=False)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reopened_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=now)


class AlertNote(db.Model):  # type: ignore[name-defined]
    """A note staff wrote on an alert (encrypted)."""

    __tablename__ = "alert_note"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("sos_alert.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    author_username: Mapped[str] = mapped_column(String(64), nullable=False)
    body_enc: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=now)


class AlertReferral(db.Model):  # type: ignore[name-defined]
    """A referral of the survivor to a typed service, with optional free text (encrypted)."""

    __tablename__ = "alert_referral"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("sos_alert.id", ondelete="CASCADE"), nullable=False, index=True)
    service: Mapped[str] = mapped_column(String(32), nullable=False)
    detail_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=now)


class CaseStatistic(db.Model):  # type: ignore[name-defined]
    """Closed, non-drill cases counted by month, district, primary violence type and outcome."""

    __tablename__ = "case_statistic"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    district: Mapped[str] = mapped_column(String(40), primary_key=True)
    violence_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ReferralStatistic(db.Model):  # type: ignore[name-defined]
    """Cases referred to each service type, by month and district (a case counts once per type)."""

    __tablename__ = "referral_statistic"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    district: Mapped[str] = mapped_column(String(40), primary_key=True)
    service: Mapped[str] = mapped_column(String(32), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


register_encrypted_column(AlertCase, "classification_enc",
                          lambda r: f"alert_case.classification:{r.alert_id}")
register_encrypted_column(AlertNote, "body_enc", lambda r: f"alert_note.body:{r.id}")
register_encrypted_column(AlertReferral, "detail_enc", lambda r: f"alert_referral.detail:{r.id}")
