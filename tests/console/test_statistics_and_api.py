"""Statistics with small-cell suppression and CSV export; the staff API's login and alert flow."""

from __future__ import annotations

import csv
import io

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.clock import now
from backend.extensions import db
from backend.models.audit import AuditEvent
from backend.services import staff_alerts
from backend.services.audit import Actor
from backend.services.statistics import SUPPRESSED, statistics_csv, suppress
from tests.console.conftest import make_alert
from tests.support.staff import create_staff, page_csrf


def test_cells_under_five_are_suppressed_with_a_second_cell_when_one_would_be_revealed() -> None:
    cells, total = suppress({"physical": 7, "sexual": 2, "economic": 6}, {})
    shown = {c.key: c.shown for c in cells}
    assert shown["sexual"] == SUPPRESSED
    # 15 - 7 - 6 would give away the 2: the smallest other cell is hidden too.
    assert shown["economic"] == SUPPRESSED and shown["physical"] == "7"
    assert total == 15


def test_small_totals_are_suppressed_and_zero_is_zero() -> None:
    cells, total = suppress({"physical": 3}, {})
    assert total is None and cells[0].count is None
    assert suppress({}, {}) == ([], 0)


def test_statistics_page_and_csv_follow_the_classification(app: Flask, login_as) -> None:
    actor = Actor.system("test")
    for i in range(6):
        made = make_alert()
        staff_alerts.add_referral(made.id, actor, "police")
        staff_alerts.close_case(made.id, actor, outcome="referred",
                                district="khatlon.bokhtar" if i < 5 else "gbao.khorugh",
                                violence_type="physical")
    client, _ = login_as("hotline_supervisor")
    page = client.get("/console/statistics").get_data(as_text=True)
    assert "Khatlon: Bokhtar" in page and "Physical violence" in page
    export = client.get("/console/statistics.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    by_key = {(r["dimension"], r["code"]): r["cases"] for r in rows}
    assert by_key[("violence_type", "physical")] == "6"
    assert by_key[("district", "gbao.khorugh")] == SUPPRESSED
    assert by_key[("district", "khatlon.bokhtar")] == SUPPRESSED  # secondary suppression
    assert by_key[("district", "total")] == "6"
    assert by_key[("referral", "police")] == "6"
    # No identifiers in the export: only codes, labels and counts.
    assert all(set(r) == {"dimension", "code", "label", "cases"} for r in rows)
    exports = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "statistics.export"))
    assert exports == 1
    assert statistics_csv(("2000-01", "2000-12")).count("\n") == 5  # header + 4 zero totals


def test_staff_app_logs_in_with_totp_and_works_an_alert(app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "hotline_operator")
    refused = client.post("/api/staff/v1/tokens", json={
        "username": creds.username, "password": creds.password, "totp": "000000"})
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    issued = client.post("/api/staff/v1/tokens", json={
        "username": creds.username, "password": creds.password, "totp": creds.next_code(app),
        "label": "Pixel of the night desk"})
    assert issued.status_code == 201
    headers = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    made = make_alert(voice=True)
    queue = client.get("/api/staff/v1/alerts", headers=headers).get_json()["alerts"]
    assert [a["id"] for a in queue] == [made.id]
    detail = client.get(f"/api/staff/v1/alerts/{made.id}", headers=headers).get_json()
    assert detail["callback_policy"] == {"mode": "never"}
    assert "url" not in detail["voice"]
    assert client.post(f"/api/staff/v1/alerts/{made.id}/accept",
                       headers=headers).get_json() == {"accepted": True}
    voice = client.post(f"/api/staff/v1/alerts/{made.id}/voice", headers=headers).get_json()
    assert voice["expires_in"] == 60
    assert client.post(f"/api/staff/v1/alerts/{made.id}/notes", headers=headers,
                       json={"body": "called back in safe hours"}).status_code == 201
    bad = client.post(f"/api/staff/v1/alerts/{made.id}/referrals", headers=headers,
                      json={"service": "astrologer"})
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert client.post(f"/api/staff/v1/alerts/{made.id}/close", headers=headers,
                       json={"outcome": "advice_safety_plan"}).status_code == 200
    device = client.post("/api/staff/v1/devices", headers=headers,
                         json={"token": "f" * 40, "platform": "android", "on_duty": True})
    assert device.status_code == 201
    from backend.sos.staff_devices import on_duty_device_tokens

    assert ("f" * 40) in [token for _, token in on_duty_device_tokens()]
    assert client.delete("/api/staff/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/staff/v1/me", headers=headers).status_code == 401


def test_api_login_locks_out_after_repeated_failures(app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "admin")
    for _ in range(5):
        client.post("/api/staff/v1/tokens", json={
            "username": creds.username, "password": "wrong password here", "totp": ""})
    locked = client.post("/api/staff/v1/tokens", json={
        "username": creds.username, "password": creds.password,
        "totp": pyotp.TOTP(creds.totp_seed or "").at(now())})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0


def test_malformed_api_bodies_are_problems_not_errors(app: Flask, client: FlaskClient,
                                                      staff_api_headers) -> None:
    headers = staff_api_headers("hotline_operator")
    made = make_alert()
    for path, body in ((f"/api/staff/v1/alerts/{made.id}/notes", [1, 2]),
                       (f"/api/staff/v1/alerts/{made.id}/notes", {"body": 5}),
                       (f"/api/staff/v1/alerts/{made.id}/close", {"outcome": "x",
                                                                  "other_types": "physical"}),
                       ("/api/staff/v1/tokens", "nonsense")):
        response = client.post(path, headers=headers, json=body)
        assert response.status_code == 400, (path, body, response.status_code)
        assert response.mimetype == "application/problem+json"


def test_console_form_error_is_a_page_not_a_stack_trace(app: Flask, login_as) -> None:
    client, _ = login_as("hotline_operator")
    made = make_alert()
    response = client.post(f"/console/alerts/{made.id}/close",
                           data={"outcome": "solved", "csrf_token": page_csrf(client)})
    assert response.status_code == 400
    assert "text/html" in response.content_type
    assert "The request is not valid" in response.get_data(as_text=True)
