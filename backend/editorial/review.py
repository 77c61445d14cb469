"""Moderators' use cases: the queue of flagged items, decisions with a reason the editor sees, and the
export of decisions as labelled examples for the next training run of the moderation model."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.clock import now
from backend.editorial.actors import SYSTEM, Actor
from backend.editorial.errors import Conflict, InvalidInput, NotAllowed
from backend.editorial.gate import latest_result
from backend.editorial.records import (
    Item,
    apply_transition,
    kind_of,
    load_item,
    notify_editors,
    record_for,
)
from backend.models.content import Article
from backend.models.editorial import (
    Ad,
    EditorialEvent,
    ModerationResult,
    ModeratorDecision,
    Revision,
)
from content.workflow import Action, EditorialState


class Verdict(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"


_ACTION = {Verdict.APPROVE: Action.APPROVE, Verdict.REJECT: Action.REJECT,
           Verdict.REQUEST_CHANGES: Action.REQUEST_CHANGES}
_EVENT = {Verdict.APPROVE: "approved", Verdict.REJECT: "rejected",
          Verdict.REQUEST_CHANGES: "changes_requested"}
STEREOTYPE_CATEGORIES = ("roles", "characteristics", "body_image", "mocking", "children",
                         "harmful_norms")


@dataclass(frozen=True)
class QueueEntry:
    kind: str
    item: Item
    result: ModerationResult | None
    waiting_since: datetime | None


def moderation_queue(session: Session) -> list[QueueEntry]:
    """Items waiting for a moderator: blocked before flagged, then the longest waiting first."""
    entries: list[QueueEntry] = []
    waiting: list[Item] = [*session.scalars(select(Article).where(
        Article.state == EditorialState.IN_REVIEW.value)), *session.scalars(select(Ad).where(
            Ad.state == EditorialState.IN_REVIEW.value))]
    for item in waiting:
        result = latest_result(session, item)
        entries.append(QueueEntry(kind_of(item).value, item, result,
                                  result.created_at if result else None))
    entries.sort(key=lambda e: (0 if e.result and e.result.decision == "block" else 1,
                                e.waiting_since or now()))
    return entries


def decide(session: Session, actor: Actor, kind: str, item_id: str, verdict: str, reason: str,
           category: str | None = None, result_id: str | None = None) -> ModeratorDecision:
    """Approve, reject or request changes on a flagged item, with a reason the editor sees.

    ``result_id`` is the moderation result the moderator was shown (the console's review form always
    sends it): if the item has been assessed again since (a new revision was submitted, or a corpus
    re-import changed a held article), the decision is refused with :class:`Conflict`, so an
    approval never covers a text the moderator did not see.

    The decision is kept as a labelled example: approved text is "acceptable", rejected text (and
    text sent back with a stereotype category) is "stereotype".
    """
    try:
        chosen = Verdict(verdict)
    except ValueError:
        raise InvalidInput("decision", "must be approve, reject or request_changes") from None
    if category is not None and category not in STEREOTYPE_CATEGORIES:
        raise InvalidInput("category", f"must be one of {', '.join(STEREOTYPE_CATEGORIES)}")
    reason = (reason or "").strip()
    item = load_item(session, kind, item_id, for_update=True)
    result = latest_result(session, item)
    if result_id is not None and (result is None or result.id != result_id):
        raise Conflict("the text was assessed again after you opened it: reload the page and "
                       "review the current text")
    if chosen is Verdict.APPROVE and _contributed(session, item, actor):
        raise NotAllowed("you wrote or submitted this text: another moderator must approve it")
    apply_transition(session, item, _ACTION[chosen], actor, reason=reason or None,
                     event=_EVENT[chosen])
    if chosen is not Verdict.APPROVE and category is None and result is not None:
        category = _top_category(result)
    decision = ModeratorDecision(
        result_id=result.id if result else None, item_kind=kind_of(item).value, item_id=item.id,
        decision=chosen.value, reason=reason, category=category if chosen is not Verdict.APPROVE
        else None, moderator=actor.id, text=result.text if result else "",
        lang=result.lang if result else item.locale, created_at=now())
    session.add(decision)
    record = record_for(session, item)
    record.feedback, record.feedback_by, record.feedback_at = reason or None, actor.id, now()
    # Corpus articles were created by the system: every editor hears about them.
    notify_editors(session, item, _notice(chosen, reason),
                   None if record.created_by == SYSTEM.id else record.created_by)
    session.commit()
    return decision


def decisions_as_examples(session: Session, since: datetime | None = None) -> Iterator[dict[str, object]]:
    """Stored decisions in the moderation library's training format (docs/moderation.md)."""
    query = select(ModeratorDecision).order_by(ModeratorDecision.created_at, ModeratorDecision.id)
    if since is not None:
        query = query.where(ModeratorDecision.created_at >= since)
    for row in session.scalars(query):
        if not row.text.strip():
            continue
        label = "acceptable" if row.decision == Verdict.APPROVE.value else "stereotype"
        yield {"text": row.text, "lang": row.lang, "kind": row.item_kind, "label": label,
               "category": row.category if label == "stereotype" else None,
               "source": "moderator"}


def export_decisions(session: Session, out: IO[str], since: datetime | None = None) -> int:
    """Write the decisions as JSON lines to ``out``; returns how many were written."""
    count = 0
    for example in decisions_as_examples(session, since):
        out.write(json.dumps(example, ensure_ascii=False) + "\n")
        count += 1
    return count


def _contributed(session: Session, item: Item, actor: Actor) -> bool:
    """True when ``actor`` wrote a revision of ``item`` or submitted it: approving a flagged text
    takes a second person (an admin may write and moderate, but not both on the same item)."""
    kind = kind_of(item).value
    wrote = session.scalars(select(Revision.id).where(
        Revision.item_kind == kind, Revision.item_id == item.id, Revision.author == actor.id)
        .limit(1)).first()
    submitted = session.scalars(select(EditorialEvent.id).where(
        EditorialEvent.item_kind == kind, EditorialEvent.item_id == item.id,
        EditorialEvent.action == "submitted", EditorialEvent.actor == actor.id).limit(1)).first()
    return wrote is not None or submitted is not None


def _top_category(result: ModerationResult) -> str | None:
    scored = {c: v for c, v in result.categories.items() if v > 0 and c in STEREOTYPE_CATEGORIES}
    return max(scored, key=lambda c: scored[c]) if scored else None


def _notice(verdict: Verdict, reason: str) -> str:
    said = {Verdict.APPROVE: "approved: it may now be published",
            Verdict.REJECT: "rejected: it will not run",
            Verdict.REQUEST_CHANGES: "sent back for changes"}[verdict]
    return f"A moderator {said}." + (f" Reason: {reason}" if reason else "")
