"""Staff phones that receive data-only escalation pushes (FCM) while on duty."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from backend.clock import now
from backend.errors import validation_problem
from backend.extensions import db
from backend.models.content import new_id
from backend.models.sos import StaffDevice
from backend.security.encryption import get_cipher


def register_staff_device(*, token: str, platform: str = "android", on_duty: bool = False,
                          staff_user_id: str | None = None) -> StaffDevice:
    """Register (or refresh) a staff device's FCM registration token; the caller commits.

    The same token registered twice updates the existing row (tokens are unique per app install).
    """
    if not isinstance(token, str) or not 20 <= len(token) <= 4096:
        raise validation_problem("token must be an FCM registration token")
    if platform not in ("android", "ios", "web"):
        raise validation_problem("platform must be android, ios or web")
    digest = hashlib.sha256(token.encode()).hexdigest()
    device = db.session.execute(
        select(StaffDevice).where(StaffDevice.token_digest == digest)).scalar_one_or_none()
    if device is None:
        device_id = new_id()
        device = StaffDevice(id=device_id, token_digest=digest, token_enc=get_cipher().encrypt(
            token, context=f"staff_device.token:{device_id}"))
        db.session.add(device)
    device.platform = platform
    device.on_duty = on_duty
    device.staff_user_id = staff_user_id
    device.last_seen_at = now()
    db.session.flush()
    return device


def set_staff_device_on_duty(device_id: str, on_duty: bool) -> StaffDevice | None:
    """Switch a device on or off duty; the caller commits."""
    device = db.session.get(StaffDevice, device_id)
    if device is not None:
        device.on_duty = on_duty
        device.last_seen_at = now()
    return device


def on_duty_device_tokens() -> list[tuple[str, str]]:
    """``(staff_device id, FCM token)`` of every on-duty device."""
    cipher = get_cipher()
    rows = db.session.execute(select(StaffDevice).where(StaffDevice.on_duty.is_(True))
                              .order_by(StaffDevice.created_at)).scalars().all()
    return [(r.id, cipher.decrypt_text(r.token_enc, context=f"staff_device.token:{r.id}"))
            for r in rows]
