"""The hotline console: server-rendered pages under /console (templates/console, static/console).

``register_console(app)`` wires everything staff-facing once: Flask-Babel, security headers, the
console
blueprint and its template helpers. Pages of other areas (editorial) extend ``console/base.html``
and
guard their views with ``backend.security.access.require_role``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, render_template, request
from flask_babel import format_datetime, get_locale, lazy_gettext

from backend.errors import Problem
from backend.security.access import current_staff, load_request_session
from backend.security.csrf import csrf_field, csrf_token
from backend.security.headers import install_security_headers
from backend.security.roles import HOTLINE_ROLES, OVERSIGHT_ROLES, STATISTICS_ROLES, Role

bp = Blueprint("console", __name__, url_prefix="/console")

ROLE_LABELS = {
    Role.HOTLINE_OPERATOR.value: lazy_gettext("hotline operator"),
    Role.HOTLINE_SUPERVISOR.value: lazy_gettext("hotline supervisor"),
    Role.CONTENT_EDITOR.value: lazy_gettext("content editor"),
    Role.MODERATOR.value: lazy_gettext("moderator"),
    Role.ADMIN.value: lazy_gettext("administrator"),
}


def role_label(role: str) -> str:
    """The translated name of a role (``{{ user.role|role_label }}``)."""
    return str(ROLE_LABELS.get(role, role))


def register_console(app: Flask) -> None:
    """Register the console blueprint, i18n, headers and template helpers on ``app``."""
    from backend.app import get_settings
    from backend.console import alerts, auth_views, home, oversight  # noqa: F401 - routes
    from backend.console.i18n import init_i18n
    from backend.console.navigation import nav_for, register_nav_item

    settings = get_settings(app)
    if settings.env == "production" and settings.staff_password_hashing != "standard":  # noqa: S105
        from backend.config import ConfigError

        raise ConfigError("STAFF_PASSWORD_HASHING=fast is for test suites; use standard in "
                          "production")
    init_i18n(app)
    install_security_headers(app, settings)
    app.register_blueprint(bp)
    register_nav_item("console.home", lazy_gettext("Home"), list(Role), order=0)
    register_nav_item("console.alert_queue", lazy_gettext("Alerts"), HOTLINE_ROLES, order=10)
    register_nav_item("console.statistics", lazy_gettext("Statistics"), STATISTICS_ROLES,
                      order=20)
    register_nav_item("console.oncall", lazy_gettext("On-call chain"), OVERSIGHT_ROLES, order=30)
    register_nav_item("console.audit_log", lazy_gettext("Audit log"), OVERSIGHT_ROLES, order=40)
    register_nav_item("console.staff_accounts", lazy_gettext("Staff accounts"), [Role.ADMIN],
                      order=80)
    register_nav_item("console.account", lazy_gettext("My account"), list(Role), order=90)
    app.jinja_env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token,
                                 current_staff=current_staff, nav_for=nav_for)
    app.jinja_env.globals["page_locale"] = lambda: str(get_locale() or "en")
    app.jinja_env.filters["staff_datetime"] = _staff_datetime
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.filters["alert_status"] = alert_status_label
    app.jinja_env.filters["event_kind"] = event_kind_label


ALERT_STATUS_LABELS = {
    "received": lazy_gettext("received"),
    "relaying": lazy_gettext("relaying"),
    "relayed": lazy_gettext("relayed"),
    "accepted": lazy_gettext("accepted"),
    "closed": lazy_gettext("closed"),
    "cancelled": lazy_gettext("cancelled"),
}

EVENT_KIND_LABELS = {
    "received": lazy_gettext("Alert received"),
    "relayed": lazy_gettext("Hotline reached"),
    "accepted": lazy_gettext("Accepted"),
    "note_added": lazy_gettext("Note added"),
    "referred": lazy_gettext("Referred"),
    "closed": lazy_gettext("Closed"),
    "reopened": lazy_gettext("Reopened"),
    "cancelled": lazy_gettext("Cancelled by her"),
    "duress_cancel": lazy_gettext("Cancelled under duress"),
    "escalated": lazy_gettext("Escalated"),
}


def alert_status_label(status: str) -> str:
    """The translated alert status (``{{ status|alert_status }}``)."""
    return str(ALERT_STATUS_LABELS.get(status, status))


def event_kind_label(kind: str) -> str:
    """The translated timeline event (``{{ kind|event_kind }}``); unknown kinds as they are."""
    return str(EVENT_KIND_LABELS.get(kind, kind))


def _staff_datetime(value: Any, fmt: str = "medium") -> str:
    """A datetime (or ISO 8601 string) in the staff member's language and time zone
    (``{{ when|staff_datetime }}``)."""
    if value is None or value == "":
        return ""
    from datetime import datetime

    from backend.clock import as_utc

    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return str(format_datetime(as_utc(value), fmt))


@bp.errorhandler(Problem)
def _problem_page(exc: Problem) -> tuple[str, int] | Response:
    """Console errors are pages, not JSON (a fetch() from console JS still gets JSON)."""
    from backend.errors import problem_response

    if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
        return problem_response(exc)
    load_request_session()
    return render_template("console/error.html", problem=exc), exc.status
