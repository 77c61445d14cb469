"""Staff login: password, TOTP, lockout, sessions, CSRF and security headers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend import clock
from tests.support.staff import (
    StaffCredentials,
    create_staff,
    csrf_from,
    log_in,
    page_csrf,
)


def _login_form(client: FlaskClient, creds: StaffCredentials, password: str | None = None):
    page = client.get("/console/login")
    return client.post("/console/login", data={
        "username": creds.username, "password": password or creds.password,
        "csrf_token": csrf_from(page.get_data(as_text=True))},
        headers={"Accept-Language": "en"})


def test_operator_logs_in_with_password_and_totp(app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "hotline_operator", display_name="Dilnoza")
    response = _login_form(client, creds)
    assert response.status_code == 302
    assert "/console/mfa" in response.headers["Location"]
    # Password alone does not open the console.
    assert "/console/mfa" in client.get("/console/").headers["Location"]
    page = client.get("/console/mfa")
    done = client.post("/console/mfa", data={"code": creds.next_code(app),
                                             "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 302
    home = client.get("/console/")
    assert home.status_code == 200
    assert "Dilnoza" in home.get_data(as_text=True)


def test_wrong_totp_code_is_refused(app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "admin")
    _login_form(client, creds)
    page = client.get("/console/mfa")
    code = creds.next_code(app)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post("/console/mfa", data={
        "code": wrong, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 401
    assert client.get("/console/").status_code == 302


def test_a_totp_code_cannot_be_used_twice(app: Flask) -> None:
    creds = create_staff(app, "hotline_supervisor")
    first, second = app.test_client(), app.test_client()
    _login_form(first, creds)
    _login_form(second, creds)
    code = creds.next_code(app)
    ok = first.post("/console/mfa", data={"code": code, "csrf_token": page_csrf(first,
                                                                               "/console/mfa")})
    assert ok.status_code == 302
    replay = second.post("/console/mfa", data={"code": code,
                                               "csrf_token": page_csrf(second, "/console/mfa")})
    assert replay.status_code == 401


def test_editor_without_enrolled_mfa_logs_in_with_password(app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "content_editor")
    assert creds.totp_seed is None
    response = _login_form(client, creds)
    assert response.headers["Location"].endswith("/console/")
    assert client.get("/console/").status_code == 200


def test_wrong_password_shows_the_same_message_as_unknown_user(app: Flask,
                                                               client: FlaskClient) -> None:
    creds = create_staff(app, "moderator")
    wrong = _login_form(client, creds, password="not the password at all")
    ghost = StaffCredentials("x", "nobody-here", "whatever password", "moderator", None)
    unknown = _login_form(client, ghost)
    assert wrong.status_code == unknown.status_code == 401
    assert "The details are not correct." in wrong.get_data(as_text=True)
    assert "The details are not correct." in unknown.get_data(as_text=True)


def test_repeated_failures_lock_the_account_even_for_the_right_password(
        app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "content_editor")
    for _ in range(5):
        assert _login_form(client, creds, password="wrong password 123").status_code == 401
    locked = _login_form(client, creds)
    assert locked.status_code == 401
    assert "Too many failed attempts" in locked.get_data(as_text=True)
    with clock.frozen(clock.now() + timedelta(minutes=16)):
        assert _login_form(client, creds).status_code == 302


def test_failed_second_factor_counts_towards_lockout(app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "hotline_operator")
    _login_form(client, creds)
    for _ in range(5):
        client.post("/console/mfa", data={"code": "000000",
                                          "csrf_token": page_csrf(client, "/console/mfa")})
    # Locked: the session is ended and the right password no longer helps.
    assert _login_form(client, creds).status_code == 401


def test_login_form_without_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "content_editor")
    client.get("/console/login")
    response = client.post("/console/login", data={"username": creds.username,
                                                   "password": creds.password})
    assert response.status_code == 403
    assert client.get("/console/").status_code == 302


def test_console_post_from_another_origin_is_refused(app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "content_editor")
    log_in(client, app, creds)
    token = page_csrf(client)
    response = client.post("/console/logout", data={"csrf_token": token},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert client.get("/console/").status_code == 200


def test_logout_ends_the_session_on_the_server(app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "content_editor")
    log_in(client, app, creds)
    cookie = client.get_cookie("hb_staff")
    assert cookie is not None
    client.post("/console/logout", data={"csrf_token": page_csrf(client)})
    # Replaying the old cookie after logout does not work.
    replay = app.test_client()
    replay.set_cookie("hb_staff", cookie.value)
    assert replay.get("/console/").status_code == 302


@pytest.mark.parametrize("delta", [timedelta(minutes=31), timedelta(hours=13)])
def test_sessions_expire_when_idle_or_too_old(app: Flask, client: FlaskClient,
                                              delta: timedelta) -> None:
    creds = create_staff(app, "content_editor")
    start = clock.now()
    with clock.frozen(start):
        log_in(client, app, creds)
        if delta > timedelta(hours=1):
            # Keep it busy (never idle) until past the absolute lifetime.
            at = start
            while at < start + delta:
                at += timedelta(minutes=20)
                clock.advance(timedelta(minutes=20))
                client.get("/console/")
        else:
            clock.advance(delta)
        response = client.get("/console/")
    assert response.status_code == 302
    assert "/console/login" in response.headers["Location"]


def test_console_pages_carry_strict_security_headers(app: Flask, client: FlaskClient) -> None:
    response = client.get("/console/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    cookie_header = _login_form(client, create_staff(app, "content_editor")).headers.getlist(
        "Set-Cookie")
    session_cookie = next(c for c in cookie_header if c.startswith("hb_staff="))
    assert "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie


def test_unauthenticated_console_page_redirects_to_login_with_next(client: FlaskClient) -> None:
    response = client.get("/console/")
    assert response.status_code == 302
    assert "/console/login?next=/console/" in response.headers["Location"]


def test_login_never_redirects_off_site(app: Flask, client: FlaskClient) -> None:
    creds = create_staff(app, "content_editor")
    page = client.get("/console/login?next=//evil.example/x")
    response = client.post("/console/login?next=//evil.example/x", data={
        "username": creds.username, "password": creds.password,
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/console/"


def test_fast_password_hashing_is_refused_in_production(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from backend.app import create_app
    from backend.config import ConfigError, load_settings

    settings = load_settings({
        "HUSHBAKHT_ENV": "production", "SECRET_KEY": "p" * 40, "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": "https://hotline.example", "HUSHBAKHT_DATA_DIR": str(tmp_path),
        "ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=", "STAFF_PASSWORD_HASHING": "fast"})
    with pytest.raises(ConfigError, match="STAFF_PASSWORD_HASHING"):
        create_app(settings)
