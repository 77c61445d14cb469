"""Hotline settings that supervisors edit in the console (today: the escalation timing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.clock import now
from backend.extensions import db


class EscalationPolicy(db.Model):  # type: ignore[name-defined]
    """The escalation timing chosen in the console: a single row (``id`` = 1) or none.

    Without a row the relay uses ``ESCALATION_SECONDS`` from the settings. Every change is also
    written to the audit log; this row only keeps the current value and its last author.
    """

    __tablename__ = "escalation_policy"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("escalation_seconds BETWEEN 30 AND 3600", name="seconds_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    escalation_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False, default="system")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=now)
