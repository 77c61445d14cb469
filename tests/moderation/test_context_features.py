"""The gender-term and inclusive-phrase features, and models fitted before them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from moderation.corpus import load_corpus
from moderation.model import _RULE_FEATURES_V1, N_RULE_FEATURES, StereotypeModel
from moderation.moderator import Moderator
from moderation.normalise import normalise
from moderation.rules import StereotypeRules
from moderation.training import prepare_examples

RULES = StereotypeRules()


def _whole(method: str, text: str, lang: str) -> bool:
    norm = normalise(text).text
    result: list[bool] = getattr(RULES, method)(norm, lang, [(0, len(norm))])
    return result[0]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Call the hotline at any time; the call is free.", False),
        ("en", "Her husband cooks on Fridays.", True),
        ("ru", "Позвоните по номеру девятого числа и получите помощь.", False),
        ("ru", "Не беда, если малыш грызёт книжку: он так её изучает.", False),  # он/её: a book
        ("ru", "Тридцать лет и не замужем?", True),
        ("tg", "Ба 1313 занг занед. Мардум ҳама кӯмак мекунанд.", False),  # занг, мардум
        ("tg", "Зани хуб ба шавҳараш итоат мекунад.", True),
    ],
)
def test_gender_terms(lang: str, text: str, expected: bool) -> None:
    assert bool(RULES.gender_starts(normalise(text).text, lang)) is expected


def test_russian_pronouns_count_for_the_feature_but_not_for_windows() -> None:
    text = "Готовить в семье должна она."
    assert not RULES.gender_starts(normalise(text).text, "ru")
    assert _whole("gendered_in", text, "ru")


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Both boys and girls can learn to cook.", True),
        ("en", "Great for girls and boys from four years.", True),
        ("en", "A good wife obeys her husband.", False),
        ("ru", "Среди наших водителей и мужчины, и женщины.", True),
        ("ru", "Тариф не зависит от того, мужчина вы или женщина.", True),
        ("ru", "Хорошая жена слушается мужа.", False),
        ("tg", "Ҳам ба писарон, ҳам ба духтарон корҳои хонаро омӯзонед.", True),
        ("tg", "Тахфиф барои модарону падарон.", True),
        ("tg", "Зани хуб ба шавҳараш итоат мекунад.", False),
    ],
)
def test_inclusive_markers(lang: str, text: str, expected: bool) -> None:
    assert _whole("inclusive_in", text, lang) is expected


def test_gender_term_coverage_of_the_stereotyped_corpus(corpus_dir: Path) -> None:
    """The long-text windowing relies on stereotyped passages naming a gender: at least 95% do."""
    rows = [r for r in load_corpus(corpus_dir) if r.is_stereotype]
    named = sum(_whole("gendered_in", r.text, r.lang) for r in rows)
    assert named / len(rows) >= 0.95


def test_a_model_fitted_before_the_context_features_still_scores(corpus_dir: Path) -> None:
    """A registry version trained on the older, shorter rule-feature vector reads only its own
    columns: the fast and the reference paths agree and nothing fails on the wider vectors."""
    rows = [r for r in load_corpus(corpus_dir) if r.split == "train"][::3]
    examples = [replace(e, rule_vec=e.rule_vec[:_RULE_FEATURES_V1]) for e in prepare_examples(rows)]
    old = StereotypeModel().fit(examples)
    assert old.n_rules == _RULE_FEATURES_V1 < N_RULE_FEATURES
    moderator = Moderator(old, "old")
    text = ("Rinse the rice and let the carrots soften. " * 12) + "A good wife obeys her husband. " + (
        "Both parents can cook the plov on Friday. " * 12
    )
    fast = moderator.assess(text, lang="en")
    moderator.fast = False
    slow = moderator.assess(text, lang="en")
    assert np.isclose(fast.score, slow.score)
    assert fast.decision == slow.decision
