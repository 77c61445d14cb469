"""The periodic sweeper and watchdog (Celery beat, every few seconds).

It makes the relay independent of the broker's delivery of any single task: outbox jobs nobody
processed, deliveries due for a retry, ambiguous sends to reconcile, rows a killed worker left in
``sending``, messages and calls whose status callbacks have not come (their status is asked of
Twilio), and alerts whose escalation timer ran out are all picked up from the database here.
The watchdog raises alerts whose relay is stuck to on-duty staff.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
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
# No new fetch is started after this many seconds of polling in one pass: with Twilio slow, a pass
# stays short, so sweeps (beat queues one every 5 s) never fill the SOS workers ahead of alerts.
POLL_BUDGET_SECONDS = 5.0


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
    report.outbox_jobs = _each(job_ids, _process_job, "outbox job failed", "sos.job_failed")
    due = db.session.execute(
        select(Delivery.id).where(Delivery.status.in_(("pending", "retry")),
                                  Delivery.next_attempt_at <= now())
        .order_by(Delivery.next_attempt_at).limit(limit)).scalars().all()
    db.session.commit()
    report.sent = _each(due, relay.send_delivery, "delivery failed", "sos.delivery_error")
    ambiguous = db.session.execute(
        select(Delivery.id).where(
            ((Delivery.status == "unknown") & (Delivery.next_attempt_at <= now()))
            | relay.stale_claim(now())).limit(limit)
    ).scalars().all()
    db.session.commit()
    report.reconciled = _each(ambiguous, _reconcile_and_send, "reconciliation failed",
                              "sos.delivery_error")
    report.escalated = escalate_due_alerts()
    report.watchdog = raise_stuck_alerts()
    # Last, and bounded: asking Twilio about silent deliveries must never hold up escalation.
    silent = relay.silent_deliveries(now(), POLLS_PER_SWEEP)
    db.session.commit()
    report.polled = _each(silent, relay.poll_delivery_status, "status poll failed",
                          "sos.delivery_error",
                          deadline=time.monotonic() + POLL_BUDGET_SECONDS)
    return report


def _each(ids: Sequence[str], step: Callable[[str], object], failure: str, event: str, *,
          deadline: float | None = None) -> int:
    """Run ``step`` for every id (with a ``time.monotonic()`` ``deadline``: at least one, then none
    started after it; the rest waits for the next pass); how many returned a true value. One row
    that fails is logged and rolled back and never stops the pass (the rest of it, escalation, the
    watchdog)."""
    done = 0
    for index, row_id in enumerate(ids):
        if deadline is not None and index and time.monotonic() >= deadline:
            break
        try:
            done += bool(step(row_id))
        except Exception:
            db.session.rollback()
            log.exception(failure, extra={"event": event})
    return done


def _process_job(job_id: str) -> bool:
    relay.process_outbox_message(job_id)
    return True  # a job counts as processed even when it had nothing left to send


def _reconcile_and_send(delivery_id: str) -> bool:
    """Settle an ambiguous delivery; if it was certainly not sent, send it now."""
    if relay.reconcile_delivery(delivery_id) is None:
        return False
    relay.send_delivery(delivery_id)
    return True


def raise_stuck_alerts() -> int:
    """Alerts still not handed to Twilio after WATCHDOG_AFTER: escalate them to staff (once).

    Sweeps overlap (one is queued every few seconds, and several SOS workers run them), so the
    alerts are locked (ones another sweep or ``escalate_due_alerts`` holds are skipped) and the
    "raised once" check is made again under the lock, in a statement of its own: a sweep that read
    the alerts before another one committed its raise must not raise them a second time.
    """
    cutoff = now() - WATCHDOG_AFTER
    not_raised = ~select(AlertEvent.id).where(AlertEvent.alert_id == Alert.id,
                                          AlertEvent.kind == "watchdog_stuck").exists()
    stuck = db.session.execute(
        select(Alert).where(Alert.status == "received", Alert.created_at <= cutoff, not_raised)
        .limit(50).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)).scalars().all()
    jobs = []
    for alert in stuck:
        if alert.status not in OPEN_ALERT_STATUSES:
            continue
        if db.session.execute(select(AlertEvent.id).where(
                AlertEvent.alert_id == alert.id, AlertEvent.kind == "watchdog_stuck").limit(1)
        ).first() is not None:
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
