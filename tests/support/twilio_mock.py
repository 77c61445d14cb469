"""A local Twilio for tests: Stoplight Prism serving Twilio's own OpenAPI description, behind a small
recording proxy that can inject faults.

- Prism validates every request against Twilio's description (a wrong parameter is a 4xx) and
  answers with the spec's examples.
- The proxy records what was sent, gives every created message or call its own sid (Prism's
  examples all share one), answers list requests (``GET .../Messages.json``) from what was really
  created (so reconciliation can be tested), and injects faults on demand: ``"500"`` (refused before
  anything was created), ``"500_after"`` (created, then a 500), ``"timeout"`` (created, answer too
  late), ``"drop"`` (created, connection closed without an answer).

Use :func:`twilio_mock` (a session fixture) and point ``TWILIO_API_BASE_URL`` at ``mock.url``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "tests" / "twilio_mock" / "node_modules" / ".bin" / "prism"
SPEC = ROOT.parent / "shared" / "specs" / "twilio" / "twilio_api_v2010.json"
TEST_ACCOUNT_SID = "AC" + "0a1b2c3d" * 4
TEST_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
TEST_FROM = "+15005550006"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Created:
    kind: str  # "sms" or "call"
    sid: str
    to: str
    from_: str
    body: str
    url: str
    status_callback: str
    at: datetime
    status: str = "queued"  # what a fetch of this message or call answers (set it to simulate)


@dataclass
class TwilioMock:
    url: str
    prism_url: str
    created: list[Created] = field(default_factory=list)
    rejected: list[tuple[str, int, str]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    timeout_sleep: float = 2.5
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.created.clear()
            self.rejected.clear()
            self.requests.clear()
            self.faults.clear()

    def inject(self, *faults: str) -> None:
        """Faults for the next create requests, in order ("500", "500_after", "timeout", "drop")."""
        with self.lock:
            self.faults.extend(faults)

    def sms_to(self, number: str) -> list[Created]:
        return [c for c in self.created if c.kind == "sms" and c.to == number]

    def calls_to(self, number: str) -> list[Created]:
        return [c for c in self.created if c.kind == "call" and c.to == number]

    def set_status(self, sid: str, status: str) -> None:
        """What Twilio will answer when this message or call is fetched from now on."""
        with self.lock:
            next(c for c in self.created if c.sid == sid).status = status


def _handler(mock: TwilioMock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return

        def _forward(self, body: bytes) -> requests.Response:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host",
                                                                                 "content-length")}
            return requests.request(self.command, mock.prism_url + self.path, data=body,
                                    headers=headers, timeout=30)

        def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = urlsplit(self.path)
            with mock.lock:
                mock.requests.append(("GET", path.path))
            upstream = self._forward(b"")
            single = re.search(r"/(Messages|Calls)/((?:SM|CA)[0-9a-f]{32})\.json$", path.path)
            if upstream.status_code == 200 and single:  # a fetch: answer from what was created
                with mock.lock:
                    found = next((c for c in mock.created if c.sid == single.group(2)), None)
                if found is None:
                    self._answer(404, b'{"code": 20404, "message": "Not found", "status": 404}')
                    return
                answer = upstream.json()
                answer.update({"sid": found.sid, "to": found.to, "from": found.from_,
                               "status": found.status, "date_created": format_datetime(found.at)})
                self._answer(200, json.dumps(answer).encode())
                return
            if upstream.status_code != 200 or not path.path.endswith(("Messages.json",
                                                                      "Calls.json")):
                self._answer(upstream.status_code, upstream.content)
                return
            query = {k: v[0] for k, v in parse_qs(path.query).items()}
            kind = "sms" if path.path.endswith("Messages.json") else "call"
            page = upstream.json()
            key = "messages" if kind == "sms" else "calls"
            template = (page.get(key) or [{}])[0]
            items = []
            with mock.lock:
                for c in mock.created:
                    if c.kind != kind or ("To" in query and query["To"] != c.to):
                        continue
                    item = dict(template)
                    item.update({"sid": c.sid, "to": c.to, "from": c.from_,
                                 "date_created": format_datetime(c.at),
                                 "status": "queued"})
                    if kind == "sms":
                        item["body"] = c.body
                    items.append(item)
            page[key] = items[::-1]  # as Twilio lists them: newest first
            page["next_page_uri"] = None
            self._answer(200, json.dumps(page).encode())

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            path = urlsplit(self.path).path
            with mock.lock:
                mock.requests.append(("POST", path))
                fault = mock.faults.pop(0) if mock.faults else None
            if fault == "500":
                self._answer(500, b'{"code": 20500, "message": "Internal Server Error", '
                                  b'"status": 500}')
                return
            upstream = self._forward(body)
            if upstream.status_code >= 300:
                with mock.lock:
                    mock.rejected.append((path, upstream.status_code, upstream.text[:300]))
                self._answer(upstream.status_code, upstream.content)
                return
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            kind = "sms" if path.endswith("Messages.json") else "call"
            sid = ("SM" if kind == "sms" else "CA") + uuid.uuid4().hex
            with mock.lock:
                mock.created.append(Created(kind, sid, form.get("To", ""), form.get("From", ""),
                                            form.get("Body", ""), form.get("Url", ""),
                                            form.get("StatusCallback", ""), datetime.now(UTC)))
            answer = upstream.json()
            answer.update({"sid": sid, "to": form.get("To"), "status": "queued"})
            if fault == "500_after":
                self._answer(500, b'{"code": 20500, "message": "Internal Server Error", '
                                  b'"status": 500}')
            elif fault == "timeout":
                time.sleep(mock.timeout_sleep)
                with contextlib.suppress(OSError):
                    self._answer(201, json.dumps(answer).encode())
            elif fault == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self._answer(201, json.dumps(answer).encode())

    return Handler


def _wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def start_twilio_mock() -> tuple[TwilioMock, subprocess.Popen[bytes], ThreadingHTTPServer]:
    """Start Prism and the recording proxy (stop both with :func:`stop_twilio_mock`)."""
    prism_port = free_port()
    prism = subprocess.Popen(
        [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(prism_port), "-v", "warn", str(SPEC)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        cwd=str(ROOT))
    try:
        _wait_for(prism_port)
    except RuntimeError:
        os.killpg(prism.pid, signal.SIGKILL)
        raise
    mock = TwilioMock(url="", prism_url=f"http://127.0.0.1:{prism_port}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mock))
    server.daemon_threads = True
    mock.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return mock, prism, server


def stop_twilio_mock(prism: subprocess.Popen[bytes], server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()
    try:
        os.killpg(prism.pid, signal.SIGTERM)
        prism.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(prism.pid, signal.SIGKILL)


def twilio_available() -> str | None:
    """None when the mock can run here, else the reason it cannot."""
    if not PRISM.exists():
        return "Prism is not installed (make twilio-mock)"
    if not SPEC.exists():
        return "../shared/specs/twilio/twilio_api_v2010.json is absent"
    return None


@pytest.fixture(scope="session")
def twilio_mock() -> Iterator[TwilioMock]:
    """Prism + recording proxy for the whole session; ``reset()`` between tests."""
    reason = twilio_available()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the Twilio mock cannot run: {reason}")
        pytest.skip(reason)
    mock, prism, server = start_twilio_mock()
    try:
        yield mock
    finally:
        stop_twilio_mock(prism, server)


def twilio_settings(mock: TwilioMock) -> dict[str, str]:
    """Settings that point the relay at the mock. The client waits 10 s: the mock (proxy and
    Prism) answers in well under a second even on a loaded machine, and a test that wants a
    timeout sets a shorter one below the mock's ``timeout_sleep`` (tests/sos/test_faults.py)."""
    return {"TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": TEST_FROM, "TWILIO_API_BASE_URL": mock.url,
            "TWILIO_MODE": "test", "TWILIO_TIMEOUT_SECONDS": "10"}


def sign(url: str, params: dict[str, str], token: str = TEST_AUTH_TOKEN) -> str:
    """The ``X-Twilio-Signature`` Twilio would send for this URL and form."""
    from twilio.request_validator import RequestValidator

    return str(RequestValidator(token).compute_signature(url, params))
