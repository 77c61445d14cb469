"""All ORM models, imported here so Alembic and the app see one complete metadata."""

from backend.models.audit import AuditEvent
from backend.models.casework import (
    AlertCase,
    AlertNote,
    AlertReferral,
    CaseStatistic,
    ReferralStatistic,
)
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
from backend.models.hotline import EscalationPolicy
from backend.models.sos import (
    Alert,
    AlertEvent,
    Delivery,
    Device,
    LocationFix,
    OnCallEntry,
    OutboxMessage,
    SosCounter,
    StaffDevice,
    VoiceChunk,
    VoiceMessage,
    WebhookReceipt,
)
from backend.models.staff import StaffApiToken, StaffSession, StaffUser

__all__ = [
    "Ad",
    "Alert",
    "AlertCase",
    "AlertEvent",
    "AlertNote",
    "AlertReferral",
    "Article",
    "ArticleTag",
    "AuditEvent",
    "CaseStatistic",
    "ContentClock",
    "Delivery",
    "Device",
    "EditorNotice",
    "EditorialEvent",
    "EditorialRecord",
    "EscalationPolicy",
    "KillSwitch",
    "LocationFix",
    "ModerationResult",
    "ModerationScanState",
    "ModeratorDecision",
    "OnCallEntry",
    "OutboxMessage",
    "ReferralStatistic",
    "Revision",
    "SosCounter",
    "StaffApiToken",
    "StaffDevice",
    "StaffSession",
    "StaffUser",
    "VoiceChunk",
    "VoiceMessage",
    "WebhookReceipt",
]
