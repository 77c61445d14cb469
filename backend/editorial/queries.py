"""Read-side views of the workflow for the console and the staff API (no state changes here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.clock import as_utc, now
from backend.editorial.gate import latest_result
from backend.editorial.records import Item, item_fields, kind_of, load_item, record_for
from backend.models.content import Article
from backend.models.editorial import Ad, EditorNotice, ModerationResult
from content.workflow import Role, allowed_actions


def item_summary(session: Session, item: Item) -> dict[str, Any]:
    """What a list row shows: kind, title, locale, state and the latest reason for the editor."""
    record = record_for(session, item)
    title = item.title if isinstance(item, Article) else f"{item.advertiser}: {item.creative_text}"
    return {"kind": kind_of(item).value, "id": item.id, "title": title[:120],
            "locale": item.locale, "state": item.state, "feedback": record.feedback,
            "scheduled_for": _iso(record.scheduled_for), "updated_at": _iso(item.updated_at)}


def item_detail(session: Session, kind: str, item_id: str, role: str | None = None) -> dict[str, Any]:
    """Everything the item page and ``GET .../items/<kind>/<id>`` show."""
    item = load_item(session, kind, item_id)
    record = record_for(session, item)
    result = latest_result(session, item)
    locked = record.lock_holder if record.lock_expires_at and \
        as_utc(record.lock_expires_at) > now() else None
    detail = {
        **item_summary(session, item),
        "fields": item_fields(item),
        "revision": record.revision_count,
        "lock": {"holder": locked, "expires_at": _iso(record.lock_expires_at)} if locked else None,
        "feedback_by": record.feedback_by,
        "moderation": result_dict(result) if result else None,
        "published_at": _iso(item.published_at),
    }
    if isinstance(item, Article):
        detail.update(slug=item.slug, translation_key=item.translation_key,
                      category=item.category, body_html=item.body_html)
    if role:
        detail["actions"] = [a.value for a in allowed_actions(item.state, {Role(role)})]
    session.commit()  # record_for may have created the workflow record
    return detail


def result_dict(result: ModerationResult) -> dict[str, Any]:
    return {"id": result.id, "decision": result.decision, "score": round(result.score, 4),
            "categories": result.categories, "spans": result.spans, "lang": result.lang,
            "model_version": result.model_version, "trigger": result.trigger,
            "revision": result.revision_number, "text": result.text,
            "created_at": _iso(result.created_at)}


def list_items(session: Session, *, state: str | None = None, kind: str | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
    """Articles and ads, most recently changed first (corpus articles included)."""
    items: list[Item] = []
    for model, name in ((Article, "article"), (Ad, "ad")):
        if kind and kind != name:
            continue
        query = select(model).order_by(model.updated_at.desc()).limit(limit)
        if state:
            query = query.where(model.state == state)
        items.extend(session.scalars(query))
    items.sort(key=lambda i: as_utc(i.updated_at), reverse=True)
    rows = [item_summary(session, i) for i in items[:limit]]
    session.commit()
    return rows


def notices_for(session: Session, user_id: str, limit: int = 20) -> list[EditorNotice]:
    """Recent notices for one editor (addressed to them or to every editor)."""
    return list(session.scalars(select(EditorNotice).where(
        or_(EditorNotice.recipient == user_id, EditorNotice.recipient.is_(None)))
        .order_by(EditorNotice.created_at.desc()).limit(limit)))


def _iso(value: Any) -> str | None:
    return as_utc(value).isoformat().replace("+00:00", "Z") if value else None
