"""The hotline's on-call chain: who the relay texts and calls first, and next on escalation.

The chain edited in the console (table ``oncall_entry``) wins; when it is empty the relay uses
``HOTLINE_NUMBERS`` from the settings, in order. Phone numbers are stored encrypted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select

from backend.clock import now
from backend.errors import validation_problem
from backend.extensions import db
from backend.models.content import new_id
from backend.models.sos import OnCallEntry
from backend.security.encryption import get_cipher

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class ChainEntry:
    """One position of the chain."""

    phone: str
    label: str = ""
    position: int = 0
    active: bool = True
    source: str = "settings"  # "settings" (HOTLINE_NUMBERS) or "console"


def get_on_call_chain(*, include_inactive: bool = False) -> list[ChainEntry]:
    """The chain in order: the console's entries when any exist, else ``HOTLINE_NUMBERS``."""
    rows = db.session.execute(select(OnCallEntry).order_by(OnCallEntry.position)).scalars().all()
    if rows:
        cipher = get_cipher()
        entries = [ChainEntry(cipher.decrypt_text(r.phone_enc, context=f"oncall_entry.phone:{r.id}"),
                              r.label, r.position, r.active, "console") for r in rows]
        return [e for e in entries if include_inactive or e.active]
    from backend.app import get_settings

    numbers = [n for n in get_settings(current_app).hotline_numbers.split(",") if n]
    return [ChainEntry(n, f"hotline {i + 1}", i) for i, n in enumerate(numbers)]


def replace_on_call_chain(entries: Sequence[ChainEntry | dict[str, object]], actor: str) -> list[ChainEntry]:
    """Replace the whole chain (console editing); an empty list falls back to the settings.

    Each entry is a :class:`ChainEntry` or a dict with ``phone``, optional ``label`` and ``active``.
    The caller commits (so it can add its own audit entry in the same transaction).
    """
    from backend.app import get_settings

    # Drills must never reach a live on-call phone (the same rule as HOTLINE_NUMBERS at start).
    drill_numbers = {n for n in get_settings(current_app).drill_numbers.split(",") if n}
    normalised: list[ChainEntry] = []
    for position, item in enumerate(entries):
        if isinstance(item, ChainEntry):
            phone, label, active = item.phone, item.label, item.active
        else:
            phone, label = str(item.get("phone", "")), str(item.get("label", "") or "")
            active = bool(item.get("active", True))
        if not E164.match(phone):
            raise validation_problem(f"entry {position + 1}: phone must be E.164, e.g. +992900000001")
        if phone in drill_numbers:
            raise validation_problem(f"entry {position + 1}: this number is one of DRILL_NUMBERS")
        if len(label) > 64:
            raise validation_problem(f"entry {position + 1}: label is at most 64 characters")
        normalised.append(ChainEntry(phone, label, position, active, "console"))
    cipher = get_cipher()
    db.session.execute(delete(OnCallEntry))
    for entry in normalised:
        row_id = new_id()
        db.session.add(OnCallEntry(
            id=row_id, position=entry.position, label=entry.label, active=entry.active,
            phone_enc=cipher.encrypt(entry.phone, context=f"oncall_entry.phone:{row_id}"),
            updated_by=actor[:64], updated_at=now()))
    db.session.flush()
    return normalised
