"""The Celery application, configured from the same settings as the web app.

Embedded default: kombu's filesystem transport under the data folder, which a real worker process reads,
so the quick start needs no broker. Production: Redis or RabbitMQ (CELERY_BROKER_URL / REDIS_URL).
Every task runs inside a Flask application context.

Two queues (docs/deployment.md): ``<prefix>.sos`` carries the SOS relay (``sos.*`` tasks: outbox jobs,
deliveries, the sweeper) and ``<prefix>.background`` everything else (moderation, publishing, purges),
so a long moderation re-scan never holds an alert back. A worker consumes both unless told otherwise;
production runs a worker of its own for the SOS queue.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask
from kombu import Exchange, Queue

from backend.config import Settings

celery = Celery("hushbakht")

QUEUE_ROLES = ("sos", "background")


def queue_name(prefix: str, role: str) -> str:
    """The broker queue of ``role`` (sos or background)."""
    if role not in QUEUE_ROLES:
        raise ValueError(f"unknown queue role {role!r}")
    return f"{prefix}.{role}"


def use_queues(app: Celery, prefix: str) -> None:
    """Route ``sos.*`` tasks to the SOS queue and every other task to the background queue; a worker
    started without ``-Q`` consumes both. Routing follows a new prefix at the next send (tests and
    the benchmark use queues of their own); ``task_default_queue`` alone no longer moves SOS tasks.
    """
    sos, background = queue_name(prefix, "sos"), queue_name(prefix, "background")
    app.conf.update(task_default_queue=background,
                    # Each queue on an exchange of its own, so nothing sent to one reaches the other.
                    task_queues=[Queue(sos, Exchange(sos), routing_key=sos),
                                 Queue(background, Exchange(background), routing_key=background)],
                    task_routes=(_route_task,), hushbakht_sos_queue=sos)


def _route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None,
                **kw: Any) -> dict[str, str] | None:
    # Read at every send (Celery keeps its routing table for the process's life).
    if name.startswith("sos."):
        return {"queue": celery.conf.hushbakht_sos_queue}
    return None  # the default queue: background


def configure_celery(app: Flask, settings: Settings) -> Celery:
    """Bind the module-level Celery app to ``app`` and its settings."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = settings.celery_broker_url
    transport_options: dict[str, Any] = {}
    if broker.startswith("filesystem://"):
        folder = settings.broker_folder
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        transport_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    elif broker.startswith(("redis://", "rediss://")):
        # Tasks are acknowledged after they run: a worker killed mid-task leaves it to be redelivered.
        transport_options = {"visibility_timeout": 300}

    celery.conf.update(
        broker_url=broker,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        worker_hijack_root_logger=False,
    )
    use_queues(celery, settings.celery_queue_prefix)
    celery.Task = FlaskTask
    # Editorial workflow (docs/editorial.md): the moderation gate task and its periodic jobs.
    from backend.editorial.tasks import EDITORIAL_BEAT_SCHEDULE

    celery.conf.beat_schedule = {**(celery.conf.beat_schedule or {}), **EDITORIAL_BEAT_SCHEDULE}
    # Hotline (docs/console.md): the daily retention purge of survivor data.
    from backend.console.tasks import HOTLINE_BEAT_SCHEDULE

    celery.conf.beat_schedule = {**celery.conf.beat_schedule, **HOTLINE_BEAT_SCHEDULE}
    app.extensions["celery"] = celery
    return celery


def broker_reachable(timeout: float = 2.0) -> bool:
    """True when the broker accepts a connection (used by /readyz)."""
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False
