"""All ORM models, imported here so Alembic and the app see one complete metadata."""

from backend.models.audit import AuditEvent
from backend.models.content import Article, ArticleTag, ContentClock
from backend.models.editorial import (
    Ad,
    EditorialEvent,
    EditorialRecord,
    EditorNotice,
    KillSwitch,
    ModerationResult,
    ModerationScanState,
    ModeratorDecision,
    Revision,
)

from backend.models.staff import StaffApiToken, StaffSession, StaffUser

__all__ = ["AuditEvent", "StaffApiToken", "StaffSession", "StaffUser",
           "Ad", "Article", "ArticleTag", "ContentClock", "EditorNotice", "EditorialEvent",
           "EditorialRecord", "KillSwitch", "ModerationResult", "ModerationScanState",
           "ModeratorDecision", "Revision"]
