"""Staff API tokens: exchange username, password and TOTP code for a bearer token; revoke it."""

from __future__ import annotations

from typing import Any

from flask import request

from backend.errors import Problem, validation_problem
from backend.extensions import db
from backend.security.access import current_staff, current_token, require_staff_token
from backend.security.roles import Role
from backend.security.throttle import allow_attempt
from backend.services.audit import current_actor_or_none
from backend.services.staff_login import (
    LoginRefused,
    check_password,
    check_second_factor,
    needs_second_factor,
    record_login,
)
from backend.services.staff_tokens import issue_token, revoke_token

from . import bp


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise validation_problem("The body must be a JSON object.")
    return body


def _refused(exc: LoginRefused) -> Problem:
    if exc.reason == "locked":
        return Problem(429, "account-locked", "Account locked",
                       "Too many failed attempts; try again later.",
                       headers={"Retry-After": str(exc.retry_after_seconds)},
                       retry_after=exc.retry_after_seconds)
    return Problem(401, "invalid-credentials", "Invalid credentials",
                   "The username, password or code is not correct.")


@bp.post("/tokens")
def create_token() -> tuple[dict[str, Any], int]:
    """Log in from the staff phone app: {username, password, totp, label?} → a bearer token."""
    body = _json_body()
    username, password = body.get("username"), body.get("password")
    code, label = body.get("totp", ""), body.get("label", "")
    if not isinstance(username, str) or not isinstance(password, str) \
            or not isinstance(code, str) or not isinstance(label, str):
        raise validation_problem("username, password and totp must be strings.")
    if not allow_attempt("api-login", request.remote_addr or ""):
        raise Problem(429, "too-many-requests", "Too many attempts",
                      "Too many attempts from this address. Wait a minute and try again.")
    try:
        user = check_password(username[:64], password[:300], via="api")
        if needs_second_factor(user):
            check_second_factor(user, code[:12], via="api")
    except LoginRefused as exc:
        raise _refused(exc) from None
    record_login(user, via="api")
    db.session.commit()
    issued = issue_token(user, label=label or "staff app")
    return {"token": issued.token, "token_id": issued.id,
            "expires_at": issued.expires_at.isoformat(), "role": user.role,
            "username": user.username}, 201


@bp.delete("/tokens/current")
@require_staff_token(*Role)
def revoke_current_token() -> tuple[str, int]:
    """Log out the calling token."""
    actor = current_actor_or_none()
    assert actor is not None
    token = current_token()
    assert token is not None
    revoke_token(token, actor)
    return "", 204


@bp.get("/me")
@require_staff_token(*Role)
def me() -> dict[str, Any]:
    """Who the token belongs to, and its role."""
    user = current_staff()
    assert user is not None
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role, "locale": user.locale, "time_zone": user.time_zone}
