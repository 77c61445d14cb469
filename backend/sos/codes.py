"""Short codes in Crockford base32: alert codes for the hotline, device SMS tags, the SMS fallback."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: i for i, c in enumerate(ALPHABET)}
_DECODE.update({"O": 0, "I": 1, "L": 1})


def random_code(length: int) -> str:
    """``length`` random Crockford characters (5 bits each)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def encode_int(value: int, length: int) -> str:
    """Fixed-width big-endian encoding of a non-negative integer below 32**length."""
    if value < 0 or value >= 32 ** length:
        raise ValueError("value out of range")
    chars = []
    for _ in range(length):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def decode_int(text: str) -> int:
    """Inverse of :func:`encode_int`; accepts lower case and the O/I/L look-alikes."""
    value = 0
    for char in text.upper():
        if char not in _DECODE:
            raise ValueError("not a Crockford base32 character")
        value = value * 32 + _DECODE[char]
    return value


def normalise(text: str) -> str:
    """Upper case with look-alikes mapped (O→0, I/L→1); other characters kept."""
    return text.upper().replace("O", "0").replace("I", "1").replace("L", "1")
