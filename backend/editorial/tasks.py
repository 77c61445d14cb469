"""Celery tasks of the editorial workflow, and their periodic schedule.

- ``editorial.moderate_item``: the moderation gate for one submitted item.
- ``editorial.publish_due``: publishes scheduled items whose time has come (every 30 s).
- ``editorial.sweep_unmoderated``: runs the gate for items whose task was lost (every minute).
- ``editorial.rescan``: re-checks published items when a new model has been promoted (every 5 min).

Each task is idempotent: a redelivered or duplicated message changes nothing the second time.
"""

from __future__ import annotations

import logging
from typing import Any

from backend.celery_app import celery
from backend.extensions import db

log = logging.getLogger(__name__)

EDITORIAL_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "editorial-publish-due": {"task": "editorial.publish_due", "schedule": 30.0},
    "editorial-sweep-unmoderated": {"task": "editorial.sweep_unmoderated", "schedule": 60.0},
    "editorial-rescan": {"task": "editorial.rescan", "schedule": 300.0},
}


@celery.task(name="editorial.moderate_item", bind=True, max_retries=5, default_retry_delay=30)
def moderate_item(self: Any, kind: str, item_id: str) -> str | None:
    """Run the moderation gate for one submitted item; returns the decision (None if not pending)."""
    from backend.editorial.gate import run_gate
    from backend.editorial.moderation_gateway import current_moderator

    try:
        result = run_gate(db.session, kind, item_id, current_moderator())
    except Exception as exc:
        db.session.rollback()
        log.exception("moderation gate failed", extra={"item_kind": kind, "item_id": item_id})
        raise self.retry(exc=exc) from exc
    return result.decision if result else None


@celery.task(name="editorial.publish_due")
def publish_due() -> int:
    """Publish scheduled items that are due."""
    from backend.editorial.publishing import publish_due as publish

    published = publish(db.session)
    if published:
        log.info("scheduled items published", extra={"count": len(published)})
    return len(published)


@celery.task(name="editorial.sweep_unmoderated")
def sweep_unmoderated() -> int:
    """Gate items left unmoderated by a lost task."""
    from backend.editorial.gate import sweep_unmoderated as sweep
    from backend.editorial.moderation_gateway import current_moderator

    return sweep(db.session, current_moderator())


@celery.task(name="editorial.rescan")
def rescan() -> int:
    """Re-check published items if the promoted model version changed; returns how many were withdrawn."""
    from backend.editorial.moderation_gateway import current_moderator
    from backend.editorial.rescan import rescan_if_model_changed

    report = rescan_if_model_changed(db.session, current_moderator())
    if not report.skipped:
        log.info("re-scan finished", extra={"model_version": report.model_version,
                                           "checked": report.checked,
                                           "withdrawn": len(report.withdrawn)})
    return len(report.withdrawn)
