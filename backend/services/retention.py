"""Retention: survivor data is purged a configured number of days after an alert ends.

An alert "ends" when staff close it, or when she cancels it with her real PIN (a duress cancel
keeps it
open). RETENTION_DAYS_AFTER_CLOSE later, the purge deletes the alert and everything about her in it:
location trail, voice message and chunks, deliveries (with recipients' numbers), relay jobs,
timeline,
notes, referrals and the case row. What remains: the anonymised counts in case_statistic and
referral_statistic (never purged) and audit events naming only the alert's random id.
A scheduled Celery task runs it daily (backend/console/tasks.py); it is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select

from backend.clock import now
from backend.extensions import db
from backend.models.casework import AlertCase, AlertNote, AlertReferral
from backend.models.sos import (
    ALERT_CANCELLED,
    ALERT_CLOSED,
    Alert,
    AlertEvent,
    Delivery,
    LocationFix,
    OutboxMessage,
    VoiceChunk,
    VoiceMessage,
)
from backend.services.audit import Actor, record_audit

BATCH = 100


@dataclass(frozen=True)
class PurgeReport:
    alerts: int

    def summary(self) -> str:
        return f"purged {self.alerts} alert(s)"


def expired_alert_ids(limit: int = BATCH) -> list[str]:
    """Ids of alerts whose retention period has passed."""
    from backend.app import get_settings

    cutoff = now() - timedelta(days=get_settings(current_app).retention_days_after_close)
    query = select(Alert.id).where(or_(
        and_(Alert.status == ALERT_CLOSED, Alert.closed_at < cutoff),
        and_(Alert.status == ALERT_CANCELLED, Alert.duress.is_(False),
             Alert.cancelled_at < cutoff),
    )).order_by(Alert.id).limit(limit)
    return list(db.session.scalars(query))


def purge_alert(alert_id: str) -> None:
    """Delete one alert and all survivor data attached to it (the caller commits)."""
    for model in (AlertNote, AlertReferral, AlertCase, LocationFix, VoiceChunk, VoiceMessage,
                  Delivery, OutboxMessage, AlertEvent):
        db.session.execute(delete(model).where(model.alert_id == alert_id))
    db.session.execute(delete(Alert).where(Alert.id == alert_id))


def purge_expired(actor: Actor | None = None) -> PurgeReport:
    """Purge every expired alert, a batch per transaction; one audit event per run."""
    purged = 0
    while ids := expired_alert_ids():
        for alert_id in ids:
            purge_alert(alert_id)
        purged += len(ids)
        db.session.commit()
    record_audit(actor or Actor.system("retention"), "retention.purge", "alert", "",
                 details={"alerts": purged})
    db.session.commit()
    return PurgeReport(purged)
