"""Anonymous device registration and authentication, PINs, trusted contacts and callback policy."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError

from backend.clock import now
from backend.errors import Problem, validation_problem
from backend.extensions import db
from backend.models.content import new_id
from backend.models.sos import Device
from backend.security.encryption import get_cipher
from backend.sos.codes import random_code

# PINs: argon2id with OWASP's recommended parameters (m=19 MiB, t=2, p=1). A 4-8 digit PIN cannot
# resist an offline attack under any hash; what protects it is the wrong-PIN rate limit and keeping the
# database private.
_pin_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Device secrets are 256 random bits: no hash can make guessing one easier or harder, so they are
# stored as SHA-256, like API tokens, and checked in microseconds on every request (argon2id cost
# each web process 4-10 ms of CPU the first time it saw a device, on the SOS path). Devices
# registered before keep their argon2id hash until their next successful request replaces it.
_SECRET_SCHEME = "sha256$"  # noqa: S105 - a format prefix, not a password
_legacy_secret_hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)

PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
MAX_CONTACTS = 5


@dataclass(frozen=True)
class TrustedContact:
    phone: str
    label: str = ""


@dataclass(frozen=True)
class CallbackPolicy:
    """Whether and how staff may call her back; shown first on every alert."""

    mode: Literal["never", "safe_hours", "codeword"] = "never"
    safe_from: str | None = None
    safe_until: str | None = None
    codeword: str | None = None

    def summary(self, language: str) -> str:
        """One line for the hotline's SMS and call (tg or ru)."""
        if self.mode == "safe_hours":
            return (f"Занг: танҳо {self.safe_from}-{self.safe_until}" if language == "tg"
                    else f"Звонить: только {self.safe_from}-{self.safe_until}")
        if self.mode == "codeword":
            return (f"Занг: аввал калимаи рамзӣ «{self.codeword}»" if language == "tg"
                    else f"Звонить: сначала кодовое слово «{self.codeword}»")
        return "Занг назанед" if language == "tg" else "Не перезванивать"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"mode": self.mode}
        if self.mode == "safe_hours":
            data.update({"from": self.safe_from, "until": self.safe_until})
        if self.mode == "codeword":
            data["codeword"] = self.codeword
        return data


@dataclass(frozen=True)
class Registration:
    """What registration returns to the app, once (the secret and SMS key are not stored in clear)."""

    device_id: str
    secret: str
    sms_tag: str
    sms_key: str


@dataclass
class DeviceProfile:
    """Decrypted optional data of a device."""

    contacts: list[TrustedContact] = field(default_factory=list)
    callback_policy: CallbackPolicy = field(default_factory=CallbackPolicy)


def parse_contacts(raw: Any) -> list[TrustedContact]:
    """Validate the ``trusted_contacts`` field of a registration."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CONTACTS:
        raise validation_problem(f"trusted_contacts must be a list of at most {MAX_CONTACTS}")
    contacts = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("phone"), str) \
                or not E164.match(item["phone"]):
            raise validation_problem("each trusted contact needs an E.164 phone such as "
                                     "+992900000001")
        label = item.get("label") or ""
        if not isinstance(label, str) or len(label) > 40:
            raise validation_problem("a trusted contact label is text of at most 40 characters")
        contacts.append(TrustedContact(item["phone"], label))
    return contacts


def parse_callback_policy(raw: Any) -> CallbackPolicy:
    """Validate the ``callback_policy`` field of a registration."""
    if raw is None:
        return CallbackPolicy()
    if not isinstance(raw, dict):
        raise validation_problem("callback_policy must be an object")
    mode = raw.get("mode")
    if mode == "never":
        return CallbackPolicy()
    if mode == "safe_hours":
        start, until = raw.get("from"), raw.get("until")
        if not (isinstance(start, str) and isinstance(until, str)
                and HHMM.match(start) and HHMM.match(until)):
            raise validation_problem("safe_hours needs from and until as HH:MM")
        return CallbackPolicy("safe_hours", safe_from=start, safe_until=until)
    if mode == "codeword":
        word = raw.get("codeword")
        if not isinstance(word, str) or not 2 <= len(word.strip()) <= 32:
            raise validation_problem("codeword must be 2 to 32 characters")
        return CallbackPolicy("codeword", codeword=word.strip())
    raise validation_problem("callback_policy.mode must be never, safe_hours or codeword")


def register_device(*, cancel_pin: str, duress_pin: str, locale: str = "tg",
                    contacts: list[TrustedContact] | None = None,
                    callback_policy: CallbackPolicy | None = None) -> Registration:
    """Create an anonymous device; returns its id and secret (shown once)."""
    if not PIN_PATTERN.match(cancel_pin) or not PIN_PATTERN.match(duress_pin):
        raise validation_problem("cancel_pin and duress_pin must be 4 to 8 digits")
    if hmac.compare_digest(cancel_pin, duress_pin):
        raise validation_problem("the duress PIN must differ from the cancel PIN")
    if locale not in ("tg", "ru", "en"):
        raise validation_problem("locale must be tg, ru or en")
    cipher = get_cipher()
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    sms_key = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")
    device_id = new_id()
    for _ in range(5):  # the 40-bit SMS tag is random; retry on the rare collision
        tag = random_code(8)
        device = Device(
            id=device_id,
            secret_hash=_secret_digest(secret),
            cancel_pin_hash=_pin_hasher.hash(cancel_pin),
            duress_pin_hash=_pin_hasher.hash(duress_pin),
            sms_tag=tag,
            sms_key_enc=cipher.encrypt(sms_key, context=f"sos_device.sms_key:{device_id}"),
            locale=locale,
        )
        if contacts:
            device.contacts_enc = cipher.encrypt(
                json.dumps([c.__dict__ for c in contacts]),
                context=f"sos_device.contacts:{device_id}")
        if callback_policy and callback_policy.mode != "never":
            device.callback_policy_enc = cipher.encrypt(
                json.dumps(callback_policy.as_dict()),
                context=f"sos_device.callback_policy:{device_id}")
        db.session.add(device)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        return Registration(device_id, secret, tag, sms_key)
    raise Problem(503, "registration-unavailable", "Registration is busy",
                  "Please try again in a moment.")


def authenticate_device(device_id: str, secret: str) -> Device:
    """The device whose id and secret match, else a 401 problem (same answer for both mistakes)."""
    device = db.session.get(Device, device_id) if re.fullmatch(r"[0-9a-f]{32}", device_id) else None
    if device is None or not _secret_matches(device, secret):
        raise Problem(401, "unauthorized", "Authentication required",
                      "Send the device id and secret with HTTP Basic authentication.",
                      headers={"WWW-Authenticate": 'Basic realm="device"'})
    return device


def _secret_digest(secret: str) -> str:
    return _SECRET_SCHEME + hashlib.sha256(secret.encode()).hexdigest()


def _secret_matches(device: Device, secret: str) -> bool:
    if device.secret_hash.startswith(_SECRET_SCHEME):
        return hmac.compare_digest(device.secret_hash, _secret_digest(secret))
    try:  # registered before: argon2id, replaced now (saved with the request's commit)
        _legacy_secret_hasher.verify(device.secret_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    device.secret_hash = _secret_digest(secret)
    return True


PinKind = Literal["cancel", "duress", "wrong"]


def check_pin(device: Device, pin: str) -> PinKind:
    """Which PIN was entered. Both hashes are always checked, so timing does not tell them apart."""
    if not isinstance(pin, str) or not PIN_PATTERN.match(pin):
        return "wrong"
    cancel = _pin_ok(device.cancel_pin_hash, pin)
    duress = _pin_ok(device.duress_pin_hash, pin)
    if cancel:
        return "cancel"
    if duress:
        return "duress"
    return "wrong"


def _pin_ok(hashed: str, pin: str) -> bool:
    try:
        return _pin_hasher.verify(hashed, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def device_profile(device: Device) -> DeviceProfile:
    """Decrypt the device's trusted contacts and callback policy."""
    cipher = get_cipher()
    profile = DeviceProfile()
    if device.contacts_enc:
        items = json.loads(cipher.decrypt_text(device.contacts_enc,
                                               context=f"sos_device.contacts:{device.id}"))
        profile.contacts = [TrustedContact(i["phone"], i.get("label", "")) for i in items]
    if device.callback_policy_enc:
        data = json.loads(cipher.decrypt_text(device.callback_policy_enc,
                                              context=f"sos_device.callback_policy:{device.id}"))
        profile.callback_policy = CallbackPolicy(
            data["mode"], safe_from=data.get("from"), safe_until=data.get("until"),
            codeword=data.get("codeword"))
    return profile


def device_sms_key(device: Device) -> bytes:
    """The key that signs this device's SMS fallback messages."""
    text = get_cipher().decrypt_text(device.sms_key_enc, context=f"sos_device.sms_key:{device.id}")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def touch_device(device: Device) -> None:
    """Record that the device was seen (at most once a minute, to spare writes)."""
    seen = device.last_seen_at
    current = now()
    if seen is None or (current - (seen if seen.tzinfo else seen.replace(tzinfo=current.tzinfo))
                        ).total_seconds() > 60:
        device.last_seen_at = current
