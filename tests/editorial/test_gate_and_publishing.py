"""Service tests: submit, the moderation gate, publishing and scheduling, edit locks and revisions,
and the proof that nothing unmoderated, in review or rejected reaches the mobile API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.clock import frozen, now
from backend.editorial import drafting, publishing, review
from backend.editorial import gate as gate_service
from backend.editorial.errors import Conflict, InvalidInput, NotAllowed
from backend.extensions import db
from backend.models.editorial import EditorNotice, ModerationResult
from content.workflow import ForbiddenTransition

from .conftest import (
    EDITOR,
    MODERATOR,
    OTHER_EDITOR,
    RULES_FLAGGED_AD,
    aware,
    make_ad,
    make_article,
    publish_live,
    submit_and_gate,
)


def _app_slugs(client: FlaskClient, locale: str = "en") -> list[str]:
    body = client.get(f"/api/v1/articles?locale={locale}").get_json()
    return [item["slug"] for item in body["items"]]


def test_neutral_recipe_is_cleared_published_and_served(client: FlaskClient, gate: Any) -> None:
    article = make_article(db.session)
    result = submit_and_gate(db.session, "article", article.id, gate)
    assert result.decision == "clear"
    assert result.model_version == gate.model_version
    assert article.state == "approved"
    assert article.slug not in _app_slugs(client)

    publishing.publish_now(db.session, EDITOR, "article", article.id)

    assert article.slug in _app_slugs(client)
    detail = client.get(f"/api/v1/articles/{article.slug}?locale=en")
    assert detail.status_code == 200
    assert "Mung bean soup" in detail.get_json()["title"]


def test_submitting_leaves_the_item_unmoderated_until_the_gate_runs(client: FlaskClient,
                                                                       gate: Any) -> None:
    article = make_article(db.session)
    gate_service.submit_for_review(db.session, EDITOR, "article", article.id,
                                   dispatch=lambda kind, item_id: None)
    assert article.state == "moderating"
    with pytest.raises(ForbiddenTransition):
        publishing.publish_now(db.session, EDITOR, "article", article.id)
    assert client.get(f"/api/v1/articles/{article.slug}?locale=en").status_code == 404


def test_flagged_text_waits_for_a_moderator_with_its_spans_stored(client: FlaskClient,
                                                                    gate: Any) -> None:
    body = "Cooking is a woman's job, so teach your daughter early. " + "Rice and carrots."
    article = make_article(db.session, key="kitchen-duty", body=body)
    result = submit_and_gate(db.session, "article", article.id, gate)

    assert result.decision in {"review", "block"}
    assert article.state == "in_review"
    assert result.categories["roles"] > 0
    flagged = [result.text[s["start"]:s["end"]] for s in result.spans]
    assert any("woman's job" in piece for piece in flagged), flagged
    assert all(s["reason"] for s in result.spans)
    [entry] = review.moderation_queue(db.session)
    assert entry.item.id == article.id
    with pytest.raises(ForbiddenTransition):
        publishing.publish_now(db.session, EDITOR, "article", article.id)
    assert article.slug not in _app_slugs(client)
    search = client.get("/api/v1/search?q=daughter&locale=en").get_json()
    assert search["items"] == []


@pytest.mark.parametrize("verdict", ["reject", "request_changes"])
def test_moderator_decision_reaches_the_editor_and_the_item_stays_off_the_app(
        client: FlaskClient, gate: Any, verdict: str) -> None:
    ad = make_ad(db.session, text=RULES_FLAGGED_AD, advertiser="Oshkhona Express")
    submit_and_gate(db.session, "ad", ad.id, gate)
    assert ad.state == "in_review"

    review.decide(db.session, MODERATOR, "ad", ad.id, verdict,
                  "Tells men that cooking is beneath them.")

    assert ad.state == ("rejected" if verdict == "reject" else "needs_changes")
    notices = db.session.query(EditorNotice).filter_by(item_id=ad.id).all()
    assert [n.recipient for n in notices] == [EDITOR.id]
    assert "cooking is beneath them" in notices[0].message
    with pytest.raises(ForbiddenTransition):
        publishing.publish_now(db.session, EDITOR, "ad", ad.id)
    assert client.get("/api/v1/ads?placement=home-banner&locale=en").get_json()["items"] == []


def test_rejected_item_cannot_be_edited_or_resubmitted(gate: Any) -> None:
    ad = make_ad(db.session, text=RULES_FLAGGED_AD)
    submit_and_gate(db.session, "ad", ad.id, gate)
    review.decide(db.session, MODERATOR, "ad", ad.id, "reject", "Stereotype about men.")
    with pytest.raises(ForbiddenTransition):
        drafting.edit_item(db.session, EDITOR, "ad", ad.id, {"creative_text": "Tasty dinners"})
    with pytest.raises(ForbiddenTransition):
        gate_service.submit_for_review(db.session, EDITOR, "ad", ad.id, dispatch=lambda k, i: None)


def test_changes_requested_then_fixed_text_is_cleared_and_published(client: FlaskClient,
                                                                     gate: Any) -> None:
    ad = make_ad(db.session, text=RULES_FLAGGED_AD, advertiser="Oshkhona Express")
    submit_and_gate(db.session, "ad", ad.id, gate)
    review.decide(db.session, MODERATOR, "ad", ad.id, "request_changes", "Drop the 'real men' line.")

    drafting.edit_item(db.session, EDITOR, "ad", ad.id,
                       {"creative_text": "Dinner for the whole family from Oshkhona Express."})
    result = submit_and_gate(db.session, "ad", ad.id, gate)
    assert result.decision == "clear"
    publishing.publish_now(db.session, EDITOR, "ad", ad.id)

    items = client.get("/api/v1/ads?placement=home-banner&locale=en").get_json()["items"]
    assert [i["text"] for i in items] == ["Dinner for the whole family from Oshkhona Express."]


def test_moderator_approval_lets_a_false_positive_be_published(client: FlaskClient,
                                                               gate: Any) -> None:
    ad = make_ad(db.session, text=RULES_FLAGGED_AD)
    submit_and_gate(db.session, "ad", ad.id, gate)
    review.decide(db.session, MODERATOR, "ad", ad.id, "approve", "")
    publishing.publish_now(db.session, EDITOR, "ad", ad.id)
    assert len(client.get("/api/v1/ads?placement=home-banner&locale=en").get_json()["items"]) == 1


def test_editors_cannot_decide_and_moderators_cannot_publish(gate: Any) -> None:
    ad = make_ad(db.session, text=RULES_FLAGGED_AD)
    submit_and_gate(db.session, "ad", ad.id, gate)
    with pytest.raises(NotAllowed):
        review.decide(db.session, EDITOR, "ad", ad.id, "approve", "")
    review.decide(db.session, MODERATOR, "ad", ad.id, "approve", "")
    with pytest.raises(NotAllowed):
        publishing.publish_now(db.session, MODERATOR, "ad", ad.id)


def test_editing_an_approved_item_sends_it_back_through_the_gate(gate: Any) -> None:
    article = make_article(db.session)
    submit_and_gate(db.session, "article", article.id, gate)
    assert article.state == "approved"
    drafting.edit_item(db.session, EDITOR, "article", article.id,
                       {"body_markdown": "Cooking is a woman's job."})
    assert article.state == "draft"
    with pytest.raises(ForbiddenTransition):
        publishing.publish_now(db.session, EDITOR, "article", article.id)


def test_scheduled_item_goes_live_when_the_worker_runs_on_time(client: FlaskClient,
                                                               gate: Any) -> None:
    article = make_article(db.session)
    submit_and_gate(db.session, "article", article.id, gate)
    go_live = now() + timedelta(hours=2)
    publishing.schedule(db.session, EDITOR, "article", article.id, go_live)
    assert article.state == "scheduled"

    assert publishing.publish_due(db.session) == []
    assert article.slug not in _app_slugs(client)

    with frozen(go_live + timedelta(seconds=1)):
        assert publishing.publish_due(db.session) == [article.id]
    assert article.state == "published"
    assert article.slug in _app_slugs(client)


def test_schedule_in_the_past_is_refused(gate: Any) -> None:
    article = make_article(db.session)
    submit_and_gate(db.session, "article", article.id, gate)
    with pytest.raises(InvalidInput):
        publishing.schedule(db.session, EDITOR, "article", article.id, now() - timedelta(minutes=1))


def test_withdrawn_article_disappears_and_sync_sends_a_tombstone(client: FlaskClient,
                                                                 gate: Any) -> None:
    article = make_article(db.session)
    publish_live(db.session, "article", article.id, gate)
    cursor = client.get("/api/v1/sync?locale=en").get_json()["next_cursor"]
    etag = client.get("/api/v1/articles?locale=en").headers["ETag"]

    publishing.withdraw(db.session, EDITOR, "article", article.id, "Out of date")

    listing = client.get("/api/v1/articles?locale=en", headers={"If-None-Match": etag})
    assert listing.status_code == 200
    assert article.slug not in [i["slug"] for i in listing.get_json()["items"]]
    sync = client.get(f"/api/v1/sync?locale=en&since={cursor}").get_json()
    assert sync["items"] == [{"translation_key": article.translation_key, "deleted": True}]


def test_edit_lock_keeps_a_second_editor_out_until_it_expires(gate: Any) -> None:
    start = aware(2030, 5, 1, 9)
    with frozen(start):
        article = make_article(db.session)
        with pytest.raises(Conflict, match="another editor"):
            drafting.edit_item(db.session, OTHER_EDITOR, "article", article.id, {"title": "Soup"})
    with frozen(start + timedelta(minutes=16)):
        drafting.edit_item(db.session, OTHER_EDITOR, "article", article.id, {"title": "Soup"})
    assert article.title == "Soup"


def test_revisions_record_who_changed_what_and_diff_between_them(gate: Any) -> None:
    article = make_article(db.session)
    drafting.edit_item(db.session, EDITOR, "article", article.id,
                       {"title": "Mung bean soup with rice"})
    revisions = drafting.revisions(db.session, "article", article.id)
    assert [(r.number, r.author) for r in revisions] == [(2, EDITOR.id), (1, EDITOR.id)]
    [change] = drafting.diff(db.session, "article", article.id, 1, 2)
    assert change.field == "title"
    assert (change.before, change.after) == ("Mung bean soup", "Mung bean soup with rice")


def test_lost_gate_task_is_picked_up_by_the_sweep(gate: Any) -> None:
    article = make_article(db.session)
    gate_service.submit_for_review(db.session, EDITOR, "article", article.id,
                                   dispatch=lambda kind, item_id: None)  # the message is lost
    assert gate_service.sweep_unmoderated(db.session, gate) == 0  # not stuck yet
    with frozen(now() + timedelta(minutes=3)):
        assert gate_service.sweep_unmoderated(db.session, gate) == 1
    assert article.state == "approved"
    assert db.session.query(ModerationResult).filter_by(item_id=article.id).count() == 1


def test_a_duplicate_gate_task_changes_nothing(gate: Any) -> None:
    article = make_article(db.session)
    submit_and_gate(db.session, "article", article.id, gate)
    assert gate_service.run_gate(db.session, "article", article.id, gate) is None
    assert db.session.query(ModerationResult).filter_by(item_id=article.id).count() == 1


def test_invalid_article_fields_are_named(gate: Any) -> None:
    with pytest.raises(InvalidInput) as err:
        make_article(db.session, category="gossip")
    assert err.value.field == "category"
