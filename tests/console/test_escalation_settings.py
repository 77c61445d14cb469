"""Supervisors and admins set how long an unaccepted alert waits before it escalates (issue 4).

The value lives in the database, the relay schedules every alert with it, operators can read it but
not change it, out-of-range values are refused with a readable message, and every change is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from backend.clock import as_utc, frozen
from backend.extensions import db
from backend.models.audit import AuditEvent
from backend.models.sos import Alert
from backend.services.audit import Actor
from backend.services.escalation_policy import get_escalation_seconds, set_escalation_seconds
from tests.console.conftest import make_alert
from tests.support.staff import page_csrf

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
SETTINGS_DEFAULT = 120  # ESCALATION_SECONDS of the test environment (the setting's default)


def _next_escalation(alert_id: str) -> datetime:
    db.session.expire_all()
    alert = db.session.get(Alert, alert_id)
    assert alert is not None and alert.next_escalation_at is not None
    return as_utc(alert.next_escalation_at)


def _post_seconds(client: FlaskClient, value: str) -> TestResponse:
    return client.post("/console/oncall/escalation", data={
        "escalation_seconds": value, "csrf_token": page_csrf(client, "/console/oncall")})


def test_without_a_console_value_the_setting_applies(app: Flask, login_as) -> None:
    client, _ = login_as("hotline_supervisor")
    assert get_escalation_seconds() == SETTINGS_DEFAULT
    page = client.get("/console/oncall").get_data(as_text=True)
    assert f'value="{SETTINGS_DEFAULT}"' in page
    assert "ESCALATION_SECONDS setting" in page
    with frozen(T0):
        made = make_alert()
    assert _next_escalation(made.id) == T0 + timedelta(seconds=SETTINGS_DEFAULT)


def test_supervisor_changes_the_time_and_new_alerts_and_escalations_use_it(
        app: Flask, login_as) -> None:
    from backend.sos.escalation import escalate_due_alerts

    with frozen(T0 - timedelta(minutes=5)):
        waiting = make_alert()  # scheduled before the change: keeps its time
    client, supervisor = login_as("hotline_supervisor")
    response = _post_seconds(client, "300")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The escalation time was saved" in page
    assert 'value="300"' in page and supervisor.username in page

    with frozen(T0):
        made = make_alert()
    assert _next_escalation(made.id) == T0 + timedelta(seconds=300)
    assert _next_escalation(waiting.id) == T0 - timedelta(minutes=5) + timedelta(
        seconds=SETTINGS_DEFAULT)

    later = T0 + timedelta(seconds=301)
    with frozen(later):
        assert escalate_due_alerts() == 2
    db.session.expire_all()
    alert = db.session.get(Alert, made.id)
    assert alert is not None and alert.escalation_level == 1
    assert _next_escalation(made.id) == later + timedelta(seconds=300)
    assert _next_escalation(waiting.id) == later + timedelta(seconds=300)


def test_an_admin_can_change_it_too(app: Flask, login_as) -> None:
    client, _ = login_as("admin")
    assert _post_seconds(client, "45").status_code == 303
    assert get_escalation_seconds() == 45


def test_an_operator_cannot_change_it(app: Flask, login_as, staff_api_headers) -> None:
    supervisor, _ = login_as("hotline_supervisor")
    assert _post_seconds(supervisor, "240").status_code == 303
    operator, _ = login_as("hotline_operator")
    token = page_csrf(operator)
    response = operator.post("/console/oncall/escalation",
                             data={"escalation_seconds": "30", "csrf_token": token})
    assert response.status_code == 403
    assert operator.get("/console/oncall").status_code == 403  # the chain holds staff phones
    headers = staff_api_headers("hotline_operator")
    refused = app.test_client().put("/api/staff/v1/escalation", headers=headers,
                                    json={"escalation_seconds": 30})
    assert refused.status_code == 403
    read = app.test_client().get("/api/staff/v1/escalation", headers=headers)
    assert read.status_code == 200
    assert read.get_json()["escalation_seconds"] == 240 and read.get_json()["source"] == "console"
    assert get_escalation_seconds() == 240


@pytest.mark.parametrize("value", ["29", "3601", "0", "-60", "90.5", "two minutes", "", "²", "9" * 5000])
def test_invalid_values_are_refused_with_a_readable_message(app: Flask, login_as,
                                                            value: str) -> None:
    client, _ = login_as("hotline_supervisor")
    response = _post_seconds(client, value)
    assert response.status_code == 400
    assert ("The escalation time must be a whole number of seconds from 30 to 3600."
            in response.get_data(as_text=True))
    assert get_escalation_seconds() == SETTINGS_DEFAULT
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "escalation.update")).all() == []


def test_the_message_follows_the_staff_members_language(app: Flask, login_as) -> None:
    client, _ = login_as("hotline_supervisor", locale="ru")
    page = _post_seconds(client, "5").get_data(as_text=True)
    assert "Время до эскалации — целое число секунд от 30 до 3600." in page


@pytest.mark.parametrize("body", [{"escalation_seconds": 10}, {"escalation_seconds": True},
                                  {"escalation_seconds": None}, {}, {"escalation_seconds": [60]}])
def test_the_staff_api_refuses_invalid_values_as_a_problem(app: Flask, staff_api_headers,
                                                           body: dict[str, object]) -> None:
    response = app.test_client().put("/api/staff/v1/escalation",
                                     headers=staff_api_headers("hotline_supervisor"), json=body)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "from 30 to 3600" in response.get_json()["detail"]
    assert get_escalation_seconds() == SETTINGS_DEFAULT


def test_every_change_is_audited_with_the_old_and_new_value(app: Flask, login_as,
                                                            staff_api_headers) -> None:
    client, supervisor = login_as("hotline_supervisor")
    assert _post_seconds(client, "90").status_code == 303
    changed = app.test_client().put("/api/staff/v1/escalation",
                                    headers=staff_api_headers("admin"),
                                    json={"escalation_seconds": 600})
    assert changed.status_code == 200 and changed.get_json()["escalation_seconds"] == 600
    set_escalation_seconds(75, Actor.system("ops-script"))
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "escalation.update").order_by(AuditEvent.id)).all()
    assert [(e.actor_role, e.via, e.details) for e in events] == [
        ("hotline_supervisor", "console", {"from_seconds": SETTINGS_DEFAULT, "to_seconds": 90}),
        ("admin", "api", {"from_seconds": 90, "to_seconds": 600}),
        ("system", "cli", {"from_seconds": 600, "to_seconds": 75}),
    ]
    assert events[0].actor_username == supervisor.username
    audit_page = client.get("/console/audit?action=escalation.").get_data(as_text=True)
    assert "escalation.update" in audit_page and supervisor.username in audit_page
