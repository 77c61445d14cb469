"""A real Celery worker (subprocess) on Redis relays an alert; killed mid-relay, nothing is sent
twice and nothing is lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend import clock
from backend.celery_app import use_queues
from backend.sos import outbox
from backend.sos.sweeper import sweep
from tests.conftest import REDIS_UP, ROOT
from tests.sos.conftest import HOTLINE, new_alert_body
from tests.sos.helpers import deliveries
from tests.support.twilio_mock import TwilioMock

pytestmark = [pytest.mark.skipif(not REDIS_UP, reason="Redis at 127.0.0.1:6379 unreachable"),
              pytest.mark.timeout(400)]

WORKER = """
import os, sys
from backend.app import create_app
app = create_app()
celery = app.extensions["celery"]
# Without -Q a worker consumes both queues (SOS and background).
queues = ["-Q", os.environ["HB_TEST_QUEUES"]] if os.environ.get("HB_TEST_QUEUES") else []
celery.worker_main(["worker", *queues, "-n", os.environ["HB_TEST_WORKER_NAME"], "--pool=solo",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "--loglevel=WARNING"])
"""


@pytest.fixture
def worker_env(app_env: dict[str, str], redis_prefix: str) -> dict[str, str]:
    app_env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
    # Queues of this test's own, on the shared Redis (CELERY_QUEUE_PREFIX allows no colon).
    app_env["CELERY_QUEUE_PREFIX"] = f"{redis_prefix.rstrip(':')}-{time.time_ns()}"
    app_env["TWILIO_TIMEOUT_SECONDS"] = "20"
    # The killed-worker test moves the clock minutes ahead to let the sweeper find the orphaned
    # row; with the usual 60 s, each open alert would escalate meanwhile (its third escalation wraps round the
    # on-call chain to the first number, and a live worker may send it before the assertions):
    # escalation has tests of its own, so keep it out of the way here.
    app_env["ESCALATION_SECONDS"] = "3600"
    return app_env


@pytest.fixture
def start_worker(worker_env: dict[str, str], app: Flask) -> Iterator[Callable[..., Any]]:
    celery = app.extensions["celery"]
    # Earlier tests published to memory:// or a dead broker: let their publishes finish (one
    # failing during the switch would pause dispatching here), then start afresh.
    assert outbox.wait_for_publishes()
    forget_broker_connections(celery)
    use_queues(celery, worker_env["CELERY_QUEUE_PREFIX"])
    outbox._paused_until[0] = 0.0
    started: list[subprocess.Popen[bytes]] = []

    def start(queues: str = "", name: str = "") -> subprocess.Popen[bytes]:
        name = name or f"hbtest-{uuid.uuid4().hex[:12]}@%h"
        env = {**os.environ, **worker_env, "HB_TEST_QUEUES": queues, "HB_TEST_WORKER_NAME": name}
        process = subprocess.Popen([sys.executable, "-c", WORKER], cwd=str(ROOT), env=env,
                                   start_new_session=True)
        started.append(process)
        return process

    yield start
    assert outbox.wait_for_publishes()
    use_queues(celery, "hb")
    forget_broker_connections(celery)
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def forget_broker_connections(celery: Any) -> None:
    """Celery keeps its first connection pool for the process; tests switch brokers."""
    from kombu import pools

    if celery._pool is not None:
        celery._pool.force_close_all()
        celery._pool = None
    celery.amqp._producer_pool = None
    pools.reset()  # kombu's process-wide producer pools would hand out the closed connections


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_worker_relays_and_a_worker_killed_mid_request_sends_nothing_twice(
        start_worker: Callable[[], subprocess.Popen[bytes]], client: FlaskClient, register: Any,
        twilio_mock: TwilioMock) -> None:
    device = register()
    first = start_worker()
    # 1. A healthy worker relays an alert through the broker.
    client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
    # Generous: the worker process starts (imports, app, broker) on a machine shared with others.
    assert _wait(lambda: len(twilio_mock.created) == 2, 150), "the worker did not relay"
    assert [c.to for c in twilio_mock.created] == [HOTLINE[0], HOTLINE[0]]

    # 2. Twilio hangs after creating the next SMS; the worker is killed while it waits.
    twilio_mock.reset()
    twilio_mock.timeout_sleep = 15
    twilio_mock.inject("timeout")
    try:
        client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
        assert _wait(lambda: len(twilio_mock.created) == 1, 120)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        twilio_mock.timeout_sleep = 2.5
    stuck = [d for d in deliveries() if d.status in ("sending", "pending")]
    assert {d.status for d in stuck} == {"sending", "pending"}
    orphan = next(d.id for d in stuck if d.status == "sending")
    orphan_sid = twilio_mock.created[0].sid  # Twilio created it; the worker never heard back

    # 3. A new worker starts; the sweeper (beat) finds the orphaned row and reconciles it.
    start_worker()
    moment = clock.now()
    for _ in range(6):
        moment += timedelta(seconds=30)
        with clock.frozen(moment):
            sweep()
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1  # found in Twilio's log, not re-sent
    assert len(twilio_mock.calls_to(HOTLINE[0])) == 1  # the call that never started: placed once
    assert all(d.status == "queued" for d in deliveries())
    assert deliveries(id=orphan)[0].provider_sid == orphan_sid  # the orphan took its own sid
    # Nothing else was dispatched to the new worker meanwhile (no escalation, and the watchdog
    # finds both alerts relaying): a moment later Twilio still holds only alert 2's SMS and call.
    time.sleep(3)
    assert len(twilio_mock.created) == 2


def test_the_relay_has_a_queue_of_its_own(
        start_worker: Callable[..., subprocess.Popen[bytes]], worker_env: dict[str, str],
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    """Moderation and other background jobs never stand in front of an alert: a worker on the
    background queue does not see relay jobs, a worker on the SOS queue relays them."""
    from backend.celery_app import celery, queue_name

    prefix = worker_env["CELERY_QUEUE_PREFIX"]
    assert celery.amqp.router.route({}, "sos.process_outbox")["queue"].name == f"{prefix}.sos"
    assert celery.amqp.router.route({}, "sos.sweep")["queue"].name == f"{prefix}.sos"
    for background_task in ("editorial.moderate_item", "editorial.rescan", "hotline.purge_expired"):
        assert celery.amqp.router.route({}, background_task)["queue"].name == f"{prefix}.background"

    device = register()
    name = f"hbtest-{uuid.uuid4().hex[:12]}@{socket.gethostname()}"
    background = start_worker(queue_name(prefix, "background"), name)
    client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
    # This background worker (by name: others may share the Redis) is up and consuming, and still
    # leaves the relay job alone.
    assert _wait(lambda: bool(celery.control.ping(destination=[name], timeout=1.0)), 150), \
        "the background worker did not answer"
    time.sleep(3)
    assert twilio_mock.created == []
    os.killpg(background.pid, signal.SIGKILL)
    background.wait(timeout=10)

    start_worker(queue_name(prefix, "sos"))
    assert _wait(lambda: len(twilio_mock.created) == 2, 150), "the SOS worker did not relay"
    assert [c.to for c in twilio_mock.created] == [HOTLINE[0], HOTLINE[0]]
