"""What every request goes through: server socket, rate limiter, session, hooks."""

from __future__ import annotations

import socket

import click
import pytest
from flask import Flask, session
from flask_limiter.util import get_qualified_name

from backend.app import HushbakhtFlask
from backend.cli import _ensure_port_free
from backend.rate_limits import UNLIMITED_BLUEPRINTS, limiter


def test_serve_refuses_a_port_another_server_listens_on() -> None:
    # gunicorn's workers use SO_REUSEPORT; a second copy must not silently share the port.
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(click.ClickException, match="already running"):
            _ensure_port_free("127.0.0.1", port)
    _ensure_port_free("127.0.0.1", port)  # free again once it is closed


def test_unlimited_blueprints_carry_no_limit(app: Flask) -> None:
    # A @limiter.limit on one of their views would be skipped by the limiter's early return.
    marked = limiter._marked_for_limiting
    for endpoint, view in app.view_functions.items():
        if endpoint.partition(".")[0] in UNLIMITED_BLUEPRINTS:
            assert get_qualified_name(view) not in marked, endpoint
    assert {"mobile_content", "health"} <= set(app.blueprints)  # the names still exist


def test_limits_still_apply_elsewhere(app: Flask) -> None:
    limited = {endpoint for endpoint, view in app.view_functions.items()
               if get_qualified_name(view) in limiter._marked_for_limiting}
    assert any(endpoint.startswith("mobile_sos.") for endpoint in limited)


def test_content_responses_set_no_cookie(client, imported_corpus) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/articles?locale=ru")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.vary


def test_flask_cookie_session_refuses_writes(app: Flask) -> None:
    with app.test_request_context("/"):
        app.preprocess_request()
        assert dict(session) == {}
        with pytest.raises(RuntimeError, match="server-side"):
            session["user"] = "x"


def test_hooks_are_checked_for_coroutines_once_per_function() -> None:
    app = HushbakhtFlask(__name__)
    calls: list[str] = []

    @app.before_request
    def hook() -> None:
        calls.append("hook")

    @app.get("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    assert client.get("/").data == b"ok" and client.get("/").data == b"ok"
    assert calls == ["hook", "hook"]
    assert app.ensure_sync(hook) is hook and app.ensure_sync(index) is index

    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self) -> str:
            return "called"

    assert app.ensure_sync(Unhashable())() == "called"
