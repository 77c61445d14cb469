"""The moderation gate: submitting an item queues it for moderation; the gate stores the assessment and
moves the item on (cleared → approved, anything else → the moderator queue).

The gate runs in the background worker (:mod:`backend.editorial.tasks`). Submitting commits the item as
``moderating`` before the task is sent, so a lost message or a worker crash leaves the item visible as
unmoderated, never published; :func:`sweep_unmoderated` hands such items to the gate again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.clock import as_utc, now
from backend.editorial.actors import SYSTEM, Actor
from backend.editorial.moderation_gateway import Assessor
from backend.editorial.records import (
    Item,
    apply_transition,
    item_text,
    kind_of,
    load_item,
    record_for,
)
from backend.models.content import Article
from backend.models.editorial import Ad, EditorialRecord, ModerationResult
from content.workflow import Action, EditorialState, gate_action

log = logging.getLogger(__name__)

Dispatch = Callable[[str, str], None]
STUCK_AFTER = timedelta(minutes=2)


def submit_for_review(session: Session, actor: Actor, kind: str, item_id: str,
                      dispatch: Dispatch | None = None) -> Item:
    """Submit an item: it becomes ``moderating`` and the gate is queued in the background.

    ``dispatch(kind, item_id)`` sends the gate task (default: Celery); it runs after the commit.
    """
    item = load_item(session, kind, item_id, for_update=True)
    record = record_for(session, item, created_by=actor.id)
    apply_transition(session, item, Action.SUBMIT, actor, event="submitted")
    record.submitted_revision = record.revision_count
    record.submitted_at = now()
    record.feedback = None
    record.lock_holder, record.lock_expires_at = None, None  # nobody edits while it is checked
    session.commit()
    (dispatch or dispatch_gate)(kind_of(item).value, item.id)
    return item


def dispatch_gate(kind: str, item_id: str) -> None:
    """Send the gate task to the worker; a broker failure is logged and left to the sweeper."""
    from backend.editorial.tasks import moderate_item

    try:
        moderate_item.delay(kind, item_id)
    except Exception:  # noqa: BLE001 - the item stays "moderating" and the sweeper retries
        log.warning("moderation task not queued; the periodic sweep will pick it up",
                    extra={"item_kind": kind, "item_id": item_id})


def run_gate(session: Session, kind: str, item_id: str,
             moderator: Assessor) -> ModerationResult | None:
    """Assess a submitted item and move it on. Does nothing if it is no longer ``moderating``
    (a duplicate or late delivery of the task)."""
    item = load_item(session, kind, item_id, for_update=True)
    if item.state != EditorialState.MODERATING.value:
        return None
    result = assess_item(session, item, moderator, trigger="submit")
    action = gate_action(result.decision)
    apply_transition(session, item, action, SYSTEM,
                     event="cleared" if action is Action.GATE_CLEAR else "flagged",
                     reason=None if action is Action.GATE_CLEAR else _flag_reason(result))
    session.commit()
    return result


def assess_item(session: Session, item: Item, moderator: Assessor, *,
                trigger: str) -> ModerationResult:
    """Run the moderator over ``item``'s text and store the result with the model version."""
    text = item_text(item)
    assessment = moderator.assess(text, kind=kind_of(item).value, lang=item.locale)
    record = record_for(session, item)
    result = ModerationResult(
        item_kind=kind_of(item).value, item_id=item.id, revision_number=record.revision_count or None,
        trigger=trigger, decision=assessment.decision, score=float(assessment.score),
        categories={k: round(float(v), 4) for k, v in assessment.categories.items()},
        spans=[{"start": s.start, "end": s.end, "category": s.category, "reason": s.reason}
               for s in assessment.spans],
        lang=assessment.lang, model_version=assessment.model_version, text=text, created_at=now())
    session.add(result)
    session.flush()
    record.latest_result_id = result.id
    return result


def sweep_unmoderated(session: Session, moderator: Assessor,
                      older_than: timedelta = STUCK_AFTER) -> int:
    """Run the gate for items left ``moderating`` longer than ``older_than`` (lost task, crash)."""
    cutoff = now() - older_than
    stuck: list[tuple[str, str]] = []
    for model in (Article, Ad):
        ids = session.scalars(select(model.id).where(model.state == EditorialState.MODERATING.value))
        kind = "article" if model is Article else "ad"
        for item_id in ids:
            record = session.scalars(select(EditorialRecord).where(
                EditorialRecord.item_kind == kind, EditorialRecord.item_id == item_id)).first()
            submitted = record.submitted_at if record else None
            if submitted is None or as_utc(submitted) <= cutoff:
                stuck.append((kind, item_id))
    for kind, item_id in stuck:
        run_gate(session, kind, item_id, moderator)
    return len(stuck)


def latest_result(session: Session, item: Item) -> ModerationResult | None:
    return session.scalars(select(ModerationResult).where(
        ModerationResult.item_kind == kind_of(item).value, ModerationResult.item_id == item.id)
        .order_by(ModerationResult.created_at.desc(), ModerationResult.id).limit(1)).first()


def _flag_reason(result: ModerationResult) -> str:
    flagged = sorted((c for c, v in result.categories.items() if v > 0),
                     key=lambda c: -result.categories[c])
    what = ", ".join(c.replace("_", " ") for c in flagged[:3]) or "overall score"
    return f"moderation {result.decision} ({result.model_version}): {what}"
