"""The staff JSON API under /api/staff/v1 (bearer tokens; problem+json errors).

One blueprint, ``bp``, owns the prefix. Other areas add endpoints either on their own blueprint with
``url_prefix=STAFF_API_PREFIX`` (recommended: no import-order coupling) or by importing ``bp``
before
``register_staff_api`` runs. Every endpoint is guarded by ``require_staff_token(*roles)``.
"""

from __future__ import annotations

from flask import Blueprint, Flask

STAFF_API_PREFIX = "/api/staff/v1"

bp = Blueprint("staff_api", __name__, url_prefix=STAFF_API_PREFIX)


def register_staff_api(app: Flask) -> None:
    """Register the staff API blueprint (tokens, alerts, on-call chain, devices)."""
    from backend.staff_api import alerts, auth  # noqa: F401 - routes on bp

    app.register_blueprint(bp)
