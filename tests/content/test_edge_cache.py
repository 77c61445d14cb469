"""The edge cache answers repeated content requests exactly as Flask does, and only those."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.edge_cache import EdgeCache, content_clock
from backend.extensions import db
from backend.models.content import Article, RecentClock
from backend.services.article_store import touch
from content.states import ContentState

pytestmark = pytest.mark.usefixtures("imported_corpus")

URLS = [
    "/api/v1/categories?locale=tg",
    "/api/v1/articles?locale=ru",
    "/api/v1/articles?locale=en&category=recipes&limit=3",
    "/api/v1/search?q=%D1%80%D0%B5%D0%B1%D1%91%D0%BD%D0%BE%D0%BA&locale=ru",
    "/api/v1/sync?locale=tg",
]


@pytest.fixture
def flask_hits(app: Flask) -> list[str]:
    """Paths of the requests that reached Flask (its hooks run only on the Flask path).

    The clock reading is kept fresh for an hour, so a slow first request on a busy machine cannot
    make the next one miss; this process's own commits still invalidate it at once.
    """
    app.extensions["hushbakht.content_clock"] = RecentClock(interval=3600)
    hits: list[str] = []

    @app.before_request
    def _count() -> None:
        from flask import request

        hits.append(request.path)

    return hits


def _edge(app: Flask) -> EdgeCache:
    edge = app.wsgi_app
    assert isinstance(edge, EdgeCache)
    return edge


def _same(first: Any, second: Any) -> None:
    assert second.status_code == first.status_code
    assert second.data == first.data
    strip = {"X-Request-ID", "Date", "Server"}
    assert [(k, v) for k, v in second.headers if k not in strip] == \
        [(k, v) for k, v in first.headers if k not in strip]


def _a_slug(client: FlaskClient) -> str:
    return str(client.get("/api/v1/articles?locale=ru").get_json()["items"][0]["slug"])


@pytest.mark.parametrize("url", URLS)
def test_a_repeated_request_is_answered_by_the_edge_exactly_as_by_flask(
        client: FlaskClient, flask_hits: list[str], url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200 and len(flask_hits) == 1
    second = client.get(url)
    assert len(flask_hits) == 1, "the second request should not reach Flask"
    _same(first, second)
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]


def test_article_detail_and_not_modified(client: FlaskClient, flask_hits: list[str]) -> None:
    url = f"/api/v1/articles/{_a_slug(client)}?locale=ru"
    first = client.get(url)
    reached = len(flask_hits)
    assert client.get(url).data == first.data and len(flask_hits) == reached
    etag = first.headers["ETag"]
    via_edge = client.get(url, headers={"If-None-Match": f'W/{etag}, "other"'})
    assert via_edge.status_code == 304 and via_edge.data == b"" and len(flask_hits) == reached
    # The same conditional request through Flask (a fresh process: empty edge) answers the same.
    _edge(client.application).clear()
    via_flask = client.get(url, headers={"If-None-Match": f'W/{etag}, "other"'})
    assert len(flask_hits) == reached + 1
    _same(via_flask, via_edge)


def test_the_language_header_is_part_of_the_key(client: FlaskClient) -> None:
    ru = client.get("/api/v1/articles", headers={"Accept-Language": "ru"})
    en = client.get("/api/v1/articles", headers={"Accept-Language": "en"})
    assert ru.headers["Content-Language"] == "ru" and en.headers["Content-Language"] == "en"
    assert client.get("/api/v1/articles", headers={"Accept-Language": "en"}).data == en.data
    assert client.get("/api/v1/articles", headers={"Accept-Language": "ru"}).data == ru.data


def test_a_change_committed_in_this_process_is_served_at_once(
        client: FlaskClient, flask_hits: list[str]) -> None:
    url = "/api/v1/articles?locale=en&limit=50"
    keys = {item["translation_key"] for item in client.get(url).get_json()["items"]}
    article = db.session.scalars(select(Article).where(Article.locale == "en")
                                 .order_by(Article.translation_key)).first()
    assert article is not None and article.translation_key in keys
    client.get(url)
    reached = len(flask_hits)
    article.state = ContentState.WITHDRAWN.value
    touch(db.session, article)
    db.session.commit()
    after = client.get(url).get_json()["items"]
    assert len(flask_hits) == reached + 1, "a stale clock must send the request to Flask"
    assert (article.translation_key, "en") not in {(i["translation_key"], i["locale"]) for i in after}


def test_a_stale_clock_reading_goes_to_flask(app: Flask, client: FlaskClient,
                                             flask_hits: list[str]) -> None:
    url = "/api/v1/articles?locale=ru"
    client.get(url)
    content_clock(app)._read_at = float("-inf")  # the reading is more than a second old
    client.get(url)
    assert len(flask_hits) == 2
    client.get(url)
    assert len(flask_hits) == 2


def test_requests_with_credentials_always_reach_flask(client: FlaskClient,
                                                      flask_hits: list[str]) -> None:
    url = "/api/v1/articles?locale=ru"
    client.get(url)
    client.get(url, headers={"Authorization": "Bearer x"})
    client.set_cookie("hb_lang", "ru")
    client.get(url)
    assert len(flask_hits) == 3


def test_errors_other_methods_and_other_paths_are_never_kept(
        client: FlaskClient, flask_hits: list[str]) -> None:
    for _ in range(2):
        assert client.get("/api/v1/articles?locale=xx").status_code == 400
        assert client.get("/api/v1/articles/no-such-article?locale=ru").status_code == 404
        assert client.head("/api/v1/articles?locale=ru").status_code == 200
        assert client.get("/api/v1/ads?placement=feed").status_code in (200, 400)
        assert client.get("/healthz").status_code == 200
    assert len(flask_hits) == 10
    assert len(_edge(client.application)._items) == 0


def test_hits_keep_the_request_id_and_are_logged_like_flask(
        client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    url = "/api/v1/articles?locale=ru"
    client.get(url)
    caplog.set_level(logging.INFO, logger="hushbakht.access")
    caplog.clear()
    hit = client.get(url, headers={"X-Request-ID": "trace-12345678"})
    assert hit.headers["X-Request-ID"] == "trace-12345678"
    records = [r for r in caplog.records if r.name == "hushbakht.access"]
    assert len(records) == 1
    record = records[0]
    assert (record.method, record.route, record.status, record.request_id) == (  # type: ignore[attr-defined]
        "GET", "/api/v1/articles", 200, "trace-12345678")
    assert "locale" not in record.getMessage()
    bad = client.get(url, headers={"X-Request-ID": "not a valid id"})
    assert len(bad.headers["X-Request-ID"]) == 32


def test_the_edge_keeps_a_bounded_number_of_responses(client: FlaskClient) -> None:
    edge = _edge(client.application)
    edge.size = 3
    for limit in range(1, 7):
        assert client.get(f"/api/v1/articles?locale=ru&limit={limit}").status_code == 200
    assert len(edge._items) == 3


def test_a_clock_reread_between_check_and_read_never_yields_an_older_version() -> None:
    # Another thread re-reading the clock (new value, then new stamps) while a lookup asks for
    # the fresh value: the lookup must get the new value or None, never the old one as fresh.
    import time

    from backend.models import content as content_model

    clock = RecentClock(interval=3600)
    clock._value, clock._read_at = 1, float("-inf")  # an old reading, no longer fresh
    clock._commits_seen = content_model._commits_that_moved_the_clock
    real_fresh = clock._fresh

    def fresh_with_a_reread_in_between() -> bool:
        clock._value = 2
        clock._read_at = time.monotonic()
        return real_fresh()

    clock._fresh = fresh_with_a_reread_in_between  # type: ignore[method-assign]
    assert clock.fresh_value() in (None, 2)
