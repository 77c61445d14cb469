"""The editorial console pages and staff API endpoints, through the real login and token auth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from backend.editorial.gate import run_gate
from backend.extensions import db

from .conftest import RULES_FLAGGED_AD, page_csrf

_TODAY = datetime.now(UTC).replace(second=0, microsecond=0, tzinfo=None)
AD_FORM = {"locale": "en", "advertiser": "Oshkhona Express", "placement": "home-banner",
           "creative_text": RULES_FLAGGED_AD, "image_description": "A man on a sofa",
           "starts_at": (_TODAY - timedelta(days=1)).isoformat(timespec="minutes"),
           "ends_at": (_TODAY + timedelta(days=30)).isoformat(timespec="minutes")}


def _item_id(response: Any) -> tuple[str, str]:
    parts = response.headers["Location"].rstrip("/").split("/")
    return parts[-2], parts[-1]


def test_console_flow_flag_highlight_reject_reason(login_as: Any, client: FlaskClient,
                                                    gate: Any) -> None:
    editor, _ = login_as("content_editor")
    moderator, _ = login_as("moderator")
    token = page_csrf(editor, "/console/editorial/ads/new")
    created = editor.post("/console/editorial/ads/new", data={**AD_FORM, "csrf_token": token})
    assert created.status_code == 302, created.get_data(as_text=True)[-1500:]
    kind, item_id = _item_id(created)
    submitted = editor.post(f"/console/editorial/{kind}/{item_id}/submit",
                            data={"csrf_token": token})
    assert submitted.status_code == 302
    run_gate(db.session, kind, item_id, gate)  # what the worker does with the queued task

    queue = moderator.get("/console/editorial/queue").get_data(as_text=True)
    assert item_id in queue
    page = moderator.get(f"/console/editorial/review/{kind}/{item_id}").get_data(as_text=True)
    assert '<mark class="flag cat-roles"' in page and "Real men don&#39;t cook" in page
    decided = moderator.post(f"/console/editorial/review/{kind}/{item_id}", data={
        "decision": "reject", "reason": "Tells men cooking is beneath them.",
        "csrf_token": page_csrf(moderator, "/console/editorial/queue")})
    assert decided.status_code == 302

    item_page = editor.get(f"/console/editorial/{kind}/{item_id}").get_data(as_text=True)
    assert "Tells men cooking is beneath them." in item_page
    assert 'id="state">rejected' in item_page
    assert "Tells men cooking is beneath them." in editor.get("/console/editorial/").get_data(
        as_text=True)
    assert client.get("/api/v1/ads?placement=home-banner&locale=en").get_json()["items"] == []


def test_roles_see_only_their_pages(login_as: Any) -> None:
    editor, _ = login_as("content_editor")
    moderator, _ = login_as("moderator")
    operator, _ = login_as("hotline_operator")
    assert editor.get("/console/editorial/queue").status_code == 403
    assert editor.get("/console/editorial/kill-switches").status_code == 403
    assert moderator.get("/console/editorial/articles/new").status_code == 403
    assert moderator.get("/console/editorial/kill-switches").status_code == 200
    assert operator.get("/console/editorial/").status_code == 403
    assert operator.get("/console/editorial/report").status_code == 403
    for client in (editor, moderator):
        assert client.get("/console/editorial/report").status_code == 200


def test_console_form_without_csrf_is_refused(login_as: Any) -> None:
    editor, _ = login_as("content_editor")
    assert editor.post("/console/editorial/ads/new", data=AD_FORM).status_code == 403


def test_staff_api_editor_and_moderator_flow(client: FlaskClient, staff_api_headers: Any,
                                             gate: Any) -> None:
    editor, moderator = staff_api_headers("content_editor"), staff_api_headers("moderator")
    created = client.post("/api/staff/v1/editorial/articles", headers=editor, json={
        "locale": "en", "translation_key": "lentil-soup", "category": "recipes",
        "title": "Lentil soup", "summary": "Quick and warming.",
        "body_markdown": "Simmer red lentils with onion and cumin for twenty minutes.",
        "tags": ["soup"]})
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["state"] == "draft" and item["revision"] == 1

    edited = client.patch(f"/api/staff/v1/editorial/items/article/{item['id']}", headers=editor,
                          json={"title": "Red lentil soup"})
    assert edited.get_json()["saved_revision"] == 2
    diff = client.get(f"/api/staff/v1/editorial/items/article/{item['id']}/diff?from=1&to=2",
                      headers=editor).get_json()
    assert [c["field"] for c in diff["changes"]] == ["title"]

    assert client.post(f"/api/staff/v1/editorial/items/article/{item['id']}/submit",
                       headers=editor).status_code == 202
    early = client.post(f"/api/staff/v1/editorial/items/article/{item['id']}/publish",
                        headers=editor)
    assert early.status_code == 409
    assert early.mimetype == "application/problem+json"
    run_gate(db.session, "article", item["id"], gate)
    published = client.post(f"/api/staff/v1/editorial/items/article/{item['id']}/publish",
                            headers=editor)
    assert published.get_json()["state"] == "published"
    assert client.get("/api/v1/articles/lentil-soup?locale=en").status_code == 200

    pulled = client.post("/api/staff/v1/editorial/kill-switches", headers=moderator,
                         json={"scope": "category", "target": "recipes", "reason": "Audit"})
    assert pulled.status_code == 201
    assert client.get("/api/v1/articles/lentil-soup?locale=en").status_code == 404
    assert client.delete(f"/api/staff/v1/editorial/kill-switches/{pulled.get_json()['id']}",
                         headers=moderator).get_json()["active"] is False
    assert client.get("/api/v1/articles/lentil-soup?locale=en").status_code == 200

    report = client.get("/api/staff/v1/editorial/report?format=csv", headers=moderator)
    assert report.mimetype == "text/csv" and ",recipes,1,0,1," in report.get_data(as_text=True)


def test_staff_api_refuses_wrong_roles_and_bad_bodies(client: FlaskClient,
                                                      staff_api_headers: Any) -> None:
    moderator = staff_api_headers("moderator")
    editor = staff_api_headers("content_editor")
    assert client.post("/api/staff/v1/editorial/ads", headers=moderator,
                       json={}).status_code == 403
    assert client.get("/api/staff/v1/editorial/queue", headers=editor).status_code == 403
    assert client.get("/api/staff/v1/editorial/items").status_code == 401
    for body in (None, [], {"locale": "en"}, {"locale": 5}):
        response = client.post("/api/staff/v1/editorial/ads", headers=editor, json=body)
        assert response.status_code == 400, body
        assert response.mimetype == "application/problem+json"
    bad_time = client.post("/api/staff/v1/editorial/ads", headers=editor, json={
        "locale": "en", "advertiser": "A", "placement": "home-banner", "creative_text": "x",
        "starts_at": "soon", "ends_at": "later"})
    assert bad_time.status_code == 400
    missing = client.get("/api/staff/v1/editorial/items/article/nope", headers=editor)
    assert missing.status_code == 404
