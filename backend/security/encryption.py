"""Encryption at rest for survivor data: AES-256-GCM with key ids, bound to the row and column.

Keys come from the environment only (``ENCRYPTION_KEYS``), never from the database, so a copy of the
database alone reveals nothing. The first key listed is the primary: it encrypts everything new. Older
keys stay listed until :func:`rotate_all` has re-encrypted every value with the primary key.

Every value carries its key id, and its *context* (for example ``"device.contacts:4f1c..."``) is bound as
associated data: a ciphertext copied into another row or column fails to decrypt instead of silently
showing someone else's data. See ``docs/security.md``.

Formats:
- text tokens (for ``Text`` columns): ``hb1.<key id>.<base64url(nonce || ciphertext+tag)>``;
- binary blobs (voice audio): ``b"HB1" || len(key id) || key id || nonce || ciphertext+tag``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TEXT_PREFIX = "hb1"
BLOB_MAGIC = b"HB1"
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class EncryptionError(Exception):
    """A value cannot be decrypted (wrong key, unknown key id, tampered, or moved to another row)."""


class KeyConfigError(ValueError):
    """``ENCRYPTION_KEYS`` is malformed."""


@dataclass(frozen=True)
class EncryptionKey:
    key_id: str
    secret: bytes


def parse_keys(spec: str) -> list[EncryptionKey]:
    """Parse ``"kid1:base64key,kid0:base64key"`` (primary first; 32-byte keys, base64 or base64url).

    Generate a key: ``python -c "import os,base64;print(base64.urlsafe_b64encode(os.urandom(32)))"``.
    """
    keys: list[EncryptionKey] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise KeyConfigError("each key must be written key_id:base64key (key id: letters, digits, - _)")
        try:
            secret = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise KeyConfigError(f"key {key_id!r} is not valid base64") from None
        if len(secret) != 32:
            raise KeyConfigError(f"key {key_id!r} must decode to 32 bytes (AES-256)")
        if any(k.key_id == key_id for k in keys):
            raise KeyConfigError(f"key id {key_id!r} is listed twice")
        keys.append(EncryptionKey(key_id, secret))
    if not keys:
        raise KeyConfigError("no keys given")
    return keys


def development_key(secret_key: str) -> EncryptionKey:
    """A key derived from SECRET_KEY, for development and tests only (refused in production)."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"hushbakht-dev-encryption",
                   info=b"field-encryption").derive(secret_key.encode())
    return EncryptionKey("dev", derived)


class FieldCipher:
    """Encrypts and decrypts values bound to a context; the small API every area uses."""

    def __init__(self, keys: Sequence[EncryptionKey]) -> None:
        if not keys:
            raise KeyConfigError("at least one key is required")
        self._primary = keys[0]
        self._by_id = {k.key_id: AESGCM(k.secret) for k in keys}

    @property
    def primary_key_id(self) -> str:
        return self._primary.key_id

    # -- text tokens -----------------------------------------------------------------------------
    def encrypt(self, plaintext: str | bytes, *, context: str) -> str:
        """Encrypt with the primary key; returns a text token for a ``Text`` column."""
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._by_id[self._primary.key_id].encrypt(nonce, data, context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{TEXT_PREFIX}.{self._primary.key_id}.{body}"

    def decrypt(self, token: str, *, context: str) -> bytes:
        """Decrypt a token made by :meth:`encrypt` for the same ``context``."""
        prefix, key_id, body = _split_token(token)
        if prefix != TEXT_PREFIX:
            raise EncryptionError("unknown token format")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise EncryptionError("token is not valid base64") from None
        return self._open(key_id, raw, context)

    def decrypt_text(self, token: str, *, context: str) -> str:
        return self.decrypt(token, context=context).decode()

    # -- binary blobs ----------------------------------------------------------------------------
    def encrypt_blob(self, data: bytes, *, context: str) -> bytes:
        """Encrypt bytes (audio) for a ``LargeBinary`` column."""
        key_id = self._primary.key_id.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._by_id[self._primary.key_id].encrypt(nonce, data, context.encode())
        return BLOB_MAGIC + bytes([len(key_id)]) + key_id + nonce + sealed

    def decrypt_blob(self, blob: bytes, *, context: str) -> bytes:
        if not blob.startswith(BLOB_MAGIC) or len(blob) < 4:
            raise EncryptionError("unknown blob format")
        size = blob[3]
        key_id = blob[4:4 + size].decode(errors="replace")
        return self._open(key_id, blob[4 + size:], context)

    # -- rotation --------------------------------------------------------------------------------
    def key_id_of(self, value: str | bytes) -> str:
        """The id of the key that encrypted ``value`` (token or blob)."""
        if isinstance(value, bytes):
            if not value.startswith(BLOB_MAGIC) or len(value) < 4:
                raise EncryptionError("unknown blob format")
            return value[4:4 + value[3]].decode(errors="replace")
        return _split_token(value)[1]

    def needs_rotation(self, value: str | bytes) -> bool:
        return self.key_id_of(value) != self._primary.key_id

    def rotate(self, value: str, *, context: str) -> str:
        """Re-encrypt a text token with the primary key (unchanged if already primary)."""
        if not self.needs_rotation(value):
            return value
        return self.encrypt(self.decrypt(value, context=context), context=context)

    def rotate_blob(self, value: bytes, *, context: str) -> bytes:
        if not self.needs_rotation(value):
            return value
        return self.encrypt_blob(self.decrypt_blob(value, context=context), context=context)

    def _open(self, key_id: str, raw: bytes, context: str) -> bytes:
        aead = self._by_id.get(key_id)
        if aead is None:
            raise EncryptionError(f"key id {key_id!r} is not configured")
        if len(raw) < NONCE_BYTES + 16:
            raise EncryptionError("ciphertext too short")
        try:
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise EncryptionError("value does not decrypt (wrong key, tampered or wrong row)") from None


def _split_token(token: str) -> tuple[str, str, str]:
    parts = token.split(".", 2)
    if len(parts) != 3:
        raise EncryptionError("unknown token format")
    return parts[0], parts[1], parts[2]


def cipher_from_settings(settings: Any) -> FieldCipher:
    """Build the cipher from ``ENCRYPTION_KEYS`` (or the development key outside production)."""
    if settings.encryption_keys:
        return FieldCipher(parse_keys(settings.encryption_keys))
    if settings.env == "production":
        raise KeyConfigError("ENCRYPTION_KEYS must be set in production")
    return FieldCipher([development_key(settings.effective_secret_key())])


def get_cipher() -> FieldCipher:
    """The cipher of the current Flask app (built once per app)."""
    from flask import current_app

    cipher = current_app.extensions.get("hushbakht.cipher")
    if cipher is None:
        from backend.app import get_settings

        cipher = cipher_from_settings(get_settings(current_app))
        current_app.extensions["hushbakht.cipher"] = cipher
    return cipher


def keyed_digest(value: str, *, purpose: str, secret: str) -> str:
    """A stable, non-reversible reference to ``value`` (e.g. a phone number) for equality checks."""
    key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


# -- rotation of every encrypted column ----------------------------------------------------------
@dataclass(frozen=True)
class EncryptedColumn:
    """One encrypted column: its model, attribute name and how a row's context is built."""

    model: Any
    attribute: str
    context: Callable[[Any], str]
    binary: bool = False


_REGISTRY: list[EncryptedColumn] = []


def register_encrypted_column(model: Any, attribute: str, context: Callable[[Any], str],
                              *, binary: bool = False) -> None:
    """Declare an encrypted column so :func:`rotate_all` re-encrypts it (call at import time)."""
    if not any(c.model is model and c.attribute == attribute for c in _REGISTRY):
        _REGISTRY.append(EncryptedColumn(model, attribute, context, binary))


def encrypted_columns() -> Iterable[EncryptedColumn]:
    return tuple(_REGISTRY)


def rotate_all(session: Any, cipher: FieldCipher, *, batch_size: int = 200) -> dict[str, int]:
    """Re-encrypt every registered column whose values use an old key; returns counts per column.

    Commits per batch, so it can be interrupted and re-run; rows already on the primary key are skipped.
    """
    from sqlalchemy import inspect, select

    counts: dict[str, int] = {}
    for column in _REGISTRY:
        name = f"{column.model.__tablename__}.{column.attribute}"
        counts[name] = 0
        attribute = getattr(column.model, column.attribute)
        key_column = inspect(column.model).primary_key[0]
        last_id: Any = None
        while True:
            query = select(column.model).where(attribute.is_not(None))
            if last_id is not None:
                query = query.where(key_column > last_id)
            rows = session.execute(query.order_by(key_column).limit(batch_size)).scalars().all()
            if not rows:
                break
            for row in rows:
                value = getattr(row, column.attribute)
                if cipher.needs_rotation(value):
                    context = column.context(row)
                    rotated = (cipher.rotate_blob(value, context=context) if column.binary
                               else cipher.rotate(value, context=context))
                    setattr(row, column.attribute, rotated)
                    counts[name] += 1
                last_id = getattr(row, key_column.key)
            session.commit()
    return counts
