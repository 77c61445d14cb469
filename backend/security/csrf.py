"""CSRF protection for every console form: a synchronizer token bound to the server-side session.

Why our own (forty lines) rather than Flask-WTF: the console's sessions are server-side rows, not
Flask's
signed cookie, and no forms library is otherwise needed. The token is HMAC-SHA256(SECRET_KEY,
binding)
where the binding is the session's stored digest (or, before login, a random pre-session cookie),
so it
cannot be guessed without the HttpOnly session cookie, changes at every login, and needs no storage.
Defence in depth: cookies are SameSite=Strict, and a POST whose Origin header names another site is
refused even with a valid token.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import current_app, request
from markupsafe import Markup, escape

from backend.errors import Problem
from backend.security.request_state import staff_state

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def _binding() -> str:
    state = staff_state()
    if state.live is not None:
        return "session:" + str(state.live.session.id)
    return "pre:" + state.pre_session


def csrf_token() -> str:
    """The CSRF token for the current session (templates: ``{{ csrf_token() }}``)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, ("csrf|" + _binding()).encode(), hashlib.sha256).hexdigest()


def csrf_field() -> Markup:
    """A hidden input with the token, for every console form: ``{{ csrf_field() }}``."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD, escape(csrf_token()))


def verify_csrf() -> None:
    """Refuse a state-changing request without a valid token or from another origin (403)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        if urlsplit(origin).netloc != request.host:
            raise Problem(403, "csrf-failed", "Cross-site request refused",
                          "This form was sent from another site.")
    elif origin == "null":
        raise Problem(403, "csrf-failed", "Cross-site request refused",
                      "This form was sent from an opaque origin.")
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    state = staff_state()
    if not (state.live is not None or state.pre_session):
        raise Problem(403, "csrf-failed", "The form has expired",
                      "Reload the page and try again.")
    if not hmac.compare_digest(sent.encode(), csrf_token().encode()):
        raise Problem(403, "csrf-failed", "The form has expired",
                      "Reload the page and try again.")
