"""Editor and moderator pages of the console: write, revise, submit, review, publish, pull.

Views are thin: they read the form, call a service in :mod:`backend.editorial` and render or redirect.
Service errors become console error pages (problem pages) with the service's message.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("editorial", __name__, url_prefix="/console/editorial")


def register_editorial_console(app: Flask) -> None:
    """Register the editorial pages and their navigation links (after ``register_console``)."""
    from flask_babel import lazy_gettext

    import backend.console.editorial.pages  # noqa: F401 - routes on bp
    from backend.console.navigation import register_nav_item
    from backend.security.roles import Role

    app.register_blueprint(bp)
    register_nav_item("editorial.items", lazy_gettext("Articles and ads"),
                      [Role.CONTENT_EDITOR, Role.ADMIN], order=50)
    register_nav_item("editorial.queue", lazy_gettext("Moderation queue"),
                      [Role.MODERATOR, Role.ADMIN], order=55)
    register_nav_item("editorial.kill_switches", lazy_gettext("Kill switch"),
                      [Role.MODERATOR, Role.ADMIN], order=60)
    register_nav_item("editorial.report", lazy_gettext("Transparency report"),
                      [Role.CONTENT_EDITOR, Role.MODERATOR, Role.ADMIN], order=65)
