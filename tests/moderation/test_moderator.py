"""The issue's examples, spans on the original text, and the Assessment contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation import CATEGORIES, Assessment, Moderator

GOOD_WIFE = {
    "en": "A good wife obeys her husband.",
    "ru": "Хорошая жена слушается мужа.",
    "tg": "Зани хуб ба шавҳараш итоат мекунад.",
}
COOKING = "Some still say cooking is women's work; in our family everyone cooks."
SCREENING = (
    "Breast screening saves lives. Women over 40 can have a free mammogram at the district "
    "health centre; ask your doctor when your next check is due."
)
SCREENING_RU = (
    "Женщинам старше 40 лет стоит раз в два года проходить маммографию. Обследование "
    "бесплатное в районной поликлинике."
)
SCREENING_TG = (
    "Маммография барои ташхиси барвақти саратони сина муҳим аст. Ба занони аз 40-сола боло "
    "тавсия дода мешавад, ки ба духтур муроҷиат кунанд."
)


@pytest.fixture(params=["model", "rules"])
def any_moderator(
    request: pytest.FixtureRequest, moderator: Moderator, rules_moderator: Moderator
) -> Moderator:
    return moderator if request.param == "model" else rules_moderator


@pytest.mark.parametrize("lang", ["en", "ru", "tg"])
def test_a_good_wife_obeys_her_husband_is_flagged_in_every_language(
    any_moderator: Moderator, lang: str
) -> None:
    result = any_moderator.assess(GOOD_WIFE[lang])
    assert result.decision in ("review", "block")
    assert result.lang == lang
    assert max(result.categories, key=lambda c: result.categories[c]) == "harmful_norms"


@pytest.mark.parametrize("kind", ["article", "ad"])
def test_counter_speech_about_cooking_is_clear(any_moderator: Moderator, kind: str) -> None:
    assert any_moderator.assess(COOKING, kind=kind).decision == "clear"


@pytest.mark.parametrize("text", [SCREENING, SCREENING_RU, SCREENING_TG])
def test_breast_screening_reminder_is_clear(any_moderator: Moderator, text: str) -> None:
    assert any_moderator.assess(text).decision == "clear"


@pytest.mark.parametrize(
    "text",
    [
        "It is a myth that a good wife must obey her husband. Marriage is a partnership.",
        "Миф, что хорошая жена должна слушаться мужа. Брак — это партнёрство.",
        "Ин афсона аст, ки гӯё зани хуб бояд ба шавҳараш итоат кунад; издивоҷ шарикӣ аст.",
    ],
)
def test_debunking_is_clear(moderator: Moderator, text: str) -> None:
    assert moderator.assess(text).decision == "clear"


@pytest.mark.parametrize("lang", ["en", "ru", "tg"])
def test_spans_point_at_the_stereotype_words_in_the_original_text(moderator: Moderator, lang: str) -> None:
    # leading spaces, a decomposed letter and odd quotes must not shift the offsets
    prefix = "  Cafe\u0301 «news»: "
    text = prefix + GOOD_WIFE[lang]
    result = moderator.assess(text, lang=lang)
    rule_spans = [s for s in result.spans if "[" in s.reason]
    assert rule_spans
    covered = text[rule_spans[0].start : rule_spans[0].end].lower()
    expected_word = {"en": "good wife", "ru": "хорошая жена", "tg": "зани хуб"}[lang]
    assert covered.startswith(expected_word)
    assert rule_spans[0].category == "harmful_norms"
    assert all(0 <= s.start < s.end <= len(text) for s in result.spans)


def test_spans_survive_tajik_substitute_letters(moderator: Moderator) -> None:
    text = "Зани хуб ба шавхараш итоат мекунад."
    result = moderator.assess(text)
    assert result.lang == "tg"
    assert any(text[s.start : s.end].startswith("Зани хуб") for s in result.spans)


def test_assessment_has_the_public_shape(moderator: Moderator) -> None:
    result = moderator.assess("Toys for real boys! Leave the dolls to your sister.", kind="ad")
    assert isinstance(result, Assessment)
    data = result.to_dict()
    assert set(data) == {"decision", "score", "categories", "spans", "lang", "model_version"}
    assert set(data["categories"]) == set(CATEGORIES)
    assert 0.0 <= data["score"] <= 1.0
    assert all(0.0 <= v <= 1.0 for v in data["categories"].values())
    assert data["model_version"] == moderator.model_version
    json.dumps(data)  # plain JSON
    for span in data["spans"]:
        assert set(span) == {"start", "end", "category", "reason"}
    with pytest.raises(AttributeError):
        result.decision = "clear"  # type: ignore[misc]


def test_rules_only_moderator_reports_a_rules_version(rules_moderator: Moderator) -> None:
    assert rules_moderator.model_version.startswith("rules-")
    result = rules_moderator.assess("Мальчики не плачут. Будь мужчиной!")
    assert result.decision != "clear"
    assert result.spans


def test_explicit_language_is_respected(moderator: Moderator) -> None:
    assert moderator.assess("Plov", lang="tg").lang == "tg"
    assert moderator.assess("Plov", lang="xx").lang == "en"


def test_empty_and_long_texts_are_handled(moderator: Moderator) -> None:
    assert moderator.assess("").decision == "clear"
    long_text = ("Rinse the rice three times and let the carrots soften in the oil. " * 80).strip()
    assert moderator.assess(long_text).decision == "clear"


def test_fast_single_document_path_matches_the_sparse_pipeline(moderator: Moderator) -> None:
    import numpy as np

    from moderation.normalise import normalise

    model = moderator.model
    assert model is not None
    for text, lang in [(GOOD_WIFE["ru"], "ru"), (COOKING, "en"), (SCREENING_TG, "tg")]:
        prepared = moderator._prepare(text, "article", lang)
        doc = (normalise(text).text, prepared[5])
        idx, vals = model.features(doc, prepared[3])
        x = model.transform([doc], prepared[3].reshape(1, -1))
        assert np.isclose(model.score_features(idx, vals), model.score(x)[0])
        fast = model.category_features(idx, vals)
        slow = model.category_probs(x)[0]
        assert all(np.isclose(fast[c], slow[c]) for c in CATEGORIES)


def test_long_articles_get_spans_in_the_offending_paragraph(moderator: Moderator) -> None:
    recipe = "Rinse the rice three times and let the carrots soften in the oil. " * 30
    text = recipe + "A good wife obeys her husband and never argues. " + recipe
    result = moderator.assess(text)
    assert result.decision != "clear"
    start = len(recipe)
    assert any(start <= s.start < start + 50 for s in result.spans)


def test_the_model_points_at_words_where_no_rule_fires(moderator: Moderator, corpus_dir: Path) -> None:
    """Stereotypes no rule catches are explained by the model's top features, mapped back to
    spans of the original text."""
    from moderation.corpus import load_corpus
    from moderation.normalise import normalise
    from moderation.rules import StereotypeRules

    rules = StereotypeRules()
    rows = [
        r
        for r in load_corpus(corpus_dir)
        if r.split == "train" and r.is_stereotype and not rules.find(normalise(r.text).text, r.lang)
    ]
    assert len(rows) >= 30
    explained = 0
    for r in rows[:60]:
        a = moderator.assess(r.text, kind=r.kind, lang=r.lang)
        if a.decision == "clear":
            assert a.spans == []
            continue
        assert a.spans, r.text
        for s in a.spans:
            assert s.reason.startswith("model:"), s.reason
            assert 0 <= s.start < s.end <= len(r.text)
            assert r.text[s.start : s.end].strip() == r.text[s.start : s.end]
            assert any(ch.isalnum() for ch in r.text[s.start : s.end])
        explained += 1
    assert explained >= 20


def test_language_detection_is_measured_without_the_given_language(moderator: Moderator) -> None:
    from moderation.corpus import LabelledText
    from moderation.evaluation import evaluate_rows

    rows = [
        LabelledText("A good wife obeys her husband.", "en", "article", "stereotype", "roles", None, "test"),
        # labelled English, written in Russian: detection must disagree with the label
        LabelledText("Хорошая жена слушается мужа.", "en", "article", "stereotype", "roles", None, "test"),
    ]
    report = evaluate_rows(moderator, rows)
    assert report["by_lang"]["en"]["lang_detection_accuracy"] == 0.5
