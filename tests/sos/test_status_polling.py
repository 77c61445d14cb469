"""Silent deliveries: when Twilio's status callbacks do not come, the sweeper asks Twilio."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend import clock
from backend.extensions import db
from backend.models.sos import Alert
from backend.sos import relay, sweeper
from backend.sos.sweeper import sweep
from tests.sos.conftest import HOTLINE, new_alert_body
from tests.sos.helpers import deliveries, relay_pending, twilio_post
from tests.support.twilio_mock import TwilioMock


def _fetches(twilio_mock: TwilioMock, sids: set[str]) -> list[str]:
    """Fetches of these messages or calls (GET .../Messages/<sid>.json, .../Calls/<sid>.json)."""
    return [path for method, path in twilio_mock.requests
            if method == "GET" and path.rsplit("/", 1)[-1].removesuffix(".json") in sids]


def _relayed_alert(client: FlaskClient, register: Any) -> datetime:
    """A new alert relayed (an SMS and a call handed to Twilio, "queued"); when that happened."""
    device = register()
    start = clock.now()
    with clock.frozen(start):
        assert client.post("/api/v1/alerts", json=new_alert_body(),
                           headers=device["auth"]).status_code == 201
        relay_pending()
    return start


def test_a_call_whose_callbacks_never_come_is_asked_about_and_falls_back(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    device = register()
    start = clock.now()
    with clock.frozen(start):
        body = new_alert_body()
        assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
        relay_pending()
    sms, call = deliveries(channel="sms")[0], deliveries(channel="voice")[0]
    assert {sms.status, call.status} == {"queued"}
    sids = {sms.provider_sid or "", call.provider_sid or ""}
    twilio_mock.set_status(twilio_mock.calls_to(HOTLINE[0])[0].sid, "no-answer")
    twilio_mock.set_status(twilio_mock.sms_to(HOTLINE[0])[0].sid, "delivered")

    with clock.frozen(start + relay.POLL_AFTER - timedelta(seconds=5)):
        assert sweep().polled == 0  # callbacks may still come: Twilio is not asked yet
    assert not _fetches(twilio_mock, sids)

    with clock.frozen(start + relay.POLL_AFTER + timedelta(seconds=5)):
        assert sweep().polled == 2
    by_id = {d.id: d for d in deliveries()}
    assert by_id[call.id].status == "no-answer" and by_id[sms.id].status == "delivered"
    alert = db.session.get(Alert, body["id"].replace("-", ""))
    assert alert is not None and alert.status == "relayed"  # the delivered SMS proves it
    # The unanswered call gets its next attempt, as its "no-answer" callback would have caused.
    after_call = [d.attempt for d in deliveries() if d.stage == 0 and d.recipient_ref == call.recipient_ref
                  and d.idempotency_key.split(":")[1] == "voice"]
    assert after_call == [1, 2]

    fetched = len(_fetches(twilio_mock, sids))
    with clock.frozen(start + 2 * relay.POLL_AFTER + timedelta(seconds=10)):
        sweep()
    assert len(_fetches(twilio_mock, sids)) == fetched  # final statuses are not asked about again


def test_a_still_queued_delivery_is_asked_again_only_after_a_pause_and_not_forever(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    start = _relayed_alert(client, register)
    sids = {d.provider_sid or "" for d in deliveries()}
    moment = start + relay.POLL_AFTER + timedelta(seconds=1)
    with clock.frozen(moment):
        assert sweep().polled == 0  # asked, but Twilio still says "queued": nothing changes
    asked = len(_fetches(twilio_mock, sids))
    assert asked == 2
    with clock.frozen(moment + timedelta(seconds=30)):
        sweep()
    assert len(_fetches(twilio_mock, sids)) == asked  # not again before POLL_AFTER has passed
    with clock.frozen(moment + relay.POLL_AFTER + timedelta(seconds=1)):
        sweep()
    assert len(_fetches(twilio_mock, sids)) == 2 * asked
    with clock.frozen(start + relay.POLL_WINDOW + timedelta(minutes=1)):
        sweep()
    assert len(_fetches(twilio_mock, sids)) == 2 * asked  # the window is over: escalation took over
    assert {d.status for d in deliveries() if d.provider_sid in sids} == {"queued"}


def test_two_sweeps_never_ask_about_the_same_delivery_twice(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    start = _relayed_alert(client, register)
    call = deliveries(channel="voice")[0]
    with clock.frozen(start + relay.POLL_AFTER + timedelta(seconds=1)):
        # Both sweeps selected the row; the first to claim it asks, the second finds it claimed.
        assert call.id in relay.silent_deliveries(clock.now(), 10)
        relay.poll_delivery_status(call.id)
        relay.poll_delivery_status(call.id)
    assert len(_fetches(twilio_mock, {call.provider_sid or ""})) == 1


def test_a_row_that_fails_does_not_stop_the_sweep(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    start = _relayed_alert(client, register)
    polled: list[str] = []

    def broken_poll(delivery_id: str) -> bool:
        polled.append(delivery_id)
        if len(polled) == 1:
            raise RuntimeError("one bad row")
        return True

    monkeypatch.setattr(relay, "poll_delivery_status", broken_poll)
    with clock.frozen(start + relay.POLL_AFTER + timedelta(seconds=1)):
        report = sweep()
    assert len(polled) == 2 and report.polled == 1  # the second row was still asked about
    assert report.escalated == 1  # and escalation (ESCALATION_SECONDS 120) ran in the same pass


def test_a_slow_twilio_cannot_keep_a_sweep_polling(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Polls stop at the pass's budget (one is always made); the rest waits for the next pass."""
    start = _relayed_alert(client, register)
    polled: list[str] = []
    real_poll = relay.poll_delivery_status

    def slow_poll(delivery_id: str) -> bool:
        polled.append(delivery_id)
        time.sleep(0.3)  # Twilio answering slowly
        return real_poll(delivery_id)

    monkeypatch.setattr(relay, "poll_delivery_status", slow_poll)
    monkeypatch.setattr(sweeper, "POLL_BUDGET_SECONDS", 0.2)
    with clock.frozen(start + relay.POLL_AFTER + timedelta(seconds=1)):
        first = sweep()
        assert len(polled) == 1 and first.escalated == 1  # one poll, then the budget was spent
        sweep()
    assert len(polled) == 2 and len(set(polled)) == 2  # the other row, in the next pass


@pytest.mark.parametrize("callback_status, polled_status", [("no-answer", "ringing"),
                                                             ("ringing", "no-answer")])
def test_a_callback_arriving_while_twilio_is_asked_wins_or_loses_by_status_order(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock, app: Any,
        monkeypatch: pytest.MonkeyPatch, callback_status: str, polled_status: str) -> None:
    """The poll has claimed the call and is waiting for Twilio when the real status callback comes.
    Whichever order they land in, the call ends "no-answer" (never back to "ringing") and its next
    attempt is planned once."""
    start = _relayed_alert(client, register)
    call = deliveries(channel="voice")[0]
    call_sid = call.provider_sid or ""
    gateway = app.extensions["hushbakht.twilio"]
    real_fetch = gateway.fetch_status

    def fetch_while_the_callback_lands(*, channel: str, sid: str) -> tuple[str, str | None]:
        answer = real_fetch(channel=channel, sid=sid)
        if sid == call_sid:
            response = twilio_post(client, f"/twilio/status?d={call.id}",
                                   {"CallSid": call_sid, "CallStatus": callback_status})
            assert response.status_code == 204
            return polled_status, None
        return answer

    monkeypatch.setattr(gateway, "fetch_status", fetch_while_the_callback_lands)
    with clock.frozen(start + relay.POLL_AFTER + timedelta(seconds=1)):
        sweep()
    db.session.expire_all()
    by_id = {d.id: d for d in deliveries()}
    assert by_id[call.id].status == "no-answer"
    assert len([d for d in deliveries() if d.stage == 0 and d.attempt == 2]) == 1
