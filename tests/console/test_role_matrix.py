"""Every console page and staff API endpoint against every role: allowed or denied, nothing else.

Editors and moderators never reach survivor data; only hotline roles see alerts; only supervisors
and admins see the audit log, the on-call chain and the escalation time (operators may read the
escalation time through the API); editors and moderators each see only their side of the editorial
workflow (admins hold both); hotline roles see nothing of it.

``test_every_guarded_route_is_in_the_matrix`` keeps the tables complete: a new console page or staff
API endpoint fails the suite until it is added here with the roles it admits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.security.roles import Role
from tests.console.conftest import make_alert
from tests.support.staff import StaffCredentials, api_token, create_staff, log_in, page_csrf

OP, SUP, ED, MOD, ADM = (Role.HOTLINE_OPERATOR, Role.HOTLINE_SUPERVISOR, Role.CONTENT_EDITOR,
                         Role.MODERATOR, Role.ADMIN)
ALL = set(Role)
HOTLINE = {OP, SUP}
OVERSIGHT = {SUP, ADM}
STATS = {OP, SUP, ADM}
ESCALATION_READERS = {OP, SUP, ADM}
EDITORS = {ED, ADM}
MODERATORS = {MOD, ADM}
EDITORIAL = {ED, MOD, ADM}

# Placeholders, filled per role by _fixtures():
#   {a} an open alert (with voice)      {c} a closed alert        {v} a push device of the caller
#   {o} another staff account           {n} a nonce (unique translation keys, advertisers)
#   {d} a draft article (2 revisions)   {s} a draft article to submit
#   {p} an approved article to publish  {t} an approved article to schedule
#   {u} a scheduled article             {w} a published article   {r} an ad flagged for review
#   {k} an active kill switch
# Editorial drafts are created by the caller when the caller is an editor or admin (so the caller
# holds the edit lock), otherwise by another editor.
CONSOLE_ROUTES: list[tuple[str, str, set[Role]]] = [
    ("GET", "/console/", ALL),
    ("GET", "/console/account", ALL),
    ("POST", "/console/account", ALL),
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
    ("POST", "/console/oncall/escalation", OVERSIGHT),
    ("GET", "/console/audit", OVERSIGHT),
    ("GET", "/console/staff", {ADM}),
    ("POST", "/console/staff/{o}/unlock", {ADM}),
    # editorial: editors
    ("GET", "/console/editorial/", EDITORS),
    ("GET", "/console/editorial/articles/new", EDITORS),
    ("POST", "/console/editorial/articles/new", EDITORS),
    ("GET", "/console/editorial/ads/new", EDITORS),
    ("POST", "/console/editorial/ads/new", EDITORS),
    ("GET", "/console/editorial/article/{d}", EDITORIAL),
    ("POST", "/console/editorial/article/{d}/edit", EDITORS),
    ("POST", "/console/editorial/article/{d}/lock", EDITORS),
    ("GET", "/console/editorial/article/{d}/diff?from=1&to=2", EDITORIAL),
    ("GET", "/console/editorial/article/{d}/preview", EDITORIAL),
    ("POST", "/console/editorial/article/{s}/submit", EDITORS),
    ("POST", "/console/editorial/article/{p}/publish", EDITORS),
    ("POST", "/console/editorial/article/{t}/schedule", EDITORS),
    ("POST", "/console/editorial/article/{u}/unschedule", EDITORS),
    ("POST", "/console/editorial/article/{w}/withdraw", EDITORIAL),
    ("GET", "/console/editorial/report", EDITORIAL),
    # editorial: moderators
    ("GET", "/console/editorial/queue", MODERATORS),
    ("GET", "/console/editorial/review/ad/{r}", MODERATORS),
    ("POST", "/console/editorial/review/ad/{r}", MODERATORS),
    ("GET", "/console/editorial/kill-switches", MODERATORS),
    ("POST", "/console/editorial/kill-switches", MODERATORS),
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
    ("GET", "/api/staff/v1/escalation", ESCALATION_READERS),
    ("PUT", "/api/staff/v1/escalation", OVERSIGHT),
    ("POST", "/api/staff/v1/devices", HOTLINE),
    ("PATCH", "/api/staff/v1/devices/{v}", HOTLINE),
    # editorial: editors
    ("GET", "/api/staff/v1/editorial/items", EDITORIAL),
    ("POST", "/api/staff/v1/editorial/articles", EDITORS),
    ("POST", "/api/staff/v1/editorial/ads", EDITORS),
    ("GET", "/api/staff/v1/editorial/items/article/{d}", EDITORIAL),
    ("PATCH", "/api/staff/v1/editorial/items/article/{d}", EDITORS),
    ("GET", "/api/staff/v1/editorial/items/article/{d}/revisions", EDITORIAL),
    ("GET", "/api/staff/v1/editorial/items/article/{d}/diff?from=1&to=2", EDITORIAL),
    ("POST", "/api/staff/v1/editorial/items/article/{d}/lock", EDITORS),
    ("DELETE", "/api/staff/v1/editorial/items/article/{d}/lock", EDITORS),
    ("POST", "/api/staff/v1/editorial/items/article/{s}/submit", EDITORS),
    ("POST", "/api/staff/v1/editorial/items/article/{p}/publish", EDITORS),
    ("POST", "/api/staff/v1/editorial/items/article/{t}/schedule", EDITORS),
    ("DELETE", "/api/staff/v1/editorial/items/article/{u}/schedule", EDITORS),
    ("POST", "/api/staff/v1/editorial/items/article/{w}/withdraw", EDITORIAL),
    ("GET", "/api/staff/v1/editorial/report", EDITORIAL),
    # editorial: moderators
    ("GET", "/api/staff/v1/editorial/queue", MODERATORS),
    ("POST", "/api/staff/v1/editorial/items/ad/{r}/decision", MODERATORS),
    ("GET", "/api/staff/v1/editorial/kill-switches", MODERATORS),
    ("POST", "/api/staff/v1/editorial/kill-switches", MODERATORS),
    ("DELETE", "/api/staff/v1/editorial/kill-switches/{k}", MODERATORS),
    # last: revokes the calling token
    ("DELETE", "/api/staff/v1/tokens/current", ALL),
]

# Console pages and staff API endpoints that are public by design (no role: they are how a person
# gets a session or a token in the first place). Each must stay unguarded only for this reason.
PUBLIC_ENDPOINTS = {
    "console.login": "the login form: reached before anyone is authenticated",
    "console.mfa": "the TOTP step of the login: reached with a password-only pre-session",
    "console.logout": "ends whatever session the cookie names; harmless without one",
    "staff_api.create_token": "exchanges username, password and TOTP for a bearer token",
}
GUARDED_PREFIXES = ("/console", "/api/staff/v1")

_TODAY = datetime.now(UTC).replace(second=0, microsecond=0, tzinfo=None)
_SOON = (_TODAY + timedelta(days=2)).isoformat(timespec="minutes")
_CAMPAIGN = {"starts_at": (_TODAY - timedelta(days=1)).isoformat(timespec="minutes"),
             "ends_at": (_TODAY + timedelta(days=30)).isoformat(timespec="minutes")}
_NEW_ARTICLE = {"locale": "en", "translation_key": "matrix-article-{n}", "category": "recipes",
                "title": "Plov for a crowd", "summary": "Rice, carrots and patience.",
                "body_markdown": "Fry the onions and carrots, add rice and water, and let it "
                                 "steam under a lid until the rice is tender."}
_NEW_AD = {"locale": "en", "advertiser": "Matrix Bakery {n}", "placement": "home-banner",
           "creative_text": "Warm bread every morning.",
           "image_description": "A loaf on a table", **_CAMPAIGN}
_PULL = {"scope": "advertiser", "target": "Matrix Advertiser {n}", "reason": "Complaint check"}

FORMS: dict[str, dict[str, str]] = {
    "/console/account": {"locale": "en", "time_zone": "Asia/Dushanbe"},
    "/console/alerts/{a}/notes": {"body": "called, safe for now"},
    "/console/alerts/{a}/referrals": {"service": "legal_aid", "detail": ""},
    "/console/alerts/{a}/close": {"outcome": "advice_safety_plan", "district": "unknown",
                                  "violence_type": "not_disclosed"},
    "/console/oncall": {"phone": "+992900000001", "label": "night desk", "active": "0"},
    "/console/oncall/escalation": {"escalation_seconds": "120"},
    "/console/editorial/articles/new": {**_NEW_ARTICLE, "tags": "rice, dinner"},
    "/console/editorial/ads/new": _NEW_AD,
    "/console/editorial/article/{d}/edit": {"title": "Mung bean soup, third take"},
    "/console/editorial/article/{t}/schedule": {"publish_at": _SOON},
    "/console/editorial/article/{w}/withdraw": {"reason": "Out of season"},
    "/console/editorial/review/ad/{r}": {"decision": "reject", "reason": "Tells men cooking is "
                                                                         "beneath them."},
    "/console/editorial/kill-switches": _PULL,
}
BODIES: dict[str, Any] = {
    "/api/staff/v1/alerts/{a}/notes": {"body": "called, safe for now"},
    "/api/staff/v1/alerts/{a}/referrals": {"service": "psychologist"},
    "/api/staff/v1/alerts/{a}/close": {"outcome": "advice_safety_plan"},
    "/api/staff/v1/oncall": {"entries": [{"phone": "+992900000001", "label": "night desk"}]},
    "/api/staff/v1/escalation": {"escalation_seconds": 180},
    "/api/staff/v1/devices": {"token": "fcm-registration-token-{n}", "platform": "android"},
    "/api/staff/v1/devices/{v}": {"on_duty": False},
    "/api/staff/v1/editorial/articles": {**_NEW_ARTICLE, "tags": ["rice"]},
    "/api/staff/v1/editorial/ads": {**_NEW_AD, **{k: v + ":00Z" for k, v in _CAMPAIGN.items()}},
    "/api/staff/v1/editorial/items/article/{d}": {"title": "Mung bean soup, third take"},
    "/api/staff/v1/editorial/items/article/{t}/schedule": {"publish_at": _SOON + ":00Z"},
    "/api/staff/v1/editorial/items/article/{w}/withdraw": {"reason": "Out of season"},
    "/api/staff/v1/editorial/items/ad/{r}/decision": {"decision": "reject",
                                                      "reason": "Tells men cooking is beneath "
                                                                "them."},
    "/api/staff/v1/editorial/kill-switches": _PULL,
}


class _AnyId(dict[str, str]):
    """Fills every placeholder with a well-formed id that names nothing."""

    def __missing__(self, key: str) -> str:
        return "0" * 32


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format_map(ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _alerts(app: Flask) -> dict[str, str]:
    from backend.services import staff_alerts
    from backend.services.audit import Actor

    open_alert = make_alert(voice=True)
    closed = make_alert()
    staff_alerts.close_case(closed.id, Actor.system(), outcome="other")
    return {"a": open_alert.id, "c": closed.id}


def _device(owner: StaffCredentials) -> str:
    from backend.extensions import db
    from backend.sos.staff_devices import register_staff_device

    device = register_staff_device(token=f"fcm-matrix-device-{uuid.uuid4().hex}",
                                   on_duty=True, staff_user_id=owner.user_id)
    db.session.commit()
    return str(device.id)


def _editorial(author: StaffCredentials) -> dict[str, str]:
    """Editorial items in the states the matrix acts on, drafted by ``author``; each used once."""
    from backend.clock import now
    from backend.editorial import drafting, kill_switches, publishing
    from backend.editorial.actors import Actor, staff_actor
    from backend.editorial.gate import run_gate, submit_for_review
    from backend.editorial.moderation_gateway import current_moderator
    from backend.extensions import db
    from content.workflow import Role as WorkflowRole
    from tests.editorial.conftest import RULES_FLAGGED_AD, make_ad, make_article

    session = db.session
    editor = staff_actor(author.user_id, author.role)
    moderator = current_moderator()

    def article(state: str) -> str:
        item = make_article(session, key=f"matrix-{uuid.uuid4().hex[:12]}", actor=editor)
        session.commit()
        if state == "draft":
            return str(item.id)
        submit_for_review(session, editor, "article", item.id, dispatch=lambda k, i: None)
        result = run_gate(session, "article", item.id, moderator)
        assert result is not None and result.decision == "clear", result
        if state == "scheduled":
            publishing.schedule(session, editor, "article", item.id, now() + timedelta(days=3))
        elif state == "published":
            publishing.publish_now(session, editor, "article", item.id)
        return str(item.id)

    draft = article("draft")
    drafting.edit_item(session, editor, "article", draft, {"title": "Mung bean soup, again"})
    session.commit()
    flagged = make_ad(session, text=RULES_FLAGGED_AD, advertiser=f"Oshkhona {uuid.uuid4().hex}",
                      actor=editor)
    session.commit()
    submit_for_review(session, editor, "ad", flagged.id, dispatch=lambda k, i: None)
    flag = run_gate(session, "ad", flagged.id, moderator)
    assert flag is not None and flag.decision != "clear", flag
    switch = kill_switches.pull(session, Actor("moderator-matrix", WorkflowRole.MODERATOR),
                                "advertiser", f"Pulled {uuid.uuid4().hex}", "Complaint check")
    session.commit()
    return {"d": draft, "s": article("draft"), "p": article("approved"),
            "t": article("approved"), "u": article("scheduled"), "w": article("published"),
            "r": str(flagged.id), "k": str(switch.id)}


def _fixtures(app: Flask, accounts: dict[Role, StaffCredentials],
              other: StaffCredentials) -> dict[Role, dict[str, str]]:
    """Per role, the ids to fill the templates with: fresh items for the roles allowed to act on
    them (their requests change the items' state), shared ones for the roles that are denied."""
    shared = {**_alerts(app), **_editorial(accounts[ED]), "v": _device(accounts[OP]),
              "o": other.username}
    filled = {}
    for role in Role:
        ids = dict(shared, n=uuid.uuid4().hex[:12])
        if role in HOTLINE:
            ids.update(_alerts(app), v=_device(accounts[role]))
        if role in EDITORIAL:
            ids.update(_editorial(accounts[role] if role in EDITORS else accounts[ED]))
        filled[role] = ids
    return filled


@pytest.fixture
def accounts(app: Flask) -> dict[Role, StaffCredentials]:
    return {role: create_staff(app, role) for role in Role}


@pytest.fixture
def other(app: Flask) -> StaffCredentials:
    """An account the admin-only account actions are aimed at."""
    return create_staff(app, OP)


def test_console_routes_admit_exactly_their_roles(app: Flask,
                                                  accounts: dict[Role, StaffCredentials],
                                                  other: StaffCredentials) -> None:
    fixtures = _fixtures(app, accounts, other)
    for role in Role:
        ids = fixtures[role]
        client = app.test_client()
        log_in(client, app, accounts[role])
        token = page_csrf(client)
        for method, template, allowed in CONSOLE_ROUTES:
            path = template.format_map(ids)
            if method == "GET":
                response = client.get(path)
            else:
                form = dict(_fill(FORMS.get(template, {}), ids), csrf_token=token)
                response = client.post(path, data=form)
            where = (role, method, path, response.status_code)
            if role in allowed:
                assert response.status_code in ((200,) if method == "GET" else (302, 303)), (
                    *where, response.get_data(as_text=True)[-600:])
                if response.status_code in (302, 303):
                    location = response.headers["Location"]
                    assert "/console/login" not in location and "/console/mfa" not in location, (
                        *where, location)
            else:
                assert response.status_code == 403, where
                body = response.get_data(as_text=True)
                assert ids["a"] not in body and ids["c"] not in body, where


def test_staff_api_routes_admit_exactly_their_roles(app: Flask, client: FlaskClient,
                                                    accounts: dict[Role, StaffCredentials],
                                                    other: StaffCredentials) -> None:
    fixtures = _fixtures(app, accounts, other)
    for role in Role:
        ids = fixtures[role]
        headers = {"Authorization": f"Bearer {api_token(app, accounts[role])}"}
        for method, template, allowed in API_ROUTES:
            path = template.format_map(ids)
            body = _fill(BODIES.get(template), ids)
            response = client.open(path, method=method, headers=headers, json=body)
            where = (role, method, path, response.status_code)
            if role in allowed:
                assert response.status_code in (200, 201, 202, 204), (
                    *where, response.get_data(as_text=True)[:300])
            else:
                assert response.status_code == 403, where
                assert response.mimetype == "application/problem+json"
                # Nothing of the alert but the requested path ("instance") comes back.
                problem = {k: v for k, v in response.get_json().items() if k != "instance"}
                assert ids["a"] not in str(problem) and ids["c"] not in str(problem), where


@pytest.mark.parametrize("method,template,_allowed", API_ROUTES)
def test_staff_api_refuses_missing_or_bad_tokens(app: Flask, client: FlaskClient, method: str,
                                                 template: str, _allowed: set[Role]) -> None:
    path = template.format_map(_AnyId())
    for headers in ({}, {"Authorization": "Bearer hbst_not-a-real-token"},
                    {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = client.open(path, method=method, headers=headers, json={})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_logged_out_console_routes_redirect_to_login(app: Flask, client: FlaskClient) -> None:
    for method, template, _ in CONSOLE_ROUTES:
        path = template.format_map(_AnyId())
        response = client.open(path, method=method)
        assert response.status_code == 302, (method, path)
        assert "/console/login" in response.headers["Location"]


def _route_set(app: Flask) -> dict[tuple[str, str], set[str]]:
    """(endpoint, method) of every console page and staff API endpoint → the roles it admits."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(GUARDED_PREFIXES):
            continue
        view = app.view_functions[rule.endpoint]
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routes[(rule.endpoint, method)] = set(getattr(view, "allowed_roles", ()))
    return routes


def test_every_guarded_route_is_in_the_matrix(app: Flask) -> None:
    routes = _route_set(app)
    adapter = app.url_map.bind("localhost")
    in_matrix: dict[tuple[str, str], set[Role]] = {}
    for method, template, allowed in CONSOLE_ROUTES + API_ROUTES:
        path = template.format_map(_AnyId()).split("?", 1)[0]
        endpoint, _ = adapter.match(path, method=method)
        assert (endpoint, method) not in in_matrix, f"{method} {template} is in the matrix twice"
        in_matrix[(endpoint, method)] = allowed

    public = {key for key in routes if key[0] in PUBLIC_ENDPOINTS}
    assert {endpoint for endpoint, _ in public} == set(PUBLIC_ENDPOINTS), \
        "PUBLIC_ENDPOINTS names an endpoint that no longer exists"
    assert not public & in_matrix.keys(), "a public endpoint is also in the role matrix"
    missing = sorted(set(routes) - public - in_matrix.keys())
    assert not missing, f"routes without a row in the role matrix: {missing}"
    unguarded = sorted(key for key in set(routes) - public if not routes[key])
    assert not unguarded, f"routes without require_role / require_staff_token: {unguarded}"
    for key, allowed in in_matrix.items():
        assert routes[key] == {role.value for role in allowed}, (
            f"{key}: the decorator admits {sorted(routes[key])}, the matrix says "
            f"{sorted(role.value for role in allowed)}")
