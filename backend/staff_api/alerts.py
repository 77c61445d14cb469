"""Staff API: alerts, the on-call chain, the escalation time and staff push devices.

The same services as the console."""

from __future__ import annotations

from typing import Any

from flask import request

from backend.errors import validation_problem
from backend.extensions import db
from backend.security.access import current_actor, current_staff, require_staff_token
from backend.security.roles import HOTLINE_ROLES, OVERSIGHT_ROLES, Role
from backend.services import staff_alerts
from backend.services.audit import record_audit

from . import bp


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise validation_problem("The body must be a JSON object.")
    return body


def _text(body: dict[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if not isinstance(value, str):
        raise validation_problem(f"{name} must be a string.")
    return value


@bp.get("/alerts")
@require_staff_token(*HOTLINE_ROLES)
def list_alerts() -> dict[str, Any]:
    """The live queue: open and accepted alerts, unaccepted and escalated first."""
    return {"alerts": [i.as_dict() for i in staff_alerts.alert_queue()]}


@bp.get("/alerts/<alert_id>")
@require_staff_token(*HOTLINE_ROLES)
def get_alert(alert_id: str) -> dict[str, Any]:
    """One alert with its timeline, trail, notes and referrals (audited read)."""
    return staff_alerts.view_alert(alert_id, current_actor()).as_dict()


@bp.post("/alerts/<alert_id>/accept")
@require_staff_token(*HOTLINE_ROLES)
def accept_alert(alert_id: str) -> dict[str, Any]:
    """Claim the alert; ``accepted`` is false when someone else was first."""
    return {"accepted": staff_alerts.accept(alert_id, current_actor())}


@bp.post("/alerts/<alert_id>/notes")
@require_staff_token(*HOTLINE_ROLES)
def add_note(alert_id: str) -> tuple[dict[str, Any], int]:
    body = _json_body()
    note_id = staff_alerts.add_note(alert_id, current_actor(), _text(body, "body"))
    return {"id": note_id}, 201


@bp.post("/alerts/<alert_id>/referrals")
@require_staff_token(*HOTLINE_ROLES)
def add_referral(alert_id: str) -> tuple[dict[str, Any], int]:
    body = _json_body()
    referral_id = staff_alerts.add_referral(alert_id, current_actor(), _text(body, "service"),
                                            _text(body, "detail"))
    return {"id": referral_id}, 201


@bp.post("/alerts/<alert_id>/close")
@require_staff_token(*HOTLINE_ROLES)
def close_alert(alert_id: str) -> dict[str, Any]:
    body = _json_body()
    others = body.get("other_types", [])
    if not isinstance(others, list) or not all(isinstance(t, str) for t in others):
        raise validation_problem("other_types must be a list of violence types.")
    staff_alerts.close_case(alert_id, current_actor(), outcome=_text(body, "outcome"),
                            district=_text(body, "district", "unknown"),
                            violence_type=_text(body, "violence_type", "not_disclosed"),
                            other_types=others)
    return {"status": "closed"}


@bp.post("/alerts/<alert_id>/reopen")
@require_staff_token(Role.HOTLINE_SUPERVISOR)
def reopen_alert(alert_id: str) -> dict[str, Any]:
    body = request.get_json(silent=True) or {}
    reason = body.get("reason", "") if isinstance(body, dict) else ""
    staff_alerts.reopen_case(alert_id, current_actor(), reason if isinstance(reason, str) else "")
    return {"status": "reopened"}


@bp.post("/alerts/<alert_id>/voice")
@require_staff_token(*HOTLINE_ROLES)
def voice_url(alert_id: str) -> dict[str, Any]:
    """A one-minute signed URL of the voice message (each call is an audited playback)."""
    return {"url": staff_alerts.play_voice(alert_id, current_actor()),
            "expires_in": staff_alerts.VOICE_URL_SECONDS}


@bp.get("/oncall")
@require_staff_token(*OVERSIGHT_ROLES)
def get_oncall() -> dict[str, Any]:
    """The on-call chain in order (phone numbers included: supervisors and admins only)."""
    from backend.services.staff_oncall import chain_for_staff

    return {"entries": chain_for_staff(current_actor())}


@bp.put("/oncall")
@require_staff_token(*OVERSIGHT_ROLES)
def put_oncall() -> dict[str, Any]:
    """Replace the chain: ``{"entries": [{"phone", "label", "active"}, ...]}``."""
    from backend.services.staff_oncall import replace_chain

    entries = _json_body().get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise validation_problem("entries must be a list of objects.")
    return {"entries": replace_chain(entries, current_actor())}


@bp.get("/escalation")
@require_staff_token(*HOTLINE_ROLES, Role.ADMIN)
def get_escalation() -> dict[str, Any]:
    """The escalation time in force (hotline staff and admins; operators read it, cannot change it)."""
    from backend.services.escalation_policy import escalation_timing

    return escalation_timing().as_dict()


@bp.put("/escalation")
@require_staff_token(*OVERSIGHT_ROLES)
def put_escalation() -> dict[str, Any]:
    """Change the escalation time: ``{"escalation_seconds": 30..3600}`` (audited)."""
    from backend.services.escalation_policy import set_escalation_seconds

    return set_escalation_seconds(_json_body().get("escalation_seconds"), current_actor()).as_dict()


@bp.post("/devices")
@require_staff_token(*HOTLINE_ROLES)
def register_device() -> tuple[dict[str, Any], int]:
    """Register this staff phone for escalation pushes: ``{"token", "platform", "on_duty"}``."""
    from backend.sos.staff_devices import register_staff_device

    body = _json_body()
    on_duty = body.get("on_duty", True)
    if not isinstance(on_duty, bool):
        raise validation_problem("on_duty must be true or false.")
    staff = current_staff()
    assert staff is not None
    device = register_staff_device(token=_text(body, "token"),
                                   platform=_text(body, "platform", "android"),
                                   on_duty=on_duty, staff_user_id=staff.id)
    record_audit(current_actor(), "device.register", "staff_device", device.id,
                 details={"platform": device.platform, "on_duty": device.on_duty})
    db.session.commit()
    return {"id": device.id, "on_duty": device.on_duty, "platform": device.platform}, 201


@bp.patch("/devices/<device_id>")
@require_staff_token(*HOTLINE_ROLES)
def set_device_duty(device_id: str) -> dict[str, Any]:
    """Go on or off duty: ``{"on_duty": bool}`` (only for one's own devices)."""
    from backend.errors import Problem
    from backend.models.sos import StaffDevice
    from backend.sos.staff_devices import set_staff_device_on_duty

    on_duty = _json_body().get("on_duty")
    if not isinstance(on_duty, bool):
        raise validation_problem("on_duty must be true or false.")
    staff = current_staff()
    device = db.session.get(StaffDevice, device_id) if len(device_id) <= 32 else None
    if device is None or staff is None or device.staff_user_id != staff.id:
        raise Problem(404, "not-found", "Not found", "There is no such device of yours.")
    set_staff_device_on_duty(device.id, on_duty)
    record_audit(current_actor(), "device.duty", "staff_device", device.id,
                 details={"on_duty": on_duty})
    db.session.commit()
    return {"id": device.id, "on_duty": on_duty}
