"""Encryption at rest (key ids, binding to the row, rotation), relay settings, the dry-run relay."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from backend.config import ConfigError, load_settings
from backend.extensions import db
from backend.models.sos import Delivery, Device
from backend.security.encryption import (
    EncryptionError,
    FieldCipher,
    KeyConfigError,
    development_key,
    parse_keys,
    rotate_all,
)
from backend.sos.devices import device_profile
from backend.sos.setup import check_relay_settings
from tests.sos.conftest import new_alert_body
from tests.sos.helpers import relay_pending


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_values_are_bound_to_their_row_and_key() -> None:
    cipher = FieldCipher(parse_keys(f"k1:{_key()}"))
    token = cipher.encrypt("+992911111111", context="sos_device.contacts:a")
    assert token.startswith("hb1.k1.") and "+992" not in token
    assert cipher.decrypt_text(token, context="sos_device.contacts:a") == "+992911111111"
    with pytest.raises(EncryptionError):
        cipher.decrypt(token, context="sos_device.contacts:b")  # copied to another row
    with pytest.raises(EncryptionError):
        FieldCipher(parse_keys(f"k1:{_key()}")).decrypt(token, context="sos_device.contacts:a")
    blob = cipher.encrypt_blob(b"RIFF audio", context="sos_voice.audio:x")
    assert cipher.decrypt_blob(blob, context="sos_voice.audio:x") == b"RIFF audio"


@pytest.mark.parametrize("spec", ["", "nokey", "k1:short", f"k1:{'A' * 43}=,k1:{'B' * 43}="])
def test_malformed_key_settings_are_refused(spec: str) -> None:
    with pytest.raises(KeyConfigError):
        parse_keys(spec)


def test_rotation_reencrypts_every_column_with_the_primary_key(app: Flask, register: Any) -> None:
    device = register(trusted_contacts=[{"phone": "+992911111111"}])
    old_key = development_key(app.config["SECRET_KEY"])  # what the test app encrypts with
    rotated = FieldCipher([parse_keys(f"k2:{_key()}")[0], old_key])
    counts = rotate_all(db.session, rotated)
    assert counts["sos_device.contacts_enc"] == 1 and counts["sos_device.sms_key_enc"] == 1
    app.extensions["hushbakht.cipher"] = rotated
    db.session.expire_all()
    row = db.session.get(Device, device["device_id"])
    assert row is not None and row.contacts_enc is not None
    assert row.contacts_enc.startswith("hb1.k2.")
    assert device_profile(row).contacts[0].phone == "+992911111111"
    assert rotate_all(db.session, rotated)["sos_device.contacts_enc"] == 0  # nothing left to do
    with pytest.raises(EncryptionError):  # the old key alone can no longer read it
        FieldCipher([old_key]).decrypt(row.contacts_enc,
                                       context=f"sos_device.contacts:{row.id}")


def test_nothing_personal_is_stored_in_clear(client: FlaskClient, register: Any) -> None:
    device = register(trusted_contacts=[{"phone": "+992911111111"}])
    client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
    relay_pending()
    queries = [text("SELECT * FROM sos_device"), text("SELECT * FROM sos_location"),
               text("SELECT * FROM sos_delivery")]
    dump = " ".join(str(row) for query in queries for row in db.session.execute(query).all())
    for secret in ("+992911111111", "+992900000001", "38.5598", "68.787"):
        assert secret not in dump


def _settings(**env: str) -> Any:
    return load_settings({"HUSHBAKHT_ENV": "test", "SECRET_KEY": "x" * 40, **env})


@pytest.mark.parametrize("env", [
    {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32},  # incomplete
    {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t",
     "TWILIO_FROM_NUMBER": "+15005550006", "TWILIO_MODE": "live"},  # live creds, test number
    {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t",
     "TWILIO_FROM_NUMBER": "+992900000000", "TWILIO_MODE": "test",
     "HOTLINE_NUMBERS": "+992900000001"},  # test creds, real hotline numbers, no mock
    {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t",
     "TWILIO_FROM_NUMBER": "+992900000000", "TWILIO_MODE": "live",
     "TWILIO_API_BASE_URL": "http://127.0.0.1:4010"},  # live creds against a mock
    {"HOTLINE_NUMBERS": "+992900000001", "DRILL_NUMBERS": "+992900000001"},
])
def test_relay_refuses_to_start_on_mixed_live_and_test_settings(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        check_relay_settings(_settings(**env))


def test_consistent_relay_settings_start() -> None:
    check_relay_settings(_settings(
        TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_AUTH_TOKEN="t", TWILIO_FROM_NUMBER="+992900000000",
        HOTLINE_NUMBERS="+992900000001", DRILL_NUMBERS="+992900000099"))
    check_relay_settings(_settings())  # nothing set: dry run


@pytest.fixture
def dry_run_env(app_env: dict[str, str]) -> dict[str, str]:
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER",
                "TWILIO_API_BASE_URL", "TWILIO_MODE"):
        app_env.pop(key, None)
    return app_env


def test_dry_run_relay_records_what_it_would_send_and_sends_nothing(
        dry_run_env: dict[str, str], client: FlaskClient, register: Any,
        twilio_mock: Any) -> None:
    device = register()
    client.post("/api/v1/alerts", json=new_alert_body(), headers=device["auth"])
    relay_pending()
    rows = db.session.execute(select(Delivery)).scalars().all()
    assert {(d.channel, d.status, d.dry_run) for d in rows} == {("sms", "dry_run", True),
                                                                 ("voice", "dry_run", True)}
    assert twilio_mock.created == []
