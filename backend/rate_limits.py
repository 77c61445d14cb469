"""The one rate limiter (Flask-Limiter), configured once by the application factory.

Storage is Redis when ``REDIS_URL`` is set (limits hold across every web process), memory otherwise
(the quick start). Keys are prefixed with ``RATE_LIMIT_KEY_PREFIX`` so deployments and test sessions
sharing one Redis never count each other's requests. Views use ``@limiter.limit(...)``.

Blueprints in :data:`UNLIMITED_BLUEPRINTS` carry no limit by design and skip the limiter's
per-request check (finding out that no limit applies costs Flask-Limiter more than serving a
cached article list does). They are the public, cached content API and the health probes: a
flood of those is the edge's to absorb (CDN or ingress limits, docs/deployment.md), and a test
keeps any ``@limiter.limit`` out of them, where it would be silently ignored.
"""

from __future__ import annotations

from flask import Flask, request
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

limiter: Limiter = _Limiter(key_func=get_remote_address, headers_enabled=True,
                            strategy="moving-window")


def init_rate_limits(app: Flask, settings: Settings) -> Limiter:
    """Bind the limiter to ``app`` with storage chosen from the settings."""
    app.config["RATELIMIT_STORAGE_URI"] = settings.redis_url or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = settings.rate_limit_key_prefix
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True  # a Redis outage must never block an SOS
    limiter.init_app(app)
    return limiter
