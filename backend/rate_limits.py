"""The one rate limiter (Flask-Limiter), configured once by the application factory.

Storage is Redis when ``REDIS_URL`` is set (limits hold across every web process), memory otherwise
(the quick start). Keys are prefixed with ``RATE_LIMIT_KEY_PREFIX`` so deployments and test sessions
sharing one Redis never count each other's requests. Views use ``@limiter.limit(...)``.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from backend.config import Settings

limiter = Limiter(key_func=get_remote_address, headers_enabled=True, strategy="moving-window")


def init_rate_limits(app: Flask, settings: Settings) -> Limiter:
    """Bind the limiter to ``app`` with storage chosen from the settings."""
    app.config["RATELIMIT_STORAGE_URI"] = settings.redis_url or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = settings.rate_limit_key_prefix
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True  # a Redis outage must never block an SOS
    limiter.init_app(app)
    return limiter
