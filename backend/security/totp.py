"""TOTP second factor (RFC 6238, 30-second steps, 6 digits) with replay protection.

The seed is sealed with AES-GCM under a key derived from SECRET_KEY (HKDF, its own purpose label),
so a database dump alone does not yield working codes. Changing SECRET_KEY invalidates the seeds:
staff then re-enrol with ``hushbakht users reset-mfa``.
"""

from __future__ import annotations

import base64
import os
from datetime import datetime

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ISSUER = "Hushbakht Console"
# Accept the previous and next step too: staff phones drift a little.
VALID_WINDOW = 1


def new_seed() -> str:
    """A fresh base32 TOTP seed (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(seed: str, username: str) -> str:
    """The otpauth:// URI an authenticator app imports (shown once, at creation or reset)."""
    return pyotp.TOTP(seed).provisioning_uri(name=username, issuer_name=ISSUER)


def accepted_step(seed: str, code: str, at: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if valid at ``at`` and newer than ``last_step``; else
    None.

    Returning the step lets the caller store it, so the same code cannot be used twice.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(seed)
    current = totp.timecode(at)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        step = current + offset
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def code_at(seed: str, at: datetime) -> str:
    """The code an authenticator shows at ``at`` (used by tests and the fixtures)."""
    return pyotp.TOTP(seed).at(at)


def _key(secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"hushbakht staff totp seed v1").derive(secret_key.encode())


def seal_seed(seed: str, secret_key: str, user_id: str) -> str:
    """Encrypt ``seed`` bound to ``user_id`` (a sealed seed copied to another row does not open)."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, seed.encode(), user_id.encode())
    return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def open_seed(sealed: str, secret_key: str, user_id: str) -> str:
    """Decrypt a seed sealed by :func:`seal_seed`; raises ValueError when it does not open."""
    if not sealed.startswith("v1:"):
        raise ValueError("unknown seal version")
    raw = base64.urlsafe_b64decode(sealed[3:])
    try:
        return AESGCM(_key(secret_key)).decrypt(raw[:12], raw[12:], user_id.encode()).decode()
    except Exception as exc:
        raise ValueError("the TOTP seed does not open with this SECRET_KEY") from exc
