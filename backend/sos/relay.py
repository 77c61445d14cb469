"""The relay: turn outbox jobs into deliveries and hand each to Twilio (or FCM) exactly once.

Delivery states (docs/sos.md): ``pending`` → ``sending`` → ``queued`` → ``sent`` → ``delivered`` (SMS)
or ``ringing`` → ``in-progress`` → ``completed`` (calls); failures end in ``failed``, ``busy`` or
``no-answer`` and schedule the next attempt (a new row, possibly on the other channel). Transport
trouble keeps the row: ``retry`` (Twilio certainly did not create it) or ``unknown`` (it may have; we
look it up in Twilio's log before sending again). ``dry_run`` and ``skipped`` are final.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, select, update

from backend.adapters.fcm import PushSender
from backend.adapters.twilio_client import NotSent, OutcomeUnknown, TwilioGateway
from backend.clock import as_utc, now
from backend.extensions import db
from backend.models.content import new_id
from backend.models.sos import (
    ALERT_RECEIVED,
    OPEN_ALERT_STATUSES,
    Alert,
    Delivery,
    Device,
    OutboxMessage,
    VoiceMessage,
)
from backend.security.encryption import get_cipher, keyed_digest
from backend.sos import alerts as alert_service
from backend.sos.devices import device_profile
from backend.sos.messages import AlertFacts, alert_sms
from backend.sos.oncall import get_on_call_chain
from backend.sos.staff_devices import on_duty_device_tokens

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # per recipient, channel and stage, counting fallbacks
MAX_TRIES = 20  # transport tries of one attempt before it is marked failed
RECONCILE_AFTER = timedelta(seconds=20)  # wait before looking up an ambiguous send
STALE_SENDING = timedelta(seconds=60)  # a "sending" row this old belongs to a dead worker
ATTEMPT_BACKOFF = (15, 30, 60)
# A message or call handed to Twilio that has no final status this long after its last change is
# asked about (its status callbacks may not reach us), again after as long, for POLL_WINDOW.
POLL_AFTER = timedelta(seconds=120)
POLL_WINDOW = timedelta(minutes=30)

# Twilio status → (our status, rank). A status never moves to a lower rank; rank 9 is final.
_STATUS_RANK = {
    "pending": 0, "retry": 1, "sending": 2, "reconciling": 2, "unknown": 2,
    "accepted": 3, "scheduled": 3, "queued": 3, "initiated": 3,
    "ringing": 4, "sent": 5, "in-progress": 6,
    "delivered": 9, "completed": 9, "read": 9, "received": 9,
    "failed": 9, "undelivered": 9, "busy": 9, "no-answer": 9, "canceled": 9,
    "dry_run": 9, "skipped": 9,
}
FAILED_STATUSES = ("failed", "undelivered", "busy", "no-answer", "canceled")
REACHED_STATUSES = ("delivered", "completed", "in-progress", "read")


@dataclass(frozen=True)
class Recipient:
    kind: str  # hotline, drill, contact, staff
    label: str
    address: str  # phone number or FCM token
    ref: str  # stable, non-reversible reference for idempotency keys


def _settings() -> Any:
    from backend.app import get_settings

    return get_settings(current_app)


def get_gateway() -> TwilioGateway:
    gateway: TwilioGateway = current_app.extensions["hushbakht.twilio"]
    return gateway


def get_push_sender() -> PushSender:
    sender: PushSender = current_app.extensions["hushbakht.push"]
    return sender


def _phone_recipient(kind: str, label: str, phone: str) -> Recipient:
    ref = keyed_digest(phone, purpose="recipient", secret=_settings().effective_secret_key())
    return Recipient(kind, label, phone, ref)


# -- planning ------------------------------------------------------------------------------------
def process_outbox_message(job_id: str) -> int:
    """Plan the job's deliveries (once) and send them; returns how many were handed over.

    Safe to run twice or concurrently: the job row is locked while planning, every delivery has a
    unique idempotency key, and :func:`send_delivery` claims each row before sending.
    """
    job = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.id == job_id)
        .with_for_update(skip_locked=True)).scalar_one_or_none()
    if job is None or job.processed_at is not None:
        db.session.commit()
        return _send_planned(job_id) if job is not None else 0
    alert = db.session.get(Alert, job.alert_id)
    if alert is None:
        job.attempts += 1
        job.processed_at = now()
        db.session.commit()
        return 0
    try:
        planned = _plan(job, alert)
    except Exception as exc:
        db.session.rollback()
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == job_id).values(
            attempts=OutboxMessage.attempts + 1, last_error=type(exc).__name__[:200],
            next_attempt_at=now() + timedelta(seconds=10)))
        db.session.commit()
        raise
    job.attempts += 1  # with processed_at: one UPDATE (a failed plan counts it above)
    job.processed_at = now()
    alert_service.add_alert_event(alert.id, f"relay_{job.kind}", detail={
        "stage": job.stage, "deliveries": planned, "dry_run": get_gateway().dry_run})
    db.session.commit()
    return _send_planned(job_id)


def _send_planned(job_id: str) -> int:
    ids = db.session.execute(
        select(Delivery.id).where(Delivery.idempotency_key.like(f"{job_id}:%"),
                                  Delivery.status == "pending")
        .order_by(Delivery.created_at, Delivery.id)).scalars().all()
    return sum(1 for delivery_id in ids if send_delivery(delivery_id))


def _plan(job: OutboxMessage, alert: Alert) -> int:
    """Create the job's delivery rows; returns how many were new."""
    if job.kind in ("alert", "escalate") and (alert.status not in OPEN_ALERT_STATUSES
                                              or alert.accepted_at is not None):
        return 0
    chain = _chain_for(alert)
    rows: list[tuple[Recipient, str, str]] = []  # recipient, channel, purpose
    if job.kind == "alert":
        if chain:
            rows += [(chain[0], "sms", "alert"), (chain[0], "voice", "alert")]
        if not alert.drill:
            device = db.session.get(Device, alert.device_id)
            contacts = device_profile(device).contacts if device else []
            # The label she gave ("sister") stays encrypted with the device; rows say "contact N".
            rows += [(_phone_recipient("contact", f"contact {i + 1}", c.phone), "sms", "alert")
                     for i, c in enumerate(contacts)]
    elif job.kind in ("escalate", "duress"):
        if job.kind == "duress":
            rows += [(r, "sms", "duress") for r in _reached_recipients(alert.id, hotline_only=True)]
        if chain:
            target = chain[job.stage % len(chain)]
            rows += [(target, "sms", job.kind), (target, "voice", job.kind)]
        rows += [(r, "push", job.kind) for r in _staff_recipients()]
    elif job.kind == "cancel":
        if not _cancel_stands(alert):
            # A duress PIN after the real cancel reopened the alert (its duress job may have run
            # first): telling the hotline "cancelled" now would contradict the duress alarm.
            alert_service.add_alert_event(alert.id, "relay_cancel_superseded", detail={})
            return 0
        rows += [(r, "sms", "cancel") for r in _reached_recipients(alert.id, hotline_only=False)]
        rows += [(r, "push", "cancel") for r in _staff_recipients()]
        db.session.execute(
            update(Delivery).where(Delivery.alert_id == alert.id,
                                   Delivery.purpose.in_(("alert", "escalate")),
                                   Delivery.status.in_(("pending", "retry")))
            .values(status="skipped", error="alert cancelled", updated_at=now())
            .execution_options(synchronize_session=False))
    created = 0
    seen: set[str] = set()
    for recipient, channel, purpose in rows:
        key = f"{job.id}:{channel}:{recipient.ref}:1"
        if key in seen:
            continue
        seen.add(key)
        if _new_delivery(alert, job.stage, purpose, recipient, channel, attempt=1, key=key):
            created += 1
    if not rows:
        alert_service.add_alert_event(alert.id, "relay_no_recipients", detail={"job": job.kind})
    return created


def _cancel_stands(alert: Alert) -> bool:
    """Whether a real cancel is still the alert's last word: no duress PIN came after it (a
    duress PIN marks the alert for good and reopens a cancelled one)."""
    return not alert.duress


def _chain_for(alert: Alert) -> list[Recipient]:
    """Drill alerts use only DRILL_NUMBERS; live alerts the on-call chain."""
    settings = _settings()
    if alert.drill:
        numbers = [n for n in settings.drill_numbers.split(",") if n]
        return [_phone_recipient("drill", f"drill {i + 1}", n) for i, n in enumerate(numbers)]
    chain = get_on_call_chain()
    if not chain and get_gateway().dry_run:
        # Quick start without HOTLINE_NUMBERS: show what would be sent, to nobody.
        return [_phone_recipient("hotline", "hotline (HOTLINE_NUMBERS unset)", "+10000000000")]
    return [_phone_recipient("hotline", e.label or f"hotline {i + 1}", e.phone)
            for i, e in enumerate(chain)]


def _reached_recipients(alert_id: str, *, hotline_only: bool) -> list[Recipient]:
    """Phone recipients already handed a message for this alert (for cancel and duress notices)."""
    kinds = ("hotline", "drill") if hotline_only else ("hotline", "drill", "contact")
    rows = db.session.execute(
        select(Delivery).where(Delivery.alert_id == alert_id, Delivery.recipient_kind.in_(kinds),
                               Delivery.channel.in_(("sms", "voice")),
                               Delivery.status.not_in(("pending", "retry", "skipped")))
        .order_by(Delivery.created_at)).scalars().all()
    cipher = get_cipher()
    found: dict[str, Recipient] = {}
    for row in rows:
        if row.recipient_ref not in found:
            phone = cipher.decrypt_text(row.recipient_enc,
                                        context=f"sos_delivery.recipient:{row.id}")
            found[row.recipient_ref] = Recipient(row.recipient_kind, row.recipient_label, phone,
                                                 row.recipient_ref)
    return list(found.values())


def _staff_recipients() -> list[Recipient]:
    return [Recipient("staff", f"staff device {device_id[:6]}", token, device_id)
            for device_id, token in on_duty_device_tokens()]


def _new_delivery(alert: Alert, stage: int, purpose: str, recipient: Recipient, channel: str, *,
                  attempt: int, key: str, delay: timedelta = timedelta(0)) -> bool:
    """Insert a pending delivery unless its idempotency key exists; True if inserted."""
    exists = db.session.execute(select(Delivery.id).where(Delivery.idempotency_key == key)
                                ).scalar_one_or_none()
    if exists is not None:
        return False
    row_id = new_id()
    current = now()
    db.session.add(Delivery(
        id=row_id, alert_id=alert.id, idempotency_key=key, purpose=purpose, stage=stage,
        channel=channel, recipient_kind=recipient.kind, recipient_label=recipient.label[:64],
        recipient_ref=recipient.ref[:32], attempt=attempt, status="pending",
        recipient_enc=get_cipher().encrypt(recipient.address,
                                           context=f"sos_delivery.recipient:{row_id}"),
        next_attempt_at=current + delay, created_at=current, updated_at=current))
    db.session.flush()
    return True


# -- sending -------------------------------------------------------------------------------------
def send_delivery(delivery_id: str) -> bool:
    """Hand one delivery to Twilio or FCM if it is due and nobody else holds it.

    The row is switched to ``sending`` and committed *before* the request, so a second worker (or a
    re-run of the task) finds it taken; a worker killed after that leaves a ``sending`` row that the
    sweeper reconciles against Twilio's log instead of sending blindly again.
    """
    loaded = _load_with_alert(delivery_id)
    if loaded is None or loaded[0].status not in ("pending", "retry"):
        db.session.commit()
        return False
    delivery, alert = loaded
    settings = _settings()
    body = None
    if delivery.channel == "sms":
        body = alert_sms(_facts(alert), settings.hotline_language,
                         settings.staff_default_time_zone, delivery.purpose,
                         for_contact=delivery.recipient_kind == "contact")
    current = now()
    claimed = db.session.execute(
        update(Delivery).where(Delivery.id == delivery_id,
                               Delivery.status.in_(("pending", "retry")),
                               Delivery.next_attempt_at <= current)
        .values(status="sending", sending_at=current, tries=Delivery.tries + 1, updated_at=current,
                body_digest=hashlib.sha256(body.encode()).hexdigest() if body else None)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return False
    # Both rows as they are now (the alert may have been accepted or cancelled meanwhile).
    if _load_with_alert(delivery_id) is None:
        return False  # purged meanwhile; nothing to send
    if not _still_needed(delivery, alert):
        delivery.status, delivery.error = "skipped", "no longer needed"
        db.session.commit()
        return False
    address = get_cipher().decrypt_text(delivery.recipient_enc,
                                        context=f"sos_delivery.recipient:{delivery.id}")
    claimed_try = delivery.tries
    if delivery.channel == "push":
        return _send_push(delivery, alert, address, claimed_try)
    gateway = get_gateway()
    callback = f"{settings.public_base_url}/twilio/status?d={delivery.id}"
    try:
        if body is not None:
            result = gateway.send_sms(to=address, body=body, status_callback=callback)
        else:
            twiml_url = f"{settings.public_base_url}/twilio/voice/{alert.id}?d={delivery.id}"
            result = gateway.start_call(to=address, twiml_url=twiml_url, status_callback=callback)
    except NotSent as exc:
        if _still_ours(delivery, alert, claimed_try, "refused"):
            _record_not_sent(delivery, alert, exc)
        return False
    except OutcomeUnknown as exc:
        if not _still_ours(delivery, alert, claimed_try, "unknown"):
            return False
        delivery.status, delivery.error = "unknown", str(exc)[:120]
        delivery.next_attempt_at = now() + RECONCILE_AFTER
        facts = {"event": "sos.send_unknown", "alert": alert.id[:8], "channel": delivery.channel}
        db.session.commit()
        log.warning("relay outcome unknown; will reconcile", extra=facts)
        return False
    _record_handed_over(delivery, alert, result.sid, result.status, result.dry_run)
    return True


def _load_with_alert(delivery_id: str) -> tuple[Delivery, Alert] | None:
    """The delivery and its alert, read afresh in one statement (None if either is gone)."""
    row = db.session.execute(
        select(Delivery, Alert).join(Alert, Alert.id == Delivery.alert_id)
        .where(Delivery.id == delivery_id)
        .execution_options(populate_existing=True)).first()
    return (row[0], row[1]) if row is not None else None


def _still_needed(delivery: Delivery, alert: Alert) -> bool:
    if delivery.purpose == "cancel":
        return _cancel_stands(alert)
    if delivery.purpose == "duress":
        return True
    return alert.status in OPEN_ALERT_STATUSES and alert.accepted_at is None


def _facts(alert: Alert) -> AlertFacts:
    last = alert_service.latest_fix(alert.id) or {}
    device = db.session.get(Device, alert.device_id)
    policy = device_profile(device).callback_policy if device else None
    voice = db.session.get(VoiceMessage, alert.id)
    return AlertFacts(code=alert.code, created_at=alert.created_at, drill=alert.drill,
                      lat=last.get("lat"), lon=last.get("lon"), accuracy_m=last.get("accuracy_m"),
                      callback=policy.summary(_settings().hotline_language) if policy else "",
                      has_voice=bool(voice and voice.complete), trigger=alert.trigger,
                      channel=alert.channel)


def alert_facts(alert: Alert) -> AlertFacts:
    """The facts of an alert for a summary (used by the voice webhook)."""
    return _facts(alert)


def _record_handed_over(delivery: Delivery, alert: Alert, sid: str, status: str,
                        dry_run: bool) -> None:
    # Twilio's status callback may have been applied (by a web process) before this answer was
    # recorded: read the row again under a lock so its status never moves backwards.
    db.session.refresh(delivery, with_for_update=True)
    delivery.provider_sid = sid
    delivery.dry_run = dry_run
    if dry_run:
        delivery.status, delivery.error = "dry_run", None
    elif _STATUS_RANK.get(status, 3) > _STATUS_RANK.get(delivery.status, 0):
        delivery.status = status if status in _STATUS_RANK else "queued"
        delivery.error = None
    if alert.status == ALERT_RECEIVED:  # read after the claim; a status never returns to it
        alert_service.mark_relaying(alert.id)
    if dry_run and delivery.recipient_kind in ("hotline", "drill"):
        alert_service.mark_relayed(alert.id, {"dry_run": True})
    # Read before the commit expires them: reading after it would load both rows again.
    facts = {"event": "sos.handed_over", "alert": alert.id[:8], "channel": delivery.channel,
             "dry_run": dry_run}
    db.session.commit()
    log.info("relay handed over", extra=facts)


def _still_ours(delivery: Delivery, alert: Alert, claimed_try: int, outcome: str) -> bool:
    """After a request that Twilio refused (``outcome`` "refused") or whose outcome is unknown: may
    this worker record that answer? The row is read again (under a lock on PostgreSQL; SQLite, the
    quick start, has no row locks). Not if, while the request was out, a status callback of an
    earlier try settled it (that try's call or text exists after all: writing ``retry`` over it
    would send once more), or the sweeper took the row as abandoned and another worker claimed a
    new try. An unknown outcome is still recorded while the sweeper is reconciling this same try:
    it keeps the row looking in Twilio's list rather than sending again."""
    db.session.refresh(delivery, with_for_update=True)
    current = ("sending", "reconciling") if outcome == "unknown" else ("sending",)
    if delivery.status in current and delivery.tries == claimed_try:
        return True
    facts = {"event": "sos.answer_dropped", "alert": alert.id[:8], "channel": delivery.channel,
             "outcome": outcome, "status": delivery.status, "try": claimed_try,
             "current_try": delivery.tries}
    db.session.commit()
    log.info("relay answer not recorded: the delivery was settled or taken over meanwhile",
             extra=facts)
    return False


def _record_not_sent(delivery: Delivery, alert: Alert, exc: NotSent) -> None:
    delivery.error = exc.reason[:120]
    if exc.permanent or delivery.tries >= MAX_TRIES:
        delivery.status = "failed"
        alert_service.add_alert_event(alert.id, "delivery_failed", detail={
            "delivery": delivery.id, "channel": delivery.channel, "code": exc.code})
        _schedule_next_attempt(delivery, alert)
    else:
        delivery.status = "retry"
        delivery.next_attempt_at = now() + timedelta(seconds=min(60, 2 ** delivery.tries))
    db.session.commit()


def _send_push(delivery: Delivery, alert: Alert, token: str, claimed_try: int) -> bool:
    data = {"type": f"sos_{delivery.purpose}", "alert": alert_service.public_alert_id(alert),
            "code": alert.code, "level": str(alert.escalation_level),
            "drill": "1" if alert.drill else "0"}
    result = get_push_sender().send_data(token, data)
    # A push slower than the abandoned-claim limit: the sweeper has set the row to retry and
    # another worker may have pushed again; this answer is not this try's to record any more.
    if not _still_ours(delivery, alert, claimed_try, "sent" if result.ok else "refused"):
        return result.ok
    if result.ok:
        delivery.status = "dry_run" if result.dry_run else "sent"
        delivery.dry_run = result.dry_run
        delivery.provider_sid = result.message_id
    else:
        delivery.status = "failed" if result.token_invalid or delivery.tries >= 5 else "retry"
        delivery.error = result.error
        delivery.next_attempt_at = now() + timedelta(seconds=10 * delivery.tries)
        if result.token_invalid:
            from backend.sos.staff_devices import set_staff_device_on_duty

            set_staff_device_on_duty(delivery.recipient_ref, False)
    db.session.commit()
    return result.ok


# -- after sending: reconciliation, callbacks, next attempts ---------------------------------------
def stale_claim(current: datetime) -> ColumnElement[bool]:
    """Rows a worker claimed and then went quiet on: killed while ``sending`` (since its request
    began), or while ``reconciling`` (since the reconciliation claim)."""
    stale = current - STALE_SENDING
    return (((Delivery.status == "sending") & (Delivery.sending_at <= stale))
            | ((Delivery.status == "reconciling") & (Delivery.updated_at <= stale)))


def reconcile_delivery(delivery_id: str) -> str | None:
    """Settle an ``unknown`` (or long-``sending``) delivery by looking it up in Twilio's log.

    Found → ``queued`` with its sid; certainly absent → ``retry`` (sent again); lookup failing →
    stays ``unknown`` and is tried later. Returns the new status, or None if not ours to settle.
    """
    current = now()
    # The claim leaves ``sending_at`` alone: it is when the ambiguous request was made, which the
    # lookup needs on every round (a failed lookup puts the row back to ``unknown``).
    claimed = db.session.execute(
        update(Delivery).where(
            Delivery.id == delivery_id,
            ((Delivery.status == "unknown") & (Delivery.next_attempt_at <= current))
            | stale_claim(current))
        .values(status="reconciling", updated_at=current)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    delivery = db.session.get(Delivery, delivery_id)
    assert delivery is not None
    if delivery.channel == "push":
        delivery.status = "retry"  # a push twice is harmless; never lose one
        db.session.commit()
        return delivery.status
    gateway = get_gateway()
    address = get_cipher().decrypt_text(delivery.recipient_enc,
                                        context=f"sos_delivery.recipient:{delivery.id}")
    claimed_sids = {sid for sid in db.session.execute(
        select(Delivery.provider_sid).where(Delivery.provider_sid.is_not(None),
                                            Delivery.id != delivery.id)).scalars() if sid}
    since = as_utc(delivery.created_at)
    near = as_utc(delivery.sending_at) if delivery.sending_at is not None else since
    try:
        if delivery.channel == "sms":
            sid = gateway.find_sms(to=address, body_digest=delivery.body_digest or "",
                                   since=since, near=near, exclude_sids=claimed_sids)
        else:
            # Other requests to this number whose outcome is not settled either: a call found
            # nearer one of them is left to it (``find_call``)
            rivals = [(as_utc(created), as_utc(sent)) for created, sent in db.session.execute(
                select(Delivery.created_at, Delivery.sending_at).where(
                    Delivery.channel == "voice", Delivery.recipient_ref == delivery.recipient_ref,
                    Delivery.id != delivery.id, Delivery.sending_at.is_not(None),
                    Delivery.status.in_(("sending", "unknown", "reconciling")))).all() if sent]
            sid = gateway.find_call(to=address, since=since, near=near, exclude_sids=claimed_sids,
                                    rivals=rivals)
    except OutcomeUnknown:
        sid, lookup_failed = None, True
    else:
        lookup_failed = False
    # A status callback may have settled the row while we looked (it proves Twilio created it):
    # read it again under a lock and leave it alone if so, rather than sending it again.
    delivery = db.session.execute(
        select(Delivery).where(Delivery.id == delivery_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    if delivery.status != "reconciling":
        db.session.commit()
        return delivery.status
    if sid is not None and db.session.execute(select(Delivery.id).where(
            Delivery.provider_sid == sid, Delivery.id != delivery.id).limit(1)).first() is not None:
        # Another row learnt this sid (Twilio's answer or callback) while we looked: it is theirs.
        # Look again later, without it, rather than share it or take the row for not sent. (An
        # owner recorded after this check can still share it: nothing locks the sid itself.)
        log.info("reconciled sid owned by another delivery meanwhile; will look again", extra={
            "event": "sos.reconcile_sid_taken", "channel": delivery.channel})
        sid, lookup_failed = None, True
    if lookup_failed:
        delivery.status = "unknown"
        delivery.next_attempt_at = now() + RECONCILE_AFTER
        db.session.commit()
        return delivery.status
    alert = db.session.get(Alert, delivery.alert_id)
    if sid is not None:
        delivery.provider_sid = sid
        delivery.status = "queued"
        delivery.error = None
        if alert is not None:
            alert_service.mark_relaying(alert.id)
    else:
        delivery.status = "retry"
        delivery.next_attempt_at = now()
    alert_service.add_alert_event(delivery.alert_id, "delivery_reconciled", detail={
        "delivery": delivery.id, "found": sid is not None})
    db.session.commit()
    return delivery.status


def apply_status_callback(delivery_id: str, sid: str, status: str,
                          error_code: str | None = None) -> bool:
    """Apply a Twilio status callback; returns True if it changed anything.

    Statuses never go backwards (callbacks arrive out of order and may be replayed). A callback
    also settles an ambiguous send: it proves Twilio created the message.
    """
    status = status.lower()
    if status not in _STATUS_RANK:
        return False
    delivery = db.session.execute(select(Delivery).where(Delivery.id == delivery_id)
                                  .with_for_update()).scalar_one_or_none()
    if delivery is None or delivery.dry_run:
        db.session.commit()
        return False
    if delivery.provider_sid and delivery.provider_sid != sid:
        db.session.commit()
        return False
    if _STATUS_RANK[status] <= _STATUS_RANK.get(delivery.status, 0) \
            or _STATUS_RANK.get(delivery.status, 0) == 9:
        db.session.commit()
        return False
    first_proof = _STATUS_RANK.get(delivery.status, 0) < 3  # Twilio had not confirmed it before
    delivery.provider_sid = sid
    delivery.status = status if status != "undelivered" else "failed"
    delivery.error = f"twilio {error_code}" if error_code else delivery.error
    alert = db.session.get(Alert, delivery.alert_id)
    if alert is not None:
        if first_proof:  # handed over after all (an ambiguous or retried send): not stuck
            alert_service.mark_relaying(alert.id)
        if status in REACHED_STATUSES and delivery.recipient_kind in ("hotline", "drill"):
            alert_service.mark_relayed(alert.id, {"channel": delivery.channel})
        if status in FAILED_STATUSES:
            alert_service.add_alert_event(alert.id, "delivery_failed", detail={
                "delivery": delivery.id, "channel": delivery.channel, "status": status})
            _schedule_next_attempt(delivery, alert)
    db.session.commit()
    return True


_WAITING = tuple(status for status, rank in _STATUS_RANK.items() if 3 <= rank < 9)


def silent_deliveries(current: datetime, limit: int) -> list[str]:
    """Ids of handed-over messages and calls with no final status and no news for POLL_AFTER,
    handed over (``sending_at``) within POLL_WINDOW; the longest silent first."""
    return list(db.session.execute(
        select(Delivery.id).where(Delivery.status.in_(_WAITING), Delivery.dry_run.is_(False),
                                  Delivery.channel.in_(("sms", "voice")),
                                  Delivery.provider_sid.is_not(None),
                                  Delivery.updated_at <= current - POLL_AFTER,
                                  Delivery.sending_at >= current - POLL_WINDOW)
        .order_by(Delivery.updated_at).limit(limit)).scalars())


def poll_delivery_status(delivery_id: str) -> bool:
    """Ask Twilio for a silent delivery's status and apply it as its callback would have been.

    Success is never assumed from "queued": without this, a lost status callback would leave a
    failed call without its fallback SMS. Returns True if the status changed.
    """
    current = now()
    # Claim the question: the row must still be waiting and silent (another sweep may have asked,
    # or a callback may have come since the selection). The next poll waits POLL_AFTER again.
    claimed = db.session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.status.in_(_WAITING),
                               Delivery.updated_at <= current - POLL_AFTER)
        .values(updated_at=current).returning(Delivery.provider_sid, Delivery.channel)
        .execution_options(synchronize_session=False)).first()
    db.session.commit()
    if claimed is None or not claimed.provider_sid:
        return False
    sid, channel = claimed.provider_sid, claimed.channel
    try:
        status, error_code = get_gateway().fetch_status(channel=channel, sid=sid)
    except OutcomeUnknown as exc:
        log.warning("status poll failed; will ask again", extra={
            "event": "sos.status_poll_failed", "channel": channel, "error": str(exc)[:120]})
        return False
    changed = bool(status) and apply_status_callback(delivery_id, sid, status, error_code)
    if changed:
        log.info("delivery status polled", extra={"event": "sos.status_polled",
                                                   "channel": channel, "status": status})
    return changed


def _schedule_next_attempt(delivery: Delivery, alert: Alert) -> None:
    """After a failed attempt: retry with backoff, switching channel per the fallback rule."""
    if not _still_needed(delivery, alert) or delivery.channel == "push":
        return
    if delivery.attempt >= MAX_ATTEMPTS:
        alert_service.add_alert_event(alert.id, "delivery_gave_up", detail={
            "recipient": delivery.recipient_label, "channel": delivery.channel})
        return
    channel = _fallback_channel(delivery)
    address = get_cipher().decrypt_text(delivery.recipient_enc,
                                        context=f"sos_delivery.recipient:{delivery.id}")
    recipient = Recipient(delivery.recipient_kind, delivery.recipient_label, address,
                          delivery.recipient_ref)
    job_prefix = delivery.idempotency_key.split(":", 1)[0]
    attempt = delivery.attempt + 1
    key = f"{job_prefix}:{delivery.channel}:{delivery.recipient_ref}:{attempt}"
    delay = timedelta(seconds=ATTEMPT_BACKOFF[min(delivery.attempt - 1, len(ATTEMPT_BACKOFF) - 1)])
    _new_delivery(alert, delivery.stage, delivery.purpose, recipient, channel, attempt=attempt,
                  key=key, delay=delay)


def _fallback_channel(delivery: Delivery) -> str:
    """Fallback between voice and SMS (docs/sos.md): a failed call becomes an SMS unless one
    already reached this recipient in this stage; a failed SMS becomes a call unless a call is
    under way or done. Trusted contacts only ever get SMS."""
    if delivery.recipient_kind == "contact":
        return "sms"
    other = "sms" if delivery.channel == "voice" else "voice"
    done = db.session.execute(select(Delivery.id).where(
        Delivery.alert_id == delivery.alert_id, Delivery.stage == delivery.stage,
        Delivery.purpose == delivery.purpose, Delivery.recipient_ref == delivery.recipient_ref,
        Delivery.channel == other, Delivery.status.in_(_UNDER_WAY_OR_DONE))).first()
    return delivery.channel if done else other


# Statuses of a delivery that has reached its recipient, may still, or may have (an ambiguous
# send not yet reconciled counts: a second one on the other channel could make it twice).
_UNDER_WAY_OR_DONE = ("pending", "retry", "sending", "reconciling", "unknown", "accepted",
                      "scheduled", "queued", "initiated", "ringing", "sent", "in-progress",
                      "delivered", "completed", "read", "dry_run")
