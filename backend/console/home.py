"""The console home: what this member of staff can do, by role."""

from __future__ import annotations

from flask import render_template

from backend.security.access import current_staff, require_role
from backend.security.roles import Role

from . import bp


@bp.route("/")
@require_role(*Role)
def home() -> str:
    """Landing page after login."""
    return render_template("console/home.html", user=current_staff())
