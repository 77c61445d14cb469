"""Anonymised statistics: closed, non-drill cases by month, district, type of violence, referral and
outcome, with small cells suppressed (docs/statistics.md).

Counts live in ``case_statistic`` / ``referral_statistic``, incremented when a case is closed and
decremented when it is reopened; the retention purge never touches them. Cells of 1 to 4 are shown
as "<5"; when a table would have exactly one such cell next to a shown total, the next smallest
cell is
suppressed too, so the hidden value cannot be worked out by subtraction.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend.extensions import db
from backend.models.casework import AlertCase, AlertReferral, CaseStatistic, ReferralStatistic
from backend.services.staff_classification import (
    OUTCOMES,
    REFERRAL_SERVICES,
    VIOLENCE_TYPES,
    district_label,
    label_of,
)

SUPPRESS_BELOW = 5
SUPPRESSED = "<5"
DIMENSIONS = ("month", "district", "violence_type", "outcome", "referral")


def _upsert(model: Any, keys: dict[str, str], delta: int) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(model).values(**keys, cases=delta)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={"cases": model.cases + delta})
    db.session.execute(statement)


def count_case(case: AlertCase, district: str, violence_type: str, outcome: str,
               delta: int) -> None:
    """Add (+1) or withdraw (-1) a closed case from the counts (same transaction as the close)."""
    _upsert(CaseStatistic, {"month": case.month, "district": district,
                            "violence_type": violence_type, "outcome": outcome}, delta)
    services = set(db.session.scalars(select(AlertReferral.service).where(
        AlertReferral.alert_id == case.alert_id)))
    for service in sorted(services):
        _upsert(ReferralStatistic, {"month": case.month, "district": district,
                                    "service": service}, delta)


@dataclass(frozen=True)
class Cell:
    """A shown cell: the count, or None when suppressed."""

    key: str
    label: str
    count: int | None

    @property
    def shown(self) -> str:
        return SUPPRESSED if self.count is None else str(self.count)


@dataclass(frozen=True)
class Table:
    """One statistics table: cases by one dimension, with its (possibly suppressed) total."""

    dimension: str
    cells: list[Cell]
    total: int | None

    @property
    def shown_total(self) -> str:
        return SUPPRESSED if self.total is None else str(self.total)


def suppress(counts: dict[str, int], labels: dict[str, str],
             *, total: int | None = None) -> tuple[list[Cell], int | None]:
    """Suppress cells of 1..4 (and a second cell when one alone would be revealed by the total)."""
    hidden = {k for k, v in counts.items() if 0 < v < SUPPRESS_BELOW}
    grand = sum(counts.values()) if total is None else total
    shown_total: int | None = grand if grand == 0 or grand >= SUPPRESS_BELOW else None
    if len(hidden) == 1 and shown_total is not None:
        others = sorted((v, k) for k, v in counts.items() if k not in hidden and v > 0)
        if others:
            hidden.add(others[0][1])
    cells = [Cell(k, labels.get(k, k), None if k in hidden else v)
             for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return cells, shown_total


def _case_counts(column: Any, months: tuple[str, str] | None) -> dict[str, int]:
    query = select(column, func.sum(CaseStatistic.cases)).group_by(column)
    if months:
        query = query.where(CaseStatistic.month >= months[0], CaseStatistic.month <= months[1])
    return {k: int(v) for k, v in db.session.execute(query) if v}


def _referral_counts(months: tuple[str, str] | None) -> dict[str, int]:
    query = select(ReferralStatistic.service, func.sum(ReferralStatistic.cases)).group_by(
        ReferralStatistic.service)
    if months:
        query = query.where(ReferralStatistic.month >= months[0],
                            ReferralStatistic.month <= months[1])
    return {k: int(v) for k, v in db.session.execute(query) if v}


def statistics_tables(months: tuple[str, str] | None = None) -> list[Table]:
    """Every table (by month, district, type, outcome, referral), suppressed, for a month range."""
    case_total = sum(_case_counts(CaseStatistic.month, months).values())
    tables: list[Table] = []
    specs: Iterable[tuple[str, Any, dict[str, str]]] = (
        ("month", CaseStatistic.month, {}),
        ("district", CaseStatistic.district, {}),
        ("violence_type", CaseStatistic.violence_type,
         {k: label_of(VIOLENCE_TYPES, k) for k in VIOLENCE_TYPES}),
        ("outcome", CaseStatistic.outcome, {k: label_of(OUTCOMES, k) for k in OUTCOMES}),
    )
    for name, column, labels in specs:
        counts = _case_counts(column, months)
        if name == "district":
            labels = {k: district_label(k) for k in counts}
        cells, total = suppress(counts, labels)
        if name == "month":
            cells.sort(key=lambda cell: cell.key)
        tables.append(Table(name, cells, total))
    # Referrals: a case can be referred to several services, so no total is shown (it would not
    # be a number of cases); each cell is a number of cases referred to that service.
    referral_counts = _referral_counts(months)
    cells, _ = suppress(referral_counts,
                        {k: label_of(REFERRAL_SERVICES, k) for k in REFERRAL_SERVICES},
                        total=case_total)
    tables.append(Table("referral", cells, None))
    return tables


def statistics_csv(months: tuple[str, str] | None = None) -> str:
    """The tables as one CSV (dimension, code, label, cases), suppressed cells as "<5"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["dimension", "code", "label", "cases"])
    for table in statistics_tables(months):
        for cell in table.cells:
            writer.writerow([table.dimension, cell.key, cell.label, cell.shown])
        if table.dimension != "referral":
            writer.writerow([table.dimension, "total", "Total", table.shown_total])
    return buffer.getvalue()


def raw_counts() -> dict[str, dict[str, int]]:
    """Unsuppressed sums per dimension (for tests and internal checks; never shown or exported)."""
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for name, column in (("month", CaseStatistic.month), ("district", CaseStatistic.district),
                         ("violence_type", CaseStatistic.violence_type),
                         ("outcome", CaseStatistic.outcome)):
        result[name] = _case_counts(column, None)
    result["referral"] = _referral_counts(None)
    return dict(result)
