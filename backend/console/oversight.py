"""Supervisor and admin pages: on-call chain, audit log, statistics; and every user's preferences."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, redirect, render_template, request, url_for
from flask_babel import get_timezone, gettext
from werkzeug.wrappers import Response as BaseResponse

from backend.config import SUPPORTED_LOCALES
from backend.console import bp
from backend.errors import Problem, validation_problem
from backend.extensions import db
from backend.security.access import current_actor, current_staff, require_role
from backend.security.roles import OVERSIGHT_ROLES, STATISTICS_ROLES, Role
from backend.services.audit import AuditFilter, record_audit, search_audit
from backend.services.escalation_policy import (
    MAX_ESCALATION_SECONDS,
    MIN_ESCALATION_SECONDS,
    escalation_timing,
    set_escalation_seconds,
)
from backend.services.staff_accounts import AccountError, set_preferences
from backend.services.staff_oncall import chain_for_staff, replace_chain
from backend.services.statistics import statistics_csv, statistics_tables

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ONCALL_BLANK_ROWS = 3
COMMON_ZONES = ("Asia/Dushanbe", "Asia/Tashkent", "Asia/Bishkek", "Europe/Moscow", "UTC")


@bp.route("/oncall", methods=["GET", "POST"])
@require_role(*OVERSIGHT_ROLES)
def oncall() -> str | BaseResponse:
    """View and replace the on-call chain (order = position)."""
    error = None
    if request.method == "POST":
        phones = request.form.getlist("phone")
        labels = request.form.getlist("label")
        actives = set(request.form.getlist("active"))
        entries = [{"phone": phone.strip(), "label": (labels[i] if i < len(labels) else "").strip(),
                    "active": str(i) in actives}
                   for i, phone in enumerate(phones) if phone.strip()]
        try:
            replace_chain(entries, current_actor())
        except Problem as exc:
            db.session.rollback()
            error = exc.detail
        else:
            return redirect(url_for("console.oncall", done="saved"), code=303)
    return _oncall_page(error=error)


@bp.post("/oncall/escalation")
@require_role(*OVERSIGHT_ROLES)
def oncall_escalation() -> str | BaseResponse | tuple[str, int]:
    """Change how long an unaccepted alert waits before it escalates (supervisors, admins)."""
    try:
        set_escalation_seconds(request.form.get("escalation_seconds", ""), current_actor())
    except Problem:
        db.session.rollback()
        message = gettext("The escalation time must be a whole number of seconds from %(low)d to "
                          "%(high)d.", low=MIN_ESCALATION_SECONDS, high=MAX_ESCALATION_SECONDS)
        return _oncall_page(escalation_error=message), 400
    return redirect(url_for("console.oncall", done="escalation"), code=303)


def _oncall_page(*, error: str | None = None, escalation_error: str | None = None) -> str:
    done = request.args.get("done")
    return render_template("console/oncall.html", entries=chain_for_staff(current_actor()),
                           blank_rows=ONCALL_BLANK_ROWS, error=error, saved=done == "saved",
                           escalation=escalation_timing(), escalation_error=escalation_error,
                           escalation_saved=done == "escalation",
                           min_seconds=MIN_ESCALATION_SECONDS, max_seconds=MAX_ESCALATION_SECONDS)


def _local_day(value: str, zone: ZoneInfo) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise validation_problem("Dates are written YYYY-MM-DD.") from None
    return day.replace(tzinfo=zone)


@bp.get("/audit")
@require_role(*OVERSIGHT_ROLES)
def audit_log() -> str:
    """The audit log, newest first, filterable by actor, action, alert id and dates."""
    zone = ZoneInfo(str(get_timezone()))
    since = _local_day(request.args.get("since", ""), zone)
    until = _local_day(request.args.get("until", ""), zone)
    before = request.args.get("before", "")
    flt = AuditFilter(actor=request.args.get("actor", "")[:64],
                      action=request.args.get("action", "")[:64],
                      target_id=request.args.get("target", "").replace("-", "")[:64],
                      since=since, until=until + timedelta(days=1) if until else None,
                      before_id=int(before) if before.isdigit() else None, limit=100)
    events = search_audit(flt)
    record_audit(current_actor(), "audit.view", "audit", "",
                 details={k: v for k, v in request.args.items() if k != "before" and v})
    db.session.commit()
    older_url = None
    if len(events) == flt.limit:
        older: dict[str, Any] = {k: v for k, v in request.args.items() if k != "before"}
        older["before"] = events[-1].id
        older_url = url_for("console.audit_log", **older)
    return render_template("console/audit.html", events=events, args=request.args,
                           older_url=older_url)


def _month_range() -> tuple[str, str] | None:
    start, end = request.args.get("from", ""), request.args.get("to", "")
    if not start and not end:
        return None
    if not MONTH.match(start or "0000-01") or not MONTH.match(end or "9999-12"):
        raise validation_problem("Months are written YYYY-MM.")
    return (start or "0000-01", end or "9999-12")


@bp.get("/statistics")
@require_role(*STATISTICS_ROLES)
def statistics() -> str:
    """Anonymised counts with small cells suppressed."""
    months = _month_range()
    return render_template("console/statistics.html", tables=statistics_tables(months),
                           args=request.args)


@bp.get("/statistics.csv")
@require_role(*STATISTICS_ROLES)
def statistics_export() -> Response:
    """The same tables as CSV (an audited export of aggregates only)."""
    months = _month_range()
    body = statistics_csv(months)
    record_audit(current_actor(), "statistics.export", "statistics", "",
                 details={"from": months[0] if months else "", "to": months[1] if months else ""})
    db.session.commit()
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="hushbakht-statistics.csv"'})


@bp.route("/account", methods=["GET", "POST"])
@require_role(*Role)
def account() -> str | BaseResponse:
    """Language and time zone of the signed-in staff member."""
    from zoneinfo import available_timezones

    staff = current_staff()
    assert staff is not None
    error = None
    if request.method == "POST":
        try:
            set_preferences(staff, locale=request.form.get("locale", staff.locale),
                            time_zone=request.form.get("time_zone", staff.time_zone))
        except AccountError as exc:
            error = str(exc)
        else:
            return redirect(url_for("console.account", done="saved"), code=303)
    zones = sorted(set(COMMON_ZONES) | {staff.time_zone})
    return render_template("console/account.html", user=staff, locales=SUPPORTED_LOCALES,
                           zones=zones, all_zones=sorted(available_timezones()), error=error,
                           saved=request.args.get("done") == "saved")


@bp.get("/staff")
@require_role(Role.ADMIN)
def staff_accounts() -> str:
    """Every staff account: role, second factor, state, last login (admins)."""
    from backend.services.staff_accounts import list_users
    from backend.services.staff_login import is_locked

    users = list_users()
    return render_template("console/staff.html", users=users,
                           locked={u.id: bool(is_locked(u)) for u in users},
                           me=current_staff())


@bp.post("/staff/<username>/<action>")
@require_role(Role.ADMIN)
def staff_account_action(username: str, action: str) -> BaseResponse:
    """Deactivate, reactivate or unlock an account (password and TOTP resets stay on the CLI:
    they produce secrets that must not pass through a browser)."""
    from backend.services.staff_accounts import clear_lockout, set_active

    me = current_staff()
    if me is not None and me.username == username and action == "deactivate":
        raise Problem(409, "own-account", "Not on yourself",
                      "You cannot deactivate your own account.")
    try:
        if action == "deactivate":
            set_active(username, False, actor=current_actor())
        elif action == "activate":
            set_active(username, True, actor=current_actor())
        elif action == "unlock":
            clear_lockout(username, actor=current_actor())
        else:
            raise Problem(404, "not-found", "Not found", "There is nothing at this address.")
    except AccountError as exc:
        raise Problem(404, "not-found", "Not found", str(exc)) from None
    return redirect(url_for("console.staff_accounts"), code=303)
