"""Fixtures of the console tests: staff accounts (tests/support/staff.py) and alerts made through
the SOS services, exactly as the mobile API makes them."""

from __future__ import annotations

import io
import uuid
import wave
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask

from tests.support.staff import login_as, staff_api_headers, staff_factory  # noqa: F401


@dataclass(frozen=True)
class MadeAlert:
    id: str
    device_id: str


def wav_bytes(seconds: float = 0.5) -> bytes:
    """A small valid WAV (silence), as the app would upload."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


def make_alert(*, drill: bool = False, voice: bool = False, policy: dict | None = None,
               lat: float = 38.5598, lon: float = 68.7870, accuracy: float = 25.0) -> MadeAlert:
    """Register a device and send an alert through the SOS services (inside an app context)."""
    from backend.sos.alerts import create_alert, parse_fix
    from backend.sos.devices import parse_callback_policy, register_device
    from backend.sos.voice import upload_chunk

    registration = register_device(
        cancel_pin="2580", duress_pin="1470", locale="tg",
        callback_policy=parse_callback_policy(policy) if policy else None)
    from backend.extensions import db
    from backend.models.sos import Device

    device = db.session.get(Device, registration.device_id)
    assert device is not None
    fix = parse_fix({"lat": lat, "lon": lon, "accuracy_m": accuracy})
    alert, _ = create_alert(device, alert_id=uuid.uuid4().hex, fix=fix, trigger="button",
                            locale="tg", drill=drill)
    if voice:
        data = wav_bytes()
        upload_chunk(alert, 0, len(data) - 1, len(data), data)
    return MadeAlert(alert.id, device.id)


@pytest.fixture
def alert_factory(app: Flask) -> Callable[..., MadeAlert]:
    """``alert_factory(drill=False, voice=False, policy=None)`` → a new alert in the database."""
    return make_alert


@pytest.fixture
def app_env(app_env: dict[str, str]) -> dict[str, str]:
    # Hundreds of staff logins: the cheap argon2 profile (refused in production) keeps the suite fast.
    app_env["STAFF_PASSWORD_HASHING"] = "fast"
    return app_env
