"""Celery tasks of the relay. Each is a thin wrapper over a service; all are safe to run twice."""

from __future__ import annotations

from typing import Any

from backend.celery_app import celery


@celery.task(name="sos.process_outbox", acks_late=True)
def process_outbox(job_id: str) -> int:
    from backend.sos.relay import process_outbox_message

    return process_outbox_message(job_id)


@celery.task(name="sos.send_delivery", acks_late=True)
def send_delivery(delivery_id: str) -> bool:
    from backend.sos.relay import send_delivery as send

    return send(delivery_id)


@celery.task(name="sos.sweep", acks_late=True, expires=30)
def sweep() -> dict[str, Any]:
    from backend.sos.sweeper import sweep as run_sweep

    return run_sweep().__dict__
