"""Retention purge and the audit log: the data goes, the counts stay, audit rows never change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from backend import clock
from backend.extensions import db
from backend.models.audit import AuditEvent, AuditLogIsAppendOnly
from backend.models.casework import AlertNote
from backend.models.sos import Alert, LocationFix, VoiceMessage
from backend.services import staff_alerts
from backend.services.audit import Actor, record_audit
from backend.services.retention import purge_expired
from backend.services.statistics import raw_counts
from tests.conftest import POSTGRES_UP
from tests.console.conftest import make_alert


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_purge_removes_survivor_data_after_retention_and_keeps_counts(app: Flask) -> None:
    actor = Actor.system("test")
    old, recent, still_open = make_alert(voice=True), make_alert(), make_alert()
    staff_alerts.add_note(old.id, actor, "She is staying with her sister.")
    staff_alerts.add_referral(old.id, actor, "crisis_centre", "shelter in Khujand")
    staff_alerts.close_case(old.id, actor, outcome="referred", district="sughd.khujand",
                            violence_type="physical")
    start = clock.now()
    with clock.frozen(start + timedelta(days=60)):
        staff_alerts.close_case(recent.id, actor, outcome="false_alarm")
    with clock.frozen(start + timedelta(days=91)):
        report = purge_expired()
    assert report.alerts == 1
    assert db.session.get(Alert, old.id) is None
    assert db.session.get(Alert, recent.id) is not None
    assert db.session.get(Alert, still_open.id) is not None
    assert db.session.scalar(select(func.count()).select_from(LocationFix).where(
        LocationFix.alert_id == old.id)) == 0
    assert db.session.get(VoiceMessage, old.id) is None
    assert db.session.scalar(select(func.count()).select_from(AlertNote).where(
        AlertNote.alert_id == old.id)) == 0
    # The anonymised counts survive the purge.
    counts = raw_counts()
    assert counts["district"]["sughd.khujand"] == 1
    assert counts["referral"] == {"crisis_centre": 1}
    # Nothing is left that names her: no text of the note anywhere in the database.
    dump = db.session.execute(text("SELECT body_enc FROM alert_note")).all()
    assert dump == []


def test_purge_is_idempotent_and_audited(app: Flask) -> None:
    made = make_alert()
    staff_alerts.close_case(made.id, Actor.system("test"), outcome="other")
    with clock.frozen(clock.now() + timedelta(days=365)):
        assert purge_expired().alerts == 1
        assert purge_expired().alerts == 0
    runs = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "retention.purge").order_by(AuditEvent.id)).all()
    assert [r.details["alerts"] for r in runs] == [1, 0]


def test_a_really_cancelled_alert_is_purged_but_a_duress_cancel_is_not(app: Flask) -> None:
    from backend.models.sos import Device
    from backend.sos.alerts import cancel_alert

    cancelled, duress = make_alert(), make_alert()
    for made, pin in ((cancelled, "2580"), (duress, "1470")):
        alert = db.session.get(Alert, made.id)
        device = db.session.get(Device, made.device_id)
        assert cancel_alert(device, alert, pin)[0]
    with clock.frozen(clock.now() + timedelta(days=120)):
        purge_expired()
    assert db.session.get(Alert, cancelled.id) is None
    assert db.session.get(Alert, duress.id) is not None


def test_audit_rows_cannot_be_changed_through_the_application(app: Flask) -> None:
    event = record_audit(Actor.system("test"), "alert.view", "alert", "a" * 32)
    db.session.commit()
    event.action = "nothing.happened"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()


@pytest.mark.skipif(not POSTGRES_UP, reason="the trigger exists on PostgreSQL")
def test_audit_rows_cannot_be_changed_even_with_sql(app: Flask) -> None:
    record_audit(Actor.system("test"), "alert.view", "alert", "b" * 32)
    db.session.commit()
    for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert _count(AuditEvent) == 1
