"""What the app may read: published articles, resolved to the best available locale.

Every query here filters on the servable states and leaves out categories pulled by a kill switch
(``article_not_killed``); nothing else can reach the mobile API.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from backend.clock import as_utc
from backend.editorial.serving import article_not_killed
from backend.models.content import Article, ArticleTag, current_change_seq
from backend.services.cursors import decode_cursor, encode_cursor, invalid_cursor
from content.categories import BY_SLUG
from content.locales import fallback_chain
from content.states import SERVABLE_STATES

SERVABLE = [s.value for s in SERVABLE_STATES]


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def _preference(chain: tuple[str, ...]) -> Any:
    return case(*[(Article.locale == loc, i) for i, loc in enumerate(chain)], else_=len(chain))


def _best_per_key(chain: tuple[str, ...], *conditions: Any) -> Any:
    """A subquery of the ids of the best-locale published article per translation key."""
    ranked = (
        select(Article.id.label("id"),
               func.row_number().over(partition_by=Article.translation_key,
                                      order_by=_preference(chain)).label("rn"))
        .where(Article.state.in_(SERVABLE), article_not_killed(), Article.locale.in_(chain),
               *conditions)
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.rn == 1)


def summary_dict(article: Article) -> dict[str, Any]:
    category = BY_SLUG[article.category]
    return {
        "id": article.id,
        "translation_key": article.translation_key,
        "slug": article.slug,
        "locale": article.locale,
        "category": article.category,
        "hidden": category.hidden,
        "title": article.title,
        "summary": article.summary,
        "reading_minutes": article.reading_minutes,
        "tags": article.tag_names,
        "published_at": _iso(article.published_at),
        "updated_at": _iso(article.updated_at),
    }


def detail_dict(article: Article) -> dict[str, Any]:
    data = summary_dict(article)
    data["body_html"] = article.body_html
    return data


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat().replace("+00:00", "Z") if value else None


def list_articles(session: Session, locale: str, *, category: str | None, tag: str | None,
                  limit: int, cursor: str | None) -> Page:
    """Published articles, newest first, one per translation key in the best locale."""
    chain = fallback_chain(locale)
    conditions: list[Any] = []
    if category:
        conditions.append(Article.category == category)
    if tag:
        conditions.append(Article.id.in_(select(ArticleTag.article_id).where(ArticleTag.tag == tag)))
    query: Select[Any] = select(Article).where(Article.id.in_(_best_per_key(chain, *conditions)))
    if cursor:
        value = decode_cursor("articles", cursor)
        try:
            published_iso, key = value
            published = datetime.fromisoformat(published_iso)
        except (TypeError, ValueError):
            raise invalid_cursor() from None
        if not isinstance(key, str):
            raise invalid_cursor()
        query = query.where(or_(
            Article.published_at < published,
            and_(Article.published_at == published, Article.translation_key > key),
        ))
    rows = session.scalars(
        query.order_by(Article.published_at.desc(), Article.translation_key).limit(limit + 1)
    ).all()
    items = list(rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(
            "articles", [as_utc(last.published_at).replace(tzinfo=None).isoformat()
                         if last.published_at else None, last.translation_key])
    return Page([summary_dict(a) for a in items], next_cursor)


def get_article(session: Session, locale: str, slug: str) -> Article | None:
    """The published article with ``slug`` in any locale, shown in the best locale available.

    A slug is unique per locale; the app may hold a slug from another locale (after the user switched
    language), so the translation key found through the slug is resolved through the fallback chain.
    """
    found = session.scalars(
        select(Article).where(Article.slug == slug, Article.state.in_(SERVABLE),
                              article_not_killed())
        .order_by(_preference(fallback_chain(locale)))
    ).first()
    if found is None:
        return None
    return session.scalars(
        select(Article).where(Article.id.in_(
            _best_per_key(fallback_chain(locale), Article.translation_key == found.translation_key)))
    ).first()


# -- search --------------------------------------------------------------------------------------
_TS_CONFIG = {"ru": "russian", "en": "english", "tg": "simple"}
# Tajik letters and their common keyboard substitutes compare equal, as do ё/е.
_FOLD = str.maketrans({"ғ": "г", "ӣ": "и", "қ": "к", "ӯ": "у", "ҳ": "х", "ҷ": "ч", "ё": "е"})
_TOKEN = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Case-, accent- and Tajik-letter-insensitive form used by the portable search."""
    return unicodedata.normalize("NFC", text).casefold().translate(_FOLD)


def search_articles(session: Session, locale: str, q: str, limit: int) -> list[dict[str, Any]]:
    """Full-text search over published articles in the locale chain; best match first."""
    chain = fallback_chain(locale)
    if session.get_bind().dialect.name == "postgresql":
        return _search_postgresql(session, chain, q, limit)
    return _search_portable(session, chain, q, limit)


def _search_postgresql(session: Session, chain: tuple[str, ...], q: str,
                       limit: int) -> list[dict[str, Any]]:
    config = case(*[(Article.locale == loc, literal(cfg)) for loc, cfg in _TS_CONFIG.items()],
                  else_=literal("simple"))
    regconfig = cast(config, REGCONFIG)
    document = func.to_tsvector(regconfig, Article.title + " " + Article.summary + " "
                                + Article.search_text)
    query = func.websearch_to_tsquery(regconfig, q)
    matching = select(Article.id).where(Article.state.in_(SERVABLE), article_not_killed(),
                                        document.op("@@")(query))
    rank = func.ts_rank(document, query)
    rows = session.execute(
        select(Article, rank.label("rank"))
        .where(Article.id.in_(_best_per_key(chain, Article.id.in_(matching))))
        .order_by(rank.desc(), Article.published_at.desc()).limit(limit)
    ).all()
    return [summary_dict(row[0]) for row in rows]


def _search_portable(session: Session, chain: tuple[str, ...], q: str,
                     limit: int) -> list[dict[str, Any]]:
    """SQLite fallback: every query word must start a word of the article; title hits rank higher."""
    terms = [fold(t) for t in _TOKEN.findall(q)]
    if not terms:
        return []
    candidates = session.scalars(
        select(Article).where(Article.state.in_(SERVABLE), article_not_killed(),
                              Article.locale.in_(chain))
    ).all()
    scored: dict[str, tuple[int, float, Article]] = {}
    for article in candidates:
        title_words = set(_TOKEN.findall(fold(article.title + " " + article.summary)))
        body_words = set(_TOKEN.findall(fold(article.search_text)))
        score = 0.0
        for term in terms:
            if any(w.startswith(term) for w in title_words):
                score += 3
            elif any(w.startswith(term) for w in body_words):
                score += 1
            else:
                break
        else:
            preference = chain.index(article.locale)
            best = scored.get(article.translation_key)
            if best is None or preference < best[0]:
                scored[article.translation_key] = (preference, score, article)
    ranked = sorted(scored.values(),
                    key=lambda item: (-item[1], -as_utc(item[2].published_at).timestamp()
                                      if item[2].published_at else 0))
    return [summary_dict(item[2]) for item in ranked[:limit]]


# -- sync ----------------------------------------------------------------------------------------
def sync_changes(session: Session, locale: str, since: str | None, limit: int) -> dict[str, Any]:
    """Everything created, updated or withdrawn since ``since``, one entry per translation key.

    Each entry is the key's best published version (``deleted: false``) or, when no version may be
    shown any more, a tombstone (``deleted: true``) telling the app to drop its copy.
    """
    chain = fallback_chain(locale)
    upper = current_change_seq(session)  # read first: every change up to here has committed
    lower = decode_cursor("sync", since, "since") if since else 0
    if not isinstance(lower, int) or isinstance(lower, bool) or lower < 0:
        raise invalid_cursor("since")
    changed = session.execute(
        select(Article.translation_key, func.max(Article.change_seq).label("seq"))
        .where(Article.change_seq > lower, Article.change_seq <= upper,
               Article.locale.in_(chain), Article.published_at.is_not(None))
        .group_by(Article.translation_key)
        .order_by(func.max(Article.change_seq), Article.translation_key)
        .limit(limit + 1)
    ).all()
    page = changed[:limit]
    has_more = len(changed) > limit
    keys = [row.translation_key for row in page]
    current: dict[str, Article] = {}
    if keys:
        for article in session.scalars(
            select(Article).where(Article.id.in_(
                _best_per_key(chain, Article.translation_key.in_(keys))))
        ):
            current[article.translation_key] = article
    items: list[dict[str, Any]] = []
    for key in keys:
        best = current.get(key)
        items.append({**detail_dict(best), "deleted": False} if best
                     else {"translation_key": key, "deleted": True})
    next_seq = page[-1].seq if has_more else max(upper, lower)
    return {"items": items, "next_cursor": encode_cursor("sync", int(next_seq)),
            "has_more": has_more}
