"""Survivor data in the console: encrypted at rest with rotating keys, each read audited once."""

from __future__ import annotations

import base64
import os

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from backend.extensions import db
from backend.models.audit import AuditEvent
from backend.security.encryption import FieldCipher, parse_keys, rotate_all
from backend.services import staff_alerts
from backend.services.audit import Actor
from tests.console.conftest import make_alert


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


OLD, NEW = _key(), _key()


@pytest.fixture
def app_env(app_env: dict[str, str]) -> dict[str, str]:
    app_env["ENCRYPTION_KEYS"] = f"k1:{OLD}"
    return app_env


def test_notes_and_referrals_move_to_the_new_key_on_rotation(app: Flask) -> None:
    actor = Actor.system("test")
    made = make_alert()
    staff_alerts.add_note(made.id, actor, "Her brother is not safe to talk to.")
    staff_alerts.add_referral(made.id, actor, "legal_aid", "Bureau on Rudaki avenue")
    stored = db.session.execute(text("SELECT body_enc FROM alert_note")).scalar_one()
    assert stored.startswith("hb1.k1.") and "brother" not in stored

    rotated = FieldCipher(parse_keys(f"k2:{NEW},k1:{OLD}"))
    counts = rotate_all(db.session, rotated)
    assert counts["alert_note.body_enc"] == 1 and counts["alert_referral.detail_enc"] == 1
    app.extensions["hushbakht.cipher"] = FieldCipher(parse_keys(f"k2:{NEW}"))  # old key retired
    view = staff_alerts.view_alert(made.id, actor)
    assert view.notes[0]["body"] == "Her brother is not safe to talk to."
    assert view.referrals[0]["detail"] == "Bureau on Rudaki avenue"


def _reads(alert_id: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "alert.view", AuditEvent.target_id == alert_id)) or 0


def test_each_page_view_and_api_read_leaves_exactly_one_audit_row(
        app: Flask, login_as, staff_api_headers) -> None:
    made = make_alert()
    client, operator = login_as("hotline_operator")
    assert client.get(f"/console/alerts/{made.id}").status_code == 200
    assert _reads(made.id) == 1
    row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.view")).one()
    assert (row.actor_username, row.via, row.ip) == (operator.username, "console", "127.0.0.1")
    api = app.test_client()
    assert api.get(f"/api/staff/v1/alerts/{made.id}",
                   headers=staff_api_headers("hotline_supervisor")).status_code == 200
    assert _reads(made.id) == 2
    # The queue carries no personal data and is not a read of her data.
    client.get("/console/alerts")
    client.get("/console/alerts/queue.json")
    assert _reads(made.id) == 2
    # A refused read is not a read.
    editor, _ = login_as("content_editor")
    assert editor.get(f"/console/alerts/{made.id}").status_code == 403
    assert _reads(made.id) == 2


def test_console_pages_are_never_cached(app: Flask, login_as) -> None:
    made = make_alert()
    client, _ = login_as("hotline_operator")
    for path in (f"/console/alerts/{made.id}", "/console/alerts", "/console/alerts/queue.json"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Frame-Options"] == "DENY"
