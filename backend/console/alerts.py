"""Hotline pages: the live queue, the alert page and its actions (hotline roles only)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from backend.console import bp
from backend.security.access import current_actor, current_staff, require_role
from backend.security.roles import HOTLINE_ROLES, Role
from backend.services import staff_alerts
from backend.services.staff_classification import (
    DISTRICTS,
    OUTCOMES,
    REFERRAL_SERVICES,
    VIOLENCE_TYPES,
    district_label,
    label_of,
)

QUEUE_POLL_SECONDS = 5


@bp.get("/alerts")
@require_role(*HOTLINE_ROLES)
def alert_queue() -> str:
    """The live queue (the page polls queue.json and announces new alerts)."""
    return render_template("console/alerts/queue.html", queue=staff_alerts.alert_queue(),
                           finished=staff_alerts.recent_finished(),
                           poll_seconds=QUEUE_POLL_SECONDS)


@bp.get("/alerts/queue.json")
@require_role(*HOTLINE_ROLES)
def alert_queue_json() -> Response:
    """The queue as JSON for the page's polling (ids, codes, statuses; no personal data)."""
    from backend.console import _staff_datetime, alert_status_label

    items = []
    for item in staff_alerts.alert_queue():
        row = item.as_dict()
        # Shown as is by the page: in the staff member's language and time zone.
        row["received_label"] = _staff_datetime(item.created_at)
        row["status_label"] = alert_status_label(item.status)
        items.append(row)
    return jsonify({"alerts": items, "poll_seconds": QUEUE_POLL_SECONDS})


@bp.get("/alerts/<alert_id>")
@require_role(*HOTLINE_ROLES)
def alert_page(alert_id: str) -> str:
    """Everything about one alert; opening it is audited."""
    view = staff_alerts.view_alert(alert_id, current_actor())
    staff = current_staff()
    return render_template(
        "console/alerts/detail.html", alert=view, t=view.timeline,
        can_reopen=staff is not None and staff.role == Role.HOTLINE_SUPERVISOR.value,
        outcomes=OUTCOMES, services=REFERRAL_SERVICES, violence_types=VIOLENCE_TYPES,
        districts=[(code, district_label(code)) for code in DISTRICTS], label_of=label_of,
        district_label=district_label)


def _back(alert_id: str, notice: str | None = None) -> Response:
    return redirect(url_for("console.alert_page", alert_id=alert_id, done=notice) + "#actions",
                    code=303)


@bp.post("/alerts/<alert_id>/accept")
@require_role(*HOTLINE_ROLES)
def alert_accept(alert_id: str) -> Response:
    """Claim the alert (stops escalation)."""
    accepted = staff_alerts.accept(alert_id, current_actor())
    return _back(alert_id, "accepted" if accepted else "already-accepted")


@bp.post("/alerts/<alert_id>/notes")
@require_role(*HOTLINE_ROLES)
def alert_add_note(alert_id: str) -> Response:
    staff_alerts.add_note(alert_id, current_actor(), request.form.get("body", ""))
    return _back(alert_id, "note")


@bp.post("/alerts/<alert_id>/referrals")
@require_role(*HOTLINE_ROLES)
def alert_add_referral(alert_id: str) -> Response:
    staff_alerts.add_referral(alert_id, current_actor(), request.form.get("service", ""),
                              request.form.get("detail", ""))
    return _back(alert_id, "referral")


@bp.post("/alerts/<alert_id>/close")
@require_role(*HOTLINE_ROLES)
def alert_close(alert_id: str) -> Response:
    staff_alerts.close_case(
        alert_id, current_actor(), outcome=request.form.get("outcome", ""),
        district=request.form.get("district", "unknown"),
        violence_type=request.form.get("violence_type", "not_disclosed"),
        other_types=request.form.getlist("other_types"))
    return _back(alert_id, "closed")


@bp.post("/alerts/<alert_id>/reopen")
@require_role(Role.HOTLINE_SUPERVISOR)
def alert_reopen(alert_id: str) -> Response:
    staff_alerts.reopen_case(alert_id, current_actor(), request.form.get("reason", ""))
    return _back(alert_id, "reopened")


@bp.post("/alerts/<alert_id>/voice")
@require_role(*HOTLINE_ROLES)
def alert_voice(alert_id: str) -> Any:
    """One audited playback: JSON {url} for the page's player, or a redirect without JS."""
    url = staff_alerts.play_voice(alert_id, current_actor())
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"url": url, "expires_in": staff_alerts.VOICE_URL_SECONDS})
    return redirect(url, code=303)


NOTICES = {
    "accepted": lambda: gettext("You accepted this alert."),
    "already-accepted": lambda: gettext("This alert was already accepted."),
    "note": lambda: gettext("Note saved."),
    "referral": lambda: gettext("Referral saved."),
    "closed": lambda: gettext("Alert closed."),
    "reopened": lambda: gettext("Alert reopened."),
}


@bp.app_template_global()
def console_notice() -> str:
    """The confirmation for the last action (``?done=``), translated."""
    maker = NOTICES.get(request.args.get("done", ""))
    return maker() if maker else ""
