"""The one rate limiter (Flask-Limiter), configured once by the application factory.

Storage is Redis when ``REDIS_URL`` is set (limits hold across every web process), memory otherwise
(the quick start). Keys are prefixed with ``RATE_LIMIT_KEY_PREFIX`` so deployments and test sessions
sharing one Redis never count each other's requests. Views use ``@limiter.limit(...)``.

Blueprints in :data:`UNLIMITED_BLUEPRINTS` carry no limit by design and skip the limiter's
per-request check (finding out that no limit applies costs Flask-Limiter more than serving a
cached article list does). They are the public, cached content API and the health probes: a
flood of those is the edge's to absorb (CDN or ingress limits, docs/deployment.md), and a test
keeps any ``@limiter.limit`` out of them, where it would be silently ignored.

Only a refused request (429) says when to come back (``Retry-After``, as the contract documents):
Flask-Limiter's optional ``X-RateLimit-*`` headers on every answer cost a second Redis round trip
per request, which the SOS intake pays for under a flood, and tell a client nothing it needs.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from backend.config import Settings


class _Limiter(Limiter):
    """Flask-Limiter, returning at once on the blueprints that carry no limit."""

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        if request.blueprint in UNLIMITED_BLUEPRINTS:
            return
        super()._check_request_limit(callable_name, in_middleware)


UNLIMITED_BLUEPRINTS = frozenset({"mobile_content", "health"})

limiter: Limiter = _Limiter(key_func=get_remote_address, headers_enabled=False,
                            strategy="moving-window")
log = logging.getLogger(__name__)


def init_rate_limits(app: Flask, settings: Settings) -> Limiter:
    """Bind the limiter to ``app`` with storage chosen from the settings."""
    app.config["RATELIMIT_STORAGE_URI"] = settings.redis_url or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = settings.rate_limit_key_prefix
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True  # a Redis outage must never block an SOS
    limiter.init_app(app)
    app.after_request(_retry_after)
    return limiter


def _retry_after(response: Response) -> Response:
    """``Retry-After`` (whole seconds, at least 1) on answers refused by a breached limit."""
    if response.status_code != 429 or "Retry-After" in response.headers:
        return response
    current = limiter.current_limit
    if current is None or not current.breached:
        return response
    try:
        reset_at = current.reset_at  # one storage read, only for refused requests
    except Exception as exc:  # noqa: BLE001 - storage outage: the refusal stands without the hint
        log.warning("rate-limit reset time unavailable", extra={"error_type": type(exc).__name__})
        return response
    response.headers["Retry-After"] = str(max(1, int(reset_at - time.time())))
    return response
