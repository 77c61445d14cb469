"""Strong ETags, conditional GETs and a small response cache for the public content API.

Responses are cached in-process, per application, by (request key, content version). The content
version is the content clock, which every write to servable content moves, so a publish, withdrawal or
kill switch invalidates every cached body and ETag without any explicit purge: at once in the process
that wrote, within a second in the others (``backend.models.content.RecentClock``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, json, request


class ResponseCache:
    """A bounded LRU of rendered JSON bodies and their ETags."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[Any, ...], tuple[bytes, str]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> tuple[bytes, str] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: tuple[Any, ...], value: tuple[bytes, str]) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def response_cache() -> ResponseCache:
    cache: ResponseCache = current_app.extensions.setdefault("hushbakht.response_cache",
                                                             ResponseCache())
    return cache


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


# Environ keys through which a view hands a storable response to ``backend.edge_cache``.
EDGE_ELIGIBLE = "hushbakht.edge.eligible"
EDGE_STORABLE = "hushbakht.edge.storable"


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = [tag.strip() for tag in if_none_match.split(",")]
    # Weak comparison for If-None-Match (RFC 9110 13.1.2): W/ prefixes are ignored.
    return any(c.removeprefix("W/") == etag for c in candidates)


def cached_json(key: tuple[Any, ...], version: int, build: Callable[[], Any], *,
                max_age: int, vary: str = "Accept-Language",
                content_language: str | None = None) -> Response:
    """Serve the JSON built by ``build()`` with a strong ETag, answering 304 when it matches."""
    cache = response_cache()
    full_key = (*key, version)
    hit = cache.get(full_key)
    if hit is None:
        body = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode()
        hit = (body, strong_etag(body))
        cache.put(full_key, hit)
    body, etag = hit
    if etag_matches(request.headers.get("If-None-Match"), etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
        if EDGE_ELIGIBLE in request.environ and request.url_rule is not None:
            # Built from content ``version``: the edge cache may answer the same request with it.
            request.environ[EDGE_STORABLE] = (version, request.url_rule.rule)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Vary"] = vary
    if content_language:
        response.headers["Content-Language"] = content_language
    return response
