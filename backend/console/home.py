"""The console home: what this member of staff can do, by role."""

from __future__ import annotations

from flask import render_template

from backend.security.access import current_staff, require_role
from backend.security.roles import Role

from . import bp


@bp.route("/")
@require_role(*Role)
def home() -> str:
    """Landing page after login; hotline staff see how many alerts wait for acceptance."""
    from backend.security.roles import HOTLINE_ROLES
    from backend.services.staff_alerts import alert_queue

    user = current_staff()
    waiting = None
    if user is not None and user.role in HOTLINE_ROLES:
        waiting = sum(1 for item in alert_queue() if item.status != "accepted")
    return render_template("console/home.html", user=user, waiting=waiting)
