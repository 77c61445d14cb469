"""All ORM models, imported here so Alembic and the app see one complete metadata."""

from backend.models.content import Article, ArticleTag, ContentClock

__all__ = ["Article", "ArticleTag", "ContentClock"]
