"""Local stand-ins for Google's servers so the real ``firebase-admin`` runs offline in tests.

One small HTTP server plays three parts: the OAuth2 token endpoint (it checks the JWT-bearer grant
against the generated service account's public key), FCM HTTP v1 ``messages:send`` (records every
message; tokens listed in ``unregistered`` answer UNREGISTERED), and the App Check JWKS (tokens minted
by :meth:`FirebaseFake.mint_app_check_token`). The SDK's endpoint constants are pointed at it by the
``firebase_fake`` fixture; production code never touches them.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT_ID = "hushbakht-test"
PROJECT_NUMBER = "123456789012"


def _b64(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class FirebaseFake:
    url: str = ""
    credentials_file: Path | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    unregistered: set[str] = field(default_factory=set)
    grants: int = 0
    access_tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    service_key: Any = None
    app_check_key: Any = None

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.unregistered.clear()

    def tokens_pushed(self) -> list[str]:
        return [m["message"].get("token", "") for m in self.messages]

    def mint_app_check_token(self, *, audience: str = f"projects/{PROJECT_ID}",
                             expires_in: int = 3600, key: Any = None) -> str:
        claims = {"iss": f"https://firebaseappcheck.googleapis.com/{PROJECT_NUMBER}",
                  "aud": [f"projects/{PROJECT_NUMBER}", audience],
                  "sub": "1:123456789012:android:abcdef", "iat": int(time.time()),
                  "exp": int(time.time()) + expires_in}
        return jwt.encode(claims, key or self.app_check_key, algorithm="RS256",
                          headers={"kid": "appcheck-1", "typ": "JWT"})


def _handler(fake: FirebaseFake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.startswith("/jwks"):
                numbers = fake.app_check_key.public_key().public_numbers()
                self._json(200, {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig",
                                           "kid": "appcheck-1", "n": _b64(numbers.n),
                                           "e": _b64(numbers.e)}]})
                return
            self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/token":
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                try:
                    # google-auth signs for Google's token endpoint, whatever token_uri says.
                    jwt.decode(form.get("assertion", ""), fake.service_key.public_key(),
                               algorithms=["RS256"],
                               audience="https://oauth2.googleapis.com/token",
                               issuer=f"relay@{PROJECT_ID}.iam.gserviceaccount.com")
                except jwt.PyJWTError:
                    self._json(400, {"error": "invalid_grant"})
                    return
                token = "ya29." + uuid.uuid4().hex
                with fake.lock:
                    fake.grants += 1
                    fake.access_tokens.add(token)
                self._json(200, {"access_token": token, "expires_in": 3600,
                                 "token_type": "Bearer"})
                return
            if self.path.endswith("/messages:send"):
                bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if bearer not in fake.access_tokens:
                    self._json(401, {"error": {"code": 401, "status": "UNAUTHENTICATED",
                                               "message": "bad token"}})
                    return
                message = json.loads(body)
                if message.get("message", {}).get("token") in fake.unregistered:
                    self._json(404, {"error": {
                        "code": 404, "message": "Requested entity was not found.",
                        "status": "NOT_FOUND", "details": [{
                            "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                            "errorCode": "UNREGISTERED"}]}})
                    return
                with fake.lock:
                    fake.messages.append(message)
                self._json(200, {"name": f"projects/{PROJECT_ID}/messages/{uuid.uuid4().hex}"})
                return
            self._json(404, {"error": "not found"})

    return Handler


@pytest.fixture(scope="session")
def firebase_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirebaseFake]:
    """The fake Google endpoints and a service-account file whose token_uri points at them."""
    fake = FirebaseFake(
        service_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        app_check_key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pem = fake.service_key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode()
    path = tmp_path_factory.mktemp("firebase") / "service-account.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": PROJECT_ID, "private_key_id": "test-key-1",
        "private_key": pem, "client_email": f"relay@{PROJECT_ID}.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": f"{fake.url}/token"}))
    fake.credentials_file = path
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def firebase_fake(firebase_server: FirebaseFake, monkeypatch: pytest.MonkeyPatch) -> FirebaseFake:
    """Point firebase-admin's FCM and App Check endpoints at the fake for one test."""
    from firebase_admin import app_check, messaging

    firebase_server.reset()
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL",
                        firebase_server.url + "/v1/projects/{0}/messages:send")
    monkeypatch.setattr(app_check._AppCheckService, "_JWKS_URL", firebase_server.url + "/jwks")
    return firebase_server
