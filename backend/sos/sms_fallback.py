"""The SMS fallback: one disguised, checksummed SMS becomes the same alert as over data.

Format (``mobile_contract/sms_fallback.md``): ``Оилаи Хушбахт: рецепт `` followed by 31 Crockford
base32 characters in groups of four, e.g. ``Оилаи Хушбахт: рецепт 9K3M-7TQ2-...``. 60 characters,
one UCS-2 SMS. Fields: flags (1), device SMS tag (8), alert short id (10: the first 48 bits of the
alert UUID), coarse location (6: 0.01° grid), MAC (6: first 30 bits of HMAC-SHA256 with the device's
SMS key over the 25 preceding characters).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.clock import now
from backend.extensions import db
from backend.models.sos import Device, SosCounter
from backend.sos.codes import decode_int, encode_int, normalise

log = logging.getLogger(__name__)

PREFIX = "Оилаи Хушбахт: рецепт "
CODE_LENGTH = 31
VERSION = 1
SMS_FIX_ACCURACY_M = 1000.0  # a 0.01° grid cell is about 1.1 km
_CODE = re.compile(r"([0-9A-Za-z]{4}(?:-?[0-9A-Za-z]{1,4}){6,9})")


@dataclass(frozen=True)
class FallbackMessage:
    device_tag: str
    alert_short: str  # 12 hex digits
    drill: bool
    lat: float | None
    lon: float | None


class MalformedSms(ValueError):
    """Not an SMS fallback message (or damaged)."""


def _mac(sms_key: bytes, payload: str) -> str:
    digest = hmac.new(sms_key, f"HB{VERSION}|{payload}".encode(), hashlib.sha256).digest()
    return encode_int(int.from_bytes(digest[:4], "big") >> 2, 6)


def encode(device_tag: str, sms_key: bytes, alert_id: str, *, drill: bool = False,
           lat: float | None = None, lon: float | None = None) -> str:
    """The SMS text the app sends (reference implementation of the contract)."""
    short = uuid.UUID(alert_id).hex[:12]
    has_location = lat is not None and lon is not None
    flags = (VERSION << 3) | (int(drill) << 2) | (int(has_location) << 1)
    location = 0
    if has_location:
        assert lat is not None and lon is not None
        location = round((lat + 90) * 100) * 36001 + round((lon + 180) * 100)
    payload = (encode_int(flags, 1) + device_tag.upper() + encode_int(int(short, 16) << 2, 10)
               + encode_int(location, 6))
    code = payload + _mac(sms_key, payload)
    return PREFIX + "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def parse(text: str) -> tuple[FallbackMessage, str, str]:
    """``(message, signed payload, mac)``; raises MalformedSms. The MAC is checked by the caller,
    who knows the device's key."""
    candidates = [m.replace("-", "") for m in _CODE.findall(text or "")]
    code = next((normalise(c) for c in candidates if len(c) == CODE_LENGTH), None)
    if code is None:
        raise MalformedSms("no code")
    try:
        flags = decode_int(code[0])
        short_value = decode_int(code[9:19])
        location = decode_int(code[19:25])
        decode_int(code[25:31])
        decode_int(code[1:9])
    except ValueError:
        raise MalformedSms("bad characters") from None
    if flags >> 3 != VERSION or short_value & 3:
        raise MalformedSms("unknown version")
    lat = lon = None
    if flags & 2:
        lat_index, lon_index = divmod(location, 36001)
        if lat_index > 18000:
            raise MalformedSms("location out of range")
        lat, lon = lat_index / 100 - 90, lon_index / 100 - 180
    message = FallbackMessage(code[1:9], f"{short_value >> 2:012x}", bool(flags & 4), lat, lon)
    return message, code[:25], code[25:]


def handle_inbound_sms(body: str) -> str | None:
    """Turn a fallback SMS into an alert (or find the one that arrived over data).

    Returns the alert id, or None for malformed or forged messages, which are counted
    (``sms_fallback_malformed``, ``sms_fallback_forged``) and otherwise ignored.
    """
    from backend.sos.alerts import Fix, create_alert, find_device_alert
    from backend.sos.devices import device_sms_key

    try:
        message, payload, mac = parse(body)
    except MalformedSms:
        count("sms_fallback_malformed")
        return None
    device = db.session.execute(select(Device).where(Device.sms_tag == message.device_tag)
                                ).scalar_one_or_none()
    if device is None or not hmac.compare_digest(_mac(device_sms_key(device), payload), mac):
        count("sms_fallback_forged")
        return None
    existing = find_device_alert(device, message.alert_short + "0" * 20)
    if existing is not None:
        count("sms_fallback_duplicate")
        return existing.id
    fix = None
    if message.lat is not None and message.lon is not None:
        fix = Fix(message.lat, message.lon, SMS_FIX_ACCURACY_M, now(), "sms")
    alert_id = message.alert_short + uuid.uuid4().hex[12:]
    alert, _created = create_alert(device, alert_id=alert_id, fix=fix, trigger="sms_fallback",
                                   locale=device.locale, drill=message.drill, channel="sms")
    count("sms_fallback_alerts")
    return alert.id


def count(name: str) -> None:
    """Increment an operational counter (no personal data)."""
    for _ in range(2):
        row = db.session.get(SosCounter, name)
        if row is None:
            db.session.add(SosCounter(name=name, value=1, updated_at=now()))
        else:
            row.value += 1
            row.updated_at = now()
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()


def counter_value(name: str) -> int:
    row = db.session.get(SosCounter, name)
    return row.value if row else 0
