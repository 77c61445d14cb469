"""Who is calling, and may they? Decorators for console pages and the staff API.

``require_role(*roles)`` guards a console page: no live session → the login page; password passed
but
not the second factor → the MFA page; wrong role → 403; a POST without a valid CSRF token → 403.
``require_staff_token(*roles)`` guards a staff API endpoint: a bearer token → the account;
problem+json
401/403 otherwise. Both admit the caller: ``current_staff()`` and ``current_actor()`` (an audit
Actor) then name them for the view.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from backend.errors import Problem
from backend.models.staff import StaffApiToken, StaffUser
from backend.security.csrf import verify_csrf
from backend.security.request_state import staff_state
from backend.security.roles import Role
from backend.services.audit import Actor
from backend.services.staff_sessions import LiveSession, load_session
from backend.services.staff_tokens import authenticate_token

SESSION_COOKIE = "hb_staff"
PRE_SESSION_COOKIE = "hb_pre"
_PRE_SESSION = re.compile(r"^[A-Za-z0-9_-]{32,64}$")

F = TypeVar("F", bound=Callable[..., Any])


def load_request_session() -> LiveSession | None:
    """Load (once per request) the console session named by the cookie."""
    state = staff_state()
    if not state.loaded:
        state.loaded = True
        state.live = load_session(request.cookies.get(SESSION_COOKIE))
        pre = request.cookies.get(PRE_SESSION_COOKIE, "")
        state.pre_session = pre if _PRE_SESSION.match(pre) else ""
    return cast(LiveSession | None, state.live)


def current_staff() -> StaffUser | None:
    """The fully authenticated staff member of this request (console or API), or None."""
    user = staff_state().user
    if user is not None:
        return cast(StaffUser, user)
    live = load_request_session()
    if live is not None and live.fully_authenticated:
        return live.user
    return None


def current_actor() -> Actor:
    """The audit Actor of this request (set by the decorators)."""
    actor = staff_state().actor
    if actor is None:
        raise RuntimeError("current_actor() outside a view guarded by an access decorator")
    return cast(Actor, actor)


def current_token() -> StaffApiToken | None:
    """The API token row of this staff API request, or None."""
    return cast(StaffApiToken | None, staff_state().token)


def _role_names(roles: tuple[Role | str, ...]) -> frozenset[str]:
    if not roles:
        raise ValueError("name at least one role")
    return frozenset(Role(r).value for r in roles)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a console path on this site (no open redirects), else None."""
    if target and target.startswith("/console") and not target.startswith("//") \
            and "\\" not in target and "\n" not in target:
        return target
    return None


def require_role(*roles: Role | str) -> Callable[[F], F]:
    """Allow a console page only to fully authenticated staff whose role is in ``roles``."""
    allowed = _role_names(roles)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            live = load_request_session()
            if live is None:
                return _to_login()
            if not live.fully_authenticated:
                return redirect(url_for("console.mfa"))
            if live.user.role not in allowed:
                raise Problem(403, "forbidden", "Not allowed",
                              "Your role does not give access to this page.")
            verify_csrf()
            state = staff_state()
            state.user, state.actor = live.user, Actor.of(live.user, "console")
            refresh_locale()
            return view(*args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate


def require_staff_token(*roles: Role | str) -> Callable[[F], F]:
    """Allow a staff API endpoint only to a valid bearer token whose account has one of
    ``roles``."""
    allowed = _role_names(roles)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            found = authenticate_token(token.strip()) if scheme.lower() == "bearer" else None
            if found is None:
                raise Problem(401, "unauthorized", "Authentication required",
                              "Send a valid staff API token as 'Authorization: Bearer <token>'.",
                              headers={"WWW-Authenticate": 'Bearer realm="staff"'})
            user, token_row = found
            if user.role not in allowed:
                raise Problem(403, "forbidden", "Not allowed",
                              "Your role does not give access to this endpoint.")
            state = staff_state()
            state.user, state.token, state.actor = user, token_row, Actor.of(user, "api")
            return view(*args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate


def refresh_locale() -> None:
    """Let Flask-Babel pick the admitted user's language and time zone for this request."""
    from flask_babel import refresh

    refresh()


def _to_login() -> Response:
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("console.login", next=safe_next(target)))
