"""Push to staff devices behind a small interface; Firebase Cloud Messaging in production.

Only data-only messages are sent (no ``notification`` block): the staff app decides what to show, and
nothing is ever pushed to a survivor's phone. Without Firebase settings, :class:`DryRunPushSender`
records what would be sent.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

FCM_TIMEOUT_SECONDS = 15  # per request to FCM (and its token endpoint)


@dataclass(frozen=True)
class PushResult:
    ok: bool
    message_id: str | None = None
    error: str | None = None
    token_invalid: bool = False
    dry_run: bool = False


class PushSender(Protocol):
    dry_run: bool

    def send_data(self, token: str, data: dict[str, str]) -> PushResult: ...


class FirebasePushSender:
    """FCM HTTP v1 through the official ``firebase-admin`` SDK."""

    dry_run = False

    def __init__(self, firebase_app: Any) -> None:
        self._app = firebase_app

    def send_data(self, token: str, data: dict[str, str]) -> PushResult:
        from firebase_admin import exceptions, messaging
        from google.auth.exceptions import GoogleAuthError

        with warnings.catch_warnings():
            # firebase-admin 7.7 deprecates ``token`` for ``fid``; staff apps still register FCM
            # registration tokens, which FCM v1 keeps accepting.
            warnings.simplefilter("ignore", DeprecationWarning)
            message = messaging.Message(
                data=data, token=token,
                android=messaging.AndroidConfig(priority="high", ttl=300),
                apns=messaging.APNSConfig(headers={"apns-push-type": "background",
                                                   "apns-priority": "5"},
                                          payload=messaging.APNSPayload(
                                              aps=messaging.Aps(content_available=True))))
        try:
            message_id = messaging.send(message, app=self._app)
        except (messaging.UnregisteredError, messaging.SenderIdMismatchError) as exc:
            return PushResult(False, error=type(exc).__name__, token_invalid=True)
        except (exceptions.FirebaseError, GoogleAuthError, ValueError) as exc:
            return PushResult(False, error=type(exc).__name__)
        return PushResult(True, message_id=str(message_id).rsplit("/", 1)[-1][:64])


class DryRunPushSender:
    """No Firebase settings: nothing is pushed; the relay records the delivery as dry-run."""

    dry_run = True

    def send_data(self, token: str, data: dict[str, str]) -> PushResult:
        log.info("dry-run push: not sent (no Firebase settings)",
                 extra={"event": "sos.dry_run", "channel": "push", "kind": data.get("type")})
        return PushResult(True, message_id=None, dry_run=True)


def firebase_app(credentials_file: str, project_id: str) -> Any:
    """The firebase-admin app for these credentials (created once per process)."""
    import hashlib

    import firebase_admin
    from firebase_admin import credentials

    name = "hushbakht-" + hashlib.sha256(f"{credentials_file}|{project_id}".encode()).hexdigest()[:12]
    try:
        return firebase_admin.get_app(name)
    except ValueError:
        # firebase-admin waits 120 s for an answer by default, longer than a claim on a delivery
        # lasts (60 s, backend.sos.relay.STALE_SENDING): past that, the sweeper pushes again.
        options: dict[str, Any] = {"httpTimeout": FCM_TIMEOUT_SECONDS}
        if project_id:
            options["projectId"] = project_id
        return firebase_admin.initialize_app(credentials.Certificate(credentials_file), options,
                                             name=name)
