"""The periodic sweeper and watchdog (Celery beat, every few seconds).

It makes the relay independent of the broker's delivery of any single task: outbox jobs nobody
processed, deliveries due for a retry, ambiguous sends to reconcile, rows a killed worker left in
``sending``, messages and calls whose status callbacks have not come (their status is asked of
Twilio), and alerts whose escalation timer ran out are all picked up from the database here.
The watchdog raises alerts whose relay is stuck to on-duty staff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from backend.clock import now
from backend.extensions import db
from backend.models.sos import OPEN_ALERT_STATUSES, Alert, AlertEvent, Delivery, OutboxMessage
from backend.sos import outbox, relay
from backend.sos.escalation import escalate_due_alerts

log = logging.getLogger(__name__)

OUTBOX_GRACE = timedelta(seconds=5)  # let the dispatched task take it first
WATCHDOG_AFTER = timedelta(seconds=90)
POLLS_PER_SWEEP = 25  # Twilio fetches per pass (each up to the client timeout)


@dataclass
class SweepReport:
    outbox_jobs: int = 0
    sent: int = 0
    reconciled: int = 0
    polled: int = 0  # silent deliveries whose status Twilio's answer changed
    escalated: int = 0
    watchdog: int = 0


def sweep(limit: int = 200) -> SweepReport:
    """One pass; safe to run concurrently with workers and with itself."""
    report = SweepReport()
    current = now()
    job_ids = db.session.execute(
        select(OutboxMessage.id).where(OutboxMessage.processed_at.is_(None),
                                       OutboxMessage.created_at <= current - OUTBOX_GRACE,
                                       OutboxMessage.next_attempt_at <= current)
        .order_by(OutboxMessage.created_at).limit(limit)).scalars().all()
    db.session.commit()
    for job_id in job_ids:
        try:
            relay.process_outbox_message(job_id)
            report.outbox_jobs += 1
        except Exception:
            db.session.rollback()
            log.exception("outbox job failed", extra={"event": "sos.job_failed"})
    due = db.session.execute(
        select(Delivery.id).where(Delivery.status.in_(("pending", "retry")),
                                  Delivery.next_attempt_at <= now())
        .order_by(Delivery.next_attempt_at).limit(limit)).scalars().all()
    db.session.commit()
    for delivery_id in due:
        try:
            report.sent += int(relay.send_delivery(delivery_id))
        except Exception:
            # One delivery that cannot be sent must not stop the pass (escalation, watchdog).
            db.session.rollback()
            log.exception("delivery failed", extra={"event": "sos.delivery_error"})
    ambiguous = db.session.execute(
        select(Delivery.id).where(
            ((Delivery.status == "unknown") & (Delivery.next_attempt_at <= now()))
            | relay.stale_claim(now())).limit(limit)
    ).scalars().all()
    db.session.commit()
    for delivery_id in ambiguous:
        try:
            if relay.reconcile_delivery(delivery_id) is not None:
                report.reconciled += 1
                relay.send_delivery(delivery_id)
        except Exception:
            db.session.rollback()
            log.exception("reconciliation failed", extra={"event": "sos.delivery_error"})
    report.escalated = escalate_due_alerts()
    report.watchdog = raise_stuck_alerts()
    # Last, and bounded: asking Twilio about silent deliveries must never hold up escalation.
    silent = relay.silent_deliveries(now(), POLLS_PER_SWEEP)
    db.session.commit()
    for delivery_id in silent:
        try:
            report.polled += int(relay.poll_delivery_status(delivery_id))
        except Exception:
            db.session.rollback()
            log.exception("status poll failed", extra={"event": "sos.delivery_error"})
    return report


def raise_stuck_alerts() -> int:
    """Alerts still not handed to Twilio after WATCHDOG_AFTER: escalate them to staff (once)."""
    cutoff = now() - WATCHDOG_AFTER
    stuck = db.session.execute(
        select(Alert).where(Alert.status == "received", Alert.created_at <= cutoff,
                            ~select(AlertEvent.id).where(AlertEvent.alert_id == Alert.id,
                                                         AlertEvent.kind == "watchdog_stuck")
                            .exists())
        .limit(50)).scalars().all()
    jobs = []
    for alert in stuck:
        if alert.status not in OPEN_ALERT_STATUSES:
            continue
        alert.escalation_level += 1
        db.session.add(AlertEvent(alert_id=alert.id, kind="watchdog_stuck", actor="watchdog",
                                  detail={"level": alert.escalation_level}))
        jobs.append(outbox.enqueue(alert.id, "escalate", alert.escalation_level).id)
    db.session.commit()
    if jobs:
        log.warning("stuck alerts raised to staff", extra={"event": "sos.watchdog",
                                                            "count": len(jobs)})
        outbox.dispatch(jobs)
    return len(jobs)
