"""Persistence of the editorial workflow: ads, revisions, moderation results and decisions, kill switches.

Articles keep living in :class:`backend.models.content.Article` (its ``state`` is the workflow state);
everything the workflow adds to an article or an ad is in :class:`EditorialRecord`, one row per item.
Actors are staff user ids kept as text, so this schema does not depend on the staff tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.clock import now
from backend.extensions import db
from backend.models.content import new_id


class Ad(db.Model):  # type: ignore[name-defined]
    """An ad as the app shows it. Served only when published, in campaign and not pulled."""

    __tablename__ = "ad"
    __table_args__ = (Index("ix_ad_serving", "state", "placement", "locale"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    locale: Mapped[str] = mapped_column(String(2), nullable=False)
    advertiser: Mapped[str] = mapped_column(String(120), nullable=False)
    advertiser_key: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    placement: Mapped[str] = mapped_column(String(32), nullable=False)
    creative_text: Mapped[str] = mapped_column(Text, nullable=False)
    image_description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    change_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class EditorialRecord(db.Model):  # type: ignore[name-defined]
    """The workflow side of one article or ad: lock, schedule, latest feedback for the editor."""

    __tablename__ = "editorial_record"
    __table_args__ = (UniqueConstraint("item_kind", "item_id", name="uq_editorial_record_item"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    item_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    revision_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    submitted_revision: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lock_holder: Mapped[str | None] = mapped_column(String(64))
    lock_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    feedback: Mapped[str | None] = mapped_column(Text)  # the latest reason the editor must see
    feedback_by: Mapped[str | None] = mapped_column(String(64))
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    latest_result_id: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Revision(db.Model):  # type: ignore[name-defined]
    """A numbered snapshot of an item's editable fields: who changed what, and when."""

    __tablename__ = "editorial_revision"
    __table_args__ = (UniqueConstraint("item_kind", "item_id", "number",
                                       name="uq_editorial_revision_number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    item_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    author: Mapped[str] = mapped_column(String(64), nullable=False)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class ModerationResult(db.Model):  # type: ignore[name-defined]
    """What the moderation gate said about one revision's text, with the model version that said it."""

    __tablename__ = "moderation_result"
    __table_args__ = (Index("ix_moderation_result_item", "item_kind", "item_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    item_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[str] = mapped_column(String(32), nullable=False)
    revision_number: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(16), nullable=False)  # submit | rescan | import
    decision: Mapped[str] = mapped_column(String(8), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    categories: Mapped[dict[str, float]] = mapped_column(JSON, nullable=False)
    spans: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    lang: Mapped[str] = mapped_column(String(2), nullable=False)
    model_version: Mapped[str] = mapped_column(String(64), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)  # the spans point into this text
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class ModeratorDecision(db.Model):  # type: ignore[name-defined]
    """A moderator's decision on a flagged item: also a labelled example for the next training run."""

    __tablename__ = "moderator_decision"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    result_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("moderation_result.id", ondelete="SET NULL"))
    item_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    decision: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    category: Mapped[str | None] = mapped_column(String(32))
    moderator: Mapped[str] = mapped_column(String(64), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    lang: Mapped[str] = mapped_column(String(2), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class EditorialEvent(db.Model):  # type: ignore[name-defined]
    """Append-only history of the workflow; the transparency report counts these."""

    __tablename__ = "editorial_event"
    __table_args__ = (Index("ix_editorial_event_item", "item_kind", "item_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    item_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[str] = mapped_column(String(32), nullable=False)
    action: Mapped[str] = mapped_column(String(24), nullable=False)
    report_category: Mapped[str] = mapped_column(String(32), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    state_after: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class KillSwitch(db.Model):  # type: ignore[name-defined]
    """A pull of all ads, one advertiser's ads or one article category; active until restored."""

    __tablename__ = "kill_switch"
    __table_args__ = (Index("ix_kill_switch_active", "scope", "target", "restored_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    target: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    pulled_by: Mapped[str] = mapped_column(String(64), nullable=False)
    pulled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    restored_by: Mapped[str | None] = mapped_column(String(64))
    restored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EditorNotice(db.Model):  # type: ignore[name-defined]
    """A message to the editors about an item (a moderator's decision, a re-scan withdrawal)."""

    __tablename__ = "editor_notice"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    item_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[str] = mapped_column(String(32), nullable=False)
    recipient: Mapped[str | None] = mapped_column(String(64), index=True)  # None: every editor
    message: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class ModerationScanState(db.Model):  # type: ignore[name-defined]
    """The promoted model version published content was last checked with (one row)."""

    __tablename__ = "moderation_scan_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_version: Mapped[str] = mapped_column(String(64), nullable=False)
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
