"""The project corpus meets the issue's requirements, and its test split stays as it was fixed."""

from __future__ import annotations

from collections import Counter

from moderation.assessment import CATEGORIES, LANGUAGES
from moderation.corpus import load_corpus, sha256_rows
from moderation.normalise import normalise

HARD_CASES = ("counter_speech", "debunking", "neutral_gender", "both_parents")
# sha256_rows of the test split sorted by (lang, id): the split was fixed before any tuning and
# must never change. A deliberate change needs a new evaluation round and a note in
# docs/moderation_eval.md; then update this value.
TEST_SPLIT_SHA256 = "8f6745de6ab40df0d73a9afae087be62aaedfe00c7fe01c2d76434427d46ae71"


def test_each_language_has_at_least_300_rows_about_half_acceptable() -> None:
    rows = load_corpus()
    for lang in LANGUAGES:
        mine = [r for r in rows if r.lang == lang]
        assert len(mine) >= 300, lang
        acceptable = sum(1 for r in mine if r.label == "acceptable")
        assert 0.4 <= acceptable / len(mine) <= 0.6, lang


def test_the_acceptable_half_holds_every_hard_case_and_every_category_is_covered() -> None:
    rows = load_corpus()
    for lang in LANGUAGES:
        hard = Counter(r.hard_case for r in rows if r.lang == lang and r.label == "acceptable")
        for case in HARD_CASES:
            assert hard[case] >= 30, (lang, case)
        for split in ("train", "test"):
            cats = Counter(
                r.category for r in rows if r.lang == lang and r.is_stereotype and r.split == split
            )
            assert set(cats) == set(CATEGORIES), (lang, split)
        assert not any(r.hard_case for r in rows if r.lang == lang and r.is_stereotype)


def test_the_test_split_is_fixed_and_shares_no_text_with_training() -> None:
    rows = load_corpus()
    test = sorted((r for r in rows if r.split == "test"), key=lambda r: (r.lang, r.id))
    assert sha256_rows(test) == TEST_SPLIT_SHA256
    ids = [r.id for r in rows]
    assert all(ids) and len(set(ids)) == len(ids)

    def key(text: str) -> str:
        return " ".join(normalise(text).text.split())

    test_keys = {key(r.text) for r in test}
    assert not [r.id for r in rows if r.split == "train" and key(r.text) in test_keys]
