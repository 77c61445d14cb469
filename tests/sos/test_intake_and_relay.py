"""Durable intake and the relay to the hotline through the real twilio client and the Prism mock."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.extensions import db
from backend.models.sos import Alert, Delivery, OutboxMessage
from backend.sos import relay
from tests.sos.conftest import DRILL, HOTLINE, new_alert_body
from tests.support.twilio_mock import TwilioMock


def _relay_all() -> None:
    for job_id in db.session.execute(select(OutboxMessage.id).where(
            OutboxMessage.processed_at.is_(None))).scalars().all():
        relay.process_outbox_message(job_id)


def test_alert_is_stored_with_its_relay_job_before_the_answer(client: FlaskClient,
                                                              register: Any) -> None:
    device = register()
    body = new_alert_body()
    response = client.post("/api/v1/alerts", json=body, headers=device["auth"])
    assert response.status_code == 201
    assert response.get_json()["status"] == "received"
    assert response.headers["Cache-Control"] == "no-store"
    alert_id = body["id"].replace("-", "")
    assert db.session.get(Alert, alert_id) is not None
    jobs = db.session.execute(select(OutboxMessage).where(OutboxMessage.alert_id == alert_id)
                              ).scalars().all()
    assert [j.kind for j in jobs] == ["alert"]


def test_retry_with_the_same_id_returns_the_same_alert(client: FlaskClient, register: Any) -> None:
    device = register()
    body = new_alert_body()
    first = client.post("/api/v1/alerts", json=body, headers=device["auth"])
    again = client.post("/api/v1/alerts", json=body, headers=device["auth"])
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_concurrent_retries_create_one_alert(app: Flask, register: Any) -> None:
    device = register()
    body = new_alert_body()
    statuses: list[int] = []

    def post() -> None:
        with app.test_client() as c:
            statuses.append(c.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.remove()
    assert sorted(statuses).count(201) == 1 and len(statuses) == 8
    assert set(statuses) <= {200, 201}
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_an_id_used_by_another_device_is_refused(client: FlaskClient, register: Any) -> None:
    body = new_alert_body()
    assert client.post("/api/v1/alerts", json=body, headers=register()["auth"]).status_code == 201
    other = client.post("/api/v1/alerts", json=body, headers=register()["auth"])
    assert other.status_code == 409
    assert other.get_json()["type"] == "urn:hushbakht:problem:alert-id-conflict"


def test_relay_texts_and_calls_the_first_on_call_number(client: FlaskClient, register: Any,
                                                        twilio_mock: TwilioMock) -> None:
    device = register(callback_policy={"mode": "safe_hours", "from": "09:00", "until": "13:00"})
    body = new_alert_body()
    client.post("/api/v1/alerts", json=body, headers=device["auth"])
    _relay_all()
    sms = twilio_mock.sms_to(HOTLINE[0])
    calls = twilio_mock.calls_to(HOTLINE[0])
    assert len(sms) == 1 and len(calls) == 1
    assert twilio_mock.rejected == []  # every request matched Twilio's own description
    text = sms[0].body
    assert "SOS" in text and "maps.google.com/?q=38.55980,68.78700" in text
    assert "±25m" in text and "09:00-13:00" in text
    assert calls[0].url.startswith("https://hb.example.org/twilio/voice/")
    assert sms[0].status_callback.startswith("https://hb.example.org/twilio/status?d=")
    assert twilio_mock.sms_to(HOTLINE[1]) == []
    statuses = {d.channel: d.status for d in db.session.execute(select(Delivery)).scalars()}
    assert statuses == {"sms": "queued", "voice": "queued"}
    # "queued" is not success: the phone still sees "received" until Twilio confirms delivery.
    again = client.get(f"/api/v1/alerts/{body['id']}", headers=device["auth"])
    assert again.get_json()["status"] == "received"


def test_relay_run_twice_texts_once(client: FlaskClient, register: Any,
                                    twilio_mock: TwilioMock) -> None:
    device = register()
    client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
    job_id = db.session.execute(select(OutboxMessage.id)).scalar_one()
    relay.process_outbox_message(job_id)
    relay.process_outbox_message(job_id)
    for delivery_id in db.session.execute(select(Delivery.id)).scalars().all():
        relay.send_delivery(delivery_id)
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1
    assert len(twilio_mock.calls_to(HOTLINE[0])) == 1


def test_trusted_contacts_get_an_sms_when_chosen(client: FlaskClient, register: Any,
                                                 twilio_mock: TwilioMock) -> None:
    device = register(trusted_contacts=[{"phone": "+992911111111", "label": "sister"}],
                      callback_policy={"mode": "codeword", "codeword": "плов"})
    client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
    _relay_all()
    assert "плов" not in twilio_mock.sms_to("+992911111111")[0].body
    assert len(twilio_mock.sms_to("+992911111111")) == 1
    assert twilio_mock.calls_to("+992911111111") == []
    to_contact = twilio_mock.sms_to("+992911111111")[0].body
    assert "1313" in to_contact and "«1 " not in to_contact  # no hotline instructions
    assert all("sister" not in d.recipient_label for d in db.session.execute(
        select(Delivery)).scalars())


def test_drill_alerts_reach_only_drill_numbers(client: FlaskClient, register: Any,
                                               twilio_mock: TwilioMock) -> None:
    device = register(trusted_contacts=[{"phone": "+992911111111"}])
    client.post("/api/v1/alerts", json=new_alert_body(drill=True), headers=device["auth"])
    _relay_all()
    reached = {c.to for c in twilio_mock.created}
    assert reached == {DRILL[0]}
    assert twilio_mock.sms_to(DRILL[0])[0].body.startswith("МАШҚ")


def test_retries_in_a_fresh_session_are_answered_from_the_stored_alert(client: FlaskClient,
                                                                     register: Any) -> None:
    # Intake inserts without looking first; a retry in another request (a fresh session, as in
    # production) must fail on the unique constraints and answer with the stored alert.
    device, other = register(), register()
    body = new_alert_body()
    assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
    db.session.remove()
    again = client.post("/api/v1/alerts", json=body, headers=device["auth"])
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    db.session.remove()
    same_short_id = {**body, "id": body["id"][:14] + "ffff-ffff-ffffffffffff"}
    short = client.post("/api/v1/alerts", json=same_short_id, headers=device["auth"])
    assert short.status_code == 200 and short.get_json()["id"] == body["id"]
    db.session.remove()
    assert client.post("/api/v1/alerts", json=body, headers=other["auth"]).status_code == 409
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
