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
from backend.security.roles import Role

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
    from backend.console import auth_views, home  # noqa: F401 - routes on bp
    from backend.console.i18n import init_i18n
    from backend.console.navigation import nav_for, register_nav_item

    init_i18n(app)
    install_security_headers(app, get_settings(app))
    app.register_blueprint(bp)
    register_nav_item("console.home", lazy_gettext("Home"), list(Role), order=0)
    app.jinja_env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token,
                                 current_staff=current_staff, nav_for=nav_for)
    app.jinja_env.globals["page_locale"] = lambda: str(get_locale() or "en")
    app.jinja_env.filters["staff_datetime"] = _staff_datetime
    app.jinja_env.filters["role_label"] = role_label


def _staff_datetime(value: Any, fmt: str = "medium") -> str:
    """A datetime in the staff member's language and time zone (``{{ when|staff_datetime }}``)."""
    if value is None:
        return ""
    from backend.clock import as_utc

    return str(format_datetime(as_utc(value), fmt))


@bp.errorhandler(Problem)
def _problem_page(exc: Problem) -> tuple[str, int] | Response:
    """Console errors are pages, not JSON (a fetch() from console JS still gets JSON)."""
    from backend.errors import problem_response

    if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
        return problem_response(exc)
    load_request_session()
    return render_template("console/error.html", problem=exc), exc.status
