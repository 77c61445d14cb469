"""Fixtures of the SOS tests: an app wired to the local Twilio mock, registered devices, helpers."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import base_environment
from tests.support.firebase_fakes import firebase_fake, firebase_server  # noqa: F401
from tests.support.twilio_mock import TwilioMock, twilio_mock, twilio_settings  # noqa: F401

HOTLINE = ["+992900000001", "+992900000002", "+992900000003"]
DRILL = ["+992900000099"]
PUBLIC_BASE_URL = "https://hb.example.org"


@pytest.fixture
def app_env(database_url: str, tmp_path: Path, twilio_mock: TwilioMock,  # noqa: F811
            redis_prefix: str) -> dict[str, str]:
    twilio_mock.reset()
    env = base_environment(database_url, tmp_path / "data")
    env.update(twilio_settings(twilio_mock))
    env.update({"HOTLINE_NUMBERS": ",".join(HOTLINE), "DRILL_NUMBERS": ",".join(DRILL),
                "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "ESCALATION_SECONDS": "60",
                "RATE_LIMIT_KEY_PREFIX": f"{redis_prefix}{uuid.uuid4().hex[:6]}"})
    return env


def basic(device_id: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{device_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def register(client: FlaskClient) -> Any:
    """Register a device through the API; returns its registration with an ``auth`` header."""

    def _register(**extra: Any) -> dict[str, Any]:
        body = {"cancel_pin": "1234", "duress_pin": "9876", "locale": "tg", **extra}
        response = client.post("/api/v1/devices", json=body)
        assert response.status_code == 201, response.get_json()
        data = dict(response.get_json())
        data["auth"] = basic(data["device_id"], data["secret"])
        return data

    return _register


def new_alert_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": str(uuid.uuid4()), "trigger": "button", "locale": "tg",
                            "location": {"lat": 38.5598, "lon": 68.787, "accuracy_m": 25,
                                         "recorded_at": "2026-11-22T03:00:00Z"}}
    body.update(extra)
    return body
