"""One error type for every API error, rendered as RFC 9457 ``application/problem+json``.

Views raise :class:`Problem`; the handlers registered here turn it, and every HTTP error Flask or Werkzeug
raises (unknown route, wrong method, malformed body), into a problem document. Unexpected exceptions become a
500 problem without internals; the traceback goes to the log with the request id only.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:hushbakht:problem:"

log = logging.getLogger(__name__)

# Stable slugs for the errors Werkzeug raises on its own.
_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    411: "length-required",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    416: "range-not-satisfiable",
    422: "unprocessable-content",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal-error",
    501: "not-implemented",
    503: "service-unavailable",
}


class Problem(Exception):
    """An API error with a stable ``type`` slug, shown to clients as problem+json."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    @property
    def type(self) -> str:
        return PROBLEM_TYPE_PREFIX + self.slug

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        body["instance"] = request.path if request else None
        rid = g.get("request_id") if g else None
        if rid:
            body["request_id"] = rid
        body.update(self.extensions)
        return body


def validation_problem(detail: str, errors: list[dict[str, str]] | None = None) -> Problem:
    """A 400 for a request whose parameters or body do not match the contract."""
    return Problem(400, "validation-error", "The request is not valid", detail,
                   errors=errors or [])


def problem_response(problem: Problem) -> Response:
    response = Response(
        json.dumps(problem.to_dict(), ensure_ascii=False),
        status=problem.status,
        mimetype=PROBLEM_MEDIA_TYPE,
    )
    response.headers["Cache-Control"] = "no-store"
    for key, value in problem.headers.items():
        response.headers[key] = value
    return response


def problem_from_http(exc: HTTPException) -> Problem:
    status = exc.code or 500
    slug = _HTTP_SLUGS.get(status, f"http-{status}")
    headers: dict[str, str] = {}
    if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))  # type: ignore[attr-defined]
    detail = exc.description if status != 404 else "There is nothing at this address."
    return Problem(status, slug, exc.name, detail, headers=headers)


def register_error_handlers(app: Flask) -> None:
    """Make every error an RFC 9457 problem (HTML console pages register their own handlers)."""

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return problem_response(problem_from_http(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error", extra={"error_type": type(exc).__name__})
        return problem_response(
            Problem(500, "internal-error", "Internal error",
                    "Something went wrong on our side. Please try again.")
        )
