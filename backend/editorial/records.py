"""Shared plumbing of the editorial services: find an item, its workflow record, move its state.

Every state change goes through :func:`apply_transition`, which checks the rule in
:mod:`content.workflow`, moves the content clock (so caches, ETags and the offline sync see it) and
appends an :class:`EditorialEvent` for the transparency report.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.clock import now
from backend.editorial.actors import Actor
from backend.editorial.errors import ItemNotFound, NotAllowed
from backend.models.content import Article, next_change_seq
from backend.models.editorial import Ad, EditorialEvent, EditorialRecord, EditorNotice, Revision
from backend.services.article_store import touch
from content.revisions import moderation_text
from content.workflow import Action, ForbiddenTransition, ItemKind, transition

Item = Article | Ad


def parse_kind(kind: str) -> ItemKind:
    try:
        return ItemKind(kind)
    except ValueError:
        raise ItemNotFound(f"unknown kind {kind!r}: use article or ad") from None


def load_item(session: Session, kind: ItemKind | str, item_id: str, *, for_update: bool = False) -> Item:
    """The article or ad, or :class:`ItemNotFound`."""
    model: type[Article] | type[Ad] = Article if parse_kind(str(kind)) is ItemKind.ARTICLE else Ad
    query = select(model).where(model.id == item_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        # Locked rows are read afresh: an object already in the session must not keep values
        # another transaction changed before the lock was taken.
        query = query.with_for_update().execution_options(populate_existing=True)
    item = session.scalars(query).first()
    if item is None:
        raise ItemNotFound(f"no {kind} with id {item_id}")
    assert isinstance(item, Article | Ad)
    return item


def kind_of(item: Item) -> ItemKind:
    return ItemKind.ARTICLE if isinstance(item, Article) else ItemKind.AD


def record_for(session: Session, item: Item, created_by: str = "system") -> EditorialRecord:
    """The workflow record of ``item``, created on first use (corpus articles have none until then)."""
    kind = kind_of(item).value
    record = session.scalars(select(EditorialRecord).where(
        EditorialRecord.item_kind == kind, EditorialRecord.item_id == item.id)).first()
    if record is None:
        record = EditorialRecord(item_kind=kind, item_id=item.id, created_by=created_by,
                                 revision_count=0, updated_at=now())
        session.add(record)
        session.flush()
    return record


def report_category(item: Item) -> str:
    """The row of the transparency report an item counts in: its article category, or ``ads``."""
    return item.category if isinstance(item, Article) else "ads"


def mark_changed(session: Session, item: Item) -> None:
    """Move the content clock for ``item``: every cached response and the sync cursor see it."""
    if isinstance(item, Article):
        touch(session, item)
    else:
        item.updated_at = now()
        with session.no_autoflush:
            item.change_seq = next_change_seq(session)


def apply_transition(session: Session, item: Item, action: Action, actor: Actor, *,
                     reason: str | None = None, event: str | None = None) -> str:
    """Move ``item`` through ``action`` as ``actor``; returns the new state.

    Raises :class:`NotAllowed` when the role may not act and :class:`ForbiddenTransition` when the
    state does not allow it.
    """
    try:
        step = transition(item.state, action, actor.role, reason)
    except ForbiddenTransition as exc:
        if "role may not" in exc.why:
            raise NotAllowed(str(exc)) from None
        raise
    item.state = step.after.value
    mark_changed(session, item)
    log_event(session, item, event or action.value, actor, reason)
    return item.state


def log_event(session: Session, item: Item, action: str, actor: Actor,
              reason: str | None = None) -> None:
    session.add(EditorialEvent(item_kind=kind_of(item).value, item_id=item.id, action=action,
                               report_category=report_category(item), actor=actor.id,
                               state_after=item.state, reason=reason, at=now()))


def notify_editors(session: Session, item: Item, message: str, recipient: str | None) -> None:
    """Leave a notice for one editor (``recipient``) or, with None, for every editor."""
    session.add(EditorNotice(item_kind=kind_of(item).value, item_id=item.id, recipient=recipient,
                             message=message, created_at=now()))


def item_fields(item: Item) -> dict[str, str]:
    """The editable fields of ``item`` as a revision snapshot."""
    if isinstance(item, Article):
        return {"title": item.title, "summary": item.summary, "body_markdown": item.body_markdown,
                "category": item.category, "tags": ", ".join(item.tag_names)}
    return {"advertiser": item.advertiser, "placement": item.placement,
            "creative_text": item.creative_text, "image_description": item.image_description,
            "starts_at": _iso(item.starts_at), "ends_at": _iso(item.ends_at)}


def item_text(item: Item) -> str:
    """The text the moderation gate assesses for ``item`` as it stands."""
    return moderation_text(kind_of(item).value, item_fields(item))


def item_locale(item: Item) -> str:
    return item.locale


def latest_revision(session: Session, item: Item) -> Revision | None:
    return session.scalars(select(Revision).where(
        Revision.item_kind == kind_of(item).value, Revision.item_id == item.id)
        .order_by(Revision.number.desc()).limit(1)).first()


def _iso(value: Any) -> str:
    from backend.clock import as_utc

    return as_utc(value).isoformat().replace("+00:00", "Z") if value else ""
