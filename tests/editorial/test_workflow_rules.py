"""The workflow rules in content/workflow.py: every allowed transition and every forbidden one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from content import locking
from content.ads import CampaignError, validate_ad
from content.revisions import diff_revisions, moderation_text
from content.workflow import (
    ROLES_FOR,
    TRANSITIONS,
    Action,
    EditorialState,
    ForbiddenTransition,
    Role,
    transition,
)

from .conftest import aware

ALLOWED = [(state, action) for action, (sources, _) in TRANSITIONS.items() for state in sources]
FORBIDDEN = [(state, action) for action, (sources, _) in TRANSITIONS.items()
             for state in EditorialState if state not in sources]


def _role_for(action: Action) -> Role:
    return sorted(ROLES_FOR[action])[0]


@pytest.mark.parametrize(("state", "action"), ALLOWED,
                         ids=[f"{s.value}-{a.value}" for s, a in ALLOWED])
def test_allowed_transition_leads_to_its_target_state(state: EditorialState, action: Action) -> None:
    step = transition(state.value, action, _role_for(action), reason="because")
    assert step.after is TRANSITIONS[action][1]


@pytest.mark.parametrize(("state", "action"), FORBIDDEN,
                         ids=[f"{s.value}-{a.value}" for s, a in FORBIDDEN])
def test_forbidden_transition_is_refused(state: EditorialState, action: Action) -> None:
    with pytest.raises(ForbiddenTransition, match="only allowed from"):
        transition(state.value, action, _role_for(action), reason="because")


def test_only_approved_or_scheduled_items_can_be_published() -> None:
    publishable = {s for s in EditorialState
                   if s in TRANSITIONS[Action.PUBLISH][0]}
    assert publishable == {EditorialState.APPROVED, EditorialState.SCHEDULED}
    for unchecked in ("draft", "moderating", "in_review", "rejected", "needs_changes"):
        with pytest.raises(ForbiddenTransition):
            transition(unchecked, Action.PUBLISH, Role.EDITOR)


@pytest.mark.parametrize(("action", "role"), [
    (Action.APPROVE, Role.EDITOR), (Action.REJECT, Role.EDITOR), (Action.PUBLISH, Role.MODERATOR),
    (Action.GATE_CLEAR, Role.EDITOR), (Action.GATE_CLEAR, Role.MODERATOR),
    (Action.EDIT, Role.MODERATOR), (Action.RESCAN_FLAG, Role.ADMIN)])
def test_roles_outside_an_action_are_refused(action: Action, role: Role) -> None:
    state = sorted(TRANSITIONS[action][0])[0]
    with pytest.raises(ForbiddenTransition, match="role may not"):
        transition(state.value, action, role, reason="because")


@pytest.mark.parametrize("action", [Action.REJECT, Action.REQUEST_CHANGES, Action.WITHDRAW])
def test_decisions_the_editor_must_understand_need_a_reason(action: Action) -> None:
    state = sorted(TRANSITIONS[action][0])[0]
    with pytest.raises(ForbiddenTransition, match="reason is required"):
        transition(state.value, action, Role.ADMIN, reason="  ")


def test_edit_lock_blocks_another_editor_until_it_expires() -> None:
    at = aware(2026, 3, 1, 9)
    lock = locking.acquire(None, "ann", at)
    with pytest.raises(locking.LockHeld):
        locking.acquire(lock, "bob", at + timedelta(minutes=5))
    assert locking.acquire(lock, "ann", at + timedelta(minutes=5)).holder == "ann"
    assert locking.acquire(lock, "bob", at + locking.LOCK_DURATION).holder == "bob"


def test_diff_names_only_the_changed_fields() -> None:
    older = {"title": "Plov", "body_markdown": "Rice\nCarrots\nOnion"}
    newer = {"title": "Plov", "body_markdown": "Rice\nCarrots\nChickpeas"}
    [change] = diff_revisions(older, newer)
    assert change.field == "body_markdown"
    assert "-Onion" in change.lines and "+Chickpeas" in change.lines


def test_moderation_text_of_an_ad_includes_its_image_description_and_advertiser() -> None:
    text = moderation_text("ad", {"creative_text": "New phones", "image_description": "A man",
                                  "advertiser": "Obedient Wife Cosmetics"})
    assert text == "New phones\n\nA man\n\nObedient Wife Cosmetics"


def test_moderation_text_of_an_article_ends_with_its_tags() -> None:
    text = moderation_text("article", {"title": "Plov", "summary": "Rice", "body_markdown": "Cook.",
                                       "tags": "family-harmony, real-men-dont-cook"})
    assert text == "Plov\n\nRice\n\nCook.\n\nfamily harmony, real men dont cook"


def test_campaign_must_end_after_it_starts() -> None:
    with pytest.raises(CampaignError) as err:
        validate_ad(advertiser="Tcell", placement="home-banner", locale="tg", creative_text="x",
                    image_description="", starts_at=aware(2026, 1, 2), ends_at=aware(2026, 1, 1))
    assert err.value.field == "ends_at"


def test_ads_are_never_placed_in_the_hidden_help_section() -> None:
    with pytest.raises(CampaignError):
        validate_ad(advertiser="Tcell", placement="help-inline", locale="tg", creative_text="x",
                    image_description="", starts_at=aware(2026, 1, 1), ends_at=aware(2026, 1, 2))
