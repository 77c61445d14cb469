"""Acceptance by SMS: an on-call phone replies "1 <alert code>" to the service's number."""

from __future__ import annotations

import re

from sqlalchemy import select

from backend.extensions import db
from backend.models.sos import OPEN_ALERT_STATUSES, Alert
from backend.sos.alerts import accept_alert
from backend.sos.codes import normalise
from backend.sos.oncall import get_on_call_chain

REPLY = re.compile(r"^\s*1\s*[-:.,]?\s*([0-9A-Za-z]{6})\s*$")


def accept_by_sms_reply(sender: str, body: str) -> bool:
    """True if ``body`` is an acceptance from a hotline (or drill) number and was applied.

    Only numbers of the on-call chain or DRILL_NUMBERS can accept, and only open alerts (a drill only
    from a drill number). A reply that matches nothing is not an SMS fallback either: it is ignored.
    """
    match = REPLY.match(body or "")
    if not match:
        return False
    from flask import current_app

    from backend.app import get_settings

    drill_numbers = {n for n in get_settings(current_app).drill_numbers.split(",") if n}
    hotline_numbers = {e.phone for e in get_on_call_chain()}
    if sender not in hotline_numbers | drill_numbers:
        return False
    code = normalise(match.group(1))
    alert = db.session.execute(
        select(Alert).where(Alert.code == code, Alert.status.in_(OPEN_ALERT_STATUSES),
                            Alert.drill.is_(sender in drill_numbers))
        .order_by(Alert.created_at.desc())).scalars().first()
    if alert is None:
        return True
    position = next((i for i, e in enumerate(get_on_call_chain()) if e.phone == sender), None)
    actor = f"sms:hotline {position + 1}" if position is not None else "sms:drill"
    accept_alert(alert.id, actor=actor, via="sms")
    return True
