"""Supervisor pages: on-call chain editing, the audit log's filters, and the login throttle."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from backend.extensions import db
from backend.models.audit import AuditEvent
from backend.services import staff_alerts
from backend.services.audit import Actor
from tests.console.conftest import make_alert
from tests.support.staff import csrf_from, page_csrf


def test_supervisor_replaces_the_on_call_chain_and_it_is_audited(app: Flask, login_as) -> None:
    client, supervisor = login_as("hotline_supervisor")
    response = client.post("/console/oncall", data={
        "phone": ["+992900000011", "", "+992900000022"], "label": ["night", "", "backup"],
        "active": ["0", "2"], "csrf_token": page_csrf(client)})
    assert response.status_code == 303
    from backend.sos.oncall import get_on_call_chain

    chain = get_on_call_chain()
    assert [(e.phone, e.label) for e in chain] == [("+992900000011", "night"),
                                                    ("+992900000022", "backup")]
    page = client.get("/console/oncall").get_data(as_text=True)
    assert "+992900000022" in page
    bad = client.post("/console/oncall", data={"phone": ["0900"], "label": ["x"],
                                               "csrf_token": page_csrf(client)})
    assert "E.164" in bad.get_data(as_text=True)
    assert len(get_on_call_chain()) == 2  # a bad entry changes nothing
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.actor_username == supervisor.username).order_by(AuditEvent.id))]
    assert "oncall.replace" in actions


def test_audit_log_filters_by_alert_and_action(app: Flask, login_as) -> None:
    operator_client, operator = login_as("hotline_operator")
    first, second = make_alert(), make_alert()
    operator_client.get(f"/console/alerts/{first.id}")
    operator_client.get(f"/console/alerts/{second.id}")
    operator_client.post(f"/console/alerts/{first.id}/accept",
                         data={"csrf_token": page_csrf(operator_client)})
    supervisor, _ = login_as("hotline_supervisor")
    page = supervisor.get(f"/console/audit?target={first.id}&action=alert.").get_data(as_text=True)
    assert first.id in page and second.id not in page
    assert "alert.accept" in page and operator.username in page
    only_views = supervisor.get("/console/audit?action=alert.view").get_data(as_text=True)
    assert "alert.accept" not in only_views
    assert supervisor.get("/console/audit?since=2026-13-40").status_code == 400


@pytest.fixture
def app_env(app_env: dict[str, str]) -> dict[str, str]:
    app_env["STAFF_LOGIN_RATE_LIMIT"] = "3 per minute"
    return app_env


def test_login_attempts_are_throttled_per_address(app: Flask) -> None:
    client = app.test_client()
    statuses = []
    for _ in range(4):
        token = csrf_from(client.get("/console/login").get_data(as_text=True))
        statuses.append(client.post("/console/login", data={
            "username": "nobody", "password": "wrong wrong wrong", "csrf_token": token}).status_code)
    assert statuses == [401, 401, 401, 429]


def test_queue_json_lists_new_alerts_for_the_page(app: Flask, login_as) -> None:
    client, _ = login_as("hotline_operator")
    made = make_alert(drill=True)
    body = client.get("/console/alerts/queue.json").get_json()
    assert [a["id"] for a in body["alerts"]] == [made.id]
    assert body["alerts"][0]["drill"] is True
    assert body["alerts"][0]["status_label"] == "received"
    assert body["alerts"][0]["received_label"]  # formatted in the staff member's zone
    staff_alerts.close_case(made.id, Actor.system("test"), outcome="other")
    assert client.get("/console/alerts/queue.json").get_json()["alerts"] == []


def test_admin_unlocks_and_deactivates_accounts(app: Flask, login_as) -> None:
    from datetime import timedelta

    from backend.clock import now
    from backend.services.staff_accounts import find_user

    admin, admin_creds = login_as("admin")
    operator_client, operator = login_as("hotline_operator")
    user = find_user(operator.username)
    assert user is not None
    user.locked_until = now() + timedelta(minutes=10)
    db.session.commit()
    page = admin.get("/console/staff").get_data(as_text=True)
    assert operator.username in page and "locked" in page
    token = page_csrf(admin, "/console/staff")
    assert admin.post(f"/console/staff/{operator.username}/unlock",
                      data={"csrf_token": token}).status_code == 303
    db.session.refresh(user)
    assert user.locked_until is None
    admin.post(f"/console/staff/{operator.username}/deactivate", data={"csrf_token": token})
    assert operator_client.get("/console/").status_code == 302  # its session ended at once
    own = admin.post(f"/console/staff/{admin_creds.username}/deactivate",
                     data={"csrf_token": token})
    assert own.status_code == 409


def test_home_tells_hotline_staff_how_many_alerts_wait(app: Flask, login_as) -> None:
    client, _ = login_as("hotline_operator")
    assert "No alert waits for acceptance." in client.get("/console/").get_data(as_text=True)
    make_alert()
    make_alert()
    assert "Alerts waiting for acceptance: 2" in client.get("/console/").get_data(as_text=True)
    editor, _ = login_as("content_editor")
    assert "acceptance" not in editor.get("/console/").get_data(as_text=True)
