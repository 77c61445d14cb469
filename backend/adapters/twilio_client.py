"""Twilio behind a small interface: send an SMS, start a call, look a sent one up again.

The relay only knows :class:`TwilioGateway`. :class:`TwilioRestGateway` uses the official ``twilio``
client (and, when ``TWILIO_API_BASE_URL`` is set, sends its requests to that host instead of
api.twilio.com: a local mock in tests). :class:`DryRunGateway` records what would have been sent,
for the quick start without credentials.

Outcomes are classified for exactly-once delivery (docs/sos.md, "Delivery guarantee"):
- :class:`SendResult`: Twilio created the message or call;
- :class:`NotSent`: Twilio certainly did not create it (connection refused, 4xx validation error);
- :class:`OutcomeUnknown`: it may or may not exist (timeout after the request left, 5xx, reset).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from backend.clock import as_utc

log = logging.getLogger(__name__)

# Twilio's magic test numbers (+1 500 555 xxxx) work only with test credentials.
TEST_NUMBER_PREFIX = "+1500555"


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str
    dry_run: bool = False


class NotSent(Exception):
    """Twilio did not create the message or call; safe to send again."""

    def __init__(self, reason: str, *, permanent: bool = False, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code


class OutcomeUnknown(Exception):
    """The request may have reached Twilio; reconcile before sending again."""


class TwilioGateway(Protocol):
    """What the relay needs from Twilio."""

    dry_run: bool

    def send_sms(self, *, to: str, body: str, status_callback: str) -> SendResult: ...

    def start_call(self, *, to: str, twiml_url: str, status_callback: str) -> SendResult: ...

    def find_sms(self, *, to: str, body_digest: str, since: datetime, near: datetime,
                 exclude_sids: set[str]) -> str | None: ...

    def find_call(self, *, to: str, since: datetime, near: datetime,
                  exclude_sids: set[str],
                  rivals: Sequence[tuple[datetime, datetime]] = ()) -> str | None: ...

    def fetch_status(self, *, channel: str, sid: str) -> tuple[str, str | None]: ...


class _RedirectingHttpClient(TwilioHttpClient):
    """Sends every request to ``base_url`` (scheme and host), keeping path and query."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        parts = urlsplit(url)
        url = urlunsplit((self._base.scheme, self._base.netloc, parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


def _read_environment_once(http_client: TwilioHttpClient, api_url: str) -> None:
    """Take the proxy (``HTTPS_PROXY``, ``NO_PROXY``, ...) and CA bundle (``REQUESTS_CA_BUNDLE``,
    ``CURL_CA_BUNDLE``) settings from the environment now, as requests would, instead of on every
    request: requests scans the whole environment each time, about a millisecond of a worker's CPU
    per Twilio request. Changing them needs a restart, like every other setting."""
    if http_client.session is None:
        return
    http_client.proxy = dict(requests.utils.get_environ_proxies(api_url))
    http_client.session.verify = (os.environ.get("REQUESTS_CA_BUNDLE")
                                  or os.environ.get("CURL_CA_BUNDLE") or True)
    http_client.session.trust_env = False


class TwilioRestGateway:
    """The real gateway, through the official client."""

    dry_run = False

    def __init__(self, account_sid: str, auth_token: str, from_number: str, *,
                 api_base_url: str = "", timeout: float = 10.0) -> None:
        http_client = (_RedirectingHttpClient(api_base_url, timeout) if api_base_url
                       else TwilioHttpClient(timeout=timeout))
        self._client = Client(account_sid, auth_token, http_client=http_client)
        # The host the requests really go to (TWILIO_EDGE / TWILIO_REGION change it).
        _read_environment_once(http_client, api_base_url
                               or self._client.get_hostname("https://api.twilio.com/2010-04-01"))
        self._from = from_number

    def send_sms(self, *, to: str, body: str, status_callback: str) -> SendResult:
        def create() -> Any:
            return self._client.messages.create(to=to, from_=self._from, body=body,
                                                status_callback=status_callback)

        message = _classified(create)
        return SendResult(sid=str(message.sid), status=str(message.status or "queued"))

    def start_call(self, *, to: str, twiml_url: str, status_callback: str) -> SendResult:
        def create() -> Any:
            return self._client.calls.create(to=to, from_=self._from, url=twiml_url,
                                             status_callback=status_callback, timeout=30)

        call = _classified(create)
        return SendResult(sid=str(call.sid), status=str(call.status or "queued"))

    def find_sms(self, *, to: str, body_digest: str, since: datetime, near: datetime,
                 exclude_sids: set[str]) -> str | None:
        """The sid of an SMS with this body (by SHA-256) sent to ``to`` since ``since``.

        Of several (the same text sent twice), the one Twilio created nearest to ``near``, when
        the ambiguous request was made.
        """
        messages = _lookup(lambda: self._client.messages.list(
            to=to, from_=self._from, date_sent_after=since - timedelta(days=1), limit=50))
        return _nearest([m for m in messages
                         if hashlib.sha256(str(m.body or "").encode()).hexdigest() == body_digest],
                        since=since, near=near, exclude_sids=exclude_sids)

    def find_call(self, *, to: str, since: datetime, near: datetime,
                  exclude_sids: set[str],
                  rivals: Sequence[tuple[datetime, datetime]] = ()) -> str | None:
        """The sid of a call to ``to`` since ``since``: of several, the one created nearest ``near``.

        A call carries nothing of ours that the list shows, so two ambiguous calls to the same
        number are told apart by time: each delivery takes the call Twilio created closest to
        its own request (Twilio lists newest first, so "the first unclaimed" would hand an older
        delivery a newer delivery's call). ``rivals``: the other unsettled requests to this
        number, each as (its row's ``since``, when it was made). If one of them could take the
        call found (created after its own ``since``, as for this row) and was made nearer it, the
        call is more likely theirs (this request may never have reached Twilio): OutcomeUnknown,
        look again once they are settled, rather than take it and leave their call to be placed a
        second time. Of all unsettled rows and the calls they can take, the nearest pair never
        defers, so every round settles at least one row.
        """
        calls = _lookup(lambda: self._client.calls.list(
            to=to, from_=self._from, start_time_after=since - timedelta(days=1), limit=50))
        found = _nearest_resource(calls, since=since, near=near, exclude_sids=exclude_sids)
        if found is None:
            return None
        created = found.date_created
        if created is not None:
            at = as_utc(created)
            gap = abs((at - near).total_seconds())
            if any(at >= as_utc(r_since) - _CLOCK_SKEW and abs((at - as_utc(r_near)).total_seconds()) < gap
                   for r_since, r_near in rivals):
                raise OutcomeUnknown("the call found is nearer another unsettled request")
        return str(found.sid)

    def fetch_status(self, *, channel: str, sid: str) -> tuple[str, str | None]:
        """Twilio's current status of a message (``channel`` "sms") or call and its error code
        (messages only); OutcomeUnknown if Twilio cannot be asked now."""
        resource = self._client.messages(sid) if channel == "sms" else self._client.calls(sid)
        fetched = _lookup(lambda: [resource.fetch()])[0]
        code = getattr(fetched, "error_code", None)
        return str(fetched.status or ""), str(code) if code else None


_CLOCK_SKEW = timedelta(seconds=60)  # between our clock and Twilio's creation times


def _nearest(resources: list[Any], *, since: datetime, near: datetime,
             exclude_sids: set[str]) -> str | None:
    """The sid of :func:`_nearest_resource`."""
    found = _nearest_resource(resources, since=since, near=near, exclude_sids=exclude_sids)
    return str(found.sid) if found is not None else None


def _nearest_resource(resources: list[Any], *, since: datetime, near: datetime,
                      exclude_sids: set[str]) -> Any:
    """The unclaimed resource created at or after ``since`` (60 s of clock skew allowed) nearest
    ``near``; one without a creation time counts as farthest."""
    floor = since - _CLOCK_SKEW
    candidates = [r for r in resources if r.sid not in exclude_sids
                  and (r.date_created is None or as_utc(r.date_created) >= floor)]
    if not candidates:
        return None

    def distance(resource: Any) -> float:
        created = resource.date_created
        return abs((as_utc(created) - near).total_seconds()) if created is not None else math.inf

    return min(candidates, key=distance)


def _classified(create: Any) -> Any:
    """Run a create request and turn failures into NotSent / OutcomeUnknown."""
    try:
        return create()
    except TwilioRestException as exc:
        if exc.status >= 500:
            raise OutcomeUnknown(f"twilio answered {exc.status}") from None
        if exc.status == 429:
            raise NotSent("twilio rate limit", code=exc.code) from None
        raise NotSent(f"twilio refused ({exc.status}, code {exc.code})", permanent=True,
                      code=exc.code) from None
    except (requests.ConnectionError, requests.ConnectTimeout) as exc:
        if isinstance(exc, requests.ConnectTimeout) or _refused(exc):
            raise NotSent("twilio unreachable") from None
        raise OutcomeUnknown("connection lost during the request") from None
    except requests.Timeout:
        raise OutcomeUnknown("no answer from twilio in time") from None
    except requests.RequestException as exc:
        raise OutcomeUnknown(type(exc).__name__) from None


def _refused(exc: Exception) -> bool:
    text = repr(exc)
    return "Connection refused" in text or "NewConnectionError" in text or "Name or service" in text


def _lookup(fetch: Any) -> list[Any]:
    """A read request; any failure means "cannot decide now" (the caller retries later)."""
    try:
        return list(fetch())
    except (TwilioRestException, requests.RequestException) as exc:
        raise OutcomeUnknown(f"lookup failed: {type(exc).__name__}") from None


class DryRunGateway:
    """No Twilio settings: records what would be sent, sends nothing (quick start)."""

    dry_run = True

    def __init__(self) -> None:
        self._counter = 0

    def _sid(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}dryrun{uuid.uuid4().hex[:26]}"

    def send_sms(self, *, to: str, body: str, status_callback: str) -> SendResult:
        log.info("dry-run relay: SMS not sent (no Twilio settings)",
                 extra={"event": "sos.dry_run", "channel": "sms", "chars": len(body)})
        return SendResult(sid=self._sid("SM"), status="dry_run", dry_run=True)

    def start_call(self, *, to: str, twiml_url: str, status_callback: str) -> SendResult:
        log.info("dry-run relay: call not placed (no Twilio settings)",
                 extra={"event": "sos.dry_run", "channel": "voice"})
        return SendResult(sid=self._sid("CA"), status="dry_run", dry_run=True)

    def find_sms(self, *, to: str, body_digest: str, since: datetime, near: datetime,
                 exclude_sids: set[str]) -> str | None:
        return None

    def find_call(self, *, to: str, since: datetime, near: datetime,
                  exclude_sids: set[str],
                  rivals: Sequence[tuple[datetime, datetime]] = ()) -> str | None:
        return None

    def fetch_status(self, *, channel: str, sid: str) -> tuple[str, str | None]:
        return "", None  # nothing was sent: nothing to ask about
