"""Wire the SOS area into the app: settings checks, adapters, blueprints, periodic tasks."""

from __future__ import annotations

from typing import Any

from flask import Flask

from backend.adapters.app_check import DisabledAppCheck, FirebaseAppCheckVerifier
from backend.adapters.fcm import DryRunPushSender, FirebasePushSender, firebase_app
from backend.adapters.twilio_client import TEST_NUMBER_PREFIX, DryRunGateway, TwilioRestGateway
from backend.config import ConfigError, Settings

SWEEP_SECONDS = 5.0


def check_relay_settings(settings: Settings) -> None:
    """Refuse to start on a relay configuration that could text the wrong people.

    - Twilio settings are all or nothing (SID, token, from number);
    - live credentials never go with Twilio's magic test numbers or a mock API host, and test
      credentials never with real hotline numbers outside a mock;
    - drill numbers are never hotline numbers.
    """
    twilio = [settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from_number]
    problems = []
    if any(twilio) and not all(twilio):
        problems.append("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER go together")
    hotline = [n for n in settings.hotline_numbers.split(",") if n]
    drill = [n for n in settings.drill_numbers.split(",") if n]
    if set(hotline) & set(drill):
        problems.append("DRILL_NUMBERS must not contain hotline numbers")
    if all(twilio):
        test_numbers = [n for n in [settings.twilio_from_number, *hotline]
                        if n.startswith(TEST_NUMBER_PREFIX)]
        if settings.twilio_mode == "live":
            if test_numbers:
                problems.append("live Twilio credentials with Twilio test numbers (+1500555...)")
            if settings.twilio_api_base_url:
                problems.append("live Twilio credentials with TWILIO_API_BASE_URL (a mock)")
        else:
            if settings.env == "production":
                problems.append("TWILIO_MODE=test in production")
            real = [n for n in hotline if not n.startswith(TEST_NUMBER_PREFIX)]
            if not settings.twilio_api_base_url and real:
                problems.append("test Twilio credentials with real hotline numbers: use Twilio "
                                "test numbers or TWILIO_API_BASE_URL")
    if settings.env == "production" and not all(twilio):
        problems.append("production needs Twilio settings (the relay would only dry-run)")
    if problems:
        raise ConfigError("relay settings refused: " + "; ".join(problems))


def build_gateway(settings: Settings) -> Any:
    if not settings.twilio_account_sid:
        return DryRunGateway()
    return TwilioRestGateway(settings.twilio_account_sid, settings.twilio_auth_token,
                             settings.twilio_from_number, api_base_url=settings.twilio_api_base_url,
                             timeout=settings.twilio_timeout_seconds)


def init_sos(app: Flask, settings: Settings) -> None:
    """Called once by the application factory."""
    from backend.celery_app import celery
    from backend.mobile import sos_api
    from backend.rate_limits import init_rate_limits
    from backend.security.encryption import cipher_from_settings
    from backend.sos import tasks  # noqa: F401 - registers the Celery tasks
    from backend.webhooks import twilio_webhooks

    check_relay_settings(settings)
    try:
        app.extensions["hushbakht.cipher"] = cipher_from_settings(settings)
    except ValueError as exc:
        raise ConfigError(f"ENCRYPTION_KEYS: {exc}") from None
    app.extensions["hushbakht.twilio"] = build_gateway(settings)
    if settings.firebase_credentials_file:
        fb = firebase_app(settings.firebase_credentials_file, settings.firebase_project_id)
        app.extensions["hushbakht.push"] = FirebasePushSender(fb)
        app.extensions["hushbakht.app_check"] = (FirebaseAppCheckVerifier(fb)
                                                 if settings.app_check_enabled
                                                 else DisabledAppCheck())
    else:
        if settings.app_check_enabled:
            raise ConfigError("APP_CHECK_ENABLED needs FIREBASE_CREDENTIALS_FILE")
        app.extensions["hushbakht.push"] = DryRunPushSender()
        app.extensions["hushbakht.app_check"] = DisabledAppCheck()
    if "limiter" not in app.extensions:
        init_rate_limits(app, settings)
    app.register_blueprint(sos_api.bp)
    app.register_blueprint(twilio_webhooks.bp)
    _register_commands(app)
    schedule = dict(celery.conf.beat_schedule or {})
    schedule["sos-sweep"] = {"task": "sos.sweep", "schedule": SWEEP_SECONDS}
    celery.conf.beat_schedule = schedule


def _register_commands(app: Flask) -> None:
    import click

    @app.cli.command("rotate-keys")
    def rotate_keys() -> None:
        """Re-encrypt every encrypted column with the primary key of ENCRYPTION_KEYS."""
        from backend.extensions import db
        from backend.security.encryption import get_cipher, rotate_all

        counts = rotate_all(db.session, get_cipher())
        for column, count in counts.items():
            click.echo(f"{column}: {count} re-encrypted")

    @app.cli.command("sos-sweep")
    def sos_sweep() -> None:
        """Run one pass of the relay sweeper now (what beat runs every few seconds)."""
        from backend.sos.sweeper import sweep

        click.echo(sweep().__dict__)
