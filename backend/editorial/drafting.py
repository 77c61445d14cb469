"""Editors' use cases: create articles and ads, edit them under an edit lock, keep every revision."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.clock import as_utc, now
from backend.editorial.actors import Actor
from backend.editorial.errors import Conflict, InvalidInput, NotAllowed
from backend.editorial.records import (
    Item,
    apply_transition,
    item_fields,
    kind_of,
    load_item,
    mark_changed,
    record_for,
)
from backend.models.content import Article
from backend.models.editorial import Ad, EditorialRecord, Revision
from backend.services.article_store import apply_body, set_tags
from content import locking
from content.ads import CampaignError, validate_ad
from content.categories import BY_SLUG
from content.importer import SLUG_RE, TAG_RE
from content.kill_switches import advertiser_key
from content.locales import SUPPORTED_LOCALES
from content.revisions import FieldDiff, diff_revisions
from content.workflow import Action, EditorialState, Role

EDITOR_ROLES = {Role.EDITOR, Role.ADMIN}


def _require_editor(actor: Actor) -> None:
    if actor.role not in EDITOR_ROLES:
        raise NotAllowed(f"the {actor.role.value} role cannot write articles or ads")


def create_article(session: Session, actor: Actor, *, locale: str, translation_key: str,
                   category: str, title: str, summary: str, body_markdown: str,
                   tags: list[str] | None = None, slug: str | None = None) -> Article:
    """A new draft article (revision 1), locked for its author."""
    _require_editor(actor)
    if locale not in SUPPORTED_LOCALES:
        raise InvalidInput("locale", f"must be one of {', '.join(SUPPORTED_LOCALES)}")
    slug = slug or translation_key
    for field, value in (("translation_key", translation_key), ("slug", slug)):
        if not SLUG_RE.match(value or "") or not 3 <= len(value) <= 80:
            raise InvalidInput(field, "must be 3-80 characters of a-z, 0-9 and '-'")
    for field, (other, value) in {"translation_key": (Article.translation_key, translation_key),
                                  "slug": (Article.slug, slug)}.items():
        if session.scalars(select(Article.id).where(Article.locale == locale,
                                                    other == value)).first():
            raise Conflict(f"{field} {value!r} is already used in locale {locale}")
    article = Article(locale=locale, translation_key=translation_key, slug=slug,
                      source="editorial", state=EditorialState.DRAFT.value, created_at=now())
    _set_article_fields(article, {"category": category, "title": title, "summary": summary,
                                  "body_markdown": body_markdown, "tags": tags or []})
    session.add(article)
    mark_changed(session, article)
    session.flush()
    record = record_for(session, article, created_by=actor.id)
    _lock(record, actor, session)
    _add_revision(session, record, article, actor)
    session.commit()
    return article


def create_ad(session: Session, actor: Actor, *, locale: str, advertiser: str, placement: str,
              creative_text: str, image_description: str, starts_at: datetime,
              ends_at: datetime) -> Ad:
    """A new draft ad (revision 1), locked for its author."""
    _require_editor(actor)
    ad = Ad(locale=locale, state=EditorialState.DRAFT.value, created_at=now())
    _set_ad_fields(ad, {"advertiser": advertiser, "placement": placement,
                        "creative_text": creative_text, "image_description": image_description,
                        "starts_at": starts_at, "ends_at": ends_at})
    session.add(ad)
    mark_changed(session, ad)
    session.flush()
    record = record_for(session, ad, created_by=actor.id)
    _lock(record, actor, session)
    _add_revision(session, record, ad, actor)
    session.commit()
    return ad


def edit_item(session: Session, actor: Actor, kind: str, item_id: str,
              changes: dict[str, Any]) -> Revision:
    """Save ``changes`` as a new revision. The editor must hold (or be able to take) the edit lock.

    An approved item that is edited goes back to draft: what goes live is what was checked.
    """
    _require_editor(actor)
    item = load_item(session, kind, item_id, for_update=True)
    record = record_for(session, item, created_by=actor.id)
    _lock(record, actor, session)
    apply_transition(session, item, Action.EDIT, actor, event="edited")
    if isinstance(item, Article):
        _set_article_fields(item, {**item_fields(item), **changes})
        # A corpus article an editor has revised is theirs now: a corpus re-import must not
        # overwrite it (backend.services.article_store.SqlArticleStore skips non-corpus articles).
        item.source = "editorial"
    else:
        _set_ad_fields(item, {**_ad_values(item), **changes})
    mark_changed(session, item)
    revision = _add_revision(session, record, item, actor)
    session.commit()
    return revision


def acquire_lock(session: Session, actor: Actor, kind: str, item_id: str) -> EditorialRecord:
    """Take or renew the edit lock on an item (fails while another editor holds it)."""
    _require_editor(actor)
    item = load_item(session, kind, item_id, for_update=True)
    record = record_for(session, item, created_by=actor.id)
    _lock(record, actor, session)
    session.commit()
    return record


def release_lock(session: Session, actor: Actor, kind: str, item_id: str) -> None:
    """Give up the edit lock (only its holder can; an expired one is already gone)."""
    item = load_item(session, kind, item_id, for_update=True)
    record = record_for(session, item, created_by=actor.id)
    try:
        locking.release(_current_lock(record), actor.id, now())
    except locking.LockHeld as exc:
        raise Conflict(str(exc)) from None
    record.lock_holder, record.lock_expires_at = None, None
    session.commit()


def revisions(session: Session, kind: str, item_id: str) -> list[Revision]:
    """Every revision of an item, newest first."""
    item = load_item(session, kind, item_id)
    return list(session.scalars(select(Revision).where(
        Revision.item_kind == kind_of(item).value, Revision.item_id == item.id)
        .order_by(Revision.number.desc())))


def diff(session: Session, kind: str, item_id: str, older: int, newer: int) -> list[FieldDiff]:
    """What changed between two revisions of an item."""
    by_number = {r.number: r for r in revisions(session, kind, item_id)}
    if older not in by_number or newer not in by_number:
        raise InvalidInput("revision", "no such revision of this item")
    return diff_revisions(by_number[older].fields, by_number[newer].fields)


# -- internals ----------------------------------------------------------------------------------
def _current_lock(record: EditorialRecord) -> locking.EditLock | None:
    if record.lock_holder and record.lock_expires_at:
        return locking.EditLock(record.lock_holder, as_utc(record.lock_expires_at))
    return None


def _lock(record: EditorialRecord, actor: Actor, session: Session) -> None:
    from flask import current_app

    from backend.app import get_settings

    minutes = get_settings(current_app).edit_lock_minutes if current_app else 15
    try:
        lock = locking.acquire(_current_lock(record), actor.id, now(), timedelta(minutes=minutes))
    except locking.LockHeld as exc:
        raise Conflict(f"another editor is working on this item until "
                       f"{exc.expires_at.strftime('%H:%M UTC')}") from None
    record.lock_holder, record.lock_expires_at = lock.holder, lock.expires_at


def _add_revision(session: Session, record: EditorialRecord, item: Item, actor: Actor) -> Revision:
    record.revision_count += 1
    record.updated_at = now()
    revision = Revision(item_kind=kind_of(item).value, item_id=item.id,
                        number=record.revision_count, author=actor.id, fields=item_fields(item),
                        created_at=now())
    session.add(revision)
    session.flush()
    return revision


def _set_article_fields(article: Article, values: dict[str, Any]) -> None:
    category = str(values.get("category") or "")
    if category not in BY_SLUG:
        raise InvalidInput("category", f"must be one of {', '.join(BY_SLUG)}")
    title, summary = str(values.get("title") or "").strip(), str(values.get("summary") or "").strip()
    body = str(values.get("body_markdown") or "")
    if not 1 <= len(title) <= 120:
        raise InvalidInput("title", "must be 1-120 characters")
    if not 1 <= len(summary) <= 280:
        raise InvalidInput("summary", "must be 1-280 characters")
    if not body.strip():
        raise InvalidInput("body_markdown", "must not be empty")
    raw_tags = values.get("tags") or []
    tags = [t.strip() for t in raw_tags.split(",")] if isinstance(raw_tags, str) else list(raw_tags)
    tags = [t for t in tags if t]
    if not all(isinstance(t, str) and TAG_RE.match(t) and len(t) <= 40 for t in tags):
        raise InvalidInput("tags", "must be lowercase ids (a-z, 0-9 and '-')")
    article.category, article.title, article.summary = category, title, summary
    apply_body(article, body.strip() + "\n")
    set_tags(article, tags)


def _ad_values(ad: Ad) -> dict[str, Any]:
    return {"advertiser": ad.advertiser, "placement": ad.placement,
            "creative_text": ad.creative_text, "image_description": ad.image_description,
            "starts_at": ad.starts_at, "ends_at": ad.ends_at}


def _set_ad_fields(ad: Ad, values: dict[str, Any]) -> None:
    starts_at, ends_at = _as_time("starts_at", values.get("starts_at")), _as_time(
        "ends_at", values.get("ends_at"))
    advertiser = str(values.get("advertiser") or "").strip()
    try:
        validate_ad(advertiser=advertiser, placement=str(values.get("placement") or ""),
                    locale=ad.locale, creative_text=str(values.get("creative_text") or ""),
                    image_description=str(values.get("image_description") or ""),
                    starts_at=starts_at, ends_at=ends_at)
    except CampaignError as exc:
        raise InvalidInput(exc.field, exc.message) from None
    ad.advertiser, ad.advertiser_key = advertiser, advertiser_key(advertiser)
    ad.placement = str(values["placement"])
    ad.creative_text = str(values["creative_text"]).strip()
    ad.image_description = str(values.get("image_description") or "").strip()
    ad.starts_at, ad.ends_at = starts_at, ends_at


def _as_time(field: str, value: Any) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(field, "must be an ISO 8601 date and time") from None
        return as_utc(parsed)
    raise InvalidInput(field, "is required")
