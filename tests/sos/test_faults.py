"""Faults: broker down at intake, Twilio failing (500, timeouts, dropped connections), a worker that
dies mid-relay. In each case: exactly one alert, every recipient reached once, nothing lost."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend import clock
from backend.extensions import db
from backend.models.sos import Alert, Delivery, OutboxMessage
from backend.sos import outbox, relay
from backend.sos.relay import get_gateway
from backend.sos.sweeper import sweep
from tests.sos.conftest import HOTLINE, new_alert_body
from tests.sos.helpers import deliveries, relay_pending
from tests.support.twilio_mock import TEST_ACCOUNT_SID, TwilioMock, free_port


@pytest.fixture(autouse=True)
def short_twilio_timeout(app_env: dict[str, str], twilio_mock: TwilioMock) -> None:
    """The "timeout" fault answers after ``timeout_sleep`` (2.5 s): the client gives up first."""
    app_env["TWILIO_TIMEOUT_SECONDS"] = "1.5"
    assert twilio_mock.timeout_sleep > 1.5


@pytest.fixture
def broker_down_env(app_env: dict[str, str]) -> Iterator[dict[str, str]]:
    from backend.celery_app import celery
    from tests.sos.test_worker import forget_broker_connections

    app_env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    forget_broker_connections(celery)
    yield app_env
    assert outbox.wait_for_publishes()  # let the failed publishes finish before switching back
    forget_broker_connections(celery)
    outbox._paused_until[0] = 0.0


def test_alert_taken_while_the_broker_is_down_is_relayed_by_the_sweeper(
        broker_down_env: dict[str, str], client: FlaskClient, register: Any,
        twilio_mock: TwilioMock) -> None:
    device = register()
    started = time.monotonic()
    response = client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
    assert response.status_code == 201
    assert time.monotonic() - started < 5  # the answer does not wait for the broker
    assert twilio_mock.created == []
    with clock.frozen(clock.now() + timedelta(seconds=10)):
        report = sweep()
    assert report.outbox_jobs == 1
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1 and len(twilio_mock.calls_to(HOTLINE[0])) == 1
    with clock.frozen(clock.now() + timedelta(seconds=20)):
        sweep()  # a second pass sends nothing more
    assert len(twilio_mock.created) == 2
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1


def _one_alert(client: FlaskClient, register: Any) -> None:
    device = register()
    assert client.post("/api/v1/alerts", json=new_alert_body(),
                       headers=device["auth"]).status_code == 201


def _settle(minutes: int = 3) -> None:
    """Let time pass in steps, sweeping as the beat would."""
    moment = clock.now()
    for _ in range(minutes * 4):
        moment += timedelta(seconds=15)
        with clock.frozen(moment):
            sweep()


def test_twilio_500_before_creating_is_retried_and_reaches_the_hotline_once(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    _one_alert(client, register)
    twilio_mock.inject("500", "500")
    relay_pending()
    assert twilio_mock.created == []
    assert {d.status for d in deliveries()} == {"unknown"}
    _settle()
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1 and len(twilio_mock.calls_to(HOTLINE[0])) == 1
    assert {d.status for d in deliveries()} == {"queued"}


@pytest.mark.parametrize("fault", ["500_after", "timeout", "drop"])
def test_ambiguous_twilio_answers_are_reconciled_not_resent(
        fault: str, client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    _one_alert(client, register)
    twilio_mock.inject(fault, fault)
    relay_pending()
    assert len(twilio_mock.created) == 2  # Twilio did create both, but we could not know
    assert {d.status for d in deliveries()} == {"unknown"}
    _settle()
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1 and len(twilio_mock.calls_to(HOTLINE[0])) == 1
    settled = deliveries()
    assert {d.status for d in settled} == {"queued"}
    assert {d.provider_sid for d in settled} == {c.sid for c in twilio_mock.created}


def test_worker_killed_after_twilio_accepted_does_not_text_twice(
        app: Flask, client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    _one_alert(client, register)
    job_id = db.session.execute(select(OutboxMessage.id)).scalar_one()
    real = get_gateway()

    class DiesAfterSending:
        dry_run = False

        def send_sms(self, **kwargs: Any) -> Any:
            real.send_sms(**kwargs)
            raise SystemExit("worker killed")  # the process dies before recording the result

        def start_call(self, **kwargs: Any) -> Any:
            raise SystemExit("worker killed")  # dies before Twilio hears of the call

    app.extensions["hushbakht.twilio"] = DiesAfterSending()
    with pytest.raises(SystemExit):
        relay.process_outbox_message(job_id)
    db.session.rollback()
    app.extensions["hushbakht.twilio"] = real
    assert [d.status for d in deliveries(channel="sms")] == ["sending"]
    # A redelivered task finds the row taken and does nothing.
    relay.process_outbox_message(job_id)
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1
    _settle()
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1  # found in Twilio's log: not sent again
    assert len(twilio_mock.calls_to(HOTLINE[0])) == 1  # never reached Twilio: placed once, later
    assert {d.status for d in deliveries()} == {"queued"}


def test_failed_attempts_are_retried_after_a_backoff(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    from tests.sos.helpers import twilio_post

    _one_alert(client, register)
    relay_pending()
    call = deliveries(channel="voice")[0]
    sms = deliveries(channel="sms")[0]
    call_sid = twilio_mock.calls_to(HOTLINE[0])[0].sid
    sms_sid = twilio_mock.sms_to(HOTLINE[0])[0].sid
    twilio_post(client, f"/twilio/status?d={sms.id}",
                {"MessageSid": sms_sid, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    twilio_post(client, f"/twilio/status?d={call.id}",
                {"CallSid": call_sid, "CallStatus": "no-answer"})
    second = [d for d in deliveries() if d.attempt == 2]
    # The failed SMS is retried as an SMS because a call is under way; the unanswered call is
    # retried as a call because an SMS to that number is already on its way again.
    assert sorted(d.channel for d in second) == ["sms", "voice"]
    assert all(d.status == "pending" for d in second)
    assert len(twilio_mock.created) == 2  # nothing before the backoff
    _settle(1)
    assert len(twilio_mock.created) == 4


def test_unanswered_call_falls_back_to_sms_when_no_sms_is_on_its_way(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    from tests.sos.helpers import twilio_post

    _one_alert(client, register)
    relay_pending()
    sms = deliveries(channel="sms")[0]
    twilio_post(client, f"/twilio/status?d={sms.id}",
                {"MessageSid": twilio_mock.sms_to(HOTLINE[0])[0].sid, "MessageStatus": "failed"})
    retry_sms = [d for d in deliveries(channel="sms") if d.attempt == 2]
    assert _after_a_busy_call(client, twilio_mock, retry_sms[0].id, "failed") == ["sms"]


def _after_a_busy_call(client: FlaskClient, twilio_mock: TwilioMock, sms_id: str,
                       sms_status: str) -> list[str]:
    """Set the hotline SMS row ``sms_id`` to ``sms_status``, report the hotline call busy, and
    return the channels of the call's next attempt."""
    from tests.sos.helpers import twilio_post

    db.session.execute(Delivery.__table__.update().where(Delivery.id == sms_id)
                       .values(status=sms_status))
    db.session.commit()
    call = deliveries(channel="voice")[0]
    twilio_post(client, f"/twilio/status?d={call.id}",
                {"CallSid": twilio_mock.calls_to(HOTLINE[0])[0].sid, "CallStatus": "busy"})
    return [d.channel for d in deliveries() if d.attempt == 2
            and d.idempotency_key.split(":")[1] == "voice"]


def test_reconciling_against_twilio_logs_no_phone_number(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        caplog: pytest.LogCaptureFixture) -> None:
    """The lookup asks Twilio for "Messages.json?To=%2B992...": the Twilio client's own request
    log must not write that number anywhere (it logs every request line at INFO)."""
    caplog.set_level(logging.DEBUG)
    _one_alert(client, register)
    twilio_mock.inject("500_after", "500_after")
    relay_pending()
    _settle()
    assert ("GET", f"/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json") in twilio_mock.requests
    digits = HOTLINE[0].lstrip("+")
    leaked = [r.getMessage() for r in caplog.records if digits in r.getMessage()]
    assert leaked == []


def test_an_unanswered_call_does_not_fall_back_to_an_sms_that_may_be_on_its_way(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    """The SMS to the hotline ended ambiguous (``unknown``: Twilio may have it, reconciliation
    will tell). A busy call then retries as a call: a fallback SMS could make the text twice."""
    _one_alert(client, register)
    relay_pending()
    assert _after_a_busy_call(client, twilio_mock, deliveries(channel="sms")[0].id,
                              "unknown") == ["voice"]
