"""The transparency report: per month and category, how many items were submitted, flagged by the
gate, approved and rejected by moderators, and withdrawn (by editors or by a re-scan)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.clock import as_utc
from backend.models.editorial import EditorialEvent

COLUMNS: tuple[str, ...] = ("submitted", "flagged", "cleared", "approved", "rejected",
                            "changes_requested", "withdrawn")
# Event actions counted in each column (imports through the gate count as submissions too).
_COUNTED = {"submitted": "submitted", "imported": "submitted", "flagged": "flagged",
            "held": "flagged", "cleared": "cleared", "approved": "approved",
            "rejected": "rejected", "changes_requested": "changes_requested",
            "withdrawn": "withdrawn"}


@dataclass
class ReportRow:
    month: str
    category: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))


def transparency_report(session: Session, since: datetime | None = None,
                        until: datetime | None = None) -> list[ReportRow]:
    """Rows per (month, category), oldest month first, categories alphabetically."""
    query = select(EditorialEvent.at, EditorialEvent.report_category, EditorialEvent.action).where(
        EditorialEvent.action.in_(list(_COUNTED)))
    if since is not None:
        query = query.where(EditorialEvent.at >= since)
    if until is not None:
        query = query.where(EditorialEvent.at < until)
    rows: dict[tuple[str, str], ReportRow] = defaultdict(lambda: ReportRow("", ""))
    for at, category, action in session.execute(query):
        month = as_utc(at).strftime("%Y-%m")
        row = rows[(month, category)]
        row.month, row.category = month, category
        row.counts[_COUNTED[action]] += 1
    return [rows[key] for key in sorted(rows)]


def report_csv(rows: list[ReportRow]) -> str:
    """The report as CSV (month, category, then one column per count)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "category", *COLUMNS])
    for row in rows:
        writer.writerow([row.month, row.category, *(row.counts[c] for c in COLUMNS)])
    return out.getvalue()
