"""Localisation of server-rendered pages (Flask-Babel): Tajik, Russian, English; staff time zones.

The language is the signed-in staff member's choice, else the browser's best match among tg/ru/en,
else
DEFAULT_LOCALE. Dates are shown in the staff member's time zone (STAFF_DEFAULT_TIME_ZONE before
login).
Catalogues live in backend/translations/ (see docs/console.md for extract/update/compile).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, refresh

from backend.config import SUPPORTED_LOCALES
from backend.security.request_state import staff_state

babel = Babel()


def _user() -> Any:
    if not has_request_context():
        return None
    state = staff_state()
    if state.user is not None:
        return state.user
    return state.live.user if state.live is not None else None


def select_locale() -> str:
    """The language of the current page."""
    from backend.app import get_settings

    user = _user()
    if user is not None and user.locale in SUPPORTED_LOCALES:
        return str(user.locale)
    if has_request_context():
        chosen = request.cookies.get("hb_lang")
        if chosen in SUPPORTED_LOCALES:
            return str(chosen)
        best = request.accept_languages.best_match(SUPPORTED_LOCALES)
        if best:
            return best
    return get_settings(current_app).default_locale


def select_timezone() -> str:
    """The time zone dates are shown in."""
    from backend.app import get_settings

    user = _user()
    if user is not None and user.time_zone:
        return str(user.time_zone)
    return get_settings(current_app).staff_default_time_zone


def init_i18n(app: Flask) -> None:
    """Attach Flask-Babel to ``app`` (once, for every server-rendered page of every area)."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Flask-Babel caches the choice on ``g``, which outlives a request when an app context is
    # held across requests (tests, CLI); choose afresh for every request.
    app.before_request(refresh)
