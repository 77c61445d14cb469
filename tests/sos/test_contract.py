"""Every SOS answer the app can get is one the mobile contract declares, with a valid body."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.sos.conftest import new_alert_body
from tests.sos.helpers import wav_bytes
from tests.support.contract import assert_matches_contract


def test_sos_responses_match_the_mobile_contract(client: FlaskClient, register: Any) -> None:
    def check(response: Any, method: str, path: str) -> Any:
        assert_matches_contract(response, method, path)
        return response

    check(client.post("/api/v1/devices", json={"cancel_pin": "1"}), "POST", "/api/v1/devices")
    device = register(trusted_contacts=[{"phone": "+992911111111"}],
                      callback_policy={"mode": "never"})
    auth = device["auth"]
    body = new_alert_body()
    alert = f"/api/v1/alerts/{body['id']}"
    check(client.post("/api/v1/alerts", json=body), "POST", "/api/v1/alerts")
    check(client.post("/api/v1/alerts", json={"id": "nope"}, headers=auth), "POST", "/api/v1/alerts")
    check(client.post("/api/v1/alerts", json=body, headers=auth), "POST", "/api/v1/alerts")
    check(client.post("/api/v1/alerts", json=body, headers=auth), "POST", "/api/v1/alerts")
    check(client.post("/api/v1/alerts", json=body, headers=register()["auth"]), "POST",
          "/api/v1/alerts")
    check(client.get(alert, headers=auth), "GET", alert)
    missing = "/api/v1/alerts/6a1c8d0e-0000-4000-8000-000000000000"
    check(client.get(missing, headers=auth), "GET", missing)
    check(client.post(f"{alert}/locations", json={"lat": 38.56, "lon": 68.79}, headers=auth),
          "POST", f"{alert}/locations")
    check(client.post(f"{alert}/locations", json={"lat": 138}, headers=auth), "POST",
          f"{alert}/locations")
    audio = wav_bytes(0.5)
    check(client.put(f"{alert}/voice", data=audio[:100], headers={
        **auth, "Content-Range": f"bytes 0-99/{len(audio)}"}), "PUT", f"{alert}/voice")
    check(client.put(f"{alert}/voice", data=audio[500:600], headers={
        **auth, "Content-Range": f"bytes 500-599/{len(audio)}"}), "PUT", f"{alert}/voice")
    check(client.put(f"{alert}/voice", data=audio[100:], headers={
        **auth, "Content-Range": f"bytes 100-{len(audio) - 1}/{len(audio)}"}), "PUT",
        f"{alert}/voice")
    check(client.get(alert, headers=auth), "GET", alert)
    check(client.post(f"{alert}/cancel", json={"pin": "0000"}, headers=auth), "POST",
          f"{alert}/cancel")
    check(client.post(f"{alert}/cancel", json={"pin": "1234"}, headers=auth), "POST",
          f"{alert}/cancel")
