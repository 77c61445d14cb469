"""Escalation along the on-call chain with staff pushes (real firebase-admin, local fake), cancel
and the duress PIN, the on-call chain and staff device services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text

from backend import clock
from backend.extensions import db
from backend.models.sos import OutboxMessage
from backend.sos import relay
from backend.sos.alerts import accept_alert, alert_timeline
from backend.sos.escalation import escalate_due_alerts
from backend.sos.oncall import ChainEntry, get_on_call_chain, replace_on_call_chain
from backend.sos.staff_devices import on_duty_device_tokens, register_staff_device
from tests.conftest import requires_postgres
from tests.sos.conftest import HOTLINE, new_alert_body
from tests.sos.helpers import deliveries, relay_pending
from tests.support.firebase_fakes import PROJECT_ID, FirebaseFake
from tests.support.twilio_mock import TwilioMock

STAFF_TOKEN = "fcm-token-on-duty-" + "x" * 40


@pytest.fixture
def app_env(app_env: dict[str, str], firebase_fake: FirebaseFake) -> dict[str, str]:
    app_env.update({"FIREBASE_CREDENTIALS_FILE": str(firebase_fake.credentials_file),
                    "FIREBASE_PROJECT_ID": PROJECT_ID, "ESCALATION_SECONDS": "60"})
    return app_env


def _alert(client: FlaskClient, device: dict[str, Any]) -> dict[str, Any]:
    body = new_alert_body()
    assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
    relay_pending()
    return body


def test_unaccepted_alert_escalates_to_the_next_number_and_pushes_staff(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        firebase_fake: FirebaseFake) -> None:
    register_staff_device(token=STAFF_TOKEN, on_duty=True)
    register_staff_device(token="fcm-token-off-duty-" + "y" * 40, on_duty=False)
    db.session.commit()
    device = register()
    start = clock.now()
    with clock.frozen(start):
        body = _alert(client, device)
        assert escalate_due_alerts() == 0  # not yet
        clock.advance(timedelta(seconds=61))
        assert escalate_due_alerts() == 1
        relay_pending()
    assert len(twilio_mock.sms_to(HOTLINE[1])) == 1 and len(twilio_mock.calls_to(HOTLINE[1])) == 1
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1  # the first number is not texted again
    assert firebase_fake.tokens_pushed() == [STAFF_TOKEN]
    pushed = firebase_fake.messages[0]["message"]
    assert "notification" not in pushed  # data-only
    assert pushed["data"]["type"] == "sos_escalate" and pushed["data"]["alert"] == body["id"]
    assert firebase_fake.grants >= 1  # the SDK really authenticated against the fake token server


def test_acceptance_stops_escalation(client: FlaskClient, register: Any,
                                     twilio_mock: TwilioMock) -> None:
    device = register()
    start = clock.now()
    with clock.frozen(start):
        body = _alert(client, device)
        alert_id = body["id"].replace("-", "")
        assert accept_alert(alert_id, actor="staff:amina", via="console") is True
        assert accept_alert(alert_id, actor="staff:other", via="console") is False  # first wins
        clock.advance(timedelta(minutes=10))
        assert escalate_due_alerts() == 0
    timeline = alert_timeline(alert_id)
    assert timeline is not None and timeline["accepted_by"] == "staff:amina"
    assert twilio_mock.sms_to(HOTLINE[1]) == []


def test_real_cancel_is_relayed_and_stops_escalation(client: FlaskClient, register: Any,
                                                     twilio_mock: TwilioMock) -> None:
    device = register()
    start = clock.now()
    with clock.frozen(start):
        body = _alert(client, device)
        response = client.post(f"/api/v1/alerts/{body['id']}/cancel", json={"pin": "1234"},
                               headers=device["auth"])
        assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
        relay_pending()
        clock.advance(timedelta(minutes=10))
        assert escalate_due_alerts() == 0
    texts = [c.body for c in twilio_mock.sms_to(HOTLINE[0])]
    assert len(texts) == 2 and "бекор" in texts[1]
    assert twilio_mock.sms_to(HOTLINE[1]) == []


def test_duress_pin_looks_like_cancel_but_escalates(client: FlaskClient, register: Any,
                                                    twilio_mock: TwilioMock,
                                                    firebase_fake: FirebaseFake) -> None:
    register_staff_device(token=STAFF_TOKEN, on_duty=True)
    db.session.commit()
    device = register()
    body = _alert(client, device)
    real_device = register()
    real_body = _alert(client, real_device)
    duress = client.post(f"/api/v1/alerts/{body['id']}/cancel", json={"pin": "9876"},
                         headers=device["auth"])
    real = client.post(f"/api/v1/alerts/{real_body['id']}/cancel", json={"pin": "1234"},
                       headers=real_device["auth"])
    assert duress.status_code == real.status_code == 200
    assert set(duress.get_json()) == set(real.get_json())
    assert duress.get_json()["status"] == real.get_json()["status"] == "cancelled"
    status = client.get(f"/api/v1/alerts/{body['id']}", headers=device["auth"]).get_json()
    assert status["status"] == "cancelled"  # what anyone watching the phone sees
    relay_pending()
    timeline = alert_timeline(body["id"].replace("-", ""))
    assert timeline is not None and timeline["status"] != "cancelled" and timeline["duress"]
    assert any("ХАТАР" in c.body for c in twilio_mock.sms_to(HOTLINE[0]))
    assert len(twilio_mock.calls_to(HOTLINE[1])) == 1  # escalated at once to the next number
    assert [m["message"]["data"]["type"] for m in firebase_fake.messages].count("sos_duress") == 1


def test_wrong_pins_are_rate_limited(client: FlaskClient, register: Any) -> None:
    device = register()
    body = _alert(client, device)
    path = f"/api/v1/alerts/{body['id']}/cancel"
    codes = [client.post(path, json={"pin": "0000"}, headers=device["auth"]).status_code
             for _ in range(6)]
    assert codes == [403] * 5 + [429]
    refused = client.post(path, json={"pin": "1234"}, headers=device["auth"])
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    # The contract's Retry-After: whole seconds until the 15-minute window lets a try through.
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    # Answers that were not refused carry no rate-limit headers at all.
    answered = client.get(f"/api/v1/alerts/{body['id']}", headers=device["auth"])
    names = [name.lower() for name, _ in answered.headers.items()]
    assert not [n for n in names if n.startswith(("x-ratelimit", "retry-after"))]
    status = client.get(f"/api/v1/alerts/{body['id']}", headers=device["auth"]).get_json()
    assert status["status"] == "received"


@pytest.mark.usefixtures("app")
def test_on_call_chain_from_settings_then_from_the_console() -> None:
    assert [e.phone for e in get_on_call_chain()] == HOTLINE
    replace_on_call_chain([ChainEntry("+992933333333", "night shift"),
                           {"phone": "+992944444444", "label": "backup", "active": False}],
                          actor="staff:lead")
    db.session.commit()
    assert [(e.phone, e.label) for e in get_on_call_chain()] == [("+992933333333", "night shift")]
    assert len(get_on_call_chain(include_inactive=True)) == 2
    replace_on_call_chain([], actor="staff:lead")
    db.session.commit()
    assert [e.phone for e in get_on_call_chain()] == HOTLINE


@pytest.mark.usefixtures("app")
def test_staff_device_registration_is_idempotent_per_token() -> None:
    first = register_staff_device(token=STAFF_TOKEN, on_duty=True, staff_user_id="u1")
    again = register_staff_device(token=STAFF_TOKEN, on_duty=True, staff_user_id="u1")
    db.session.commit()
    assert first.id == again.id
    assert on_duty_device_tokens() == [(first.id, STAFF_TOKEN)]


def test_watchdog_raises_an_alert_nobody_could_be_sent_to(
        app_env: dict[str, str], client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        firebase_fake: FirebaseFake) -> None:
    from backend.sos.sweeper import sweep

    replace_on_call_chain([ChainEntry("+992933333333", "only", active=False)], actor="test")
    register_staff_device(token=STAFF_TOKEN, on_duty=True)
    db.session.commit()
    device = register()
    start = clock.now()
    with clock.frozen(start):
        body = _alert(client, device)  # the only chain entry is inactive: nobody to text
    assert twilio_mock.created == []
    with clock.frozen(start + timedelta(seconds=91)):
        assert sweep().watchdog == 1
    with clock.frozen(start + timedelta(seconds=100)):
        assert sweep().watchdog == 0  # raised once; its job is relayed now
    pushed = {m["message"]["data"]["type"] for m in firebase_fake.messages}
    assert pushed == {"sos_escalate"} and firebase_fake.tokens_pushed()[0] == STAFF_TOKEN
    assert twilio_mock.created == []
    timeline = alert_timeline(body["id"].replace("-", ""))
    assert timeline is not None
    assert {"relay_no_recipients", "watchdog_stuck"} <= {e["kind"] for e in timeline["events"]}


@requires_postgres
def test_the_watchdog_skips_an_alert_another_sweep_holds_and_raises_it_once(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        firebase_fake: FirebaseFake) -> None:
    """Overlapping sweeps: while another transaction holds the alert (a second sweep raising it,
    or an escalation), this one leaves it alone; afterwards it is raised exactly once. (Code that
    did not skip a held alert would wait for this test's own lock: the suite's timeout fails it.)"""
    from backend.sos.sweeper import sweep

    replace_on_call_chain([ChainEntry("+992933333333", "only", active=False)], actor="test")
    db.session.commit()
    start = clock.now()
    with clock.frozen(start):
        body = _alert(client, register())
    alert_id = body["id"].replace("-", "")
    with db.engine.connect() as other:
        other.execute(text("SELECT id FROM sos_alert WHERE id = :id FOR UPDATE"), {"id": alert_id})
        with clock.frozen(start + timedelta(seconds=91)):
            assert sweep().watchdog == 0  # held elsewhere: skipped, not waited for
        other.rollback()
    with clock.frozen(start + timedelta(seconds=95)):
        assert sweep().watchdog == 1
    with clock.frozen(start + timedelta(seconds=100)):
        assert sweep().watchdog == 0
    timeline = alert_timeline(alert_id)
    assert timeline is not None
    assert [e["kind"] for e in timeline["events"]].count("watchdog_stuck") == 1


def test_a_cancel_relayed_after_a_later_duress_pin_tells_nobody_cancelled(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    """Real PIN, then the duress PIN (forced to "cancel" again): the alert reopens. Whatever order
    the two jobs run in, the hotline never gets "cancelled" after the duress alarm, and the
    escalation the cancel would have stopped goes on."""
    device = register()
    body = _alert(client, device)
    relay_pending()
    path = f"/api/v1/alerts/{body['id']}/cancel"
    assert client.post(path, json={"pin": "1234"}, headers=device["auth"]).status_code == 200
    assert client.post(path, json={"pin": "9876"}, headers=device["auth"]).status_code == 200
    jobs = {job.kind: job.id for job in db.session.execute(
        select(OutboxMessage).where(OutboxMessage.processed_at.is_(None))).scalars()}
    assert set(jobs) == {"cancel", "duress"}
    relay.process_outbox_message(jobs["duress"])  # the duress job first (another worker) ...
    relay.process_outbox_message(jobs["cancel"])  # ... then the older cancel job
    texts = [c.body for c in twilio_mock.sms_to(HOTLINE[0])]
    assert any("ХАТАР" in t for t in texts)
    assert not any("аз ҷониби худаш" in t for t in texts), texts  # "cancelled by herself"
    timeline = alert_timeline(body["id"].replace("-", ""))
    assert timeline is not None and timeline["duress"] and timeline["status"] != "cancelled"
    assert "relay_cancel_superseded" in {e["kind"] for e in timeline["events"]}


def test_a_push_slower_than_its_claim_does_not_overwrite_the_next_try(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        firebase_fake: FirebaseFake, monkeypatch: pytest.MonkeyPatch) -> None:
    """FCM answered after the sweeper had taken the push as abandoned (set it to retry, another
    worker claimed try 2): the slow answer is not recorded over the new try."""
    from backend.adapters.fcm import PushResult
    from backend.models.sos import Delivery

    register_staff_device(token=STAFF_TOKEN, on_duty=True)
    db.session.commit()
    device = register()

    def taken_over_then_ok(token: str, data: dict[str, str]) -> PushResult:
        with db.engine.begin() as other:
            other.execute(Delivery.__table__.update().where(
                Delivery.channel == "push", Delivery.status == "sending").values(
                status="sending", tries=Delivery.tries + 1))
        return PushResult(True, message_id="projects/p/messages/slow")

    monkeypatch.setattr(relay.get_push_sender(), "send_data", taken_over_then_ok)
    start = clock.now()
    with clock.frozen(start):
        _alert(client, device)
        clock.advance(timedelta(seconds=61))
        assert escalate_due_alerts() == 1
        relay_pending()
    push = deliveries(channel="push")
    assert [(d.status, d.tries, d.provider_sid) for d in push] == [("sending", 2, None)]


def test_fcm_requests_time_out_well_within_a_deliverys_claim(
        client: FlaskClient, firebase_fake: FirebaseFake) -> None:
    from backend.adapters.fcm import FCM_TIMEOUT_SECONDS

    sender: Any = relay.get_push_sender()
    assert not sender.dry_run
    assert sender._app.options.get("httpTimeout") == FCM_TIMEOUT_SECONDS
    assert relay.STALE_SENDING.total_seconds() > FCM_TIMEOUT_SECONDS * 2
