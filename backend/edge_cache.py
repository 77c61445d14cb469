"""Repeated GETs of the public content API answered before Flask, from the bytes Flask produced.

The content API's answers depend only on the request line, ``Accept-Language`` and the content
version (``backend.http_caching``), and most of what the app serves are the same few lists asked
again and again. Flask's per-request machinery (request context, URL matching, hooks, response
object) costs more than looking a cached body up, so this WSGI middleware keeps, per process, the
complete responses Flask gave and answers identical requests with them, like a reverse-proxy cache
in front of the app with ``Vary: Accept-Language``:

- Only ``GET`` requests to the content routes, with no ``Cookie`` and no ``Authorization``, are
  looked up; everything else goes to Flask untouched.
- A response is stored only when the view said so (``cached_json`` with a 200) and under the content
  version the view built it from. A lookup uses the version only while this process's reading of
  the content clock is fresh (``RecentClock.fresh_value``); otherwise the request goes to Flask,
  which reads the clock again. So a publish, withdrawal or kill switch is seen exactly as on the
  Flask path: at once in the process that committed it, within a second in the others.
- A hit is answered as Flask would: same status, headers and body, ``304`` for a matching
  ``If-None-Match``, a request id (the client's when well-formed), and the same access-log line.
  Tests compare the two paths header for header.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from backend.http_caching import EDGE_ELIGIBLE, EDGE_STORABLE, etag_matches
from backend.models.content import RecentClock

_CONTENT_PATH = re.compile(r"^/api/v1/(?:categories|articles|articles/[^/]+|search|sync)$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Kept on a 304, as werkzeug keeps them on the Flask path (RFC 9110 15.4.5).
_NOT_MODIFIED_HEADERS = frozenset({"etag", "cache-control", "vary", "expires", "content-location"})
_PER_REQUEST_HEADERS = frozenset({"x-request-id", "set-cookie", "date", "server"})

access = logging.getLogger("hushbakht.access")

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class _Stored:
    route: str
    etag: str
    headers: list[tuple[str, str]]
    not_modified_headers: list[tuple[str, str]]
    body: bytes


def content_clock(app: Flask) -> RecentClock:
    """The app's one reading of the content clock, shared by the views and the middleware."""
    clock: RecentClock = app.extensions.setdefault("hushbakht.content_clock", RecentClock())
    return clock


class EdgeCache:
    """The WSGI middleware (see the module docstring); ``size`` responses per process at most."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]], size: int = 512) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str, str, int], _Stored] = OrderedDict()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" in environ
                or "HTTP_AUTHORIZATION" in environ
                or not _CONTENT_PATH.match(environ.get("PATH_INFO", ""))):
            return self.wsgi_app(environ, start_response)
        request_key = (environ["PATH_INFO"], environ.get("QUERY_STRING", ""),
                       environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        version = content_clock(self.app).fresh_value()
        if version is not None:
            with self._lock:
                stored = self._items.get((*request_key, version))
                if stored is not None:
                    self._items.move_to_end((*request_key, version))
            if stored is not None:
                return self._answer(stored, environ, start_response)
        return self._through_flask(request_key, environ, start_response)

    def _answer(self, stored: _Stored, environ: dict[str, Any],
                start_response: StartResponse) -> Iterable[bytes]:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(16)
        if etag_matches(environ.get("HTTP_IF_NONE_MATCH"), stored.etag):
            status, headers, body = 304, stored.not_modified_headers, b""
        else:
            status, headers, body = 200, stored.headers, stored.body
        start_response("200 OK" if status == 200 else "304 NOT MODIFIED",
                       [*headers, ("X-Request-ID", request_id)])
        access.info("request", extra={"method": "GET", "route": stored.route, "status": status,
                                      "request_id": request_id})
        return [body]

    def _through_flask(self, request_key: tuple[str, str, str], environ: dict[str, Any],
                       start_response: StartResponse) -> Iterable[bytes]:
        environ[EDGE_ELIGIBLE] = True
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        offered = environ.get(EDGE_STORABLE)
        if offered is None or not captured or not captured[0].startswith("200 "):
            return result
        version, route = offered
        headers = [(k, v) for k, v in captured[1] if k.lower() not in _PER_REQUEST_HEADERS]
        if any(k.lower() == "set-cookie" for k, _ in captured[1]):
            return result  # never keep a response that set something for one client
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        etag = next((v for k, v in headers if k.lower() == "etag"), None)
        if etag is not None:
            stored = _Stored(route, etag, headers,
                             [(k, v) for k, v in headers if k.lower() in _NOT_MODIFIED_HEADERS], body)
            with self._lock:
                self._items[(*request_key, version)] = stored
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return [body]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
