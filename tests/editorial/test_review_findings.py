"""Regression tests for defects found in the review of the editorial workflow and moderation gate.

Each test names the rule it protects: the text that goes live is the text that was checked, by the
gate or by a moderator who actually saw it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.clock import frozen, now
from backend.editorial import drafting, publishing, review
from backend.editorial.corpus_gate import GatedArticleStore
from backend.editorial.errors import Conflict, NotAllowed
from backend.editorial.gate import latest_result
from backend.editorial.tasks import rescan as rescan_task
from backend.extensions import db
from content.importer import import_corpus, parse_entry
from content.workflow import ForbiddenTransition

from .conftest import (
    ADMIN,
    EDITOR,
    MODERATOR,
    RULES_FLAGGED_AD,
    STEREOTYPE_AD,
    EarlierModel,
    make_ad,
    make_article,
    page_csrf,
    promote_into,
    submit_and_gate,
)

ADS = "/api/v1/ads?placement=home-banner&locale=en"


def _corpus_entry(body: str) -> Any:
    text = ("---\ntranslation_key: kitchen-duty\nslug: kitchen-duty\nlocale: en\n"
            "category: family-life\ntitle: Kitchen duty\nsummary: Who cooks at home.\n"
            "tags: [home]\npublished_at: 2026-01-05T08:00:00Z\n---\n" + body)
    return parse_entry(Path("en/kitchen-duty.md"), text)


# -- a moderator's decision applies only to the text the moderator saw ---------------------------
def test_decision_on_a_text_that_changed_since_the_moderator_saw_it_is_refused(
        client: FlaskClient, gate: Any) -> None:
    """A held corpus article is re-imported with a different (still flagged) text while the
    moderator is reading the old one: approving what they saw must not approve the new text."""
    import_corpus([_corpus_entry("Cooking is a woman's job and a good wife never complains.\n")],
                  GatedArticleStore(db.session, gate))
    db.session.commit()
    from backend.models.content import Article

    article = db.session.query(Article).filter_by(translation_key="kitchen-duty").one()
    assert article.state == "in_review"
    seen = latest_result(db.session, article)
    assert seen is not None

    report = import_corpus([_corpus_entry("Real men don't cook. A good wife obeys her husband "
                                          "and keeps family problems at home.\n")],
                           GatedArticleStore(db.session, gate))
    db.session.commit()
    assert report.held == ["en/kitchen-duty"]
    assert latest_result(db.session, article).id != seen.id  # type: ignore[union-attr]

    with pytest.raises(Conflict):
        review.decide(db.session, MODERATOR, "article", article.id, "approve", "",
                      result_id=seen.id)
    db.session.rollback()
    assert article.state == "in_review"
    with pytest.raises(ForbiddenTransition):
        publishing.publish_now(db.session, EDITOR, "article", article.id)
    db.session.rollback()
    assert client.get("/api/v1/articles/kitchen-duty?locale=en").status_code == 404


def test_decision_with_the_current_result_goes_through(gate: Any) -> None:
    ad = make_ad(db.session, text=RULES_FLAGGED_AD)
    result = submit_and_gate(db.session, "ad", ad.id, gate)
    review.decide(db.session, MODERATOR, "ad", ad.id, "approve", "Counter-speech",
                  result_id=result.id)
    assert ad.state == "approved"


def test_console_review_form_carries_the_result_it_shows_and_refuses_a_stale_one(
        login_as: Any, gate: Any) -> None:
    ad = make_ad(db.session, text=RULES_FLAGGED_AD)
    first = submit_and_gate(db.session, "ad", ad.id, gate)
    moderator, _ = login_as("moderator")
    page = moderator.get(f"/console/editorial/review/ad/{ad.id}").get_data(as_text=True)
    assert f'name="result_id" value="{first.id}"' in page
    token = page_csrf(moderator, "/console/editorial/queue")

    # Another moderator sends it back, the editor changes it, the gate flags the new text.
    review.decide(db.session, MODERATOR, "ad", ad.id, "request_changes", "Say it differently")
    drafting.edit_item(db.session, EDITOR, "ad", ad.id,
                       {"creative_text": "Real men don't cook, real women do. Oshkhona Express."})
    second = submit_and_gate(db.session, "ad", ad.id, gate)
    assert second.decision != "clear" and ad.state == "in_review"

    stale = moderator.post(f"/console/editorial/review/ad/{ad.id}", data={
        "decision": "approve", "reason": "", "result_id": first.id, "csrf_token": token})
    assert stale.status_code == 409
    db.session.expire_all()
    assert ad.state == "in_review"


def test_staff_api_decision_refuses_a_stale_result(client: FlaskClient, staff_api_headers: Any,
                                                   gate: Any) -> None:
    ad = make_ad(db.session, text=RULES_FLAGGED_AD)
    first = submit_and_gate(db.session, "ad", ad.id, gate)
    review.decide(db.session, MODERATOR, "ad", ad.id, "request_changes", "Say it differently")
    drafting.edit_item(db.session, EDITOR, "ad", ad.id,
                       {"creative_text": "Real men don't cook, real women do. Oshkhona Express."})
    submit_and_gate(db.session, "ad", ad.id, gate)
    moderator = staff_api_headers("moderator")
    response = client.post(f"/api/staff/v1/editorial/items/ad/{ad.id}/decision", headers=moderator,
                           json={"decision": "approve", "result_id": first.id})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    db.session.expire_all()
    assert ad.state == "in_review"


# -- a re-scan also covers what is approved or scheduled but not live yet --------------------------
def test_rescan_holds_a_scheduled_ad_the_new_model_flags(
        client: FlaskClient, gate: Any, registry_dir: Path,
        trained_registry: tuple[Path, str]) -> None:
    ad = make_ad(db.session, text=STEREOTYPE_AD, advertiser="Oshkhona Express")
    assert submit_and_gate(db.session, "ad", ad.id, EarlierModel()).decision == "clear"
    publishing.schedule(db.session, EDITOR, "ad", ad.id, now() + timedelta(hours=1))
    approved = make_ad(db.session, text=STEREOTYPE_AD, advertiser="Oshkhona Express",
                       placement="recipe-inline")
    assert submit_and_gate(db.session, "ad", approved.id, EarlierModel()).decision == "clear"

    promote_into(registry_dir, trained_registry)
    rescan_task.run()

    assert ad.state == "in_review"
    assert approved.state == "in_review"
    with frozen(now() + timedelta(hours=2)):
        assert publishing.publish_due(db.session) == []
        assert client.get(ADS).get_json()["items"] == []
    with pytest.raises(ForbiddenTransition):
        publishing.publish_now(db.session, EDITOR, "ad", approved.id)


# -- four eyes: nobody approves a flagged text they wrote or submitted -----------------------------
def test_admin_cannot_approve_their_own_flagged_submission(gate: Any) -> None:
    from backend.editorial.gate import run_gate, submit_for_review

    ad = make_ad(db.session, text=RULES_FLAGGED_AD, actor=ADMIN)
    submit_for_review(db.session, ADMIN, "ad", ad.id, dispatch=lambda k, i: None)
    run_gate(db.session, "ad", ad.id, gate)
    assert ad.state == "in_review"

    with pytest.raises(NotAllowed):
        review.decide(db.session, ADMIN, "ad", ad.id, "approve", "Looks fine to me")
    db.session.rollback()
    assert ad.state == "in_review"
    review.decide(db.session, MODERATOR, "ad", ad.id, "approve", "Counter-speech")
    assert ad.state == "approved"


def test_admin_cannot_approve_a_flagged_text_they_edited(gate: Any) -> None:
    article = make_article(db.session, key="kitchen-notes",
                           body="Cooking is a woman's job, so teach your daughter early.")
    drafting.release_lock(db.session, EDITOR, "article", article.id)
    drafting.edit_item(db.session, ADMIN, "article", article.id, {"title": "Kitchen notes"})
    from backend.editorial.gate import run_gate, submit_for_review

    submit_for_review(db.session, EDITOR, "article", article.id, dispatch=lambda k, i: None)
    run_gate(db.session, "article", article.id, gate)
    assert article.state == "in_review"
    with pytest.raises(NotAllowed):
        review.decide(db.session, ADMIN, "article", article.id, "approve", "")
    db.session.rollback()
    # Sending it back is not a conflict of interest.
    review.decide(db.session, ADMIN, "article", article.id, "request_changes", "Rewrite it")
    assert article.state == "needs_changes"


# -- the editors hear about decisions on corpus articles ------------------------------------------
def test_decision_on_a_held_corpus_article_reaches_the_editors(gate: Any) -> None:
    from backend.editorial.queries import notices_for
    from backend.models.content import Article

    import_corpus([_corpus_entry("Cooking is a woman's job and a good wife never complains.\n")],
                  GatedArticleStore(db.session, gate))
    db.session.commit()
    article = db.session.query(Article).filter_by(translation_key="kitchen-duty").one()
    review.decide(db.session, MODERATOR, "article", article.id, "request_changes",
                  "Rewrite the opening: it presents cooking as a woman's duty.")
    messages = [n.message for n in notices_for(db.session, EDITOR.id)]
    assert any("cooking as a woman's duty" in m for m in messages), messages


# -- an editor's revision of a corpus article is not overwritten by a re-import ----------------
def test_reimport_does_not_overwrite_an_edited_corpus_article(gate: Any) -> None:
    from backend.models.content import Article

    import_corpus([_corpus_entry("Everyone in the family can cook; take turns.\n")],
                  GatedArticleStore(db.session, gate))
    db.session.commit()
    article = db.session.query(Article).filter_by(translation_key="kitchen-duty").one()
    assert article.state == "published"
    publishing.withdraw(db.session, EDITOR, "article", article.id, "Update the advice")
    drafting.edit_item(db.session, EDITOR, "article", article.id,
                       {"body_markdown": "Take turns cooking; children can help too."})

    report = import_corpus([_corpus_entry("Everyone in the family can cook; take turns. "
                                          "Updated.\n")], GatedArticleStore(db.session, gate))
    db.session.commit()
    assert report.updated == []
    assert article.body_markdown.startswith("Take turns cooking")
    assert article.state == "draft"
