"""Reconciliation tells apart ambiguous sends to the same number by when each request was made."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from backend import clock
from backend.adapters.twilio_client import OutcomeUnknown, TwilioRestGateway
from backend.clock import as_utc
from backend.extensions import db
from backend.models.sos import AlertEvent, Delivery, OutboxMessage
from backend.sos import relay
from tests.conftest import requires_postgres
from tests.sos.conftest import HOTLINE, new_alert_body
from tests.sos.helpers import deliveries, relay_pending, twilio_post
from tests.support.twilio_mock import TwilioMock

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@dataclass
class _Resource:
    sid: str
    date_created: datetime | None
    body: str = ""


class _Listing:
    def __init__(self, items: list[_Resource]) -> None:
        # Twilio lists calls and messages newest first.
        self.items = sorted(items, key=lambda r: r.date_created or T0, reverse=True)

    def list(self, **_: Any) -> list[_Resource]:
        return list(self.items)


def _gateway(calls: list[_Resource] | None = None,
             messages: list[_Resource] | None = None) -> TwilioRestGateway:
    """The real gateway with its Twilio client's list endpoints answered from ``calls``/``messages``."""
    gateway = TwilioRestGateway("AC" + "0" * 32, "token", "+15005550006")
    stub = type("StubClient", (), {"calls": _Listing(calls or []),
                                   "messages": _Listing(messages or [])})
    gateway._client = stub()
    return gateway


def test_two_ambiguous_calls_to_one_number_each_find_their_own() -> None:
    first = _Resource("CA-first", T0 + timedelta(seconds=1))
    second = _Resource("CA-second", T0 + timedelta(seconds=40))
    gateway = _gateway(calls=[first, second])
    # The older delivery (request at T0) must not take the newer call, listed first by Twilio.
    assert gateway.find_call(to="+1", since=T0 - timedelta(seconds=5), near=T0,
                             exclude_sids=set()) == "CA-first"
    assert gateway.find_call(to="+1", since=T0 + timedelta(seconds=30),
                             near=T0 + timedelta(seconds=39), exclude_sids=set()) == "CA-second"
    # Once one is claimed, the other delivery still finds the remaining call.
    assert gateway.find_call(to="+1", since=T0 - timedelta(seconds=5), near=T0,
                             exclude_sids={"CA-first"}) == "CA-second"


def test_calls_created_before_the_delivery_existed_are_not_taken() -> None:
    old = _Resource("CA-old", T0 - timedelta(minutes=10))
    gateway = _gateway(calls=[old])
    assert gateway.find_call(to="+1", since=T0, near=T0, exclude_sids=set()) is None


def test_the_same_text_sent_twice_is_matched_by_time_and_body() -> None:
    body = "Oilai Hushbakht: recipe 4711"
    digest = hashlib.sha256(body.encode()).hexdigest()
    earlier = _Resource("SM-earlier", T0 + timedelta(seconds=2), body)
    later = _Resource("SM-later", T0 + timedelta(seconds=65), body)
    other = _Resource("SM-other", T0 + timedelta(seconds=3), "something else")
    gateway = _gateway(messages=[earlier, later, other])
    assert gateway.find_sms(to="+1", body_digest=digest, since=T0, near=T0 + timedelta(seconds=1),
                            exclude_sids=set()) == "SM-earlier"
    assert gateway.find_sms(to="+1", body_digest=digest, since=T0, near=T0 + timedelta(seconds=64),
                            exclude_sids=set()) == "SM-later"
    assert gateway.find_sms(to="+1", body_digest=digest, since=T0, near=T0,
                            exclude_sids={"SM-earlier", "SM-later"}) is None


def _ambiguous_call(client: FlaskClient, register: Any) -> tuple[str, datetime, str]:
    """An alert whose hotline call ended ``unknown``: the delivery's id, when the request was made,
    and the sid of the call Twilio created (which the row no longer knows)."""
    device = register()
    body = new_alert_body()
    assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
    alert_id = body["id"].replace("-", "")
    for job_id in db.session.execute(select(OutboxMessage.id).where(
            OutboxMessage.alert_id == alert_id)).scalars().all():
        relay.process_outbox_message(job_id)
    call = deliveries(channel="voice", recipient_kind="hotline", alert_id=alert_id)[-1]
    sid = str(call.provider_sid)
    requested = clock.now()
    db.session.execute(update(Delivery).where(Delivery.id == call.id).values(
        status="unknown", provider_sid=None, sending_at=requested, next_attempt_at=requested))
    db.session.commit()
    return call.id, requested, sid


def test_every_reconciliation_round_looks_near_the_request_not_the_last_round(
        client: FlaskClient, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[datetime] = []

    def find_call(**kw: Any) -> str | None:
        seen.append(kw["near"])
        if len(seen) == 1:
            raise OutcomeUnknown("Twilio's call list timed out")
        return None

    with clock.frozen(clock.now()):
        delivery_id, requested, _ = _ambiguous_call(client, register)
        monkeypatch.setattr(relay.get_gateway(), "find_call", find_call)
        clock.advance(timedelta(seconds=25))
        assert relay.reconcile_delivery(delivery_id) == "unknown"  # the lookup failed: try later
        clock.advance(timedelta(seconds=25))
        assert relay.reconcile_delivery(delivery_id) == "retry"  # certainly absent: send again
    assert [as_utc(t) for t in seen] == [as_utc(requested)] * 2


def test_a_reconciliation_abandoned_midway_is_taken_up_again(
        client: FlaskClient, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with clock.frozen(clock.now()):
        delivery_id, _, _ = _ambiguous_call(client, register)
        clock.advance(timedelta(seconds=25))
        # A worker claimed the row for reconciliation of a request made minutes ago, and died
        # before settling it. Its claim (not the old request) decides when it counts as abandoned.
        db.session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
            status="reconciling", updated_at=clock.now(),
            sending_at=clock.now() - timedelta(minutes=5)))
        db.session.commit()
        monkeypatch.setattr(relay.get_gateway(), "find_call", lambda **kw: None)
        assert relay.reconcile_delivery(delivery_id) is None  # still fresh: someone holds it
        clock.advance(relay.STALE_SENDING + timedelta(seconds=1))
        assert relay.reconcile_delivery(delivery_id) == "retry"


def _reconcile_swapped(client: FlaskClient, register: Any,
                       monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two alerts' hotline calls, both ambiguous, requested within the same second, and matched by
    reconciliation to each other's call (Twilio's list cannot tell them apart). Returns
    ``(delivery id, its own call's sid)`` for each."""
    first_id, _, first_sid = _ambiguous_call(client, register)
    second_id, _, second_sid = _ambiguous_call(client, register)
    wrong = {first_id: second_sid, second_id: first_sid}
    current: list[str] = []

    def find_call(**_: Any) -> str:
        return wrong[current[-1]]

    monkeypatch.setattr(relay.get_gateway(), "find_call", find_call)
    clock.advance(relay.RECONCILE_AFTER + timedelta(seconds=1))
    for delivery_id in (first_id, second_id):
        current.append(delivery_id)
        assert relay.reconcile_delivery(delivery_id) == "queued"
    assert deliveries(id=first_id)[0].provider_sid == second_sid  # swapped, as the docs say
    return (first_id, first_sid), (second_id, second_sid)


def test_status_callbacks_correct_two_calls_matched_to_each_others_sid(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each status callback names its delivery in its (signed) URL, so it tells which call is whose:
    the first callback puts both rows right, and each row's status follows its own call."""
    with clock.frozen(clock.now()):
        (first_id, first_sid), (second_id, second_sid) = _reconcile_swapped(
            client, register, monkeypatch)
        calls_made = len(twilio_mock.calls_to(HOTLINE[0]))
        response = twilio_post(client, f"/twilio/status?d={first_id}",
                               {"CallSid": first_sid, "CallStatus": "ringing"})
        assert response.status_code == 204
        first, second = deliveries(id=first_id)[0], deliveries(id=second_id)[0]
        assert (first.provider_sid, first.status) == (first_sid, "ringing")
        assert second.provider_sid == second_sid  # given back in exchange
        assert twilio_post(client, f"/twilio/status?d={second_id}",
                           {"CallSid": second_sid, "CallStatus": "no-answer"}).status_code == 204
    first, second = deliveries(id=first_id)[0], deliveries(id=second_id)[0]
    assert (first.provider_sid, first.status, first.sid_from_lookup) == (first_sid, "ringing", False)
    assert (second.provider_sid, second.status) == (second_sid, "no-answer")
    assert len(twilio_mock.calls_to(HOTLINE[0])) == calls_made  # nothing called again
    corrected = db.session.execute(select(AlertEvent).where(
        AlertEvent.kind == "delivery_sid_corrected")).scalars().all()
    assert [(e.alert_id, e.detail["delivery"]) for e in corrected] == [(first.alert_id, first_id)]


def test_a_callback_with_another_sid_leaves_a_sid_twilio_gave_alone(
        client: FlaskClient, register: Any) -> None:
    """Only a sid that reconciliation matched is corrected: a row whose sid came from Twilio's own
    answer ignores a callback naming it with another sid (an earlier attempt's, or a mistake)."""
    device = register()
    body = new_alert_body()
    assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
    relay_pending()
    call = deliveries(channel="voice", recipient_kind="hotline")[-1]
    assert call.provider_sid and not call.sid_from_lookup
    assert twilio_post(client, f"/twilio/status?d={call.id}",
                       {"CallSid": "CA" + "f" * 32, "CallStatus": "no-answer"}).status_code == 204
    row = deliveries(id=call.id)[0]
    assert (row.provider_sid, row.status) == (call.provider_sid, call.status)


@requires_postgres
def test_a_row_locked_by_its_own_callback_is_corrected_by_that_callback(
        client: FlaskClient, register: Any, database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The two callbacks of a swapped pair may be applied at the same moment. Neither waits for the
    other's row (no deadlock): the first leaves the locked row alone, and that row's own callback
    then finds its sid free and takes it."""
    import psycopg

    with clock.frozen(clock.now()):
        (first_id, first_sid), (second_id, second_sid) = _reconcile_swapped(
            client, register, monkeypatch)
        dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as other:  # the second row's callback, holding its row
            other.execute("SELECT id FROM sos_delivery WHERE id = %s FOR UPDATE", (second_id,))
            assert twilio_post(client, f"/twilio/status?d={first_id}",
                               {"CallSid": first_sid, "CallStatus": "ringing"}).status_code == 204
            assert deliveries(id=second_id)[0].provider_sid == first_sid  # not exchanged
            other.rollback()
        assert twilio_post(client, f"/twilio/status?d={second_id}",
                           {"CallSid": second_sid, "CallStatus": "ringing"}).status_code == 204
    first, second = deliveries(id=first_id)[0], deliveries(id=second_id)[0]
    assert (first.provider_sid, second.provider_sid) == (first_sid, second_sid)
    assert first.status == second.status == "ringing"
