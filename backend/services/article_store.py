"""Writes to articles. Every write takes a change number from the content clock, so the app's sync
and every cached response see it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.clock import now
from backend.models.content import Article, ArticleTag, next_change_seq
from content.importer import CorpusEntry, Outcome
from content.rendering import render_body
from content.states import ContentState


def apply_body(article: Article, body_markdown: str) -> None:
    """Set the Markdown body and everything derived from it."""
    rendered = render_body(body_markdown)
    article.body_markdown = body_markdown
    article.body_html = rendered.html
    article.search_text = rendered.text
    article.reading_minutes = rendered.reading_minutes


def set_tags(article: Article, tags: list[str] | tuple[str, ...]) -> None:
    article.tags = [ArticleTag(tag=tag, position=i) for i, tag in enumerate(dict.fromkeys(tags))]


def touch(session: Session, article: Article) -> None:
    """Record that ``article`` changed in a way the app can see."""
    article.updated_at = now()
    with session.no_autoflush:  # the article may not be complete until the number is set
        article.change_seq = next_change_seq(session)


class SqlArticleStore:
    """The database side of :func:`content.importer.import_corpus`.

    An entry is matched on (locale, translation key). Corpus articles are the reviewed starter content
    shipped with the product and arrive published; a locally edited article (source "editorial") is never
    overwritten by a re-import.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert_from_corpus(self, entry: CorpusEntry) -> Outcome:
        article = self.session.scalars(select(Article).where(
            Article.locale == entry.locale, Article.translation_key == entry.translation_key)
        ).first()
        if article is not None and article.source != "corpus":
            return "unchanged"
        if article is not None and article.fingerprint == entry.fingerprint:
            return "unchanged"
        outcome: Outcome = "updated" if article is not None else "created"
        if article is None:
            article = Article(locale=entry.locale, translation_key=entry.translation_key,
                              source="corpus", state=ContentState.PUBLISHED.value,
                              created_at=now())
            self.session.add(article)
        article.slug = entry.slug
        article.category = entry.category
        article.title = entry.title
        article.summary = entry.summary
        article.published_at = entry.published_at
        article.fingerprint = entry.fingerprint
        apply_body(article, entry.body)
        set_tags(article, entry.tags)
        touch(self.session, article)
        self.session.flush()
        return outcome
