"""Hotline casework through the services: queue, view, accept, note, refer, close, reopen, voice."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from backend.errors import Problem
from backend.extensions import db
from backend.models.audit import AuditEvent
from backend.models.casework import AlertNote
from backend.services import staff_alerts
from backend.services.audit import Actor
from backend.services.statistics import raw_counts
from tests.console.conftest import make_alert
from tests.support.staff import create_staff


@pytest.fixture
def operator(app: Flask) -> Actor:
    from backend.services.staff_accounts import find_user

    creds = create_staff(app, "hotline_operator", username="op-dilnoza")
    user = find_user(creds.username)
    return Actor.of(user)


def _audit_rows(action: str, target: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.target_id == target)) or 0


def test_queue_shows_unaccepted_and_escalated_first_and_marks_drills(app: Flask,
                                                                      operator: Actor) -> None:
    older = make_alert()
    drill = make_alert(drill=True)
    accepted = make_alert()
    staff_alerts.accept(accepted.id, operator)
    queue = staff_alerts.alert_queue()
    ids = [item.id for item in queue]
    assert ids[-1] == accepted.id
    assert set(ids[:2]) == {older.id, drill.id}
    assert next(i for i in queue if i.id == drill.id).drill is True
    # No personal data in the queue.
    assert "locations" not in queue[0].as_dict() and "callback_policy" not in queue[0].as_dict()


def test_viewing_an_alert_leaves_exactly_one_audit_row(app: Flask, operator: Actor) -> None:
    made = make_alert(policy={"mode": "never"})
    view = staff_alerts.view_alert(made.id, operator)
    assert view.timeline["callback_policy"]["mode"] == "never"
    assert view.timeline["locations"][0]["accuracy_m"] == 25.0
    assert _audit_rows("alert.view", made.id) == 1
    staff_alerts.view_alert(made.id, operator)
    assert _audit_rows("alert.view", made.id) == 2


def test_note_is_stored_encrypted_and_shown_decrypted(app: Flask, operator: Actor) -> None:
    made = make_alert()
    staff_alerts.add_note(made.id, operator, "She asked us to call after 18:00 only.")
    stored = db.session.scalar(select(AlertNote.body_enc))
    assert stored is not None and "18:00" not in stored
    raw = db.session.execute(text("SELECT body_enc FROM alert_note")).scalar_one()
    assert "call after" not in raw
    view = staff_alerts.view_alert(made.id, operator)
    assert view.notes[0]["body"] == "She asked us to call after 18:00 only."
    assert view.notes[0]["author"] == "op-dilnoza"


def test_accept_refer_close_counts_the_case_once(app: Flask, operator: Actor) -> None:
    made = make_alert()
    assert staff_alerts.accept(made.id, operator) is True
    assert staff_alerts.accept(made.id, operator) is False  # first acceptance wins
    staff_alerts.add_referral(made.id, operator, "legal_aid", "Bureau in Vahdat")
    staff_alerts.add_referral(made.id, operator, "legal_aid", "second visit")
    staff_alerts.add_referral(made.id, operator, "psychologist")
    staff_alerts.close_case(made.id, operator, outcome="referred", district="drs.vahdat",
                            violence_type="physical", other_types=["psychological"])
    view = staff_alerts.view_alert(made.id, operator)
    assert view.timeline["status"] == "closed"
    assert [r["service"] for r in view.referrals] == ["legal_aid", "legal_aid", "psychologist"]
    counts = raw_counts()
    assert counts["violence_type"] == {"physical": 1}
    assert counts["district"] == {"drs.vahdat": 1}
    assert counts["referral"] == {"legal_aid": 1, "psychologist": 1}
    with pytest.raises(Problem) as closed_twice:
        staff_alerts.close_case(made.id, operator, outcome="referred")
    assert closed_twice.value.status == 409


def test_closed_alert_takes_no_notes_until_reopened(app: Flask, operator: Actor) -> None:
    made = make_alert()
    staff_alerts.close_case(made.id, operator, outcome="false_alarm")
    with pytest.raises(Problem) as refused:
        staff_alerts.add_note(made.id, operator, "late note")
    assert refused.value.status == 409
    staff_alerts.reopen_case(made.id, operator, "more to record")
    assert raw_counts()["outcome"] == {}
    staff_alerts.add_note(made.id, operator, "late note")
    staff_alerts.close_case(made.id, operator, outcome="advice_safety_plan")
    assert raw_counts()["outcome"] == {"advice_safety_plan": 1}


def test_drills_are_closed_but_never_counted(app: Flask, operator: Actor) -> None:
    made = make_alert(drill=True)
    staff_alerts.close_case(made.id, operator, outcome="other", violence_type="physical")
    assert raw_counts()["violence_type"] == {}


def test_close_rejects_codes_outside_the_classification(app: Flask, operator: Actor) -> None:
    made = make_alert()
    for kwargs in ({"outcome": "solved"}, {"outcome": "other", "district": "atlantis"},
                   {"outcome": "other", "violence_type": "verbal"}):
        with pytest.raises(Problem) as bad:
            staff_alerts.close_case(made.id, operator, **kwargs)
        assert bad.value.status == 400


def test_each_voice_playback_is_one_audit_row_with_a_short_lived_url(
        app: Flask, operator: Actor) -> None:
    made = make_alert(voice=True)
    url = staff_alerts.play_voice(made.id, operator)
    assert f"/twilio/media/{made.id}.audio?exp=" in url
    staff_alerts.play_voice(made.id, operator)
    assert _audit_rows("alert.voice.play", made.id) == 2
    view = staff_alerts.view_alert(made.id, operator)
    assert "url" not in view.as_dict()["voice"]


def test_unknown_alert_is_not_found(app: Flask, operator: Actor) -> None:
    with pytest.raises(Problem) as missing:
        staff_alerts.view_alert("f" * 32, operator)
    assert missing.value.status == 404
    assert _audit_rows("alert.view", "f" * 32) == 0


def test_classification_of_a_case_is_stored_encrypted(app: Flask, operator: Actor) -> None:
    made = make_alert()
    staff_alerts.close_case(made.id, operator, outcome="referred", district="sughd.isfara",
                            violence_type="sexual")
    raw = db.session.execute(text("SELECT classification_enc FROM alert_case")).scalar_one()
    assert "isfara" not in raw and "sexual" not in raw
    events = db.session.execute(text("SELECT detail FROM sos_alert_event")).scalars().all()
    assert not any("referred" in str(detail) for detail in events)
    view = staff_alerts.view_alert(made.id, operator)
    assert view.case is not None
    assert (view.case["district"], view.case["violence_type"]) == ("sughd.isfara", "sexual")
