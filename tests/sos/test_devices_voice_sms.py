"""Device registration and App Check, the resumable voice upload, the SMS fallback."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.extensions import db
from backend.models.sos import Alert, Device
from backend.sos import sms_fallback
from tests.sos.conftest import HOTLINE, basic, new_alert_body
from tests.sos.helpers import relay_pending, twilio_post, wav_bytes
from tests.support.firebase_fakes import PROJECT_ID, FirebaseFake
from tests.support.twilio_mock import TwilioMock


# -- registration ----------------------------------------------------------------------------------
def test_registration_is_anonymous_and_stores_private_data_encrypted(register: Any) -> None:
    device = register(trusted_contacts=[{"phone": "+992911111111", "label": "sister"}],
                      callback_policy={"mode": "codeword", "codeword": "плов"})
    assert set(device) >= {"device_id", "secret", "sms_tag", "sms_key"}
    row = db.session.get(Device, device["device_id"])
    assert row is not None
    assert "+992911111111" not in (row.contacts_enc or "") and "плов" not in (
        row.callback_policy_enc or "")
    assert device["secret"] not in row.secret_hash and "1234" not in row.cancel_pin_hash


@pytest.mark.parametrize("body, field", [
    ({"cancel_pin": "1234", "duress_pin": "1234"}, "duress"),
    ({"cancel_pin": "12", "duress_pin": "9876"}, "digits"),
    ({"cancel_pin": "1234", "duress_pin": "9876", "trusted_contacts": [{"phone": "12"}]}, "E.164"),
    ({"cancel_pin": "1234", "duress_pin": "9876", "callback_policy": {"mode": "x"}}, "mode"),
])
def test_invalid_registrations_are_refused_with_a_problem(client: FlaskClient, body: dict[str, Any],
                                                          field: str) -> None:
    response = client.post("/api/v1/devices", json=body)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json" and field in response.get_json()["detail"]


def test_the_secret_is_stored_as_sha256_and_checked_on_every_request(
        client: FlaskClient, register: Any) -> None:
    device = register()
    row = db.session.get(Device, device["device_id"])
    assert row is not None
    assert row.secret_hash == "sha256$" + hashlib.sha256(device["secret"].encode()).hexdigest()
    ok = client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
    last = device["secret"][-1]
    wrong = client.post("/api/v1/alerts", json=new_alert_body(),
                        headers=basic(device["device_id"],
                                      device["secret"][:-1] + ("B" if last == "A" else "A")))
    assert ok.status_code == 201 and wrong.status_code == 401


def test_a_device_registered_with_an_argon2_secret_hash_is_upgraded_on_its_next_request(
        client: FlaskClient, register: Any) -> None:
    from argon2 import PasswordHasher

    device = register()
    row = db.session.get(Device, device["device_id"])
    assert row is not None
    legacy = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(device["secret"])
    row.secret_hash = legacy
    db.session.commit()
    wrong = client.post("/api/v1/alerts", json=new_alert_body(),
                        headers=basic(device["device_id"], "not-the-secret"))
    assert wrong.status_code == 401
    db.session.expire_all()
    assert db.session.get(Device, device["device_id"]).secret_hash == legacy  # type: ignore[union-attr]
    ok = client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
    assert ok.status_code == 201
    db.session.expire_all()
    upgraded = db.session.get(Device, device["device_id"])
    assert upgraded is not None and upgraded.secret_hash.startswith("sha256$")
    again = client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
    assert again.status_code == 201


def test_wrong_secret_or_unknown_device_is_401(client: FlaskClient, register: Any) -> None:
    device = register()
    for headers in (basic(device["device_id"], "wrong"), basic(uuid.uuid4().hex, device["secret"]),
                    {}):
        response = client.post("/api/v1/alerts", json=new_alert_body(), headers=headers)
        assert response.status_code == 401
        assert response.get_json()["type"] == "urn:hushbakht:problem:unauthorized"


@pytest.fixture
def app_check_env(app_env: dict[str, str], firebase_fake: FirebaseFake) -> dict[str, str]:
    app_env.update({"FIREBASE_CREDENTIALS_FILE": str(firebase_fake.credentials_file),
                    "FIREBASE_PROJECT_ID": PROJECT_ID, "APP_CHECK_ENABLED": "true"})
    return app_env


def test_app_check_token_is_required_when_configured(app_check_env: dict[str, str],
                                                     client: FlaskClient,
                                                     firebase_fake: FirebaseFake) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    body = {"cancel_pin": "1234", "duress_pin": "9876"}
    assert client.post("/api/v1/devices", json=body).status_code == 401
    forged = firebase_fake.mint_app_check_token(
        key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    assert client.post("/api/v1/devices", json=body,
                       headers={"X-Firebase-AppCheck": forged}).status_code == 401
    other_project = firebase_fake.mint_app_check_token(audience="projects/someone-else")
    assert client.post("/api/v1/devices", json=body,
                       headers={"X-Firebase-AppCheck": other_project}).status_code == 401
    good = firebase_fake.mint_app_check_token()
    assert client.post("/api/v1/devices", json=body,
                       headers={"X-Firebase-AppCheck": good}).status_code == 201


# -- voice -----------------------------------------------------------------------------------------
def _voice(client: FlaskClient, device: dict[str, Any], alert: str, data: bytes, start: int,
           total: int) -> Any:
    end = start + len(data) - 1
    return client.put(f"/api/v1/alerts/{alert}/voice", data=data, headers={
        **device["auth"], "Content-Range": f"bytes {start}-{end}/{total}"})


def test_partial_voice_upload_survives_a_dropped_connection(client: FlaskClient,
                                                            register: Any) -> None:
    device = register()
    body = new_alert_body()
    client.post("/api/v1/alerts", json=body, headers=device["auth"])
    audio = wav_bytes(2.0)
    total = len(audio)
    assert _voice(client, device, body["id"], audio[:10000], 0, total).status_code == 202
    # The connection dropped after sending more; the app asks where to resume.
    status = client.put(f"/api/v1/alerts/{body['id']}/voice", headers={
        **device["auth"], "Content-Range": f"bytes */{total}"})
    assert status.status_code == 202 and status.get_json()["received_bytes"] == 10000
    # A gap is refused; a chunk overlapping what was received is trimmed.
    gap = _voice(client, device, body["id"], audio[20000:21000], 20000, total)
    assert gap.status_code == 416 and gap.get_json()["received_bytes"] == 10000
    overlap = _voice(client, device, body["id"], audio[5000:30000], 5000, total)
    assert overlap.get_json()["received_bytes"] == 30000
    done = _voice(client, device, body["id"], audio[30000:], 30000, total)
    assert done.status_code == 201 and done.get_json()["duration_ms"] == 2000
    from backend.sos.voice import voice_audio

    stored = voice_audio(body["id"].replace("-", ""))
    assert stored == (audio, "audio/wav")


def test_voice_that_is_not_audio_or_too_long_is_refused(client: FlaskClient, register: Any,
                                                        app_env: dict[str, str]) -> None:
    device = register()
    body = new_alert_body()
    client.post("/api/v1/alerts", json=body, headers=device["auth"])
    fake = b"<html>" + b"x" * 2000
    refused = _voice(client, device, body["id"], fake, 0, len(fake))
    assert refused.status_code == 422
    assert refused.get_json()["type"] == "urn:hushbakht:problem:voice-unsupported"
    too_long = wav_bytes(130.0, rate=4000)  # over the 120 s cap
    answer = _voice(client, device, body["id"], too_long, 0, len(too_long))
    assert answer.status_code in (413, 422)
    huge = client.put(f"/api/v1/alerts/{body['id']}/voice", data=b"", headers={
        **device["auth"], "Content-Range": "bytes */99000000"})
    assert huge.status_code == 413
    assert client.put(f"/api/v1/alerts/{body['id']}/voice", data=b"abc",
                      headers=device["auth"]).status_code == 400


def test_mp3_duration_is_read_from_its_frames() -> None:
    from backend.sos.voice import inspect_audio

    # MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417-byte frames of 1152 samples.
    frame = bytes([0xFF, 0xFB, 0x90, 0x00]) + b"\0" * 413
    media, duration = inspect_audio(frame * 100)
    assert media == "audio/mpeg" and duration == int(100 * 1152 / 44100 * 1000)


# -- SMS fallback ----------------------------------------------------------------------------------
def _sms_key(device: dict[str, Any]) -> bytes:
    key = device["sms_key"]
    return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))


def test_sms_fallback_fits_one_ucs2_sms_and_round_trips() -> None:
    text = sms_fallback.encode("ABCD1234", b"k" * 16, str(uuid.uuid4()), drill=True,
                               lat=38.5598, lon=68.787)
    assert len(text) <= 70
    message, _payload, _mac = sms_fallback.parse(text.lower())
    assert message.drill and message.lat == pytest.approx(38.56) and message.lon == pytest.approx(
        68.79)


def test_sms_fallback_creates_the_same_alert_as_data_once(client: FlaskClient, register: Any,
                                                          twilio_mock: TwilioMock) -> None:
    device = register()
    body = new_alert_body()
    text = sms_fallback.encode(device["sms_tag"], _sms_key(device), body["id"], lat=38.56,
                               lon=68.79)
    params = {"MessageSid": "SM" + "1" * 32, "From": "+992922222222", "Body": text}
    response = twilio_post(client, "/twilio/sms", params)
    assert response.status_code == 200 and "<Message" not in response.get_data(as_text=True)
    assert twilio_post(client, "/twilio/sms", params).status_code == 200  # Twilio retried it
    resent = dict(params, MessageSid="SM" + "2" * 32)  # the app sent the SMS twice
    twilio_post(client, "/twilio/sms", resent)
    # Then data came back and the app's own retry arrives.
    data = client.post("/api/v1/alerts", json=body, headers=device["auth"])
    assert data.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1
    alert = db.session.execute(select(Alert)).scalar_one()
    assert alert.channel == "sms" and alert.short_ref == body["id"].replace("-", "")[:12]
    assert client.get(f"/api/v1/alerts/{body['id']}", headers=device["auth"]).status_code == 200
    relay_pending()
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1
    assert twilio_mock.sms_to("+992922222222") == []  # never texted back


def test_malformed_and_forged_fallback_messages_are_ignored_and_counted(
        client: FlaskClient, register: Any) -> None:
    device = register()
    body = new_alert_body()
    forged = sms_fallback.encode(device["sms_tag"], b"wrong-key-123456", body["id"])
    for i, text in enumerate(["Салом, чӣ хел?", forged, "Оилаи Хушбахт: рецепт ZZZZ-ZZ"]):
        response = twilio_post(client, "/twilio/sms", {"MessageSid": f"SM{i:032d}", "Body": text})
        assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0
    assert sms_fallback.counter_value("sms_fallback_forged") == 1
    assert sms_fallback.counter_value("sms_fallback_malformed") == 2


def test_an_sms_fallback_is_not_marked_handled_before_its_alert_is_stored(
        client: FlaskClient, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the web process died after marking Twilio's request handled but before the alert was
    stored, Twilio's retry would be taken for a replay and the alert lost: the mark and the alert
    are committed together."""
    from backend.models.sos import WebhookReceipt

    device = register()
    body = new_alert_body()
    text = sms_fallback.encode(device["sms_tag"], _sms_key(device), body["id"], lat=38.56,
                               lon=68.79)
    seen_by_others: list[int] = []
    real = sms_fallback.handle_inbound_sms

    def handle(message: str) -> Any:
        with db.engine.connect() as other:  # what a retry arriving now (or after a crash) sees
            seen_by_others.append(other.execute(
                select(func.count()).select_from(WebhookReceipt)).scalar_one())
        return real(message)

    monkeypatch.setattr(sms_fallback, "handle_inbound_sms", handle)
    params = {"MessageSid": "SM" + "3" * 32, "From": "+992922222222", "Body": text}
    assert twilio_post(client, "/twilio/sms", params).status_code == 200
    assert seen_by_others == [0]
    assert db.session.scalar(select(func.count()).select_from(WebhookReceipt)) == 1
    assert twilio_post(client, "/twilio/sms", params).status_code == 200  # the replay
    assert seen_by_others == [0]  # not handled again
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1


@pytest.mark.parametrize("hook", ["status", "gather"])
def test_status_and_keypress_webhooks_are_marked_handled_with_their_handling(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock,
        monkeypatch: pytest.MonkeyPatch, hook: str) -> None:
    """As for the SMS fallback: a status callback or the hotline's "1" is not marked handled before
    what it changes is stored, so a retry after a crash in between is handled, not dropped."""
    from backend.models.sos import WebhookReceipt
    from backend.sos import alerts as alert_service
    from backend.sos import relay
    from tests.sos.helpers import deliveries

    device = register()
    body = new_alert_body()
    assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201
    relay_pending()
    call = deliveries(channel="voice")[0]
    alert_id = body["id"].replace("-", "")
    seen_by_others: list[int] = []

    def receipts_elsewhere() -> None:
        with db.engine.connect() as other:
            seen_by_others.append(other.execute(
                select(func.count()).select_from(WebhookReceipt)).scalar_one())

    if hook == "status":
        real_apply = relay.apply_status_callback
        monkeypatch.setattr(relay, "apply_status_callback",
                            lambda *a, **kw: (receipts_elsewhere(), real_apply(*a, **kw))[1])
        path, params = f"/twilio/status?d={call.id}", {"CallSid": str(call.provider_sid),
                                                        "CallStatus": "ringing"}
    else:
        real_accept = alert_service.accept_alert
        monkeypatch.setattr(alert_service, "accept_alert",
                            lambda *a, **kw: (receipts_elsewhere(), real_accept(*a, **kw))[1])
        path = f"/twilio/voice/{alert_id}/gather?d={call.id}"
        params = {"CallSid": str(call.provider_sid), "Digits": "1"}
    assert twilio_post(client, path, params).status_code in (200, 204)
    assert seen_by_others == [0]
    assert db.session.scalar(select(func.count()).select_from(WebhookReceipt)) == 1
    assert twilio_post(client, path, params).status_code in (200, 204)  # a replay
    assert seen_by_others == [0]
