"""The whole path: register, alert, voice, relay, call answered, digit 1, accepted."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from backend.sos.alerts import alert_timeline
from tests.sos.conftest import HOTLINE, new_alert_body
from tests.sos.helpers import deliveries, relay_pending, twilio_post, wav_bytes
from tests.support.twilio_mock import TwilioMock


def test_sos_from_registration_to_acceptance_by_keypress(client: FlaskClient, register: Any,
                                                         twilio_mock: TwilioMock) -> None:
    device = register(callback_policy={"mode": "codeword", "codeword": "плов"})
    body = new_alert_body()
    alert_path = f"/api/v1/alerts/{body['id']}"
    assert client.post("/api/v1/alerts", json=body, headers=device["auth"]).status_code == 201

    audio = wav_bytes(1.5)
    half = len(audio) // 2
    first = client.put(f"{alert_path}/voice", data=audio[:half], headers={
        **device["auth"], "Content-Range": f"bytes 0-{half - 1}/{len(audio)}"})
    assert first.status_code == 202 and first.get_json()["received_bytes"] == half
    second = client.put(f"{alert_path}/voice", data=audio[half:], headers={
        **device["auth"], "Content-Range": f"bytes {half}-{len(audio) - 1}/{len(audio)}"})
    assert second.status_code == 201
    assert second.get_json()["complete"] is True and second.get_json()["duration_ms"] == 1500

    relay_pending()
    sms, call = (deliveries(channel="sms")[0], deliveries(channel="voice")[0])
    assert len(twilio_mock.sms_to(HOTLINE[0])) == 1 and len(twilio_mock.calls_to(HOTLINE[0])) == 1
    assert "плов" in twilio_mock.sms_to(HOTLINE[0])[0].body

    # Twilio reports the SMS delivered: the phone now sees "relayed".
    sms_sid = twilio_mock.sms_to(HOTLINE[0])[0].sid
    assert twilio_post(client, f"/twilio/status?d={sms.id}",
                       {"MessageSid": sms_sid, "MessageStatus": "delivered"}).status_code == 204
    assert client.get(alert_path, headers=device["auth"]).get_json()["status"] == "relayed"

    # The on-call phone answers: Twilio fetches the TwiML.
    call_sid = twilio_mock.calls_to(HOTLINE[0])[0].sid
    call_url = urlsplit(twilio_mock.calls_to(HOTLINE[0])[0].url)
    twiml = twilio_post(client, f"{call_url.path}?{call_url.query}",
                        {"CallSid": call_sid, "CallStatus": "in-progress"})
    assert twiml.status_code == 200 and twiml.mimetype == "application/xml"
    document = twiml.get_data(as_text=True)
    assert "<Gather" in document and 'numDigits="1"' in document and "<Say" in document
    play_url = document.split("<Play>")[1].split("</Play>")[0].replace("&amp;", "&")
    media = urlsplit(play_url)
    played = client.get(f"{media.path}?{media.query}")
    assert played.status_code == 200 and played.data == audio
    assert client.get(media.path + "?exp=9999999999&sig=forged").status_code == 403

    # Pressing 1 accepts the alert.
    action = document.split('action="')[1].split('"')[0].replace("&amp;", "&")
    gather = urlsplit(action)
    pressed = twilio_post(client, f"{gather.path}?{gather.query}",
                          {"CallSid": call_sid, "Digits": "1"})
    assert pressed.status_code == 200 and "<Hangup" in pressed.get_data(as_text=True)
    assert client.get(alert_path, headers=device["auth"]).get_json()["status"] == "accepted"

    timeline = alert_timeline(body["id"].replace("-", ""))
    assert timeline is not None
    assert timeline["status"] == "accepted" and timeline["accepted_via"] == "voice"
    assert [e["kind"] for e in timeline["events"]][:1] == ["received"]
    assert {"relayed", "accepted", "voice_received"} <= {e["kind"] for e in timeline["events"]}
    assert timeline["callback_policy"] == {"mode": "codeword", "codeword": "плов"}
    assert timeline["locations"][0]["lat"] == 38.5598
    assert timeline["voice"]["complete"] is True
    assert call.id in {d["id"] for d in timeline["deliveries"]}


def test_forged_webhooks_are_refused_and_replays_change_nothing(
        client: FlaskClient, register: Any, twilio_mock: TwilioMock) -> None:
    device = register()
    body = new_alert_body()
    client.post("/api/v1/alerts", json=body, headers=device["auth"])
    relay_pending()
    sms = deliveries(channel="sms")[0]
    sid = twilio_mock.sms_to(HOTLINE[0])[0].sid
    path = f"/twilio/status?d={sms.id}"
    forged = twilio_post(client, path, {"MessageSid": sid, "MessageStatus": "delivered"},
                         signature="bm90IGEgc2lnbmF0dXJl")
    assert forged.status_code == 403
    assert client.post(path, data={"MessageSid": sid, "MessageStatus": "delivered"}
                       ).status_code == 403
    assert deliveries(channel="sms")[0].status == "queued"

    failed = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "30003"}
    assert twilio_post(client, path, failed).status_code == 204
    assert twilio_post(client, path, failed).status_code == 204  # replay
    retries = [d for d in deliveries() if d.attempt == 2]
    assert len(retries) == 1  # one next attempt, not two
    # A late "sent" never moves a failed delivery backwards.
    twilio_post(client, path, {"MessageSid": sid, "MessageStatus": "sent"})
    assert deliveries(channel="sms")[0].status == "failed"
    gather = f"/twilio/voice/{body['id'].replace('-', '')}/gather?d=x"
    assert twilio_post(client, gather, {"Digits": "1"}, signature="AAAA").status_code == 403
    assert client.get(f"/api/v1/alerts/{body['id']}",
                      headers=device["auth"]).get_json()["status"] == "received"


def test_hotline_accepts_by_replying_to_the_sms(client: FlaskClient, register: Any,
                                                twilio_mock: TwilioMock) -> None:
    device = register()
    body = new_alert_body()
    client.post("/api/v1/alerts", json=body, headers=device["auth"])
    relay_pending()
    text = twilio_mock.sms_to(HOTLINE[0])[0].body
    code = text.split("SOS ")[1].split(" ")[0]
    assert f"«1 {code}»" in text
    # Someone who is not on the chain cannot accept.
    twilio_post(client, "/twilio/sms", {"MessageSid": "SM" + "5" * 32, "From": "+992955555555",
                                        "Body": f"1 {code}"})
    status = client.get(f"/api/v1/alerts/{body['id']}", headers=device["auth"]).get_json()
    assert status["status"] == "received"
    twilio_post(client, "/twilio/sms", {"MessageSid": "SM" + "6" * 32, "From": HOTLINE[0],
                                        "Body": f"1 {code.lower()}"})
    status = client.get(f"/api/v1/alerts/{body['id']}", headers=device["auth"]).get_json()
    assert status["status"] == "accepted"
    timeline = alert_timeline(body["id"].replace("-", ""))
    assert timeline is not None and timeline["accepted_via"] == "sms"
