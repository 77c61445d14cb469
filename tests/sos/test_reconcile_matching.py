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
from backend.models.sos import Delivery, OutboxMessage
from backend.sos import relay
from tests.sos.conftest import new_alert_body
from tests.sos.helpers import deliveries
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


def test_a_sid_another_row_learns_during_the_lookup_is_left_to_it(
        client: FlaskClient, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list of sids already owned is read before asking Twilio. If another row learns the found
    sid meanwhile (its create answer, or a callback), this row does not take it too: it looks again
    later, and then without that sid."""
    with clock.frozen(clock.now()):
        delivery_id, _, own_sid = _ambiguous_call(client, register)
        other_id, _, other_sid = _ambiguous_call(client, register)
        looked: list[set[str]] = []

        def find_call(**kw: Any) -> str | None:
            looked.append(set(kw["exclude_sids"]))
            if len(looked) == 1:  # the other row's answer is recorded while Twilio answers us
                with db.engine.begin() as other:
                    other.execute(update(Delivery).where(Delivery.id == other_id).values(
                        status="queued", provider_sid=other_sid))
                return other_sid  # nearest in time: Twilio cannot tell the two calls apart
            return own_sid

        monkeypatch.setattr(relay.get_gateway(), "find_call", find_call)
        clock.advance(relay.RECONCILE_AFTER + timedelta(seconds=1))
        assert relay.reconcile_delivery(delivery_id) == "unknown"  # not taken: look again
        clock.advance(relay.RECONCILE_AFTER + timedelta(seconds=1))
        assert relay.reconcile_delivery(delivery_id) == "queued"
    assert other_sid not in looked[0] and other_sid in looked[1]
    assert deliveries(id=delivery_id)[0].provider_sid == own_sid
    assert deliveries(id=other_id)[0].provider_sid == other_sid


def test_a_call_found_nearer_another_unsettled_request_is_left_to_it() -> None:
    call = _Resource("CA-a", T0 + timedelta(seconds=1))
    gateway = _gateway(calls=[call])
    # This request (T0+5) may never have reached Twilio; another one (T0) is nearer the call.
    with pytest.raises(OutcomeUnknown):
        gateway.find_call(to="+1", since=T0 - timedelta(seconds=5), near=T0 + timedelta(seconds=5),
                          exclude_sids=set(), rivals=[(T0 - timedelta(seconds=5), T0)])
    assert gateway.find_call(
        to="+1", since=T0 - timedelta(seconds=5), near=T0, exclude_sids=set(),
        rivals=[(T0 - timedelta(seconds=5), T0 + timedelta(seconds=5))]) == "CA-a"


def test_rows_never_wait_on_each_other_for_calls_one_of_them_cannot_take() -> None:
    """Row 1 (created at 0, last request at 250) and row 2 (created and sent at 200); two calls
    nobody owns, at 100 and 410. Row 2 cannot take the call at 100 (made before row 2 existed),
    so row 1 takes it instead of waiting for row 2. Row 1's request is nearer the call at 410, so
    row 2 waits until row 1 is settled, then takes it: no two rows wait on each other."""
    s = timedelta(seconds=1)
    early, late = _Resource("CA-100", T0 + 100 * s), _Resource("CA-410", T0 + 410 * s)
    gateway = _gateway(calls=[early, late])
    row1, row2 = (T0, T0 + 250 * s), (T0 + 200 * s, T0 + 200 * s)
    assert gateway.find_call(to="+1", since=row1[0], near=row1[1], exclude_sids=set(),
                             rivals=[row2]) == "CA-100"
    with pytest.raises(OutcomeUnknown):  # row 1 still unsettled: the call at 410 is nearer it
        gateway.find_call(to="+1", since=row2[0], near=row2[1], exclude_sids=set(), rivals=[row1])
    assert gateway.find_call(to="+1", since=row2[0], near=row2[1], exclude_sids={"CA-100"},
                             rivals=[]) == "CA-410"


def test_an_orphaned_call_is_not_taken_by_another_alerts_unknown_call(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    """Alert A's worker died after Twilio created its hotline call (A stays ``sending``); alert
    B's call to the same number got a 500 before anything was created (``unknown``). B is looked up
    first and must not take A's call: B would never be called, and A would be called twice."""
    start = clock.now()
    with clock.frozen(start):
        a_id, _, a_sid = _ambiguous_call(client, register)
        b_id, _, b_sid = _ambiguous_call(client, register)
    twilio_mock.created[:] = [c for c in twilio_mock.created if c.sid != b_sid]
    db.session.execute(update(Delivery).where(Delivery.id == a_id).values(
        status="sending", sending_at=start))
    db.session.execute(update(Delivery).where(Delivery.id == b_id).values(
        sending_at=start + timedelta(seconds=5), next_attempt_at=start + timedelta(seconds=5)))
    db.session.commit()
    with clock.frozen(start + timedelta(seconds=30)):
        assert relay.reconcile_delivery(b_id) == "unknown"  # A's call is nearer A: look again
    with clock.frozen(start + timedelta(seconds=65)):
        assert relay.reconcile_delivery(a_id) == "queued"  # A, stale now, takes its own call
    with clock.frozen(start + timedelta(seconds=90)):
        assert relay.reconcile_delivery(b_id) == "retry"  # B was never called: it will be
    assert deliveries(id=a_id)[0].provider_sid == a_sid
