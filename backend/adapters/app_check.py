"""Firebase App Check behind a small interface: is this request from our genuine app?"""

from __future__ import annotations

from typing import Any, Protocol


class AppCheckVerifier(Protocol):
    def verify(self, token: str) -> bool: ...


class FirebaseAppCheckVerifier:
    """Verifies App Check tokens with the official ``firebase-admin`` SDK."""

    def __init__(self, firebase_app: Any) -> None:
        self._app = firebase_app

    def verify(self, token: str) -> bool:
        from firebase_admin import app_check

        try:
            app_check.verify_token(token, app=self._app)
        except Exception:  # noqa: BLE001 - any failure (expired, forged, unreachable) means "no"
            return False
        return True


class DisabledAppCheck:
    """App Check not configured: every request passes (the quick start, development)."""

    def verify(self, token: str) -> bool:
        return True
