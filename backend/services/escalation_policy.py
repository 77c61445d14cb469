"""How long an unaccepted alert waits before it escalates, and who may change it.

Supervisors and admins set the value in the console or the staff API; the relay reads it through
:func:`get_escalation_seconds` each time it schedules an alert's next escalation. Until someone sets
it, the ``ESCALATION_SECONDS`` setting applies. Every change is audited in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy.exc import IntegrityError

from backend.clock import as_utc, now
from backend.errors import validation_problem
from backend.extensions import db
from backend.models.hotline import EscalationPolicy
from backend.services.audit import Actor, record_audit

MIN_ESCALATION_SECONDS = 30
MAX_ESCALATION_SECONDS = 3600
POLICY_ROW_ID = 1


@dataclass(frozen=True)
class EscalationTiming:
    """The timing in force: the seconds, where they come from, and the last change."""

    seconds: int
    source: str  # "console" (set by staff) or "settings" (ESCALATION_SECONDS)
    updated_by: str | None = None
    updated_at: datetime | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON form for the staff API."""
        return {"escalation_seconds": self.seconds, "source": self.source,
                "updated_by": self.updated_by,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None,
                "min_seconds": MIN_ESCALATION_SECONDS, "max_seconds": MAX_ESCALATION_SECONDS}


def escalation_seconds_default() -> int:
    """``ESCALATION_SECONDS``: what applies until staff set a value in the console."""
    from backend.app import get_settings

    return int(get_settings(current_app).escalation_seconds)


def escalation_timing() -> EscalationTiming:
    """The timing in force with its origin (the console's value, else ``ESCALATION_SECONDS``)."""
    row = db.session.get(EscalationPolicy, POLICY_ROW_ID)
    if row is None:
        return EscalationTiming(escalation_seconds_default(), "settings")
    return EscalationTiming(row.escalation_seconds, "console", row.updated_by,
                            as_utc(row.updated_at))


def get_escalation_seconds() -> int:
    """Seconds an unaccepted alert waits before escalating (what the relay schedules with)."""
    row = db.session.get(EscalationPolicy, POLICY_ROW_ID)
    return row.escalation_seconds if row is not None else escalation_seconds_default()


def parse_escalation_seconds(value: object) -> int:
    """A whole number of seconds within the allowed range; a 400 problem otherwise."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None
    if not isinstance(value, int) or not MIN_ESCALATION_SECONDS <= value <= MAX_ESCALATION_SECONDS:
        raise validation_problem(
            f"escalation_seconds must be a whole number of seconds from "
            f"{MIN_ESCALATION_SECONDS} to {MAX_ESCALATION_SECONDS}.")
    return value


def set_escalation_seconds(seconds: object, actor: Actor) -> EscalationTiming:
    """Store a new escalation timing and audit it (old and new value) in one transaction.

    Alerts already waiting keep the escalation time they were given; the new value applies from
    the next time an alert is scheduled (a new alert, an escalation, a duress cancel).
    """
    value = parse_escalation_seconds(seconds)
    for attempt in (1, 2):
        row = db.session.get(EscalationPolicy, POLICY_ROW_ID, with_for_update=True)
        previous = row.escalation_seconds if row is not None else escalation_seconds_default()
        if row is None:
            row = EscalationPolicy(id=POLICY_ROW_ID)
            db.session.add(row)
        row.escalation_seconds = value
        row.updated_by = actor.label[:64]
        row.updated_at = now()
        record_audit(actor, "escalation.update", "escalation_policy", "",
                     details={"from_seconds": previous, "to_seconds": value})
        try:
            db.session.commit()
        except IntegrityError:  # another first change inserted the row at the same moment
            db.session.rollback()
            if attempt == 2:
                raise
        else:
            break
    return escalation_timing()
