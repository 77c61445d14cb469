"""Login, second factor and logout pages."""

from __future__ import annotations

import secrets

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from backend.errors import Problem
from backend.extensions import db
from backend.security.access import (
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    load_request_session,
    safe_next,
)
from backend.security.csrf import verify_csrf
from backend.security.request_state import staff_state
from backend.security.throttle import allow_attempt
from backend.services.staff_login import (
    LoginRefused,
    check_password,
    check_second_factor,
    needs_second_factor,
    record_login,
)
from backend.services.staff_sessions import complete_second_factor, end_session, start_session

from . import bp


def _secure() -> bool:
    from flask import current_app

    from backend.app import get_settings

    return get_settings(current_app).public_base_url.startswith("https://")


def _set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict",
                        secure=_secure(), path="/")


def _refused_message(exc: LoginRefused) -> str:
    if exc.reason == "locked":
        minutes = max(1, (exc.retry_after_seconds + 59) // 60)
        return gettext("Too many failed attempts. Try again in %(minutes)d minutes.",
                       minutes=minutes)
    return gettext("The details are not correct.")


def _too_many() -> Problem:
    return Problem(429, "too-many-requests", "Too many attempts",
                   "Too many attempts from this address. Wait a minute and try again.")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    """Username and password; then the second factor when the account has one."""
    live = load_request_session()
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if live is not None and live.fully_authenticated:
            return redirect(next_url or url_for("console.home"))
        state = staff_state()
        pre = state.pre_session or secrets.token_urlsafe(32)
        state.pre_session = pre
        response = make_response(render_template("console/login.html", next=next_url, error=None))
        response.set_cookie(PRE_SESSION_COOKIE, pre, httponly=True, samesite="Strict",
                            secure=_secure(), path="/console")
        return response
    staff_state().live = None  # a login form is bound to the pre-session, not to an old session
    verify_csrf()
    if not allow_attempt("login", request.remote_addr or ""):
        raise _too_many()
    username = request.form.get("username", "")[:64]
    password = request.form.get("password", "")[:300]
    try:
        user = check_password(username, password)
    except LoginRefused as exc:
        return render_template("console/login.html", next=next_url,
                               error=_refused_message(exc)), 401
    second = needs_second_factor(user)
    token = start_session(user, second_factor_done=not second)
    if not second:
        record_login(user)
    db.session.commit()
    home = next_url or url_for("console.home")
    target = url_for("console.mfa", next=next_url) if second else home
    moved = redirect(target)
    end_session(request.cookies.get(SESSION_COOKIE))
    _set_session_cookie(moved, token)
    moved.delete_cookie(PRE_SESSION_COOKIE, path="/console")
    return moved


@bp.route("/mfa", methods=["GET", "POST"])
def mfa() -> Response | tuple[str, int] | str:
    """The six-digit code from the authenticator app."""
    live = load_request_session()
    next_url = safe_next(request.values.get("next"))
    if live is None:
        return redirect(url_for("console.login"))
    if live.fully_authenticated:
        return redirect(next_url or url_for("console.home"))
    if request.method == "GET":
        return render_template("console/mfa.html", next=next_url, error=None)
    verify_csrf()
    if not allow_attempt("mfa", request.remote_addr or ""):
        raise _too_many()
    try:
        check_second_factor(live.user, request.form.get("code", "")[:12])
    except LoginRefused as exc:
        if exc.reason == "locked":
            end_session(request.cookies.get(SESSION_COOKIE))
        return render_template("console/mfa.html", next=next_url,
                               error=_refused_message(exc)), 401
    token = complete_second_factor(live)
    record_login(live.user)
    db.session.commit()
    response = redirect(next_url or url_for("console.home"))
    _set_session_cookie(response, token)
    return response


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """End the session at once (also on the server: the cookie stops working)."""
    live = load_request_session()
    if live is not None:
        verify_csrf()
        from backend.services.audit import Actor, record_audit

        record_audit(Actor.of(live.user), "auth.logout", "staff_user", live.user.id)
        db.session.commit()
    end_session(request.cookies.get(SESSION_COOKIE))
    response = redirect(url_for("console.login"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
