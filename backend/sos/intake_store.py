"""Writing a new alert: the alert, its ``received`` event, its first fix and its relay job at once.

Intake is the one write on the SOS path that a phone waits for, and under a flood of alerts its cost
decides how long every woman waits for "received". The rows are written with SQLAlchemy Core
rather than the ORM's unit of work (which costs about as much CPU as the rest of the request), and
on PostgreSQL as a single statement: four ``INSERT`` s chained by data-modifying CTEs, whose
escalation deadline is computed from the console's escalation policy inside the same statement
(the policy a supervisor just saved applies at once, without a separate read). Other databases
(the SQLite quick start) get the same rows from four statements and a read of the policy.

Either way the caller's transaction holds the writes: nothing is visible, and nothing is relayed,
until the caller commits, and a unique violation (a retry of the same alert) raises
:class:`~sqlalchemy.exc.IntegrityError` for the caller to answer with the stored alert.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CTE, Integer, Select, Table, bindparam, func, insert, select

from backend.extensions import db
from backend.models.hotline import EscalationPolicy
from backend.models.sos import Alert, AlertEvent, LocationFix, OutboxMessage
from backend.services.escalation_policy import (
    POLICY_ROW_ID,
    escalation_seconds_default,
    get_escalation_seconds,
)

_ALERT: Table = Alert.__table__
_CHILDREN: dict[str, Table] = {"event": AlertEvent.__table__, "fix": LocationFix.__table__,
                               "job": OutboxMessage.__table__}


def insert_intake(alert: dict[str, Any], children: dict[str, dict[str, Any]]) -> datetime:
    """Insert the alert row (``next_escalation_at`` left to this function) and its child rows.

    ``children`` maps ``"event"``, ``"job"`` and optionally ``"fix"`` to their column values
    (without ``alert_id``, which is the alert's). Returns the escalation deadline written.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        shape = (tuple(alert), tuple((name, tuple(values)) for name, values in children.items()))
        params = {f"alert_{column}": value for column, value in alert.items()}
        for name, values in children.items():
            params.update({f"{name}_{column}": value for column, value in values.items()})
        params["default_seconds"] = escalation_seconds_default()
        return session.execute(_single_statement(shape), params).scalar_one()
    deadline = alert["created_at"] + timedelta(seconds=get_escalation_seconds())
    session.execute(insert(_ALERT).values(**alert, next_escalation_at=deadline))
    for name, values in children.items():
        session.execute(insert(_CHILDREN[name]).values(**values, alert_id=alert["id"]))
    return deadline


Shape = tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]


@functools.lru_cache(maxsize=8)
def _single_statement(shape: Shape) -> Select[Any]:
    """The one statement for rows of this shape (columns per table), built once per process.

    Values are bound parameters named ``<table>_<column>`` (``alert_id``, ``event_kind``, ...) and
    ``default_seconds``; a prebuilt statement is also cheaper for SQLAlchemy's compiled cache.
    """
    alert_columns, children = shape
    policy = EscalationPolicy.__table__
    seconds = func.coalesce(
        select(policy.c.escalation_seconds).where(policy.c.id == POLICY_ROW_ID).scalar_subquery(),
        bindparam("default_seconds", type_=Integer()))
    values = {column: bindparam(f"alert_{column}", type_=_ALERT.c[column].type)
              for column in alert_columns}
    deadline = values["created_at"] + func.make_interval(0, 0, 0, 0, 0, 0, seconds)
    new_alert = (insert(_ALERT).values(**values, next_escalation_at=deadline)
                 .returning(_ALERT.c.id, _ALERT.c.next_escalation_at).cte("new_alert"))
    ctes: list[CTE] = []
    for name, columns in children:
        table = _CHILDREN[name]
        # Selected from the new alert's row: no child row without its alert.
        rows = select(*(bindparam(f"{name}_{column}", type_=table.c[column].type)
                        for column in columns), new_alert.c.id)
        ctes.append(insert(table).from_select([*columns, "alert_id"], rows).cte(f"new_{name}"))
    return select(new_alert.c.next_escalation_at).add_cte(*ctes)
