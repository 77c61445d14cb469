"""The starter corpus import through the moderation gate.

:class:`GatedArticleStore` wraps :class:`backend.services.article_store.SqlArticleStore`: every new or
changed corpus article is assessed first. Cleared articles are published as before; an article the gate
does not clear is stored but held ``in_review`` (outcome "held") and waits in the moderator queue.
Unchanged articles are not assessed again (the re-scan covers them when a new model is promoted).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.editorial.actors import SYSTEM
from backend.editorial.gate import assess_item
from backend.editorial.moderation_gateway import Assessor
from backend.editorial.records import log_event, mark_changed, record_for
from backend.models.content import Article
from backend.services.article_store import SqlArticleStore
from content.importer import CorpusEntry, Outcome
from content.workflow import EditorialState


class GatedArticleStore:
    """An :class:`content.importer.ArticleStore` that lets only cleared articles go live."""

    def __init__(self, session: Session, moderator: Assessor) -> None:
        self.session = session
        self.moderator = moderator
        self.inner = SqlArticleStore(session)

    def upsert_from_corpus(self, entry: CorpusEntry) -> Outcome:
        before = self._find(entry)
        was_held = before is not None and before.state == EditorialState.IN_REVIEW.value
        outcome = self.inner.upsert_from_corpus(entry)
        if outcome == "unchanged":
            return "held" if was_held and before is not None and before.source == "corpus" \
                else outcome
        article = self._find(entry)
        assert article is not None
        record_for(self.session, article)
        log_event(self.session, article, "imported", SYSTEM)
        result = assess_item(self.session, article, self.moderator, trigger="import")
        if result.decision != "clear":
            if article.state != EditorialState.IN_REVIEW.value:
                article.state = EditorialState.IN_REVIEW.value
                mark_changed(self.session, article)
            log_event(self.session, article, "held", SYSTEM,
                      f"import held by moderation {result.decision} ({result.model_version})")
            self.session.flush()
            return "held"
        if article.state == EditorialState.IN_REVIEW.value:
            # A held corpus article whose new version the gate clears goes live.
            article.state = EditorialState.PUBLISHED.value
            mark_changed(self.session, article)
        log_event(self.session, article, "cleared", SYSTEM)
        self.session.flush()
        return outcome

    def _find(self, entry: CorpusEntry) -> Article | None:
        return self.session.scalars(select(Article).where(
            Article.locale == entry.locale, Article.translation_key == entry.translation_key)
        ).first()
