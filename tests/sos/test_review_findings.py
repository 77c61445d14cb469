"""Defects found in review of the hidden SOS, each pinned by a test."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from backend import clock
from backend.adapters.twilio_client import NotSent, OutcomeUnknown
from backend.errors import Problem
from backend.extensions import db
from backend.models.sos import Alert, Delivery, LocationFix, OutboxMessage
from backend.sos import alerts as alert_service
from backend.sos import relay, sms_fallback
from backend.sos.alerts import accept_alert
from backend.sos.oncall import get_on_call_chain, replace_on_call_chain
from backend.sos.sweeper import sweep
from tests.conftest import requires_postgres
from tests.sos.conftest import DRILL, HOTLINE, new_alert_body
from tests.sos.helpers import deliveries, twilio_post
from tests.support.twilio_mock import TwilioMock


def _hex(public_id: str) -> str:
    return public_id.replace("-", "")


def _relay_alert(alert_id: str) -> None:
    for job_id in db.session.execute(select(OutboxMessage.id).where(
            OutboxMessage.alert_id == alert_id, OutboxMessage.processed_at.is_(None))
    ).scalars().all():
        relay.process_outbox_message(job_id)


def test_one_delivery_that_cannot_be_built_does_not_stop_the_sweep(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    """A delivery that raises (here: an alert whose stored location no longer decrypts) must not
    abort the sweeper pass: escalation and the watchdog of every other alert run after it."""
    device = register()
    start = clock.now()
    with clock.frozen(start):
        broken, healthy = new_alert_body(), new_alert_body()
        for body in (broken, healthy):
            assert client.post("/api/v1/alerts", json=body,
                               headers=device["auth"]).status_code == 201
        db.session.execute(update(LocationFix).where(LocationFix.alert_id == _hex(broken["id"]))
                           .values(fix_enc="v1:gone:AAAA"))
        db.session.commit()
        _relay_alert(_hex(healthy["id"]))
        clock.advance(timedelta(seconds=61))
        sweep()  # must not raise
        clock.advance(timedelta(seconds=6))
        sweep()  # relays the escalation job
    db.session.expire_all()
    alert = db.session.get(Alert, _hex(healthy["id"]))
    assert alert is not None and alert.escalation_level >= 1
    assert len(twilio_mock.sms_to(HOTLINE[1])) >= 1  # the next number of the chain was texted


def test_a_real_cancel_after_acceptance_looks_like_a_duress_cancel(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    """T1: once the hotline accepted, a real cancel and a duress cancel must leave the phone showing
    the same status; the hotline is told of the real cancel."""
    shown = {}
    for pin in ("1234", "9876"):
        device = register()
        body = new_alert_body()
        assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
        _relay_alert(_hex(body["id"]))
        assert accept_alert(_hex(body["id"]), actor="staff:amina", via="console")
        response = client.post(f"/api/v1/alerts/{body['id']}/cancel", json={"pin": pin},
                               headers=device["auth"])
        assert response.status_code == 200
        _relay_alert(_hex(body["id"]))
        shown[pin] = client.get(f"/api/v1/alerts/{body['id']}",
                                headers=device["auth"]).get_json()["status"]
    assert shown["1234"] == shown["9876"] == "cancelled"
    cancel_texts = [m for m in twilio_mock.sms_to(HOTLINE[0])
                    if "отмен" in m.body or "бекор" in m.body]
    assert cancel_texts  # the hotline that accepted learns she cancelled


def test_a_fallback_sms_whose_first_handling_failed_is_handled_on_twilios_retry(
        client: FlaskClient, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The replay guard must not turn a failed first attempt into a permanent no-op: otherwise a
    transient database error while creating the alert loses the SMS fallback alert."""
    device = register()
    key = device["sms_key"]
    text = sms_fallback.encode(device["sms_tag"],
                               base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)),
                               new_alert_body()["id"])
    params = {"MessageSid": "SM" + "7" * 32, "From": "+992922222222", "Body": text}
    real_create = alert_service.create_alert

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(alert_service, "create_alert", real_create)
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(alert_service, "create_alert", failing_once)
    assert twilio_post(client, "/twilio/sms", params).status_code == 500
    assert twilio_post(client, "/twilio/sms", params).status_code == 200  # Twilio retries
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1


def test_a_status_callback_during_reconciliation_is_not_overwritten_by_a_resend(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Twilio's status callback proves the SMS exists. If it arrives while the sweeper is looking
    the ambiguous send up (and Twilio's list does not show it yet), the lookup's "not found" must
    not turn the row back into a retry: that texts the hotline twice."""
    device = register()
    start = clock.now()
    with clock.frozen(start):
        body = new_alert_body()
        assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
        _relay_alert(_hex(body["id"]))
        sms = deliveries(channel="sms", recipient_kind="hotline")[0]
        sid = sms.provider_sid
        assert sid and len(twilio_mock.sms_to(HOTLINE[0])) == 1
        # The answer to the create request was lost: the row does not know its sid.
        db.session.execute(update(Delivery).where(Delivery.id == sms.id).values(
            status="unknown", provider_sid=None, next_attempt_at=clock.now()))
        db.session.commit()
        gateway = relay.get_gateway()

        def lookup_while_the_callback_arrives(**_kwargs: Any) -> str | None:
            response = twilio_post(client, f"/twilio/status?d={sms.id}",
                                   {"MessageSid": str(sid), "MessageStatus": "sent"})
            assert response.status_code == 204
            return None  # Twilio's list lags behind

        monkeypatch.setattr(gateway, "find_sms", lookup_while_the_callback_arrives)
        clock.advance(timedelta(seconds=1))
        sweep()
        sweep()
    row = deliveries(id=sms.id)[0]
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1  # not texted twice
    assert row.status == "sent" and row.provider_sid == sid


def test_the_console_chain_cannot_take_a_drill_number(
        client: FlaskClient, register: Any) -> None:
    """DRILL_NUMBERS are refused in HOTLINE_NUMBERS at start; the console's chain (which wins) must
    refuse them too, or drills reach a live on-call phone and that phone's "1 CODE" reply is only
    ever matched to drill alerts (a live alert is never accepted by SMS from it)."""
    with pytest.raises(Problem) as refused:
        replace_on_call_chain([{"phone": HOTLINE[0]}, {"phone": DRILL[0]}], actor="staff:admin")
    assert refused.value.status == 400
    db.session.rollback()
    assert [e.phone for e in get_on_call_chain()] == HOTLINE  # unchanged


def test_a_status_callback_faster_than_the_create_answer_is_not_moved_backwards(
        client: FlaskClient, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Statuses never go backwards: a 'delivered' callback that Twilio sends before the worker has
    recorded the create answer must not be overwritten by that answer's 'queued'."""
    device = register()
    gateway = relay.get_gateway()
    real_send = gateway.send_sms

    def send_then_callback(**kwargs: Any) -> Any:
        result = real_send(**kwargs)
        delivery_id = kwargs["status_callback"].rsplit("d=", 1)[1]
        with db.engine.begin() as other:  # the web process, applying Twilio's callback
            other.execute(update(Delivery).where(Delivery.id == delivery_id).values(
                status="delivered", provider_sid=result.sid))
        return result

    monkeypatch.setattr(gateway, "send_sms", send_then_callback)
    body = new_alert_body()
    assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
    _relay_alert(_hex(body["id"]))
    assert {d.status for d in deliveries(channel="sms")} == {"delivered"}


def _hotline_call_sent_again(client: FlaskClient, register: Any) -> tuple[Delivery, str]:
    """An alert whose hotline call is due to be sent again (its first try was not found in
    Twilio's list in time, though Twilio had made it): the row, and the first try's sid."""
    device = register()
    body = new_alert_body()
    assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
    _relay_alert(_hex(body["id"]))
    call = deliveries(channel="voice", recipient_kind="hotline")[0]
    first_sid = str(call.provider_sid)
    db.session.execute(update(Delivery).where(Delivery.id == call.id).values(
        status="retry", provider_sid=None, next_attempt_at=clock.now()))
    db.session.commit()
    return call, first_sid


@pytest.mark.parametrize("answer", [
    NotSent("429 Too Many Requests", code=20429), OutcomeUnknown("read timed out")])
def test_an_earlier_try_settling_the_row_is_not_undone_by_the_retrys_answer(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        monkeypatch: pytest.MonkeyPatch, answer: Exception) -> None:
    """While the retry is out, the first try's call reports "completed"; then the retry is refused
    (or its answer lost). The row stays completed: writing "retry" over it moved its status
    backwards and called the hotline once more ("unknown" moved it back to "queued")."""
    call, first_sid = _hotline_call_sent_again(client, register)
    gateway = relay.get_gateway()
    real_start_call = gateway.start_call
    answered: list[Exception] = []

    def completed_meanwhile_then(**kwargs: Any) -> Any:
        if answered:  # any later try reaches the test Twilio, where it would be counted
            return real_start_call(**kwargs)
        with db.engine.begin() as other:  # the web process, applying the first try's callback
            other.execute(update(Delivery).where(Delivery.id == call.id).values(
                status="completed", provider_sid=first_sid))
        answered.append(answer)
        raise answer

    monkeypatch.setattr(gateway, "start_call", completed_meanwhile_then)
    calls_before = len(twilio_mock.calls_to(HOTLINE[0]))
    assert relay.send_delivery(call.id) is False
    with clock.frozen(clock.now() + timedelta(minutes=5)):
        sweep()
    row = deliveries(id=call.id)[0]
    assert (row.status, row.provider_sid, row.tries) == ("completed", first_sid, 2)
    assert len(twilio_mock.calls_to(HOTLINE[0])) == calls_before  # not called again
    assert [d.id for d in deliveries(channel="voice", recipient_kind="hotline")] == [call.id]


@pytest.mark.parametrize(("taken_over", "answer", "recorded"), [
    # the sweeper took the row and another worker claimed the next try, still in flight
    ({"tries": 3}, NotSent("503 Service Unavailable", code=20503), ("sending", 3, "before")),
    # the sweeper is reconciling this very try: an unknown outcome keeps it looking, not resending
    ({"status": "reconciling"}, OutcomeUnknown("read timed out"), ("unknown", 2, "read timed out")),
    # ... and a refusal leaves it to the reconciliation, which will find nothing and send again
    ({"status": "reconciling"}, NotSent("503 Service Unavailable", code=20503),
     ("reconciling", 2, "before")),
])
def test_a_slow_workers_answer_is_recorded_only_for_the_try_it_still_holds(
        client: FlaskClient, register: Any, monkeypatch: pytest.MonkeyPatch,
        taken_over: dict[str, Any], answer: Exception, recorded: tuple[str, int, str]) -> None:
    """A request that outlives the abandoned-claim limit (60 s): meanwhile the sweeper has taken
    the row. The slow worker's answer belongs to its own try (2 here)."""
    call, _ = _hotline_call_sent_again(client, register)
    db.session.execute(update(Delivery).where(Delivery.id == call.id).values(error="before"))
    db.session.commit()

    def taken_over_then(**kwargs: Any) -> Any:
        with db.engine.begin() as other:
            other.execute(update(Delivery).where(Delivery.id == call.id).values(**taken_over))
        raise answer

    monkeypatch.setattr(relay.get_gateway(), "start_call", taken_over_then)
    assert relay.send_delivery(call.id) is False
    row = deliveries(id=call.id)[0]
    assert (row.status, row.tries, row.error) == recorded


@requires_postgres
def test_the_answer_waits_for_a_callback_being_applied_at_the_same_moment(
        client: FlaskClient, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The earlier try's callback is still being applied (its transaction holds the row) when the
    retry's refusal comes back. The worker's re-read waits for it and then leaves the row alone;
    a re-read that did not lock the row would see "sending" and write "retry" over "completed"."""
    import threading

    call, first_sid = _hotline_call_sent_again(client, register)
    locked, release = threading.Event(), threading.Event()
    engine = db.engine  # the thread below has no application context

    def callback_in_progress() -> None:
        with engine.begin() as other:  # the web process, mid-way through the callback
            other.execute(update(Delivery).where(Delivery.id == call.id).values(
                status="completed", provider_sid=first_sid))
            locked.set()
            release.wait(10)

    def refused_while_the_callback_runs(**kwargs: Any) -> Any:
        threading.Thread(target=callback_in_progress, daemon=True).start()
        assert locked.wait(10)
        threading.Timer(0.5, release.set).start()  # commits while the worker waits for the row
        raise NotSent("429 Too Many Requests", code=20429)

    monkeypatch.setattr(relay.get_gateway(), "start_call", refused_while_the_callback_runs)
    assert relay.send_delivery(call.id) is False
    row = deliveries(id=call.id)[0]
    assert (row.status, row.provider_sid, row.tries) == ("completed", first_sid, 2)


def test_a_status_callback_that_proves_an_ambiguous_send_marks_the_alert_relaying(
        client: FlaskClient, register: Any) -> None:
    """The watchdog raises alerts still "received" after 90 s to staff. A callback proving that
    Twilio took an ambiguous (or retried) send means the alert is on its way, as a recorded
    hand-over would."""
    device = register()
    body = new_alert_body()
    assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
    _relay_alert(_hex(body["id"]))
    alert_id = _hex(body["id"])
    sms = deliveries(channel="sms", recipient_kind="hotline")[0]
    db.session.execute(update(Delivery).where(Delivery.alert_id == alert_id).values(
        status="unknown", provider_sid=None))
    db.session.execute(update(Alert).where(Alert.id == alert_id).values(status="received"))
    db.session.commit()
    assert twilio_post(client, f"/twilio/status?d={sms.id}",
                       {"MessageSid": "SM" + "a" * 32, "MessageStatus": "queued"}).status_code == 204
    db.session.expire_all()
    assert db.session.get(Alert, alert_id).status == "relaying"


def test_the_wrong_pin_limit_cannot_be_reset_by_spelling_the_alert_id_differently(
        client: FlaskClient, register: Any) -> None:
    """The per-alert limit of wrong PINs is what protects a 4-digit PIN; the id is accepted in any
    UUID spelling (upper case, no hyphens, braces) and an alert is also found by its first 48 bits,
    so every such URL must count against one limit."""
    device = register()
    body = new_alert_body()
    assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
    same_short_id = _hex(body["id"])[:12] + "f" * 20  # finds the same alert (SMS fallback)
    spellings = [body["id"], body["id"].upper(), _hex(body["id"]), "{" + body["id"] + "}",
                 "urn:uuid:" + body["id"], _hex(body["id"]).upper(), same_short_id]
    codes = [client.post(f"/api/v1/alerts/{alert_id}/cancel", json={"pin": "0000"},
                         headers=device["auth"]).status_code for alert_id in spellings]
    assert codes == [403] * 5 + [429] * 2
