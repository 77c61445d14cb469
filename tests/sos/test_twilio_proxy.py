"""The Twilio client takes proxy settings from the environment once, when the gateway is built."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from backend.adapters.twilio_client import NotSent, OutcomeUnknown, TwilioRestGateway

ACCOUNT = "AC" + "0" * 32


class _Proxy:
    """A forward proxy for plain HTTP that answers every request itself, like Twilio would."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append(self.path)  # a proxy receives the absolute URL
                body = json.dumps({"sid": "SM" + "1" * 32, "status": "queued",
                                   "account_sid": ACCOUNT}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Proxy]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                 "all_proxy", "no_proxy", "TWILIO_EDGE", "TWILIO_REGION"):
        monkeypatch.delenv(name, raising=False)
    server = _Proxy()
    yield server
    server.server.shutdown()


def _send(gateway: TwilioRestGateway) -> str:
    return gateway.send_sms(to="+992900000001", body="test", status_callback="https://x.test/s").sid


def test_requests_go_through_the_proxy_named_when_the_gateway_was_built(
        proxy: _Proxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    gateway = TwilioRestGateway(ACCOUNT, "token", "+15005550006",
                                api_base_url="http://twilio.invalid", timeout=5)
    assert _send(gateway).startswith("SM")
    assert proxy.seen == [f"http://twilio.invalid/2010-04-01/Accounts/{ACCOUNT}/Messages.json"]
    # Read once: a proxy setting changed later takes effect at the next start, not mid-flight.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    assert _send(gateway).startswith("SM") and len(proxy.seen) == 2


def test_no_proxy_is_honoured(proxy: _Proxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "twilio.invalid")
    gateway = TwilioRestGateway(ACCOUNT, "token", "+15005550006",
                                api_base_url="http://twilio.invalid", timeout=5)
    with pytest.raises((NotSent, OutcomeUnknown)):  # straight to twilio.invalid, which does not resolve
        _send(gateway)
    assert proxy.seen == []


def test_proxies_are_chosen_for_the_edge_the_client_really_calls(
        proxy: _Proxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "api.dublin.ie1.twilio.com")
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    gateway = TwilioRestGateway(ACCOUNT, "token", "+15005550006", timeout=5)
    assert gateway._client.http_client.proxy == {}  # type: ignore[attr-defined]
    monkeypatch.delenv("NO_PROXY")
    gateway = TwilioRestGateway(ACCOUNT, "token", "+15005550006", timeout=5)
    assert gateway._client.http_client.proxy.get("https") == proxy.url  # type: ignore[attr-defined]


def test_a_ca_bundle_from_the_environment_is_kept(proxy: _Proxy, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Any) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    gateway = TwilioRestGateway(ACCOUNT, "token", "+15005550006", timeout=5)
    assert gateway._client.http_client.session.verify == str(bundle)  # type: ignore[union-attr]
