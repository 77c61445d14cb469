"""``hushbakht users ...``: create staff accounts, reset passwords and second factors, issue tokens.

Passwords are prompted (hidden, confirmed) unless given with --password-stdin, never as an argument
(it would stay in the shell history and the process list). A new TOTP seed is printed once.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from backend.security.passwords import WeakPassword
from backend.security.roles import Role

STDIN_HELP = "Read the password from the first line of stdin."


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _show_enrolment(seed: str | None, uri: str | None) -> None:
    if seed and uri:
        click.echo("Second factor: add this account to an authenticator app (shown once).")
        click.echo(f"  secret: {seed}")
        click.echo(f"  uri:    {uri}")


@click.group("users")
def users_group() -> None:
    """Manage staff accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", "display_name", default="", help="Name shown in the console.")
@click.option("--locale", default="ru", type=click.Choice(["tg", "ru", "en"]), show_default=True)
@click.option("--time-zone", default=None, help="IANA zone [STAFF_DEFAULT_TIME_ZONE].")
@click.option("--mfa/--no-mfa", default=False,
              help="Enrol TOTP for roles that do not require it "
                   "(hotline roles and admins always do).")
@click.option("--password-stdin", is_flag=True, help=STDIN_HELP)
@with_appcontext
def create(username: str, role: str, display_name: str, locale: str, time_zone: str | None,
           mfa: bool, password_stdin: bool) -> None:
    """Create a staff account with ROLE."""
    from backend.services.staff_accounts import AccountError, create_staff_user

    try:
        enrolment = create_staff_user(username, role, _password(password_stdin),
                                      display_name=display_name, locale=locale,
                                      time_zone=time_zone, with_mfa=mfa)
    except (AccountError, WeakPassword, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {enrolment.user.username} ({enrolment.user.role})")
    _show_enrolment(enrolment.totp_seed, enrolment.provisioning_uri)


@users_group.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help=STDIN_HELP)
@with_appcontext
def reset_password_cmd(username: str, password_stdin: bool) -> None:
    """Set a new password for USERNAME; ends its sessions and clears a lockout."""
    from backend.services.staff_accounts import AccountError, reset_password

    try:
        reset_password(username, _password(password_stdin))
    except (AccountError, WeakPassword) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password reset for {username}; its sessions are ended")


@users_group.command("reset-mfa")
@click.argument("username")
@with_appcontext
def reset_mfa_cmd(username: str) -> None:
    """Give USERNAME a new TOTP seed (lost phone); ends its sessions."""
    from backend.services.staff_accounts import AccountError, reset_mfa

    try:
        enrolment = reset_mfa(username)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"second factor reset for {username}; its sessions are ended")
    _show_enrolment(enrolment.totp_seed, enrolment.provisioning_uri)


@users_group.command("deactivate")
@click.argument("username")
@with_appcontext
def deactivate_cmd(username: str) -> None:
    """Disable USERNAME at once: sessions end and API tokens are revoked."""
    from backend.services.staff_accounts import AccountError, set_active

    try:
        set_active(username, False)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{username} deactivated")


@users_group.command("activate")
@click.argument("username")
@with_appcontext
def activate_cmd(username: str) -> None:
    """Re-enable USERNAME."""
    from backend.services.staff_accounts import AccountError, set_active

    try:
        set_active(username, True)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{username} activated")


@users_group.command("list")
@with_appcontext
def list_cmd() -> None:
    """List staff accounts."""
    from backend.services.staff_accounts import list_users

    for user in list_users():
        state = "active" if user.active else "inactive"
        mfa = "mfa" if user.mfa_enrolled else "no-mfa"
        click.echo(f"{user.username:24} {user.role:20} {state:8} {mfa}")


@users_group.command("token")
@click.argument("username")
@click.option("--label", default="automation", show_default=True)
@click.option("--days", default=None, type=click.IntRange(1, 365), help="[STAFF_TOKEN_DAYS]")
@with_appcontext
def token_cmd(username: str, label: str, days: int | None) -> None:
    """Issue a staff API token for USERNAME (automation); printed once."""
    from backend.services.staff_accounts import find_user
    from backend.services.staff_tokens import issue_token

    user = find_user(username)
    if user is None or not user.active:
        raise click.ClickException(f"no active staff account named {username!r}")
    issued = issue_token(user, label=label, days=days, via="cli")
    click.echo(issued.token)
    click.echo(f"expires {issued.expires_at.isoformat()}", err=True)


@click.group("hotline")
def hotline_group() -> None:
    """Hotline data: retention."""


@hotline_group.command("purge-expired")
@with_appcontext
def purge_expired_cmd() -> None:
    """Purge survivor data of alerts past RETENTION_DAYS_AFTER_CLOSE (the daily job, run now)."""
    from backend.services.retention import purge_expired

    click.echo(purge_expired().summary())
