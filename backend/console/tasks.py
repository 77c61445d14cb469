"""Scheduled jobs of the hotline area: the daily retention purge (backend/services/retention.py)."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from backend.celery_app import celery


@celery.task(name="hotline.purge_expired", acks_late=True)
def purge_expired() -> dict[str, Any]:
    """Purge survivor data of alerts past their retention period (idempotent)."""
    from backend.services.retention import purge_expired as run

    return {"alerts": run().alerts}


HOTLINE_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # 02:30 UTC (07:30 in Dushanbe): a quiet hour for the database.
    "hotline-retention-purge": {"task": "hotline.purge_expired",
                                "schedule": crontab(hour=2, minute=30)},
}
