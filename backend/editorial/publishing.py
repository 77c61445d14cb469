"""Publishing: now, on a schedule (the periodic worker publishes what falls due), and withdrawal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.clock import as_utc, now
from backend.editorial.actors import SYSTEM, Actor
from backend.editorial.errors import InvalidInput
from backend.editorial.records import Item, apply_transition, load_item, record_for
from backend.models.content import Article
from backend.models.editorial import EditorialRecord
from content.workflow import Action, EditorialState


def publish_now(session: Session, actor: Actor, kind: str, item_id: str) -> Item:
    """Put an approved (or scheduled) item on the app now."""
    item = load_item(session, kind, item_id, for_update=True)
    _publish(session, item, actor)
    session.commit()
    return item


def schedule(session: Session, actor: Actor, kind: str, item_id: str, at: datetime) -> Item:
    """Publish an approved item at ``at`` (in the future) through the periodic worker."""
    at = as_utc(at)
    if at <= now():
        raise InvalidInput("publish_at", "must be in the future; use publish to go live now")
    item = load_item(session, kind, item_id, for_update=True)
    apply_transition(session, item, Action.SCHEDULE, actor, event="scheduled")
    record_for(session, item, created_by=actor.id).scheduled_for = at
    session.commit()
    return item


def unschedule(session: Session, actor: Actor, kind: str, item_id: str) -> Item:
    """Cancel a schedule: the item stays approved."""
    item = load_item(session, kind, item_id, for_update=True)
    apply_transition(session, item, Action.UNSCHEDULE, actor, event="unscheduled")
    record_for(session, item).scheduled_for = None
    session.commit()
    return item


def withdraw(session: Session, actor: Actor, kind: str, item_id: str, reason: str) -> Item:
    """Take a published (or scheduled) item off the app, with the reason kept for the editors."""
    item = load_item(session, kind, item_id, for_update=True)
    apply_transition(session, item, Action.WITHDRAW, actor, reason=reason, event="withdrawn")
    record = record_for(session, item)
    record.scheduled_for = None
    record.feedback, record.feedback_by, record.feedback_at = reason, actor.id, now()
    session.commit()
    return item


def publish_due(session: Session) -> list[str]:
    """Publish every scheduled item whose time has come; returns their ids. Run by the worker."""
    due = session.execute(select(EditorialRecord.item_kind, EditorialRecord.item_id).where(
        EditorialRecord.scheduled_for.is_not(None), EditorialRecord.scheduled_for <= now())).all()
    published = []
    for kind, item_id in due:
        item = load_item(session, kind, item_id, for_update=True)
        if item.state != EditorialState.SCHEDULED.value:
            record_for(session, item).scheduled_for = None
            continue
        _publish(session, item, SYSTEM)
        session.commit()
        published.append(item_id)
    session.commit()
    return published


def _publish(session: Session, item: Item, actor: Actor) -> None:
    apply_transition(session, item, Action.PUBLISH, actor, event="published")
    if isinstance(item, Article):
        # Keep the first publication date (the app orders by it); a first publication gets now.
        item.published_at = item.published_at or now()
    else:
        item.published_at = now()
    record_for(session, item).scheduled_for = None
