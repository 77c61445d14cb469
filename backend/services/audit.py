"""Recording and reading the audit log (backend/models/audit.py).

Every view of an alert, every voice playback, every export and every change calls
:func:`record_audit`
in the same transaction as the read or change it records, so a rolled-back action leaves no row and
a
committed one always has its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from backend.clock import now
from backend.extensions import db
from backend.models.audit import AuditEvent

MAX_PAGE = 200


@dataclass(frozen=True)
class Actor:
    """Who does something: a staff member (console or API), or the system (CLI, scheduled jobs)."""

    user_id: str | None
    username: str
    role: str
    via: str = "console"

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(None, name, "system", via="cli")

    @classmethod
    def of(cls, user: Any, via: str = "console") -> Actor:
        """The actor for a StaffUser acting through ``via`` ("console" or "api")."""
        return cls(user.id, user.username, user.role, via=via)

    @property
    def label(self) -> str:
        """The name shown in timelines (``staff:<username>``)."""
        return f"staff:{self.username}" if self.user_id else self.username


def current_actor_or_none() -> Actor | None:
    """The Actor the access decorators set for this request, if any."""
    from backend.security.request_state import staff_state

    actor: Actor | None = staff_state().actor
    return actor


def client_address() -> tuple[str, str]:
    """(address, user agent) of the current request, or empty strings outside a request.

    ``request.remote_addr`` is the address the server saw; behind a proxy, deployments apply
    werkzeug's ProxyFix so it is the client's.
    """
    if not has_request_context():
        return "", ""
    return (request.remote_addr or "")[:45], (request.user_agent.string or "")[:200]


def record_audit(actor: Actor, action: str, target_type: str = "", target_id: str = "", *,
                 details: dict[str, Any] | None = None) -> AuditEvent:
    """Add one audit event to the current transaction (the caller commits)."""
    ip, agent = client_address()
    event = AuditEvent(occurred_at=now(), actor_id=actor.user_id, actor_username=actor.username,
                       actor_role=actor.role, action=action, target_type=target_type,
                       target_id=target_id, via=actor.via, ip=ip, user_agent=agent,
                       details=details or {})
    db.session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the supervisor's audit view; empty fields do not filter."""

    actor: str = ""
    action: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    before_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


def search_audit(flt: AuditFilter) -> list[AuditEvent]:
    """Audit events matching ``flt``, newest first (keyset paging with ``before_id``)."""
    query = select(AuditEvent)
    if flt.actor:
        query = query.where(AuditEvent.actor_username == flt.actor.strip().lower())
    if flt.action:
        query = query.where(AuditEvent.action.startswith(flt.action.strip(), autoescape=True))
    if flt.target_id:
        query = query.where(AuditEvent.target_id == flt.target_id.strip())
    if flt.since:
        query = query.where(AuditEvent.occurred_at >= flt.since)
    if flt.until:
        query = query.where(AuditEvent.occurred_at < flt.until)
    if flt.before_id:
        query = query.where(AuditEvent.id < flt.before_id)
    limit = max(1, min(flt.limit, MAX_PAGE))
    return list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))
