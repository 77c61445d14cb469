"""Content endpoints of the mobile API: categories, articles, search and offline sync."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from backend.app import get_settings
from backend.config import Settings
from backend.edge_cache import content_clock
from backend.errors import Problem
from backend.extensions import db
from backend.http_caching import cached_json
from backend.mobile.params import (
    category_param,
    limit_param,
    resolve_locale,
    tag_param,
    text_param,
)
from backend.services import content_catalog
from content.categories import CATEGORIES

bp = Blueprint("mobile_content", __name__, url_prefix="/api/v1")


def _settings() -> Settings:
    return get_settings(current_app)


def _version() -> int:
    """The content version for cache keys and ETags (read from the database at most once a second)."""
    return content_clock(current_app).value(db.session)


@bp.get("/categories")
def list_categories() -> Response:
    settings = _settings()
    locale = resolve_locale(settings.default_locale)

    def build() -> dict[str, object]:
        return {"locale": locale, "items": [
            {"slug": c.slug, "name": c.name(locale), "hidden": c.hidden, "position": c.position}
            for c in CATEGORIES]}

    # Keyed by the content version like every content answer, so the edge cache can keep it.
    return cached_json(("categories", locale), _version(), build, max_age=settings.cache_max_age,
                       content_language=locale)


@bp.get("/articles")
def list_articles() -> Response:
    settings = _settings()
    locale = resolve_locale(settings.default_locale)
    category, tag = category_param(), tag_param()
    limit = limit_param(20, settings.page_limit_max)
    cursor = text_param("cursor", required=False, max_length=400)

    def build() -> dict[str, object]:
        page = content_catalog.list_articles(db.session, locale, category=category, tag=tag,
                                             limit=limit, cursor=cursor)
        return {"locale": locale, "items": page.items, "next_cursor": page.next_cursor}

    return cached_json(("articles", locale, category, tag, limit, cursor), _version(), build,
                       max_age=settings.cache_max_age, content_language=locale)


@bp.get("/articles/<slug>")
def get_article(slug: str) -> Response:
    settings = _settings()
    locale = resolve_locale(settings.default_locale)
    version = _version()
    article = content_catalog.get_article(db.session, locale, slug)
    if article is None:
        raise Problem(404, "article-not-found", "Article not found",
                      "No published article has this slug.")
    return cached_json(("article", locale, slug), version,
                       lambda: content_catalog.detail_dict(article),
                       max_age=settings.cache_max_age, content_language=article.locale)


@bp.get("/search")
def search() -> Response:
    settings = _settings()
    locale = resolve_locale(settings.default_locale)
    q = text_param("q", required=True, max_length=200)
    assert q is not None
    limit = limit_param(20, settings.page_limit_max)
    return cached_json(
        ("search", locale, q, limit), _version(),
        lambda: {"locale": locale, "query": q,
                 "items": content_catalog.search_articles(db.session, locale, q, limit)},
        max_age=settings.cache_max_age, content_language=locale)


@bp.get("/sync")
def sync() -> Response:
    settings = _settings()
    locale = resolve_locale(settings.default_locale)
    since = text_param("since", required=False, max_length=200)
    limit = limit_param(100, 200)
    return cached_json(
        ("sync", locale, since, limit), _version(),
        lambda: {"locale": locale, **content_catalog.sync_changes(db.session, locale, since, limit)},
        max_age=0, content_language=locale)
