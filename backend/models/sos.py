"""Persistence of the hidden SOS: devices, alerts, their trail, deliveries, the outbox and the chain.

Personal data (trusted contacts, callback policy, locations, phone numbers, push tokens, audio) is stored
only encrypted with :mod:`backend.security.encryption`, bound to its row and column. Rules live in
``backend.sos``; these classes only describe rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.clock import now
from backend.extensions import db
from backend.models.content import new_id
from backend.security.encryption import register_encrypted_column

# Alert statuses (docs/sos.md): received → relaying → relayed → accepted → closed, or cancelled.
ALERT_RECEIVED = "received"
ALERT_RELAYING = "relaying"
ALERT_RELAYED = "relayed"
ALERT_ACCEPTED = "accepted"
ALERT_CLOSED = "closed"
ALERT_CANCELLED = "cancelled"
OPEN_ALERT_STATUSES = (ALERT_RECEIVED, ALERT_RELAYING, ALERT_RELAYED)


class Device(db.Model):  # type: ignore[name-defined]
    """An anonymous app install: no name, no phone number."""

    __tablename__ = "sos_device"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    secret_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    cancel_pin_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    duress_pin_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    # Short public tag used by the SMS fallback (8 Crockford base32 characters).
    sms_tag: Mapped[str] = mapped_column(String(8), nullable=False, unique=True)
    sms_key_enc: Mapped[str] = mapped_column(Text, nullable=False)
    contacts_enc: Mapped[str | None] = mapped_column(Text)
    callback_policy_enc: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(2), nullable=False, default="tg")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Alert(db.Model):  # type: ignore[name-defined]
    """One SOS. Its id is the client-generated UUID (hex), so retries land on the same row."""

    __tablename__ = "sos_alert"
    __table_args__ = (
        UniqueConstraint("device_id", "short_ref", name="uq_sos_alert_device_short_ref"),
        Index("ix_sos_alert_open_escalation", "status", "next_escalation_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("sos_device.id"), nullable=False, index=True)
    # First 12 hex digits of the id: what the SMS fallback carries, for deduplication.
    short_ref: Mapped[str] = mapped_column(String(12), nullable=False)
    code: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=ALERT_RECEIVED)
    drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    trigger: Mapped[str] = mapped_column(String(24), nullable=False)
    locale: Mapped[str] = mapped_column(String(2), nullable=False)
    channel: Mapped[str] = mapped_column(String(8), nullable=False, default="data")
    duress: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[str | None] = mapped_column(String(64))
    accepted_via: Mapped[str | None] = mapped_column(String(8))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)


class LocationFix(db.Model):  # type: ignore[name-defined]
    """A point of the alert's trail; lat, lon and accuracy encrypted together."""

    __tablename__ = "sos_location"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(ForeignKey("sos_alert.id"), nullable=False, index=True)
    fix_enc: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(8), nullable=False, default="gps")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class VoiceMessage(db.Model):  # type: ignore[name-defined]
    """The voice message of an alert: upload progress, then the checked, encrypted audio."""

    __tablename__ = "sos_voice"

    alert_id: Mapped[str] = mapped_column(ForeignKey("sos_alert.id"), primary_key=True)
    total_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    received_bytes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    media_type: Mapped[str | None] = mapped_column(String(32))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    audio_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VoiceChunk(db.Model):  # type: ignore[name-defined]
    """A received piece of an unfinished upload (encrypted); merged and deleted on completion."""

    __tablename__ = "sos_voice_chunk"
    __table_args__ = (UniqueConstraint("alert_id", "offset", name="uq_sos_voice_chunk_alert_offset"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(ForeignKey("sos_alert.id"), nullable=False, index=True)
    offset: Mapped[int] = mapped_column(Integer, nullable=False)
    length: Mapped[int] = mapped_column(Integer, nullable=False)
    data_enc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class AlertEvent(db.Model):  # type: ignore[name-defined]
    """The alert's timeline as the console shows it. ``detail`` never holds personal data."""

    __tablename__ = "sos_alert_event"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(ForeignKey("sos_alert.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False, default="system")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """A relay job committed in the same transaction as the change that needs it."""

    __tablename__ = "sos_outbox"
    __table_args__ = (Index("ix_sos_outbox_pending", "processed_at", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(ForeignKey("sos_alert.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    stage: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))


class Delivery(db.Model):  # type: ignore[name-defined]
    """One message (SMS, call or push) to one recipient, one attempt. See docs/sos.md for states."""

    __tablename__ = "sos_delivery"
    __table_args__ = (Index("ix_sos_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(ForeignKey("sos_alert.id"), nullable=False, index=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), nullable=False, unique=True)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    stage: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    recipient_kind: Mapped[str] = mapped_column(String(12), nullable=False)
    recipient_label: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    recipient_ref: Mapped[str] = mapped_column(String(32), nullable=False)
    recipient_enc: Mapped[str] = mapped_column(Text, nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    tries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    body_digest: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    dry_run: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    error: Mapped[str | None] = mapped_column(String(120))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    sending_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)


class OnCallEntry(db.Model):  # type: ignore[name-defined]
    """A position of the hotline's on-call chain (edited in the console)."""

    __tablename__ = "oncall_entry"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    phone_enc: Mapped[str] = mapped_column(Text, nullable=False)
    label: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False, default="system")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class StaffDevice(db.Model):  # type: ignore[name-defined]
    """A staff phone that receives data-only escalation pushes while on duty."""

    __tablename__ = "staff_device"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    staff_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    token_enc: Mapped[str] = mapped_column(Text, nullable=False)
    token_digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    platform: Mapped[str] = mapped_column(String(12), nullable=False, default="android")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class WebhookReceipt(db.Model):  # type: ignore[name-defined]
    """A Twilio webhook already handled: a replay of the same signed request changes nothing."""

    __tablename__ = "sos_webhook_receipt"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class SosCounter(db.Model):  # type: ignore[name-defined]
    """Operational counters without personal data (e.g. rejected SMS fallback messages)."""

    __tablename__ = "sos_counter"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


register_encrypted_column(Device, "sms_key_enc", lambda r: f"sos_device.sms_key:{r.id}")
register_encrypted_column(Device, "contacts_enc", lambda r: f"sos_device.contacts:{r.id}")
register_encrypted_column(Device, "callback_policy_enc",
                          lambda r: f"sos_device.callback_policy:{r.id}")
register_encrypted_column(LocationFix, "fix_enc", lambda r: f"sos_location.fix:{r.id}")
register_encrypted_column(VoiceMessage, "audio_enc", lambda r: f"sos_voice.audio:{r.alert_id}",
                          binary=True)
register_encrypted_column(VoiceChunk, "data_enc", lambda r: f"sos_voice_chunk.data:{r.id}",
                          binary=True)
register_encrypted_column(Delivery, "recipient_enc", lambda r: f"sos_delivery.recipient:{r.id}")
register_encrypted_column(OnCallEntry, "phone_enc", lambda r: f"oncall_entry.phone:{r.id}")
register_encrypted_column(StaffDevice, "token_enc", lambda r: f"staff_device.token:{r.id}")
