"""What hotline staff do with an alert: see the queue, open it, accept, note, refer, close, reopen,
play the voice message. The console pages and the staff API both call these functions.

Every read of survivor data (opening an alert, playing her voice) and every change leaves exactly
one
audit event, written in the same transaction as the read or change. Alert state itself (statuses,
acceptance, the timeline) belongs to backend.sos; these functions call its services.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select, update

from backend.clock import as_utc, now
from backend.errors import Problem, validation_problem
from backend.extensions import db
from backend.models.casework import AlertCase, AlertNote, AlertReferral
from backend.models.content import new_id
from backend.models.sos import (
    ALERT_ACCEPTED,
    ALERT_CANCELLED,
    ALERT_CLOSED,
    ALERT_RELAYED,
    OPEN_ALERT_STATUSES,
    Alert,
)
from backend.security.encryption import get_cipher
from backend.services.audit import Actor, record_audit
from backend.services.staff_classification import (
    DISTRICTS,
    OUTCOMES,
    REFERRAL_SERVICES,
    VIOLENCE_TYPES,
)

MAX_NOTE = 4000
MAX_REFERRAL_DETAIL = 1000
# A console playback link lives one minute: long enough to start playing, useless if copied.
VOICE_URL_SECONDS = 60
QUEUE_STATUSES = (*OPEN_ALERT_STATUSES, ALERT_ACCEPTED)


@dataclass(frozen=True)
class QueueItem:
    """One line of the live queue: no personal data (no location, no voice, no contacts)."""

    id: str
    code: str
    status: str
    drill: bool
    escalated: bool
    escalation_level: int
    created_at: datetime
    accepted_by: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "status": self.status, "drill": self.drill,
                "escalated": self.escalated, "escalation_level": self.escalation_level,
                "created_at": self.created_at.isoformat(), "accepted_by": self.accepted_by}


@dataclass
class AlertView:
    """Everything the alert page shows (decrypted); reading it is audited."""

    timeline: dict[str, Any]
    notes: list[dict[str, Any]] = field(default_factory=list)
    referrals: list[dict[str, Any]] = field(default_factory=list)
    case: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return str(self.timeline["id"])

    @property
    def closed(self) -> bool:
        return self.timeline["status"] == ALERT_CLOSED

    @property
    def open(self) -> bool:
        return self.timeline["status"] not in (ALERT_CLOSED, ALERT_CANCELLED)

    def as_dict(self) -> dict[str, Any]:
        body = dict(self.timeline)
        voice = body.get("voice")
        if voice:  # playback goes through play_voice() (audited), never a link in the view
            body["voice"] = {k: v for k, v in voice.items() if k != "url"}
        body.update({"notes": self.notes, "referrals": self.referrals, "case": self.case})
        return body


def _settings() -> Any:
    from backend.app import get_settings

    return get_settings(current_app)


def _alert_or_404(alert_id: str, *, lock: bool = False) -> Alert:
    # Accept the public form (UUID with dashes) as well as the stored 32 hex digits.
    key = alert_id.replace("-", "").lower() if isinstance(alert_id, str) else ""
    if len(key) != 32 or not all(c in "0123456789abcdef" for c in key):
        raise Problem(404, "not-found", "Not found", "There is no such alert.")
    query = select(Alert).where(Alert.id == key)
    if lock:
        query = query.with_for_update()
    alert = db.session.execute(query).scalar_one_or_none()
    if alert is None:
        raise Problem(404, "not-found", "Not found", "There is no such alert.")
    return alert


def alert_queue(limit: int = 200) -> list[QueueItem]:
    """Open and accepted (not yet closed) alerts: unaccepted first, escalated first, newest first.

    A duress cancel counts as escalated and stays in the queue; a real cancel leaves it.
    """
    rows = db.session.execute(select(Alert).where(Alert.status.in_(QUEUE_STATUSES))
                              .order_by(Alert.created_at.desc()).limit(limit)).scalars().all()
    items = [QueueItem(a.id, a.code, a.status, a.drill, a.duress or a.escalation_level > 0,
                       a.escalation_level, as_utc(a.created_at), a.accepted_by) for a in rows]
    items.sort(key=lambda i: (i.status == ALERT_ACCEPTED, not i.escalated,
                              -i.created_at.timestamp()))
    return items


def recent_finished(limit: int = 20) -> list[QueueItem]:
    """The most recently closed or cancelled alerts (for reopening and reference)."""
    rows = db.session.execute(select(Alert).where(Alert.status.in_((ALERT_CLOSED, ALERT_CANCELLED)))
                              .order_by(Alert.updated_at.desc()).limit(limit)).scalars().all()
    return [QueueItem(a.id, a.code, a.status, a.drill, a.duress or a.escalation_level > 0,
                      a.escalation_level, as_utc(a.created_at), a.accepted_by) for a in rows]


def view_alert(alert_id: str, actor: Actor) -> AlertView:
    """Open an alert: its timeline, trail, notes and referrals, decrypted. One audit event."""
    from backend.sos.alerts import alert_timeline

    alert = _alert_or_404(alert_id)
    timeline = alert_timeline(alert.id)
    if timeline is None:
        raise Problem(404, "not-found", "Not found", "There is no such alert.")
    cipher = get_cipher()
    notes = [{"id": n.id, "author": n.author_username, "at": as_utc(n.created_at).isoformat(),
              "body": cipher.decrypt_text(n.body_enc, context=f"alert_note.body:{n.id}")}
             for n in db.session.scalars(select(AlertNote).where(AlertNote.alert_id == alert.id)
                                         .order_by(AlertNote.created_at, AlertNote.id))]
    referrals = []
    for r in db.session.scalars(select(AlertReferral).where(AlertReferral.alert_id == alert.id)
                                .order_by(AlertReferral.created_at, AlertReferral.id)):
        detail = (cipher.decrypt_text(r.detail_enc, context=f"alert_referral.detail:{r.id}")
                  if r.detail_enc else "")
        referrals.append({"id": r.id, "service": r.service, "detail": detail, "by": r.created_by,
                          "at": as_utc(r.created_at).isoformat()})
    case_row = db.session.get(AlertCase, alert.id)
    case = None
    if case_row is not None:
        found = open_classification(case_row)
        case = {"district": found.district if found else None,
                "violence_type": found.violence_type if found else None,
                "other_types": list(found.other_types) if found else [],
                "outcome": found.outcome if found else None, "closed_by": case_row.closed_by,
                "closed_at": as_utc(case_row.closed_at).isoformat() if case_row.closed_at else None,
                "reopened_count": case_row.reopened_count}
    record_audit(actor, "alert.view", "alert", alert.id)
    db.session.commit()
    return AlertView(timeline, notes, referrals, case)


def accept(alert_id: str, actor: Actor) -> bool:
    """Claim the alert (first acceptance wins, escalation stops). True if this call accepted it."""
    from backend.sos.alerts import accept_alert

    alert = _alert_or_404(alert_id)
    accepted = accept_alert(alert.id, actor.label, "console")
    record_audit(actor, "alert.accept", "alert", alert.id, details={"accepted": accepted})
    db.session.commit()
    return accepted


def add_note(alert_id: str, actor: Actor, body: str) -> str:
    """Add an encrypted note; returns its id. Closed alerts take no more notes until reopened."""
    from backend.sos.alerts import add_alert_event

    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise validation_problem("A note cannot be empty.")
    if len(text) > MAX_NOTE:
        raise validation_problem(f"A note has at most {MAX_NOTE} characters.")
    alert = _alert_or_404(alert_id)
    _refuse_if_closed(alert)
    note_id = new_id()
    db.session.add(AlertNote(
        id=note_id, alert_id=alert.id, author_id=actor.user_id, author_username=actor.username,
        body_enc=get_cipher().encrypt(text, context=f"alert_note.body:{note_id}"),
        created_at=now()))
    add_alert_event(alert.id, "note_added", actor=actor.label)
    record_audit(actor, "alert.note", "alert", alert.id, details={"note": note_id})
    db.session.commit()
    return note_id


def add_referral(alert_id: str, actor: Actor, service: str, detail: str = "") -> str:
    """Refer her to a typed service, with optional free text (encrypted); returns its id."""
    from backend.sos.alerts import add_alert_event

    if service not in REFERRAL_SERVICES:
        raise validation_problem("service must be one of " + ", ".join(REFERRAL_SERVICES))
    text = detail.strip() if isinstance(detail, str) else ""
    if len(text) > MAX_REFERRAL_DETAIL:
        raise validation_problem(f"The detail has at most {MAX_REFERRAL_DETAIL} characters.")
    alert = _alert_or_404(alert_id)
    _refuse_if_closed(alert)
    referral_id = new_id()
    db.session.add(AlertReferral(
        id=referral_id, alert_id=alert.id, service=service, created_by=actor.username,
        detail_enc=(get_cipher().encrypt(text, context=f"alert_referral.detail:{referral_id}")
                    if text else None), created_at=now()))
    add_alert_event(alert.id, "referred", actor=actor.label, detail={"service": service})
    record_audit(actor, "alert.refer", "alert", alert.id, details={"service": service})
    db.session.commit()
    return referral_id


def close_case(alert_id: str, actor: Actor, *, outcome: str, district: str = "unknown",
               violence_type: str = "not_disclosed",
               other_types: list[str] | None = None) -> None:
    """Close the alert with its outcome and classification; counts it in the statistics.

    Drills are closed but never counted. The alert row is locked, so two closes cannot both count.
    """
    from backend.services.statistics import count_case
    from backend.sos.alerts import add_alert_event

    if outcome not in OUTCOMES:
        raise validation_problem("outcome must be one of " + ", ".join(OUTCOMES))
    if district not in DISTRICTS:
        raise validation_problem("district is not a known district code")
    if violence_type not in VIOLENCE_TYPES:
        raise validation_problem("violence_type must be one of " + ", ".join(VIOLENCE_TYPES))
    others = sorted({t for t in (other_types or []) if t != violence_type})
    if any(t not in VIOLENCE_TYPES or t == "not_disclosed" for t in others):
        raise validation_problem("other_types must be violence types")
    alert = _alert_or_404(alert_id, lock=True)
    if alert.status == ALERT_CLOSED:
        raise Problem(409, "alert-closed", "Already closed", "This alert is already closed.")
    current = now()
    case = db.session.get(AlertCase, alert.id)
    if case is None:
        case = AlertCase(alert_id=alert.id, reopened_count=0, counted=False)
        db.session.add(case)
    classification = CaseClassification(district, violence_type, tuple(others), outcome)
    seal_classification(case, classification)
    case.closed_by, case.closed_at = actor.username, current
    case.month = statistics_month(as_utc(alert.created_at))
    case.updated_at = current
    case.counted = not alert.drill
    db.session.flush()
    if case.counted:
        count_case(case, district, violence_type, outcome, +1)
    alert.status, alert.closed_at, alert.next_escalation_at = ALERT_CLOSED, current, None
    alert.updated_at = current
    # Neither the timeline nor the audit trail repeats the classification: it is hers.
    add_alert_event(alert.id, "closed", actor=actor.label)
    record_audit(actor, "alert.close", "alert", alert.id, details={"counted": case.counted})
    db.session.commit()


def reopen_case(alert_id: str, actor: Actor, reason: str = "") -> None:
    """Reopen a closed alert (supervisors): its counts are withdrawn until it is closed again."""
    from backend.services.statistics import count_case
    from backend.sos.alerts import add_alert_event

    alert = _alert_or_404(alert_id, lock=True)
    if alert.status != ALERT_CLOSED:
        raise Problem(409, "alert-not-closed", "Not closed", "Only a closed alert can be reopened.")
    case = db.session.get(AlertCase, alert.id)
    if case is not None:
        previous = open_classification(case)
        if case.counted and previous is not None:
            count_case(case, previous.district, previous.violence_type, previous.outcome, -1)
        case.counted = False
        case.reopened_count += 1
        case.closed_at = None
        case.updated_at = now()
    db.session.execute(
        update(Alert).where(Alert.id == alert.id)
        .values(status=ALERT_ACCEPTED if alert.accepted_at else ALERT_RELAYED, closed_at=None,
                updated_at=now()).execution_options(synchronize_session="fetch"))
    add_alert_event(alert.id, "reopened", actor=actor.label)
    record_audit(actor, "alert.reopen", "alert", alert.id,
                 details={"reason_given": bool(reason.strip())})
    db.session.commit()


def play_voice(alert_id: str, actor: Actor) -> str:
    """A one-minute signed URL of her voice message; each call is one audited playback."""
    from backend.sos.voice import signed_voice_url, voice_info

    alert = _alert_or_404(alert_id)
    info = voice_info(alert.id)
    if not info or not info.get("complete"):
        raise Problem(404, "no-voice", "No voice message", "This alert has no voice message.")
    record_audit(actor, "alert.voice.play", "alert", alert.id)
    db.session.commit()
    return signed_voice_url(alert.id, seconds=VOICE_URL_SECONDS)


@dataclass(frozen=True)
class CaseClassification:
    """What staff recorded at close (docs/statistics.md); stored encrypted in alert_case."""

    district: str
    violence_type: str
    other_types: tuple[str, ...]
    outcome: str


def seal_classification(case: AlertCase, classification: CaseClassification) -> None:
    """Encrypt ``classification`` into ``case`` (bound to its alert)."""
    case.classification_enc = get_cipher().encrypt(
        json.dumps(asdict(classification)), context=f"alert_case.classification:{case.alert_id}")


def open_classification(case: AlertCase) -> CaseClassification | None:
    """The decrypted classification of ``case``, or None before its first close."""
    if case.classification_enc is None:
        return None
    data = json.loads(get_cipher().decrypt_text(
        case.classification_enc, context=f"alert_case.classification:{case.alert_id}"))
    return CaseClassification(data["district"], data["violence_type"],
                              tuple(data["other_types"]), data["outcome"])


def statistics_month(moment: datetime) -> str:
    """The statistics month ("YYYY-MM") of a moment, in the hotline's time zone."""
    zone = ZoneInfo(_settings().staff_default_time_zone)
    return as_utc(moment).astimezone(zone).strftime("%Y-%m")


def _refuse_if_closed(alert: Alert) -> None:
    if alert.status == ALERT_CLOSED:
        raise Problem(409, "alert-closed", "Alert closed",
                      "This alert is closed; a supervisor can reopen it.")
