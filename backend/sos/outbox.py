"""The transactional outbox: relay jobs written in the same transaction as the alert change.

:func:`enqueue` adds a job to the caller's transaction. After commit, :func:`dispatch` hands job ids to
the broker; if the broker is down the job simply waits in the table and the periodic sweeper
(``backend.sos.sweeper``) processes it, so an alert taken while the broker is down is still relayed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

from sqlalchemy import select

from backend.clock import now
from backend.extensions import db
from backend.models.content import new_id
from backend.models.sos import OutboxMessage

log = logging.getLogger(__name__)

JOB_KINDS = ("alert", "escalate", "duress", "cancel")


def enqueue(alert_id: str, kind: str, stage: int) -> OutboxMessage:
    """Add a relay job to the current transaction (the caller commits)."""
    job = OutboxMessage(alert_id=alert_id, **job_values(kind, stage, now()))
    db.session.add(job)
    return job


def job_values(kind: str, stage: int, current: datetime) -> dict[str, Any]:
    """Column values of a new relay job (without its alert), due at once."""
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    return {"id": new_id(), "kind": kind, "stage": stage, "attempts": 0, "created_at": current,
            "next_attempt_at": current}


def pending_ids_for(alert_id: str) -> list[str]:
    """Ids of the alert's unprocessed jobs (including ones added in this transaction)."""
    db.session.flush()
    return list(db.session.execute(
        select(OutboxMessage.id).where(OutboxMessage.alert_id == alert_id,
                                       OutboxMessage.processed_at.is_(None))).scalars())


def dispatch(job_ids: Iterable[str]) -> None:
    """Publish committed jobs to the worker, in the background: never delays or fails the caller.

    A broker outage is logged and left to the sweeper; after a failure, publishing pauses for
    BROKER_PAUSE seconds so a burst of alerts does not queue up behind a dead broker.
    """
    ids = list(job_ids)
    if not ids or time.monotonic() < _paused_until[0]:
        return
    future = _publisher.submit(_publish, ids)
    with _inflight_lock:
        _inflight.add(future)
    future.add_done_callback(_finished)


def wait_for_publishes(timeout: float = 60.0) -> bool:
    """Wait until every publish handed to the background threads so far has finished (or
    ``timeout``); True if none is left. For an orderly shutdown, and for tests that switch brokers."""
    with _inflight_lock:
        pending = list(_inflight)
    return not wait(pending, timeout=timeout).not_done


BROKER_PAUSE = 10.0
_paused_until = [0.0]
_publisher = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sos-outbox-publish")
_inflight: set[Future[int]] = set()
_inflight_lock = threading.Lock()


def _finished(future: Future[int]) -> None:
    with _inflight_lock:
        _inflight.discard(future)


def _publish(job_ids: list[str]) -> int:
    from backend.sos.tasks import process_outbox

    published = 0
    for job_id in job_ids:
        try:
            process_outbox.apply_async(args=[job_id], retry=False)
            published += 1
        except Exception as exc:  # noqa: BLE001 - any broker failure: the sweeper takes over
            _paused_until[0] = time.monotonic() + BROKER_PAUSE
            log.warning("broker unavailable; the sweeper will relay the job",
                        extra={"event": "sos.dispatch_failed", "error_type": type(exc).__name__})
            break
    return published
