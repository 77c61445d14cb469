"""Edit locks: one editor at a time works on an item; a lock left behind expires on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LOCK_DURATION = timedelta(minutes=15)


class LockHeld(Exception):
    """Someone else holds an unexpired lock on the item."""

    def __init__(self, holder: str, expires_at: datetime) -> None:
        super().__init__(f"locked by another editor until {expires_at.isoformat()}")
        self.holder = holder
        self.expires_at = expires_at


@dataclass(frozen=True)
class EditLock:
    holder: str
    expires_at: datetime

    def active(self, at: datetime) -> bool:
        return at < self.expires_at


def acquire(current: EditLock | None, who: str, at: datetime,
            duration: timedelta = LOCK_DURATION) -> EditLock:
    """Take or renew the lock for ``who``; raise :class:`LockHeld` if another editor holds it."""
    if current is not None and current.active(at) and current.holder != who:
        raise LockHeld(current.holder, current.expires_at)
    return EditLock(who, at + duration)


def check_may_edit(current: EditLock | None, who: str, at: datetime) -> None:
    """Raise :class:`LockHeld` unless ``who`` holds the lock or nobody holds an active one."""
    if current is not None and current.active(at) and current.holder != who:
        raise LockHeld(current.holder, current.expires_at)


def release(current: EditLock | None, who: str, at: datetime) -> EditLock | None:
    """Give the lock up; only its holder may (an expired lock is simply gone)."""
    if current is None or not current.active(at):
        return None
    if current.holder != who:
        raise LockHeld(current.holder, current.expires_at)
    return None
