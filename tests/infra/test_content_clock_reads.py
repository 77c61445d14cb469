"""The content version the response cache uses is read at most once a second per process.

benchmarks/content_api.py showed the per-request read of the content clock to be most of the
article list's cost; these tests pin down what the cheaper reading still guarantees: this process
sees its own changes at once, and another process's changes within the interval.
"""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from backend.extensions import db
from backend.models.content import Article, RecentClock
from backend.services.article_store import touch
from content.states import ContentState

pytestmark = pytest.mark.usefixtures("imported_corpus")
LIST = "/api/v1/articles?locale=en&limit=50"


def _listed_keys(client: FlaskClient) -> set[str]:
    """Translation keys listed in English (a withdrawn English article falls back to ru or tg)."""
    response = client.get(LIST)
    assert response.status_code == 200
    return {item["translation_key"] for item in response.get_json()["items"]
            if item["locale"] == "en"}


def _first_en_article() -> Article:
    return db.session.scalars(select(Article).where(Article.locale == "en")
                              .order_by(Article.translation_key)).first()


def test_a_withdrawal_committed_in_this_process_disappears_from_the_list_at_once(
        app: Flask, client: FlaskClient) -> None:
    app.extensions["hushbakht.content_clock"] = RecentClock(interval=3600)
    article = _first_en_article()
    key = article.translation_key
    assert key in _listed_keys(client)
    article.state = ContentState.WITHDRAWN.value
    touch(db.session, article)
    db.session.commit()
    assert key not in _listed_keys(client)


class _SteppedTime:
    """``time`` for backend.models.content whose monotonic clock the test moves on by hand, so
    "within the interval" does not depend on how fast a loaded machine runs the requests."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset


def test_a_change_made_by_another_process_shows_once_the_interval_has_passed(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.models import content as content_models

    stepped = _SteppedTime()
    monkeypatch.setattr(content_models, "time", stepped)
    app.extensions["hushbakht.content_clock"] = RecentClock(interval=60)
    key = _first_en_article().translation_key
    db.session.remove()
    assert key in _listed_keys(client)
    # Another process: its own connection and transaction, none of this process's sessions.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE article SET state = 'withdrawn' "
                          "WHERE translation_key = :key AND locale = 'en'"), {"key": key})
        conn.execute(text("UPDATE content_clock SET seq = seq + 1 WHERE id = 1"))
    stepped.offset = 30  # half the interval on
    assert key in _listed_keys(client), "served from the cache within the interval"
    stepped.offset = 120  # past it, however slow the requests were
    assert key not in _listed_keys(client)

