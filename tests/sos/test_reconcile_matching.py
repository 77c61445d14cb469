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
from tests.sos.conftest import PUBLIC_BASE_URL, new_alert_body
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
    first = deliveries(id=first_id)[0]
    assert (first.provider_sid, first.sid_from_lookup, first.tries) == (second_sid, True, 1)
    return (first_id, first_sid), (second_id, second_sid)


def _call_status(client: FlaskClient, delivery_id: str, sid: str, status: str,
                 request_try: int | None = 1) -> None:
    """Twilio's final status callback of a call, to the URL the relay gave for that try."""
    query = f"d={delivery_id}" + (f"&t={request_try}" if request_try is not None else "")
    response = twilio_post(client, f"/twilio/status?{query}",
                           {"CallSid": sid, "CallStatus": status})
    assert response.status_code == 204


def _callback_of(client: FlaskClient, twilio_mock: TwilioMock, sid: str, status: str) -> None:
    """Twilio's final status callback of the call ``sid``, to the URL the relay gave with it."""
    url = next(c.status_callback for c in twilio_mock.created if c.sid == sid)
    assert url.startswith(PUBLIC_BASE_URL) and "&t=1" in url
    response = twilio_post(client, url.removeprefix(PUBLIC_BASE_URL),
                           {"CallSid": sid, "CallStatus": status})
    assert response.status_code == 204


def _new_attempts(alert_id: str) -> list[Delivery]:
    return [d for d in deliveries(alert_id=alert_id) if d.attempt > 1]


def test_status_callbacks_correct_two_calls_matched_to_each_others_sid(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each status callback names its delivery and try in its (signed) URL, so it tells which call
    is whose: the first callback puts both rows right, and each row follows its own call: the
    unanswered one gets its next attempt, the answered one does not."""
    with clock.frozen(clock.now()):
        (first_id, first_sid), (second_id, second_sid) = _reconcile_swapped(
            client, register, monkeypatch)
        _callback_of(client, twilio_mock, first_sid, "completed")
        first, second = deliveries(id=first_id)[0], deliveries(id=second_id)[0]
        assert (first.provider_sid, first.status, first.sid_from_lookup) == (
            first_sid, "completed", False)
        assert (second.provider_sid, second.sid_from_lookup) == (second_sid, True)  # exchanged
        _callback_of(client, twilio_mock, second_sid, "no-answer")
    first, second = deliveries(id=first_id)[0], deliveries(id=second_id)[0]
    assert (second.provider_sid, second.status, second.sid_from_lookup) == (
        second_sid, "no-answer", False)
    assert first.status == "completed"
    assert _new_attempts(first.alert_id) == []
    assert len(_new_attempts(second.alert_id)) == 1  # its next attempt, and only its
    corrected = db.session.execute(select(AlertEvent).where(
        AlertEvent.kind == "delivery_sid_corrected")).scalars().all()
    assert sorted((e.alert_id, e.detail["delivery"]) for e in corrected) == sorted(
        [(first.alert_id, first_id), (second.alert_id, second_id)])


def test_a_status_poll_does_not_confirm_a_matched_sid(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls report only their final status, so the sweeper often asks Twilio about a matched sid
    before any callback comes. What it learns is applied, but it proves nothing about whose call it
    is: the callbacks that follow still put the pair right."""
    with clock.frozen(clock.now()):
        (first_id, first_sid), (second_id, second_sid) = _reconcile_swapped(
            client, register, monkeypatch)
        twilio_mock.set_status(first_sid, "in-progress")
        twilio_mock.set_status(second_sid, "ringing")
        clock.advance(relay.POLL_AFTER + timedelta(seconds=1))
        assert relay.poll_delivery_status(first_id) and relay.poll_delivery_status(second_id)
        first, second = deliveries(id=first_id)[0], deliveries(id=second_id)[0]
        assert (first.status, first.sid_from_lookup) == ("ringing", True)  # the other call's
        assert (second.status, second.sid_from_lookup) == ("in-progress", True)
        _callback_of(client, twilio_mock, first_sid, "no-answer")
        _callback_of(client, twilio_mock, second_sid, "completed")
    first, second = deliveries(id=first_id)[0], deliveries(id=second_id)[0]
    assert (first.provider_sid, first.status) == (first_sid, "no-answer")
    assert (second.provider_sid, second.status) == (second_sid, "completed")
    assert len(_new_attempts(first.alert_id)) == 1
    assert _new_attempts(second.alert_id) == []


def test_a_callback_of_an_earlier_try_does_not_take_a_matched_row(
        client: FlaskClient, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """One row can have made two calls (a first try Twilio did not list in time, then a second,
    matched). The first try's callback, or one from a URL without the try, is not the row's
    current call: it is ignored, as before the matching existed."""
    with clock.frozen(clock.now()):
        (first_id, first_sid), (_, second_sid) = _reconcile_swapped(client, register, monkeypatch)
        db.session.execute(update(Delivery).where(Delivery.id == first_id).values(tries=2))
        db.session.commit()
        _call_status(client, first_id, first_sid, "no-answer", request_try=1)
        _call_status(client, first_id, first_sid, "busy", request_try=None)
    first = deliveries(id=first_id)[0]
    assert (first.status, first.sid_from_lookup) == ("queued", True)
    assert first.provider_sid == second_sid  # still the match
    assert _new_attempts(first.alert_id) == []


def test_a_sid_from_twilios_own_answer_is_never_taken(
        client: FlaskClient, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row whose sid came from Twilio's answer keeps it, and a row claiming that sid in a
    callback does not get it, whichever row the callback names."""
    with clock.frozen(clock.now()):
        (first_id, _), (_, second_sid) = _reconcile_swapped(client, register, monkeypatch)
        device = register()
        body = new_alert_body()
        assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
        relay_pending()
        own = deliveries(channel="voice", recipient_kind="hotline",
                         alert_id=body["id"].replace("-", ""))[-1]
        assert own.provider_sid and not own.sid_from_lookup
        _call_status(client, own.id, "CA" + "f" * 32, "no-answer", request_try=own.tries)
        _call_status(client, first_id, str(own.provider_sid), "no-answer")
    assert deliveries(id=own.id)[0].provider_sid == own.provider_sid
    assert deliveries(id=own.id)[0].status == own.status
    first = deliveries(id=first_id)[0]
    assert (first.provider_sid, first.status) == (second_sid, "queued")


@requires_postgres
@pytest.mark.timeout(60)  # a regression to waiting for the locked row fails here, not at 300 s
def test_a_row_locked_by_its_own_callback_is_corrected_by_that_callback(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock, database_url: str,
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
            _callback_of(client, twilio_mock, first_sid, "completed")
            assert deliveries(id=second_id)[0].provider_sid == first_sid  # not exchanged
            other.rollback()
        _callback_of(client, twilio_mock, second_sid, "completed")
    first, second = deliveries(id=first_id)[0], deliveries(id=second_id)[0]
    assert (first.provider_sid, second.provider_sid) == (first_sid, second_sid)
    assert first.status == second.status == "completed"
