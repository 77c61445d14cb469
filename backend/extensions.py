"""Flask extensions, created unbound and initialised by the application factory."""

from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session


class Base(DeclarativeBase):
    # Stable constraint names so Alembic migrations are the same on PostgreSQL and SQLite.
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class TypedSQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy with ``session`` typed as the :class:`Session` its scoped session proxies.

    Services take a plain ``Session`` (tests may pass any session); the scoped session forwards every
    call to the current one, so views and tasks pass ``db.session`` directly.
    """

    session: Session  # type: ignore[assignment]


db = TypedSQLAlchemy(model_class=Base)
migrate = Migrate()
