"""The editorial workflow of articles and ads: states, the actions that move between them, and who may act.

Nothing reaches the app unchecked: the only way into ``published`` is through ``approved`` (cleared by the
moderation gate or approved by a moderator) or ``scheduled`` (approved, with a publication time). Editing
an approved or scheduled item sends it back to ``draft``, so the text that goes live is always the text
that was checked. The state values shared with :class:`content.states.ContentState` (draft, in_review,
published, withdrawn) mean the same thing there; only ``published`` is ever served.

This module knows no Flask and no database: services ask :func:`transition` for the next state and get a
:class:`ForbiddenTransition` naming the rule that was broken.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ItemKind(enum.StrEnum):
    ARTICLE = "article"
    AD = "ad"


class EditorialState(enum.StrEnum):
    DRAFT = "draft"
    MODERATING = "moderating"  # submitted; the moderation gate has not answered yet
    IN_REVIEW = "in_review"  # the gate flagged it (or a re-scan did): waits for a moderator
    NEEDS_CHANGES = "needs_changes"  # a moderator asked the editor for changes
    REJECTED = "rejected"  # a moderator rejected it; it never runs
    APPROVED = "approved"  # cleared by the gate or approved by a moderator: may be published
    SCHEDULED = "scheduled"  # approved, goes live at its scheduled time
    PUBLISHED = "published"  # the only servable state
    WITHDRAWN = "withdrawn"  # taken off the app by an editor


class Action(enum.StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    GATE_CLEAR = "gate_clear"
    GATE_FLAG = "gate_flag"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    PUBLISH = "publish"
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    WITHDRAW = "withdraw"
    RESCAN_FLAG = "rescan_flag"


class Role(enum.StrEnum):
    """The staff roles that take part in the workflow (names as in the staff accounts)."""

    EDITOR = "content_editor"
    MODERATOR = "moderator"
    ADMIN = "admin"
    SYSTEM = "system"  # the moderation gate, the scheduler and the re-scan


S = EditorialState

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[EditorialState], EditorialState]] = {
    Action.EDIT: (frozenset({S.DRAFT, S.NEEDS_CHANGES, S.APPROVED, S.WITHDRAWN}), S.DRAFT),
    Action.SUBMIT: (frozenset({S.DRAFT, S.NEEDS_CHANGES, S.WITHDRAWN}), S.MODERATING),
    Action.GATE_CLEAR: (frozenset({S.MODERATING}), S.APPROVED),
    Action.GATE_FLAG: (frozenset({S.MODERATING}), S.IN_REVIEW),
    Action.APPROVE: (frozenset({S.IN_REVIEW}), S.APPROVED),
    Action.REJECT: (frozenset({S.IN_REVIEW}), S.REJECTED),
    Action.REQUEST_CHANGES: (frozenset({S.IN_REVIEW}), S.NEEDS_CHANGES),
    Action.PUBLISH: (frozenset({S.APPROVED, S.SCHEDULED}), S.PUBLISHED),
    Action.SCHEDULE: (frozenset({S.APPROVED, S.SCHEDULED}), S.SCHEDULED),
    Action.UNSCHEDULE: (frozenset({S.SCHEDULED}), S.APPROVED),
    Action.WITHDRAW: (frozenset({S.PUBLISHED, S.SCHEDULED}), S.WITHDRAWN),
    # A re-scan also covers what is approved or scheduled: it would otherwise go live later on the
    # strength of an older model's verdict, and the next re-scan only comes with the next promotion.
    Action.RESCAN_FLAG: (frozenset({S.PUBLISHED, S.APPROVED, S.SCHEDULED}), S.IN_REVIEW),
}

ROLES_FOR: dict[Action, frozenset[Role]] = {
    Action.EDIT: frozenset({Role.EDITOR, Role.ADMIN}),
    Action.SUBMIT: frozenset({Role.EDITOR, Role.ADMIN}),
    Action.GATE_CLEAR: frozenset({Role.SYSTEM}),
    Action.GATE_FLAG: frozenset({Role.SYSTEM}),
    Action.APPROVE: frozenset({Role.MODERATOR, Role.ADMIN}),
    Action.REJECT: frozenset({Role.MODERATOR, Role.ADMIN}),
    Action.REQUEST_CHANGES: frozenset({Role.MODERATOR, Role.ADMIN}),
    # The scheduler publishes scheduled items when they fall due.
    Action.PUBLISH: frozenset({Role.EDITOR, Role.ADMIN, Role.SYSTEM}),
    Action.SCHEDULE: frozenset({Role.EDITOR, Role.ADMIN}),
    Action.UNSCHEDULE: frozenset({Role.EDITOR, Role.ADMIN}),
    Action.WITHDRAW: frozenset({Role.EDITOR, Role.MODERATOR, Role.ADMIN}),
    Action.RESCAN_FLAG: frozenset({Role.SYSTEM}),
}

# Moderator decisions must say why: the editor reads the reason.
REASON_REQUIRED: frozenset[Action] = frozenset({Action.REJECT, Action.REQUEST_CHANGES,
                                                 Action.WITHDRAW, Action.RESCAN_FLAG})

SERVABLE: frozenset[EditorialState] = frozenset({S.PUBLISHED})
EDITABLE: frozenset[EditorialState] = TRANSITIONS[Action.EDIT][0]


class ForbiddenTransition(Exception):
    """The action is not allowed from this state or for this role."""

    def __init__(self, action: Action, state: str, why: str) -> None:
        super().__init__(f"cannot {action.value.replace('_', ' ')} an item that is {state}: {why}")
        self.action = action
        self.state = state
        self.why = why


@dataclass(frozen=True)
class Transition:
    action: Action
    before: EditorialState
    after: EditorialState


def transition(state: str, action: Action, role: Role | str, reason: str | None = None) -> Transition:
    """The state ``action`` leads to from ``state`` when taken by ``role``.

    Raises :class:`ForbiddenTransition` when the state does not allow the action, the role may not
    take it, or a required reason is missing.
    """
    try:
        before = EditorialState(state)
    except ValueError:
        raise ForbiddenTransition(action, state, "unknown state") from None
    role_value = Role(role) if not isinstance(role, Role) else role
    allowed_from, after = TRANSITIONS[action]
    if role_value not in ROLES_FOR[action]:
        raise ForbiddenTransition(action, state, f"the {role_value.value} role may not do this")
    if before not in allowed_from:
        allowed = ", ".join(sorted(s.value for s in allowed_from))
        raise ForbiddenTransition(action, state, f"only allowed from {allowed}")
    if action in REASON_REQUIRED and not (reason and reason.strip()):
        raise ForbiddenTransition(action, state, "a reason is required")
    return Transition(action, before, after)


def allowed_actions(state: str, roles: set[Role] | set[str]) -> list[Action]:
    """The actions ``roles`` may take on an item in ``state`` (for buttons in the console)."""
    wanted = {Role(r) for r in roles}
    return [action for action, (sources, _) in TRANSITIONS.items()
            if state in {s.value for s in sources} and wanted & ROLES_FOR[action]]


def gate_action(decision: str) -> Action:
    """The workflow action for a moderation decision: only ``clear`` goes through unreviewed."""
    return Action.GATE_CLEAR if decision == "clear" else Action.GATE_FLAG
