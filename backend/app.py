"""The application factory: every entry point (web, worker, CLI, tests) builds the app here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import NullSession, SessionInterface
from sqlalchemy import event
from sqlalchemy.engine import Engine

from backend.celery_app import configure_celery
from backend.config import Settings, load_settings
from backend.errors import register_error_handlers
from backend.extensions import db, migrate
from backend.logging_setup import configure_logging, install_request_ids

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the Flask app from ``settings`` (default: the environment, validated)."""
    settings = settings or load_settings(**overrides)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    configure_logging(settings.log_level)

    app = HushbakhtFlask(__name__)
    app.config.update(
        SECRET_KEY=settings.effective_secret_key(),
        SQLALCHEMY_DATABASE_URI=settings.sqlalchemy_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    app.session_interface = NoCookieSessionInterface()
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["hushbakht.settings"] = settings

    import backend.models  # noqa: F401 - register every table on the metadata

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    configure_celery(app, settings)

    register_error_handlers(app)
    install_request_ids(app)

    from backend import health
    from backend.mobile import content_api

    app.register_blueprint(health.bp)
    app.register_blueprint(content_api.bp)

    from backend.mobile import ads_api

    app.register_blueprint(ads_api.bp)  # editorial: approved, in-campaign ads for the app

    from backend.console import register_console
    from backend.staff_api import register_staff_api

    register_console(app)
    register_staff_api(app)

    from backend.console.editorial import register_editorial_console
    from backend.staff_api import editorial as staff_editorial_api

    register_editorial_console(app)
    app.register_blueprint(staff_editorial_api.bp)

    from backend.sos.setup import init_sos

    init_sos(app, settings)  # SOS: rate limits, relay adapters, mobile SOS API, Twilio webhooks

    from backend.edge_cache import EdgeCache

    app.wsgi_app = EdgeCache(app, app.wsgi_app)  # type: ignore[method-assign]
    return app


class HushbakhtFlask(Flask):
    """Flask, asking once per function rather than once per request whether it is a coroutine.

    Flask calls ``ensure_sync`` for every hook and view of every request, and each call asks
    ``inspect.iscoroutinefunction``; with seven hooks that was a tenth of a cached request's time.
    The answer for a given function never changes, so it is remembered (no view here is async).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ensured: dict[Any, Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._ensured[func]
        except KeyError:
            ensured = super().ensure_sync(func)
            if len(self._ensured) < 4096:  # per-request callables (as_view, closures) must not grow it
                self._ensured[func] = ensured
            return ensured
        except TypeError:  # an unhashable callable: ask every time
            return super().ensure_sync(func)


class _NoCookieSession(NullSession):
    """Refuses writes with a message that says why (NullSession's blames a missing secret key)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Flask's cookie session is not used: console sessions are server-side "
                           "rows (backend/security/access.py); keep state there.")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse


class NoCookieSessionInterface(SessionInterface):
    """No signed-cookie session: nothing in the product keeps state in one (the console's sessions
    are server-side rows with their own cookie), and opening Flask's default one costs a signing
    serializer on every request, the app's cheapest ones included. Writing to ``flask.session``
    fails loudly instead of silently setting a cookie."""

    def open_session(self, app: Flask, request: Request) -> NullSession:
        return _NoCookieSession()

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        return None


def get_settings(app: Flask) -> Settings:
    settings: Settings = app.extensions["hushbakht.settings"]
    return settings


def _engine_options(settings: Settings) -> dict[str, Any]:
    # hide_parameters: database errors never print bound values (survivor data) into logs.
    if settings.sqlalchemy_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}, "hide_parameters": True}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10, "hide_parameters": True}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web process read while the worker writes; foreign keys are off by default.
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
