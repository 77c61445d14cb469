"""The hotline console in a real headless Chromium (Debian's, driven by Playwright).

One operator's night: log in with TOTP, an alert sent through the mobile API appears in the open
queue without a reload, accept it, add a note, refer her, close it. An editor's session cannot open it.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from backend.extensions import db
from backend.models.audit import AuditEvent
from tests.console.conftest import wav_bytes
from tests.support.browser import chromium, listening_socket, serving
from tests.support.staff import StaffCredentials, create_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """The server's socket, held from before the app is built (its URLs need the port)."""
    with listening_socket() as sock:
        yield sock


@pytest.fixture
def port(listener: socket.socket) -> int:
    return int(listener.getsockname()[1])


@pytest.fixture
def app_env(app_env: dict[str, str], port: int) -> dict[str, str]:
    # Signed voice URLs and links are built from the address the browser uses.
    app_env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    return app_env


@pytest.fixture
def live_server(app: Flask, listener: socket.socket) -> Iterator[str]:
    with serving(app, sock=listener) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as instance:
        yield instance


def _log_in(page, base: str, app: Flask, creds: StaffCredentials) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", creds.username)
    page.fill("input[name=password]", creds.password)
    page.click("button[type=submit]")
    if creds.totp_seed:
        page.wait_for_url("**/console/mfa**")
        page.fill("input[name=code]", creds.next_code(app))
        page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/")


def _wait_until(page, expression: str, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    """Poll ``expression`` from outside the page: Playwright's wait_for_function would need eval,
    which the console's CSP (rightly) forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def _send_sos_through_the_mobile_api(base: str, voice: bytes | None = None) -> str:
    registered = requests.post(f"{base}/api/v1/devices", json={
        "cancel_pin": "2580", "duress_pin": "1470", "locale": "tg",
        "callback_policy": {"mode": "never"}}, timeout=30)
    assert registered.status_code == 201, registered.text
    device = registered.json()
    alert_id = str(uuid.uuid4())
    sent = requests.post(f"{base}/api/v1/alerts", auth=(device["device_id"], device["secret"]),
                         json={"id": alert_id, "trigger": "button",
                               "location": {"lat": 38.5598, "lon": 68.787, "accuracy_m": 30}},
                         timeout=30)
    assert sent.status_code == 201, sent.text
    if voice:
        uploaded = requests.put(
            f"{base}/api/v1/alerts/{alert_id}/voice", data=voice,
            auth=(device["device_id"], device["secret"]),
            headers={"Content-Range": f"bytes 0-{len(voice) - 1}/{len(voice)}",
                     "Content-Type": "audio/wav"}, timeout=30)
        assert uploaded.status_code == 201, uploaded.text
    return alert_id.replace("-", "")


def test_operator_handles_a_live_alert_end_to_end_and_an_editor_cannot_open_it(
        app: Flask, live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    operator = create_staff(app, "hotline_operator", locale="en")
    editor = create_staff(app, "content_editor", locale="en")

    context = browser.new_context()
    # Record what the page asks the browser to show and play (headless Chromium has no desktop).
    context.add_init_script("""
        window.__notified = [];
        window.Notification = class { constructor(title) { window.__notified.push(title); } };
        window.Notification.permission = 'granted';
        window.Notification.requestPermission = () => Promise.resolve('granted');
        window.__beeps = 0;
        const Real = window.AudioContext;
        window.AudioContext = class extends Real {
            createOscillator() { window.__beeps += 1; return super.createOscillator(); } };
    """)
    page = context.new_page()
    _log_in(page, live_server, app, operator)
    page.goto(f"{live_server}/console/alerts")
    page.evaluate("window.__stillTheSamePage = true")

    alert_id = _send_sos_through_the_mobile_api(live_server, voice=wav_bytes(1.0))
    row = page.locator(f"#alert-queue tr[data-alert-id='{alert_id}']")
    row.wait_for(timeout=20_000)
    assert page.evaluate("window.__stillTheSamePage") is True  # arrived live, no reload
    code = row.locator("strong").inner_text()
    _wait_until(page, "window.__notified.length > 0")
    assert page.evaluate("window.__notified") == [f"New alert {code}"]  # the code, nothing else
    assert page.evaluate("window.__beeps") >= 1

    row.get_by_role("link").click()
    page.wait_for_url(f"**/console/alerts/{alert_id}")
    assert "DO NOT CALL BACK" in page.inner_text("#callback-policy")
    assert "± 30 m" in page.inner_text("#location-trail")

    # Voice: one click, one audited playback through a short-lived signed URL.
    page.click("#play-voice")
    _wait_until(page, "document.getElementById('voice-audio').src.includes('/twilio/media/')")
    playable = page.evaluate("""() => new Promise(resolve => {
        const audio = document.getElementById('voice-audio');
        if (audio.readyState >= 1) { resolve(true); return; }
        audio.addEventListener('loadedmetadata', () => resolve(true), {once: true});
        audio.addEventListener('error', () => resolve(false), {once: true});
        setTimeout(() => resolve(audio.readyState >= 1), 10000);
    })""")
    assert playable is True
    with app.app_context():
        plays = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "alert.voice.play", AuditEvent.target_id == alert_id))
    assert plays == 1

    page.click("#accept-alert")
    page.wait_for_selector("#alert-status:has-text('accepted')")

    page.fill("#note-body", "Spoke briefly; she is safe at her sister's tonight.")
    page.click("#save-note")
    page.wait_for_selector("#notes:has-text('safe at her sister')")

    page.select_option("#referral-service", "legal_aid")
    page.fill("#referral-detail", "Legal aid bureau, Dushanbe")
    page.click("#save-referral")
    page.wait_for_selector("#referrals:has-text('Legal aid')")

    page.select_option("#close-outcome", "referred")
    page.select_option("#close-district", "dushanbe.dushanbe")
    page.select_option("#close-violence-type", "psychological")
    page.click("#close-alert")
    page.wait_for_selector("#alert-status:has-text('closed')")
    assert "Referred to services" in page.inner_text("#case-outcome")
    context.close()

    # An editor's session cannot open the alert, nor see the queue.
    editor_context = browser.new_context()
    editor_page = editor_context.new_page()
    _log_in(editor_page, live_server, app, editor)
    response = editor_page.goto(f"{live_server}/console/alerts/{alert_id}")
    assert response is not None and response.status == 403
    body = editor_page.inner_text("body")
    assert "safe at her sister" not in body and "38.5598" not in body
    queue = editor_page.goto(f"{live_server}/console/alerts")
    assert queue is not None and queue.status == 403
    assert "Alerts" not in editor_page.inner_text("nav.mainnav")
    editor_context.close()
