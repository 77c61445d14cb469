"""Opaque pagination and sync cursors: clients pass them back untouched, never build them."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from backend.errors import Problem


def encode_cursor(kind: str, value: Any) -> str:
    raw = json.dumps([kind, value], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, param: str = "cursor") -> Any:
    """Decode a cursor made by :func:`encode_cursor`; a 400 problem for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded_kind, value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error):
        decoded_kind, value = None, None
    if decoded_kind != kind:
        raise invalid_cursor(param)
    return value


def invalid_cursor(param: str = "cursor") -> Problem:
    return Problem(400, "invalid-cursor", "The cursor is not valid",
                   f"'{param}' must be a value returned by this API for the same endpoint.",
                   errors=[{"parameter": param, "message": "unrecognised cursor"}])
