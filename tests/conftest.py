"""Shared fixtures: a real PostgreSQL database and Redis when reachable, migrated with Alembic.

Each test session gets its own PostgreSQL database (created from the ``test`` database, dropped at the
end) and its own Redis key prefix, so suites can run side by side. Under ``CI=true`` a missing PostgreSQL
or Redis fails the run; elsewhere the suite falls back to SQLite and skips what needs Redis.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


POSTGRES_UP = _reachable(PG_HOST, PG_PORT)
REDIS_UP = _reachable(REDIS_HOST, REDIS_PORT)


def pytest_configure(config: pytest.Config) -> None:
    missing = [name for name, up in (("PostgreSQL at 127.0.0.1:5432", POSTGRES_UP),
                                     ("Redis at 127.0.0.1:6379", REDIS_UP)) if not up]
    if IN_CI and missing:
        pytest.exit(f"CI=true but {', '.join(missing)} unreachable: the suite must run against "
                    "real services in CI", returncode=3)


def pytest_report_header(config: pytest.Config) -> str:
    return (f"database: {'PostgreSQL' if POSTGRES_UP else 'SQLite (PostgreSQL unreachable)'}; "
            f"redis: {'yes' if REDIS_UP else 'no'}")


requires_redis = pytest.mark.skipif(not REDIS_UP, reason="Redis at 127.0.0.1:6379 unreachable")
requires_postgres = pytest.mark.skipif(not POSTGRES_UP,
                                       reason="PostgreSQL at 127.0.0.1:5432 unreachable")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database for this test session."""
    if not POSTGRES_UP:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        url = f"sqlite:///{path}"
        _migrate(url, tmp_path_factory.mktemp("data"))
        yield url
        return
    import psycopg

    name = f"hb_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = f"host={PG_HOST} port={PG_PORT} dbname=test user=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    try:
        _migrate(url, tmp_path_factory.mktemp("data"))
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(url: str, data_dir: Path) -> None:
    from flask_migrate import upgrade

    from backend.app import create_app
    from backend.config import load_settings

    app = create_app(load_settings({"DATABASE_URL": url, "HUSHBAKHT_DATA_DIR": str(data_dir),
                                    "HUSHBAKHT_ENV": "test", "SECRET_KEY": "x" * 40}))
    with app.app_context():
        upgrade(revision="heads")


@pytest.fixture(scope="session")
def redis_prefix() -> str:
    return f"hbtest-{os.getpid()}-{uuid.uuid4().hex[:6]}:"


def base_environment(database_url: str, data_dir: Path, **extra: Any) -> dict[str, str]:
    """The environment a test app runs with; tests add their own settings on top."""
    env = {
        "DATABASE_URL": database_url,
        "HUSHBAKHT_DATA_DIR": str(data_dir),
        "HUSHBAKHT_ENV": "test",
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "CELERY_BROKER_URL": "memory://",
        "LOG_LEVEL": "WARNING",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def app_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """Settings for the ``app`` fixture; override with ``@pytest.mark.parametrize`` or by
    requesting this fixture and editing it before ``app`` is created."""
    return base_environment(database_url, tmp_path / "data")


@pytest.fixture
def app(app_env: dict[str, str]) -> Iterator[Flask]:
    from backend.app import create_app
    from backend.config import load_settings

    app = create_app(load_settings(app_env))
    app.config["TESTING"] = True
    from backend.extensions import db

    with app.app_context():
        reset_database()
        yield app
        db.session.remove()
        # Each test builds its own app and engine: close its pool now rather than at garbage
        # collection, so a long suite never runs PostgreSQL out of connections.
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# Tables whose rows are created by migrations: kept, and put back to their initial values.
SEEDED_TABLES = {"alembic_version", "content_clock"}


def reset_database() -> None:
    """Empty every table between tests (schema stays, created once by Alembic per session)."""
    from sqlalchemy import text

    from backend.extensions import db

    engine = db.engine
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in SEEDED_TABLES]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            if tables:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                  + " RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 - names from metadata
        conn.execute(text("UPDATE content_clock SET seq = 0"))


@pytest.fixture
def imported_corpus(app: Flask) -> None:
    """The starter corpus imported into the test database, as `make run` does."""
    from backend.extensions import db
    from backend.services.article_store import SqlArticleStore
    from content.importer import import_corpus, load_corpus

    import_corpus(load_corpus(), SqlArticleStore(db.session))
    db.session.commit()
