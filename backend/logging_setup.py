"""Structured JSON logs with a request id, and a last line of defence against personal data.

The code never logs phone numbers, locations, message bodies or audio; :class:`RedactingFilter` also masks
anything shaped like a phone number or coordinates, in case a library or a careless message does.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

# "+992 90 ...", and "%2B99290..." as it appears URL-encoded in a query string
_PHONE = re.compile(r"(?<![\w/])(?:\+|%2[Bb])?\d[\d \-()]{7,}\d")
_COORDS = re.compile(r"-?\d{1,3}\.\d{3,}\s*,\s*-?\d{1,3}\.\d{3,}")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def redact(text: str) -> str:
    """Mask phone-number-like and coordinate-like substrings."""
    return _PHONE.sub("[redacted-number]", _COORDS.sub("[redacted-location]", text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, Mapping):
            # "%(name)s"-style messages (Celery's, for one) take a mapping: keep it a mapping.
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class RedactingJsonFormatter(JsonFormatter):
    """JSON lines whose tracebacks are masked too: exception messages can quote data (a Twilio error
    names the number it refused), and filters never see the formatted traceback."""

    def formatException(self, ei: Any) -> Any:
        return _redact_text(super().formatException(ei))

    def formatStack(self, stack_info: str) -> Any:
        return _redact_text(super().formatStack(stack_info))


def _redact_text(text: str | list[str]) -> str | list[str]:
    # python-json-logger returns a list of lines when configured to; mask either shape.
    return [redact(line) for line in text] if isinstance(text, list) else redact(text)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
        elif not hasattr(record, "request_id"):  # the edge cache passes its own
            record.request_id = None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Send JSON lines to stderr for the whole process (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_hushbakht", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._hushbakht = True  # type: ignore[attr-defined]
    handler.setFormatter(RedactingJsonFormatter(
        "{asctime}{levelname}{name}{message}", style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    ))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # Request lines from werkzeug carry query strings (search terms); our own access log replaces them.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # The Twilio client logs every request line at INFO, query string included: a reconciliation
    # lookup's is "Messages.json?To=%2B992...", the hotline's or a trusted contact's number.
    logging.getLogger("twilio").setLevel(logging.WARNING)


def install_request_ids(app: Flask) -> None:
    """Accept a well-formed X-Request-ID or make one; echo it on the response; log each request."""
    access = logging.getLogger("hushbakht.access")

    @app.before_request
    def _assign() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(16)

    @app.after_request
    def _echo(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        # Path only: no query string (search terms), no body, no client address.
        access.info("request", extra={"method": request.method,
                                      "route": request.url_rule.rule if request.url_rule else None,
                                      "status": response.status_code})
        return response
