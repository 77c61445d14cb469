"""Per-address throttling of login and second-factor attempts.

Uses the application's one Flask-Limiter instance (its storage: Redis when configured, shared by
every
web process) through its rate-limiting strategy, keyed by our own identifiers so the login and MFA
forms share a budget per client address. Until an app registers a Limiter, a per-process in-memory
moving window stands in (documented in docs/staff_accounts.md). Account lockout lives in the
database
(backend/services/staff_login.py) and holds across processes regardless.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


def _strategy(app: Flask) -> Any:
    limiters = app.extensions.get("limiter")
    if limiters:
        return next(iter(limiters)).limiter
    fallback = app.extensions.get("hushbakht.staff_throttle")
    if fallback is None:
        fallback = MovingWindowRateLimiter(MemoryStorage())
        app.extensions["hushbakht.staff_throttle"] = fallback
    return fallback


def allow_attempt(scope: str, client: str) -> bool:
    """Count one attempt of ``client`` (an address) at ``scope``; False once over the limit."""
    from backend.app import get_settings

    settings = get_settings(current_app)
    strategy = _strategy(current_app)
    allowed = True
    for item in parse_many(settings.staff_login_rate_limit):
        if not strategy.hit(item, "hushbakht-staff-auth", scope, client or "unknown"):
            allowed = False
    return allowed
