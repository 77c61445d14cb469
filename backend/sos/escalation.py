"""Escalation: an alert nobody accepted within the escalation time moves to the next number of the
on-call chain and pushes to every on-duty staff device; this repeats until someone accepts.

The escalation time is the supervisors' value from the console, else ``ESCALATION_SECONDS``
(:mod:`backend.services.escalation_policy`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from backend.clock import now
from backend.extensions import db
from backend.models.sos import OPEN_ALERT_STATUSES, Alert
from backend.services.escalation_policy import get_escalation_seconds
from backend.sos import outbox
from backend.sos.alerts import add_alert_event

log = logging.getLogger(__name__)


def escalate_due_alerts(limit: int = 100) -> int:
    """Escalate every open, unaccepted alert whose timer ran out; returns how many."""
    seconds = get_escalation_seconds()
    current = now()
    due = db.session.execute(
        select(Alert).where(Alert.status.in_(OPEN_ALERT_STATUSES), Alert.accepted_at.is_(None),
                            Alert.next_escalation_at.is_not(None),
                            Alert.next_escalation_at <= current)
        .order_by(Alert.next_escalation_at).limit(limit)
        .with_for_update(skip_locked=True)).scalars().all()
    jobs = []
    for alert in due:
        alert.escalation_level += 1
        alert.next_escalation_at = current + timedelta(seconds=seconds)
        add_alert_event(alert.id, "escalated", detail={"level": alert.escalation_level})
        jobs.append(outbox.enqueue(alert.id, "escalate", alert.escalation_level).id)
    db.session.commit()
    if jobs:
        log.info("alerts escalated", extra={"event": "sos.escalated", "count": len(jobs)})
        outbox.dispatch(jobs)
    return len(jobs)
