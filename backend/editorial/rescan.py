"""Re-scan: when a new moderation model is promoted, published items are checked again; newly flagged
ones are withdrawn pending review (they go to the moderator queue) and the editors are told. Approved and
scheduled items are checked too: otherwise they would go live later on an older model's verdict.

An item needs a re-scan when its latest stored assessment is from another model version than the one
promoted now (corpus articles imported before the gate existed have none). That makes the scan
idempotent and resumable: a crash half-way leaves the rest to the next run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.clock import now
from backend.editorial.actors import SYSTEM
from backend.editorial.gate import assess_item, latest_result
from backend.editorial.moderation_gateway import Assessor
from backend.editorial.records import (
    Item,
    apply_transition,
    load_item,
    notify_editors,
    record_for,
)
from backend.models.content import Article
from backend.models.editorial import Ad, ModerationScanState
from content.workflow import Action, EditorialState


@dataclass
class RescanReport:
    model_version: str
    checked: int = 0
    withdrawn: list[str] = field(default_factory=list)
    skipped: bool = False


def rescan_if_model_changed(session: Session, moderator: Assessor) -> RescanReport:
    """Re-check published items when the promoted model differs from the last one scanned with."""
    state = session.get(ModerationScanState, 1)
    if state is not None and state.model_version == moderator.model_version:
        return RescanReport(moderator.model_version, skipped=True)
    report = rescan_published(session, moderator)
    state = session.get(ModerationScanState, 1)
    if state is None:
        session.add(ModerationScanState(id=1, model_version=moderator.model_version,
                                        scanned_at=now()))
    else:
        state.model_version, state.scanned_at = moderator.model_version, now()
    session.commit()
    return report


# Live, or cleared to go live (by the editor now, or by the scheduler later).
RESCANNED_STATES = (EditorialState.PUBLISHED.value, EditorialState.APPROVED.value,
                    EditorialState.SCHEDULED.value)


def rescan_published(session: Session, moderator: Assessor) -> RescanReport:
    """Check every published, approved or scheduled item not yet assessed by ``moderator``'s model
    version."""
    report = RescanReport(moderator.model_version)
    for model in (Article, Ad):
        ids = list(session.scalars(select(model.id).where(
            model.state.in_(RESCANNED_STATES)).order_by(model.id)))
        for item_id in ids:
            item: Item = load_item(session, "article" if model is Article else "ad", item_id,
                                   for_update=True)
            if item.state not in RESCANNED_STATES:
                session.commit()
                continue
            previous = latest_result(session, item)
            if previous is not None and previous.model_version == moderator.model_version:
                session.commit()
                continue
            result = assess_item(session, item, moderator, trigger="rescan")
            report.checked += 1
            if result.decision != "clear":
                live = item.state == EditorialState.PUBLISHED.value
                reason = (f"re-scan with model {result.model_version} flagged it "
                          f"({result.decision}); "
                          + ("withdrawn pending review" if live else "held for review"))
                apply_transition(session, item, Action.RESCAN_FLAG, SYSTEM, reason=reason,
                                 event="withdrawn" if live else "flagged")
                record = record_for(session, item)
                record.scheduled_for = None
                record.feedback, record.feedback_by, record.feedback_at = reason, SYSTEM.id, now()
                title = item.title if isinstance(item, Article) else item.advertiser
                notify_editors(session, item, f"“{title}” was "
                               f"{'withdrawn' if live else 'held'}: {reason}.", None)
                report.withdrawn.append(item.id)
            session.commit()
    return report
