"""Twilio webhooks: delivery status, the call's TwiML and its keypress, inbound SMS (fallback).

Every request must carry a valid ``X-Twilio-Signature`` for ``PUBLIC_BASE_URL`` + path + query,
checked with the library's ``RequestValidator``; anything else gets 403. A replay of an already
handled request (same URL and parameters) is answered but changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from backend.errors import Problem
from backend.extensions import db
from backend.models.sos import Alert, Delivery, WebhookReceipt
from backend.sos import alerts as alert_service
from backend.sos import relay
from backend.sos import voice as voice_service
from backend.sos.messages import press_one, voice_script

log = logging.getLogger(__name__)

bp = Blueprint("twilio_webhooks", __name__, url_prefix="/twilio")

# Twilio's text-to-speech has no Tajik voice: the spoken summary is Russian (docs/sos.md).
SPEECH_LANGUAGE = "ru-RU"


def _settings() -> Any:
    from backend.app import get_settings

    return get_settings(current_app)


def _validated() -> dict[str, str]:
    """The form parameters of a correctly signed Twilio request, else 403."""
    settings = _settings()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not settings.twilio_auth_token or not signature:
        raise Problem(403, "forbidden", "Forbidden", "Signature missing or not checkable.")
    query = request.query_string.decode()
    url = settings.public_base_url + request.path + (f"?{query}" if query else "")
    params = request.form.to_dict(flat=True)
    if not RequestValidator(settings.twilio_auth_token).validate(url, params, signature):
        log.warning("twilio webhook with a bad signature", extra={"event": "sos.bad_signature",
                                                                  "path": request.path})
        raise Problem(403, "forbidden", "Forbidden", "The signature does not match.")
    return params


def _receipt_key(params: dict[str, str]) -> str:
    material = request.path + "?" + request.query_string.decode() + "|" + "&".join(
        f"{k}={params[k]}" for k in sorted(params))
    return hashlib.sha256(material.encode()).hexdigest()


def _first_time(kind: str, params: dict[str, str]) -> bool:
    """Record the request; False if the same request was handled before (a replay).

    The receipt is only flushed: it is committed with the handling (the handler's own first
    commit, or the view's at the end), so a process killed before the handling is stored leaves no
    receipt either, and Twilio's retry is handled rather than taken for a replay. A concurrent
    duplicate waits on the receipt's key until this one commits, then sees it."""
    db.session.add(WebhookReceipt(id=_receipt_key(params), kind=kind))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _forget(params: dict[str, str]) -> None:
    """Handling failed: drop the receipt, so Twilio's retry is handled rather than taken for a
    replay (otherwise a passing database error would lose a fallback alert or a status)."""
    db.session.rollback()
    db.session.execute(delete(WebhookReceipt).where(WebhookReceipt.id == _receipt_key(params)))
    db.session.commit()


def _twiml(document: Any) -> Response:
    return Response(str(document), mimetype="application/xml",
                    headers={"Cache-Control": "no-store"})


@bp.post("/status")
def delivery_status() -> Response:
    params = _validated()
    delivery_id = request.args.get("d", "")
    sid = params.get("MessageSid") or params.get("CallSid") or ""
    status = params.get("MessageStatus") or params.get("CallStatus") or ""
    if _first_time("status", params) and delivery_id and sid and status:
        try:
            relay.apply_status_callback(delivery_id, sid, status, params.get("ErrorCode"))
        except Exception:
            _forget(params)
            raise
    db.session.commit()  # the receipt, when the handling stored nothing itself
    return Response(status=204)


@bp.post("/voice/<alert_id>")
def voice_twiml(alert_id: str) -> Response:
    """What the hotline hears when it answers: summary, her voice message, press 1."""
    _validated()
    settings = _settings()
    alert = db.session.get(Alert, alert_id)
    response = VoiceResponse()
    if alert is None:
        response.hangup()
        return _twiml(response)
    facts = relay.alert_facts(alert)
    delivery_id = request.args.get("d", "")
    gather = Gather(num_digits=1, timeout=8, method="POST",
                    action=f"{settings.public_base_url}/twilio/voice/{alert.id}/gather"
                           f"?d={delivery_id}")
    gather.say(voice_script(facts, "ru", settings.staff_default_time_zone),
               language=SPEECH_LANGUAGE)
    if facts.has_voice:
        gather.play(voice_service.signed_voice_url(alert.id))
    gather.say(press_one("ru"), language=SPEECH_LANGUAGE)
    response.append(gather)
    response.say(press_one("ru"), language=SPEECH_LANGUAGE)
    response.redirect(f"{settings.public_base_url}/twilio/voice/{alert.id}?d={delivery_id}",
                      method="POST")
    return _twiml(response)


@bp.post("/voice/<alert_id>/gather")
def voice_gather(alert_id: str) -> Response:
    """The digit pressed on the call: 1 accepts the alert."""
    params = _validated()
    response = VoiceResponse()
    digits = params.get("Digits", "")
    first = _first_time("gather", params)
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        db.session.commit()  # the receipt
        response.hangup()
        return _twiml(response)
    if digits == "1":
        delivery = db.session.get(Delivery, request.args.get("d", ""))
        actor = f"phone:{delivery.recipient_label}" if delivery else "phone"
        if first:
            try:
                alert_service.accept_alert(alert.id, actor=actor, via="voice")
            except Exception:
                _forget(params)
                raise
        db.session.commit()  # the receipt, if accepting stored nothing (already accepted)
        response.say("Принято. Спасибо." if alert.accepted_at or first else "Принято.",
                     language=SPEECH_LANGUAGE)
        response.hangup()
        return _twiml(response)
    db.session.commit()  # the receipt
    response.redirect(f"{_settings().public_base_url}/twilio/voice/{alert.id}"
                      f"?d={request.args.get('d', '')}", method="POST")
    return _twiml(response)


@bp.post("/sms")
def inbound_sms() -> Response:
    """Inbound SMS: a hotline reply "1 CODE" accepts an alert; anything else may be the SMS fallback
    (a disguised alert from a phone without data). Never answered by SMS."""
    from backend.sos.hotline_replies import accept_by_sms_reply
    from backend.sos.sms_fallback import handle_inbound_sms

    params = _validated()
    receipt = {"MessageSid": params["MessageSid"]} if params.get("MessageSid") else params
    if _first_time("sms", receipt):
        body = params.get("Body", "")
        try:
            if not accept_by_sms_reply(params.get("From", ""), body):
                handle_inbound_sms(body)
            db.session.commit()  # the receipt, when the handling stored nothing itself
        except Exception:
            _forget(receipt)
            raise
    return _twiml(MessagingResponse())


@bp.get("/media/<alert_id>.audio")
def voice_media(alert_id: str) -> Response:
    """Her voice message, only through a short-lived signed URL (Twilio ``<Play>``, console)."""
    if not voice_service.check_voice_signature(alert_id, request.args.get("exp", ""),
                                               request.args.get("sig", "")):
        raise Problem(403, "forbidden", "Forbidden", "The link is invalid or has expired.")
    found = voice_service.voice_audio(alert_id)
    if found is None:
        raise Problem(404, "not-found", "Not found", "There is nothing at this address.")
    audio, media_type = found
    return Response(audio, mimetype=media_type, headers={"Cache-Control": "private, no-store"})
