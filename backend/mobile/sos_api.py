"""SOS endpoints of the mobile API: device registration, alerts, locations, voice, cancel, status.

Views only parse, authenticate and call ``backend.sos`` services. Devices authenticate with HTTP
Basic (device id : secret). Every answer is ``Cache-Control: no-store``.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from backend.errors import Problem, validation_problem
from backend.extensions import db
from backend.models.sos import Device
from backend.rate_limits import limiter
from backend.sos import alerts as alert_service
from backend.sos import voice as voice_service
from backend.sos.devices import (
    authenticate_device,
    parse_callback_policy,
    parse_contacts,
    register_device,
    touch_device,
)

bp = Blueprint("mobile_sos", __name__, url_prefix="/api/v1")

REGISTRATION_LIMIT = "20 per hour"
ALERT_LIMIT = "60 per minute"
WRONG_PIN_LIMIT = "5 per 15 minutes"


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise validation_problem("the body must be a JSON object")
    return body


def _no_store(response: Response, status: int) -> Response:
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _device() -> Device:
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username or not auth.password:
        raise Problem(401, "unauthorized", "Authentication required",
                      "Send the device id and secret with HTTP Basic authentication.",
                      headers={"WWW-Authenticate": 'Basic realm="device"'})
    device = authenticate_device(auth.username, auth.password)
    touch_device(device)
    return device


def _device_key() -> str:
    auth = request.authorization
    return f"device:{auth.username}" if auth and auth.username else f"ip:{request.remote_addr}"


def _alert_key() -> str:
    # One limit per alert whatever spelling of its UUID the URL uses (upper case, braces, ...) and
    # whatever its last 80 bits: the alert is also found by its 48-bit short id (SMS fallback).
    raw = str((request.view_args or {}).get("alert_id", ""))
    try:
        return f"pin:{uuid.UUID(raw).hex[:12]}"
    except ValueError:
        return f"pin:{raw}"


@bp.post("/devices")
@limiter.limit(REGISTRATION_LIMIT)
def create_device() -> Response:
    verifier = current_app.extensions["hushbakht.app_check"]
    token = request.headers.get("X-Firebase-AppCheck", "")
    if not verifier.verify(token):
        raise Problem(401, "app-check-failed", "App not verified",
                      "A valid Firebase App Check token is required.")
    body = _json_body()
    cancel_pin, duress_pin = body.get("cancel_pin"), body.get("duress_pin")
    if not isinstance(cancel_pin, str) or not isinstance(duress_pin, str):
        raise validation_problem("cancel_pin and duress_pin are required (4 to 8 digits)")
    registration = register_device(
        cancel_pin=cancel_pin, duress_pin=duress_pin, locale=str(body.get("locale") or "tg"),
        contacts=parse_contacts(body.get("trusted_contacts")),
        callback_policy=parse_callback_policy(body.get("callback_policy")))
    return _no_store(jsonify({"device_id": registration.device_id, "secret": registration.secret,
                              "sms_tag": registration.sms_tag, "sms_key": registration.sms_key}),
                     201)


@bp.post("/alerts")
@limiter.limit(ALERT_LIMIT, key_func=_device_key)
def create_alert() -> Response:
    device = _device()
    body = _json_body()
    alert_id = alert_service.parse_alert_id(body.get("id"))
    fix = alert_service.parse_fix(body["location"]) if body.get("location") is not None else None
    drill = body.get("drill", False)
    if not isinstance(drill, bool):
        raise validation_problem("drill must be true or false")
    alert, created = alert_service.create_alert(
        device, alert_id=alert_id, fix=fix, trigger=str(body.get("trigger") or "button"),
        locale=str(body.get("locale") or device.locale), drill=drill)
    return _no_store(jsonify(alert_service.phone_status(alert, fresh=created)),
                     201 if created else 200)


@bp.get("/alerts/<alert_id>")
@limiter.limit(ALERT_LIMIT, key_func=_device_key)
def get_alert(alert_id: str) -> Response:
    device = _device()
    alert = alert_service.get_device_alert(device, alert_service.parse_alert_id(alert_id))
    db.session.commit()
    return _no_store(jsonify(alert_service.phone_status(alert)), 200)


@bp.post("/alerts/<alert_id>/locations")
@limiter.limit(ALERT_LIMIT, key_func=_device_key)
def add_location(alert_id: str) -> Response:
    device = _device()
    alert = alert_service.get_device_alert(device, alert_service.parse_alert_id(alert_id))
    body = _json_body()
    fixes = body.get("fixes") if "fixes" in body else [body]
    if not isinstance(fixes, list) or not 1 <= len(fixes) <= 50:
        raise validation_problem("send one fix, or fixes: a list of 1 to 50")
    parsed = [alert_service.parse_fix(f, field="fix") for f in fixes]
    length = 0
    for fix in parsed:
        length = alert_service.add_location(alert, fix)
    return _no_store(jsonify({"id": alert_service.public_alert_id(alert),
                              "trail_length": length}), 201)


@bp.put("/alerts/<alert_id>/voice")
@limiter.limit(ALERT_LIMIT, key_func=_device_key)
def upload_voice(alert_id: str) -> Response:
    device = _device()
    alert = alert_service.get_device_alert(device, alert_service.parse_alert_id(alert_id))
    start, end, total = voice_service.parse_content_range(request.headers.get("Content-Range"))
    data = request.get_data(cache=False) if start is not None else b""
    state = voice_service.upload_chunk(alert, start, end, total, data)
    body = {"received_bytes": state.received_bytes, "total_bytes": state.total_bytes,
            "complete": state.complete}
    if state.complete:
        body["duration_ms"] = state.duration_ms or 0
    response = _no_store(jsonify(body), 201 if state.complete else 202)
    if state.received_bytes:
        response.headers["Range"] = f"bytes=0-{state.received_bytes - 1}"
    return response


@bp.post("/alerts/<alert_id>/cancel")
@limiter.limit(WRONG_PIN_LIMIT, key_func=_alert_key, deduct_when=lambda r: r.status_code == 403)
def cancel_alert(alert_id: str) -> Response:
    device = _device()
    alert = alert_service.get_device_alert(device, alert_service.parse_alert_id(alert_id))
    pin = _json_body().get("pin")
    accepted, response = alert_service.cancel_alert(device, alert, pin if isinstance(pin, str)
                                                    else "")
    if not accepted:
        raise Problem(403, "pin-incorrect", "PIN incorrect", "The PIN is not correct.")
    return _no_store(jsonify(response), 200)
