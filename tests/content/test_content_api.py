"""What the app sees through the content API."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.extensions import db
from backend.models.content import Article
from backend.services.article_store import touch
from content.states import ContentState
from tests.support.contract import assert_matches_contract

pytestmark = pytest.mark.usefixtures("imported_corpus")


def _get(client: FlaskClient, url: str, **kwargs: Any) -> Any:
    response = client.get(url, **kwargs)
    assert_matches_contract(response, "GET", url)
    return response


def _set_state(translation_key: str, locale: str, state: ContentState) -> None:
    article = db.session.scalars(select(Article).where(
        Article.translation_key == translation_key, Article.locale == locale)).one()
    article.state = state.value
    touch(db.session, article)
    db.session.commit()


def _all_pages(client: FlaskClient, url: str) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        query = f"{url}&cursor={cursor}" if cursor else url
        body = _get(client, query).get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_article_list_pages_through_every_article_once_in_the_requested_locale(
        client: FlaskClient) -> None:
    items = _all_pages(client, "/api/v1/articles?locale=ru&limit=7")
    keys = [i["translation_key"] for i in items]
    assert len(keys) == len(set(keys)) >= 20
    assert {i["locale"] for i in items} == {"ru"}
    dates = [i["published_at"] for i in items]
    assert dates == sorted(dates, reverse=True)


def test_help_articles_are_marked_hidden_and_others_are_not(client: FlaskClient) -> None:
    items = _all_pages(client, "/api/v1/articles?locale=en&limit=50")
    assert all(i["hidden"] == (i["category"] == "help") for i in items)
    assert sum(i["hidden"] for i in items) >= 6


def test_category_and_tag_filters(client: FlaskClient) -> None:
    recipes = _get(client, "/api/v1/articles?locale=en&category=recipes").get_json()["items"]
    assert recipes and {i["category"] for i in recipes} == {"recipes"}
    tagged = _get(client, "/api/v1/articles?locale=tg&tag=1313").get_json()["items"]
    assert [i["translation_key"] for i in tagged] == ["hotline-1313"]


def test_missing_translation_falls_back_along_the_chain(client: FlaskClient) -> None:
    _set_state("plov-for-everyone", "tg", ContentState.WITHDRAWN)
    body = _get(client, "/api/v1/articles/oshi-palov-baroi-hama?locale=tg")
    # the tg slug is no longer served; the Russian version is the next in the tg chain
    assert body.status_code == 404
    ru = _get(client, "/api/v1/articles/plov-for-everyone?locale=tg")
    assert ru.get_json()["locale"] == "ru"
    assert ru.headers["Content-Language"] == "ru"
    listed = _all_pages(client, "/api/v1/articles?locale=tg&limit=50")
    plov = [i for i in listed if i["translation_key"] == "plov-for-everyone"]
    assert len(plov) == 1 and plov[0]["locale"] == "ru"


def test_unpublished_articles_are_never_served(client: FlaskClient) -> None:
    for locale in ("tg", "ru", "en"):
        _set_state("qurutob-at-home", locale, ContentState.IN_REVIEW)
    assert _get(client, "/api/v1/articles/qurutob-at-home?locale=en").status_code == 404
    listed = _all_pages(client, "/api/v1/articles?locale=en&limit=50")
    assert "qurutob-at-home" not in {i["translation_key"] for i in listed}
    found = _get(client, "/api/v1/search?q=qurutob&locale=en").get_json()["items"]
    assert "qurutob-at-home" not in {i["translation_key"] for i in found}


def test_locale_from_accept_language_and_unsupported_explicit_locale(client: FlaskClient) -> None:
    body = _get(client, "/api/v1/categories", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert body.get_json()["locale"] == "ru"
    bad = _get(client, "/api/v1/articles?locale=fr")
    assert bad.status_code == 400
    assert bad.mimetype == "application/problem+json"
    assert bad.get_json()["type"] == "urn:hushbakht:problem:unsupported-locale"


def test_etag_gives_304_until_the_content_changes(client: FlaskClient) -> None:
    first = _get(client, "/api/v1/articles?locale=en")
    etag = first.headers["ETag"]
    again = _get(client, "/api/v1/articles?locale=en", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    _set_state("mung-bean-soup", "en", ContentState.WITHDRAWN)
    changed = _get(client, "/api/v1/articles?locale=en", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "public" in changed.headers["Cache-Control"]


def test_sync_returns_everything_then_only_changes_with_tombstones(client: FlaskClient) -> None:
    items, cursor, has_more = [], None, True
    while has_more:
        url = "/api/v1/sync?locale=en&limit=9" + (f"&since={cursor}" if cursor else "")
        batch = _get(client, url).get_json()
        items += batch["items"]
        cursor, has_more = batch["next_cursor"], batch["has_more"]
    assert len({i["translation_key"] for i in items}) == len(items) >= 20
    assert not any(i["deleted"] for i in items)

    nothing = _get(client, f"/api/v1/sync?locale=en&since={cursor}").get_json()
    assert nothing["items"] == [] and nothing["has_more"] is False

    for locale in ("tg", "ru", "en"):
        _set_state("baked-sambusa", locale, ContentState.WITHDRAWN)
    delta = _get(client, f"/api/v1/sync?locale=en&since={cursor}").get_json()
    assert delta["items"] == [{"translation_key": "baked-sambusa", "deleted": True}]


def test_search_finds_articles_in_the_requested_language(client: FlaskClient) -> None:
    ru = _get(client, "/api/v1/search?q=плов&locale=ru").get_json()["items"]
    assert ru and ru[0]["translation_key"] == "plov-for-everyone"
    en = _get(client, "/api/v1/search?q=protection order&locale=en").get_json()["items"]
    assert "protection-orders" in [i["translation_key"] for i in en]
    assert _get(client, "/api/v1/search?q=zzzzqqq&locale=en").get_json()["items"] == []


@pytest.mark.parametrize("url", [
    "/api/v1/articles?limit=0", "/api/v1/articles?limit=abc", "/api/v1/articles?limit=51",
    "/api/v1/articles?category=weapons", "/api/v1/articles?tag=Bad Tag",
    "/api/v1/articles?cursor=not-a-cursor", "/api/v1/sync?since=WyJhcnRpY2xlcyIsMV0",
    "/api/v1/search", "/api/v1/search?q=%20", "/api/v1/search?q=a%00b",
])
def test_malformed_parameters_are_400_problems(client: FlaskClient, url: str) -> None:
    response = _get(client, url)
    assert response.status_code == 400
    problem = response.get_json()
    assert problem["type"].startswith("urn:hushbakht:problem:") and problem["detail"]


def test_unknown_routes_and_methods_are_problems(client: FlaskClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/api/v1/articles")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]
    assert wrong.get_json()["type"] == "urn:hushbakht:problem:method-not-allowed"


def test_health_and_readiness(client: FlaskClient, app: Flask) -> None:
    assert _get(client, "/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.get_json()["checks"]["database"] == "ok"
