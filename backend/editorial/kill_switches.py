"""The kill switch: a moderator or admin pulls all ads, one advertiser's ads or a whole article category
from the app at once, and restores them.

Pulling changes no item's state, so restoring brings back exactly what was live. The serving queries
(:mod:`backend.editorial.serving` for ads, :mod:`backend.services.content_catalog` for articles) leave out
whatever an active switch covers. Both pulling and restoring move the content clock, which invalidates
every cached response and ETag; for a category every article in it is touched so the offline sync sends
tombstones (and, on restore, the articles again).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.clock import now
from backend.editorial.actors import Actor
from backend.editorial.errors import InvalidInput, ItemNotFound, NotAllowed
from backend.editorial.records import mark_changed
from backend.models.content import Article, next_change_seq
from backend.models.editorial import KillSwitch
from content.kill_switches import KillScope, KillSwitchError, normalise_target
from content.workflow import Role

ALLOWED = {Role.MODERATOR, Role.ADMIN}


def pull(session: Session, actor: Actor, scope: str, target: str | None, reason: str) -> KillSwitch:
    """Activate a kill switch (idempotent: an identical active switch is returned as it is)."""
    _require(actor)
    try:
        kill_scope, value = normalise_target(scope, target)
    except KillSwitchError as exc:
        raise InvalidInput("scope", str(exc)) from None
    if not (reason or "").strip():
        raise InvalidInput("reason", "say why the content is pulled")
    existing = session.scalars(select(KillSwitch).where(
        KillSwitch.scope == kill_scope.value, KillSwitch.target == value,
        KillSwitch.restored_at.is_(None))).first()
    if existing is not None:
        return existing
    switch = KillSwitch(scope=kill_scope.value, target=value, reason=reason.strip(),
                        pulled_by=actor.id, pulled_at=now())
    session.add(switch)
    _invalidate(session, kill_scope, value)
    session.commit()
    return switch


def restore(session: Session, actor: Actor, switch_id: str) -> KillSwitch:
    """Deactivate a kill switch: what it covered is served again (if still published)."""
    _require(actor)
    switch = session.get(KillSwitch, switch_id)
    if switch is None:
        raise ItemNotFound("no such kill switch")
    if switch.restored_at is None:
        switch.restored_at, switch.restored_by = now(), actor.id
        _invalidate(session, KillScope(switch.scope), switch.target)
        session.commit()
    return switch


def active_switches(session: Session) -> list[KillSwitch]:
    return list(session.scalars(select(KillSwitch).where(KillSwitch.restored_at.is_(None))
                                .order_by(KillSwitch.pulled_at.desc())))


def recent_switches(session: Session, limit: int = 50) -> list[KillSwitch]:
    return list(session.scalars(select(KillSwitch).order_by(KillSwitch.pulled_at.desc())
                                .limit(limit)))


def _require(actor: Actor) -> None:
    if actor.role not in ALLOWED:
        raise NotAllowed("only moderators and admins can use the kill switch")


def _invalidate(session: Session, scope: KillScope, value: str) -> None:
    if scope is KillScope.CATEGORY:
        for article in session.scalars(select(Article).where(Article.category == value)):
            mark_changed(session, article)
    else:
        # Ads are not part of the offline sync: moving the clock invalidates the cached ad lists.
        next_change_seq(session)
