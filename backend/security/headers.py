"""Strict security headers on every console page and staff API response.

The console runs no inline script or style (CSP forbids it), is never framed, and its pages are
never
stored by the browser or a proxy: alert pages carry survivor data, and even the queue reveals
activity.
"""

from __future__ import annotations

from flask import Flask, Response, request

from backend.config import Settings

CONSOLE_CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:{media}",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
PROTECTED_PREFIXES = ("/console", "/api/staff")


def install_security_headers(app: Flask, settings: Settings) -> None:
    """Add the headers to every response under /console and /api/staff (and console statics)."""
    https = settings.public_base_url.startswith("https://")
    # Voice playback uses signed URLs on PUBLIC_BASE_URL, which may be another origin than the
    # console's (e.g. a console on an internal host).
    from urllib.parse import urlsplit

    public = urlsplit(settings.public_base_url)
    console_csp = CONSOLE_CSP.replace("{media}", f" {public.scheme}://{public.netloc}")

    @app.after_request
    def _headers(response: Response) -> Response:
        path = request.path
        is_static = path.startswith("/static/console/")
        if not (path.startswith(PROTECTED_PREFIXES) or is_static):
            return response
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"  # no-referrer would make forms send Origin: null
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        headers["Content-Security-Policy"] = (
            API_CSP if path.startswith("/api/staff") else console_csp)
        if https:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if not is_static:
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
