"""Staff accounts and logged-in clients for tests of any area.

Use the helpers directly, or import the fixtures into your area's conftest.py::

    from tests.support.staff import login_as, staff_factory  # noqa: F401 - fixtures

    def test_editor_sees_drafts(login_as):
        client, editor = login_as("content_editor")
        assert client.get("/console/").status_code == 200

``login_as(role)`` creates an account of ``role`` and logs a fresh test client in through the real
login and TOTP pages (CSRF included). ``staff_api_headers(role)`` gives bearer-token headers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.clock import now

DEFAULT_PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@dataclass
class StaffCredentials:
    """A test account: what a person would type to log in."""

    user_id: str
    username: str
    password: str
    role: str
    totp_seed: str | None

    def next_code(self, app: Flask) -> str:
        """A TOTP code the server will accept now (never one it has already seen)."""
        from backend.extensions import db
        from backend.models.staff import StaffUser

        assert self.totp_seed, "this account has no second factor"
        with app.app_context():
            user = db.session.get(StaffUser, self.user_id)
            last = user.totp_last_step if user else None
        totp = pyotp.TOTP(self.totp_seed)
        step = totp.timecode(now())
        if last is not None and step <= last:
            step = last + 1  # the server accepts one step ahead (clock drift window)
        return totp.generate_otp(step)


def create_staff(app: Flask, role: str, *, username: str | None = None,
                 password: str = DEFAULT_PASSWORD, locale: str = "en",
                 with_mfa: bool = False, display_name: str = "") -> StaffCredentials:
    """Create an account through the same service the ``hushbakht users create`` command uses."""
    from backend.services.staff_accounts import create_staff_user

    name = username or f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    with app.app_context():
        enrolment = create_staff_user(name, role, password, locale=locale, with_mfa=with_mfa,
                                      display_name=display_name)
        return StaffCredentials(enrolment.user.id, enrolment.user.username, password, role,
                                enrolment.totp_seed)


def csrf_from(html: str) -> str:
    """The CSRF token in a console page."""
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def log_in(client: FlaskClient, app: Flask, creds: StaffCredentials) -> None:
    """Log ``client`` in through the login page and, when needed, the TOTP page."""
    page = client.get("/console/login")
    response = client.post("/console/login", data={
        "username": creds.username, "password": creds.password,
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if "/console/mfa" in response.headers["Location"]:
        page = client.get("/console/mfa")
        response = client.post("/console/mfa", data={
            "code": creds.next_code(app), "csrf_token": csrf_from(page.get_data(as_text=True))})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    home = client.get("/console/")
    assert home.status_code == 200


def page_csrf(client: FlaskClient, path: str = "/console/") -> str:
    """The CSRF token of the logged-in session (read from ``path``)."""
    return csrf_from(client.get(path).get_data(as_text=True))


def api_token(app: Flask, creds: StaffCredentials) -> str:
    """A staff API bearer token for ``creds``, issued through the service."""
    from backend.services.staff_accounts import find_user
    from backend.services.staff_tokens import issue_token

    with app.app_context():
        user = find_user(creds.username)
        assert user is not None
        return issue_token(user, label="test").token


@pytest.fixture
def staff_factory(app: Flask) -> Callable[..., StaffCredentials]:
    """``staff_factory(role, **kw)`` → StaffCredentials of a new account."""
    def make(role: str, **kwargs: object) -> StaffCredentials:
        return create_staff(app, role, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def login_as(app: Flask) -> Callable[..., tuple[FlaskClient, StaffCredentials]]:
    """``login_as(role)`` → (a logged-in test client of its own, the account)."""
    def make(role: str, **kwargs: object) -> tuple[FlaskClient, StaffCredentials]:
        creds = create_staff(app, role, **kwargs)  # type: ignore[arg-type]
        client = app.test_client()
        log_in(client, app, creds)
        return client, creds

    return make


@pytest.fixture
def staff_api_headers(app: Flask) -> Callable[[str], dict[str, str]]:
    """``staff_api_headers(role)`` → {"Authorization": "Bearer ..."} for a new account of
    ``role``."""
    def make(role: str) -> dict[str, str]:
        creds = create_staff(app, role)
        return {"Authorization": f"Bearer {api_token(app, creds)}"}

    return make
