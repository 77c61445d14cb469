"""Every console page and staff API endpoint against every role: allowed or denied, nothing else.

Editors and moderators never reach survivor data; only hotline roles see alerts; only supervisors
and admins see the audit log and the on-call chain.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.security.roles import Role
from tests.console.conftest import MadeAlert, make_alert
from tests.support.staff import StaffCredentials, api_token, create_staff, log_in, page_csrf

OP, SUP, ED, MOD, ADM = (Role.HOTLINE_OPERATOR, Role.HOTLINE_SUPERVISOR, Role.CONTENT_EDITOR,
                         Role.MODERATOR, Role.ADMIN)
ALL = set(Role)
HOTLINE = {OP, SUP}
OVERSIGHT = {SUP, ADM}
STATS = {OP, SUP, ADM}

# (method, path template, roles allowed). {a} is an open alert, {c} a closed one.
CONSOLE_ROUTES: list[tuple[str, str, set[Role]]] = [
    ("GET", "/console/", ALL),
    ("GET", "/console/account", ALL),
    ("GET", "/console/alerts", HOTLINE),
    ("GET", "/console/alerts/queue.json", HOTLINE),
    ("GET", "/console/alerts/{a}", HOTLINE),
    ("POST", "/console/alerts/{a}/accept", HOTLINE),
    ("POST", "/console/alerts/{a}/notes", HOTLINE),
    ("POST", "/console/alerts/{a}/referrals", HOTLINE),
    ("POST", "/console/alerts/{a}/voice", HOTLINE),
    ("POST", "/console/alerts/{a}/close", HOTLINE),
    ("POST", "/console/alerts/{c}/reopen", {SUP}),
    ("GET", "/console/statistics", STATS),
    ("GET", "/console/statistics.csv", STATS),
    ("GET", "/console/oncall", OVERSIGHT),
    ("POST", "/console/oncall", OVERSIGHT),
    ("GET", "/console/audit", OVERSIGHT),
    ("GET", "/console/staff", {ADM}),
]

API_ROUTES: list[tuple[str, str, set[Role]]] = [
    ("GET", "/api/staff/v1/me", ALL),
    ("GET", "/api/staff/v1/alerts", HOTLINE),
    ("GET", "/api/staff/v1/alerts/{a}", HOTLINE),
    ("POST", "/api/staff/v1/alerts/{a}/accept", HOTLINE),
    ("POST", "/api/staff/v1/alerts/{a}/notes", HOTLINE),
    ("POST", "/api/staff/v1/alerts/{a}/referrals", HOTLINE),
    ("POST", "/api/staff/v1/alerts/{a}/voice", HOTLINE),
    ("POST", "/api/staff/v1/alerts/{a}/close", HOTLINE),
    ("POST", "/api/staff/v1/alerts/{c}/reopen", {SUP}),
    ("GET", "/api/staff/v1/oncall", OVERSIGHT),
    ("PUT", "/api/staff/v1/oncall", OVERSIGHT),
    ("POST", "/api/staff/v1/devices", HOTLINE),
]

FORMS = {
    "notes": {"body": "called, safe for now"},
    "referrals": {"service": "legal_aid", "detail": ""},
    "close": {"outcome": "advice_safety_plan", "district": "unknown",
              "violence_type": "not_disclosed"},
    "oncall": {"phone": "+992900000001", "label": "night desk", "active": "0"},
}
BODIES = {
    "notes": {"body": "called, safe for now"},
    "referrals": {"service": "psychologist"},
    "close": {"outcome": "advice_safety_plan"},
    "oncall": {"entries": [{"phone": "+992900000001", "label": "night desk"}]},
    "devices": {"token": "fcm-registration-token-0123456789", "platform": "android"},
}


def _alerts(app: Flask) -> tuple[MadeAlert, MadeAlert]:
    from backend.services import staff_alerts
    from backend.services.audit import Actor

    open_alert = make_alert(voice=True)
    closed = make_alert()
    staff_alerts.close_case(closed.id, Actor.system(), outcome="other")
    return open_alert, closed


@pytest.fixture
def accounts(app: Flask) -> dict[Role, StaffCredentials]:
    return {role: create_staff(app, role) for role in Role}


def test_console_routes_admit_exactly_their_roles(app: Flask,
                                                  accounts: dict[Role, StaffCredentials]) -> None:
    shared = _alerts(app)
    for role in Role:
        # Roles that may act on alerts get fresh ones (their POSTs close and reopen them).
        open_alert, closed = _alerts(app) if role in HOTLINE else shared
        client = app.test_client()
        log_in(client, app, accounts[role])
        token = page_csrf(client)
        for method, template, allowed in CONSOLE_ROUTES:
            path = template.format(a=open_alert.id, c=closed.id)
            if method == "GET":
                response = client.get(path)
            else:
                form = dict(FORMS.get(path.rsplit("/", 1)[-1], {}), csrf_token=token)
                response = client.post(path, data=form)
            if role in allowed:
                assert response.status_code in (200, 303), (role, method, path,
                                                            response.status_code)
            else:
                assert response.status_code == 403, (role, method, path, response.status_code)
                assert open_alert.id not in response.get_data(as_text=True)


def test_staff_api_routes_admit_exactly_their_roles(app: Flask, client: FlaskClient,
                                                    accounts: dict[Role, StaffCredentials]) -> None:
    shared = _alerts(app)
    for role in Role:
        open_alert, closed = _alerts(app) if role in HOTLINE else shared
        headers = {"Authorization": f"Bearer {api_token(app, accounts[role])}"}
        for method, template, allowed in API_ROUTES:
            path = template.format(a=open_alert.id, c=closed.id)
            body = BODIES.get(path.rsplit("/", 1)[-1])
            response = client.open(path, method=method, headers=headers, json=body)
            if role in allowed:
                assert response.status_code in (200, 201), (
                    role, method, path, response.status_code, response.get_data(as_text=True)[:300])
            else:
                assert response.status_code == 403, (role, method, path, response.status_code)
                assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("method,template,_allowed", API_ROUTES)
def test_staff_api_refuses_missing_or_bad_tokens(app: Flask, client: FlaskClient, method: str,
                                                 template: str, _allowed: set[Role]) -> None:
    path = template.format(a="a" * 32, c="c" * 32)
    for headers in ({}, {"Authorization": "Bearer hbst_not-a-real-token"},
                    {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = client.open(path, method=method, headers=headers, json={})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_logged_out_console_routes_redirect_to_login(app: Flask, client: FlaskClient) -> None:
    for method, template, _ in CONSOLE_ROUTES:
        path = template.format(a="a" * 32, c="c" * 32)
        response = client.open(path, method=method)
        assert response.status_code == 302, (method, path)
        assert "/console/login" in response.headers["Location"]


