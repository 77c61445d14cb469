"""``hushbakht users ...``: create, reset password, reset MFA, deactivate, token."""

from __future__ import annotations

import re

import pyotp
from flask import Flask

from backend.clock import now
from backend.security.cli import hotline_group, users_group
from tests.support.staff import StaffCredentials, log_in

PASSWORD = "a long night-shift passphrase"


def _run(app: Flask, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(users_group, list(args), input=stdin)


def test_create_hotline_user_prints_totp_once_and_the_account_can_log_in(app: Flask) -> None:
    result = _run(app, "create", "Malika", "--role", "hotline_supervisor", "--password-stdin",
                  stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    seed = re.search(r"secret: ([A-Z2-7]+)", result.output)
    assert seed and "otpauth://totp/" in result.output
    creds = StaffCredentials("", "malika", PASSWORD, "hotline_supervisor", seed.group(1))
    from backend.services.staff_accounts import find_user

    user = find_user("malika")
    assert user is not None and user.mfa_enrolled
    creds.user_id = user.id
    client = app.test_client()
    log_in(client, app, creds)
    assert client.get("/console/audit").status_code == 200


def test_create_refuses_weak_passwords_and_taken_names(app: Flask) -> None:
    weak = _run(app, "create", "zarina", "--role", "moderator", "--password-stdin",
                stdin="short\n")
    assert weak.exit_code != 0 and "12 characters" in weak.output
    _run(app, "create", "zarina", "--role", "moderator", "--password-stdin", stdin=PASSWORD + "\n")
    again = _run(app, "create", "zarina", "--role", "admin", "--password-stdin",
                 stdin=PASSWORD + "\n")
    assert again.exit_code != 0 and "taken" in again.output


def test_reset_mfa_invalidates_the_old_seed(app: Flask) -> None:
    created = _run(app, "create", "farida", "--role", "hotline_operator", "--password-stdin",
                   stdin=PASSWORD + "\n")
    old = re.search(r"secret: ([A-Z2-7]+)", created.output).group(1)  # type: ignore[union-attr]
    reset = _run(app, "reset-mfa", "farida")
    new = re.search(r"secret: ([A-Z2-7]+)", reset.output).group(1)  # type: ignore[union-attr]
    assert new != old
    from backend.services.staff_accounts import find_user
    from backend.services.staff_login import LoginRefused, check_second_factor

    user = find_user("farida")
    assert user is not None
    try:
        check_second_factor(user, pyotp.TOTP(old).at(now()))
        raise AssertionError("the old seed still works")
    except LoginRefused:
        pass


def test_reset_password_and_deactivate(app: Flask) -> None:
    _run(app, "create", "nodira", "--role", "content_editor", "--password-stdin",
         stdin=PASSWORD + "\n")
    assert _run(app, "reset-password", "nodira", "--password-stdin",
                stdin="another long passphrase\n").exit_code == 0
    client = app.test_client()
    log_in(client, app, StaffCredentials("", "nodira", "another long passphrase",
                                         "content_editor", None))
    assert _run(app, "deactivate", "nodira").exit_code == 0
    assert client.get("/console/").status_code == 302


def test_token_command_issues_a_working_api_token(app: Flask) -> None:
    _run(app, "create", "robot", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    result = _run(app, "token", "robot", "--label", "nightly")
    token = result.output.splitlines()[0]
    me = app.test_client().get("/api/staff/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["username"] == "robot"


def test_purge_command_reports(app: Flask) -> None:
    result = app.test_cli_runner().invoke(hotline_group, ["purge-expired"])
    assert result.exit_code == 0 and "purged 0 alert(s)" in result.output
