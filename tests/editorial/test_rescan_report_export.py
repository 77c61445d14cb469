"""Re-scan on model promotion, the gated corpus import, the transparency report and the export of
moderator decisions for training."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from backend.clock import frozen
from backend.editorial import review, transparency
from backend.editorial.corpus_gate import GatedArticleStore
from backend.editorial.tasks import rescan as rescan_task
from backend.extensions import db
from backend.models.editorial import EditorNotice
from content.importer import import_corpus, load_corpus
from moderation.corpus import read_decisions

from .conftest import (
    MODERATOR,
    RULES_FLAGGED_AD,
    STEREOTYPE_AD,
    EarlierModel,
    aware,
    make_ad,
    make_article,
    promote_into,
    publish_live,
    submit_and_gate,
)

ADS = "/api/v1/ads?placement=home-banner&locale=en"


def test_promoting_a_new_model_withdraws_newly_flagged_ads_and_tells_editors(
        client: FlaskClient, gate: Any, registry_dir: Path,
        trained_registry: tuple[Path, str]) -> None:
    # An earlier model missed this wording, so the gate cleared it and it went live.
    ad = make_ad(db.session, text=STEREOTYPE_AD, advertiser="Oshkhona Express")
    publish_live(db.session, "ad", ad.id, EarlierModel())
    neutral = make_article(db.session)
    publish_live(db.session, "article", neutral.id, EarlierModel())
    assert len(client.get(ADS).get_json()["items"]) == 1

    version = promote_into(registry_dir, trained_registry)
    withdrawn = rescan_task.run()  # what the periodic worker runs

    assert withdrawn == 1
    assert client.get(ADS).get_json()["items"] == []
    assert ad.state == "in_review"
    assert neutral.state == "published"
    assert client.get(f"/api/v1/articles/{neutral.slug}?locale=en").status_code == 200
    [entry] = review.moderation_queue(db.session)
    assert entry.item.id == ad.id and entry.result is not None
    assert entry.result.model_version == version and entry.result.trigger == "rescan"
    notice = db.session.query(EditorNotice).filter_by(item_id=ad.id).one()
    assert notice.recipient is None and "withdrawn" in notice.message
    assert rescan_task.run() == 0  # same version: nothing re-checked


def test_corpus_import_publishes_cleared_articles_and_holds_the_rest(client: FlaskClient,
                                                                     gate: Any) -> None:
    entries = load_corpus()
    report = import_corpus(entries, GatedArticleStore(db.session, gate))
    db.session.commit()

    assert len(report.created) + len(report.held) == len(entries)
    served = client.get("/api/v1/articles?locale=en&limit=50").get_json()["items"]
    english = {e.translation_key for e in entries if e.locale == "en"}
    held_en = {label.split("/")[1] for label in report.held if label.startswith("en/")}
    assert {i["translation_key"] for i in served} == english - held_en
    queued = {entry.item.translation_key for entry in review.moderation_queue(db.session)
              if entry.kind == "article" and entry.item.locale == "en"}
    assert queued == held_en

    again = import_corpus(entries, GatedArticleStore(db.session, gate))
    assert again.created == [] and again.updated == []


def test_corpus_article_the_gate_flags_is_held_not_published(app: Flask, client: FlaskClient,
                                                            gate: Any) -> None:
    from content.importer import parse_entry

    text = ("---\ntranslation_key: kitchen-duty\nslug: kitchen-duty\nlocale: en\n"
            "category: family-life\ntitle: Kitchen duty\nsummary: Who cooks at home.\n"
            "tags: [home]\npublished_at: 2026-01-05T08:00:00Z\n---\n"
            "Cooking is a woman's job and a good wife never complains.\n")
    entry = parse_entry(Path("en/kitchen-duty.md"), text)
    report = import_corpus([entry], GatedArticleStore(db.session, gate))
    db.session.commit()
    assert report.held == ["en/kitchen-duty"]
    assert client.get("/api/v1/articles/kitchen-duty?locale=en").status_code == 404


def test_transparency_report_counts_per_month_and_category(gate: Any) -> None:
    with frozen(aware(2030, 1, 10, 9)):
        recipe = make_article(db.session)
        submit_and_gate(db.session, "article", recipe.id, gate)
        flagged = make_ad(db.session, text=RULES_FLAGGED_AD)
        submit_and_gate(db.session, "ad", flagged.id, gate)
    with frozen(aware(2030, 2, 3, 9)):
        review.decide(db.session, MODERATOR, "ad", flagged.id, "reject", "Role stereotype")

    rows = transparency.transparency_report(db.session)
    counts = {(r.month, r.category): r.counts for r in rows}
    assert counts[("2030-01", "recipes")]["submitted"] == 1
    assert counts[("2030-01", "recipes")]["cleared"] == 1
    assert counts[("2030-01", "ads")]["submitted"] == 1
    assert counts[("2030-01", "ads")]["flagged"] == 1
    assert counts[("2030-02", "ads")]["rejected"] == 1
    csv_text = transparency.report_csv(rows)
    assert csv_text.splitlines()[0] == ("month,category,submitted,flagged,cleared,approved,"
                                        "rejected,changes_requested,withdrawn")
    assert "2030-02,ads,0,0,0,0,1,0,0" in csv_text.splitlines()


def test_moderator_decisions_export_as_training_examples(gate: Any, tmp_path: Path) -> None:
    rejected = make_ad(db.session, text=RULES_FLAGGED_AD)
    submit_and_gate(db.session, "ad", rejected.id, gate)
    review.decide(db.session, MODERATOR, "ad", rejected.id, "reject", "Role stereotype")
    approved = make_ad(db.session, text="Some still say real men don't cook; in our family "
                       "everyone cooks. Order from Oshkhona Express.")
    result = submit_and_gate(db.session, "ad", approved.id, gate)
    if result.decision != "clear":
        review.decide(db.session, MODERATOR, "ad", approved.id, "approve", "Counter-speech")

    out = io.StringIO()
    count = review.export_decisions(db.session, out)
    path = tmp_path / "decisions.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    rows = read_decisions(path)  # the moderation library reads what the gate wrote

    assert count == len(rows) >= 1
    first = json.loads(out.getvalue().splitlines()[0])
    assert first == {"text": RULES_FLAGGED_AD + "\n\nA loaf of bread on a table\n\nNon Bakery",
                     "lang": "en",
                     "kind": "ad", "label": "stereotype", "category": "roles",
                     "source": "moderator"}
    assert rows[0].label == "stereotype" and rows[0].source == "moderator"
