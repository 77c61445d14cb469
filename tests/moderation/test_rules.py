"""Rules find stereotypes and recognise negation, quotation and debunking in all languages."""

from __future__ import annotations

import pytest

from moderation.normalise import normalise
from moderation.rules import StereotypeRules

RULES = StereotypeRules()


def statuses(text: str, lang: str) -> set[str]:
    return {h.status for h in RULES.find(normalise(text).text, lang)}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A good wife obeys her husband.", "en"),
        ("Хорошая жена слушается мужа.", "ru"),
        ("Зани хуб ба шавҳараш итоат мекунад.", "tg"),
        ("Зани хуб ба шавхараш итоат мекунад.", "tg"),  # typed without Tajik letters
        ("Boys must not cry. Stand up like a man.", "en"),
        ("Мальчики не плачут.", "ru"),
        ("Писарон гиря намекунанд.", "tg"),
    ],
)
def test_stated_stereotypes_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("It is a myth that a good wife must obey her husband.", "en"),
        ("Some still say cooking is women's work; in our family everyone cooks.", "en"),
        ("Миф, что хорошая жена должна слушаться мужа во всём.", "ru"),
        ("Говорят, что кухня — место женщины. В нашей семье готовит папа.", "ru"),
        ("Ин афсона аст, ки гӯё зани хуб бояд ба шавҳараш итоат кунад.", "tg"),
        ("Баъзеҳо ҳанӯз мегӯянд, ки пухтупаз кори зан аст.", "tg"),
    ],
)
def test_debunked_stereotypes_are_not_asserted(text: str, lang: str) -> None:
    found = statuses(text, lang)
    assert found, "the stereotype itself should still be recognised"
    assert "asserted" not in found
    assert "debunked" in found


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A good wife does not have to obey her husband.", "en"),
        ("Неправда что хорошая жена слушается мужа.", "ru"),
        ("Рашк ва назорат нишонаи муҳаббат нестанд.", "tg"),
    ],
)
def test_negated_stereotypes_are_not_asserted(text: str, lang: str) -> None:
    found = statuses(text, lang)
    assert found
    assert "asserted" not in found


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ('My grandmother\'s words were "a good wife obeys her husband", nothing more.', "en"),
        ("Бабушка повторяла: «хорошая жена слушается мужа», и всё.", "ru"),
        ("Бибиам мегуфт: «зани хуб ба шавҳараш итоат мекунад».", "tg"),
    ],
)
def test_quoted_stereotypes_are_not_asserted(text: str, lang: str) -> None:
    found = statuses(text, lang)
    assert found
    assert "asserted" not in found


def test_every_category_has_rules_in_every_language() -> None:
    for lang, rules in RULES.rules.items():
        assert {r.category for r in rules} == {
            "roles",
            "characteristics",
            "body_image",
            "mocking",
            "children",
            "harmful_norms",
        }, lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("As the proverb says, a good wife obeys her husband.", "en"),
        ("Как говорится, хорошая жена слушается мужа.", "ru"),
        ("Тавре ки мегӯянд, зани хуб ба шавҳараш итоат мекунад.", "tg"),
    ],
)
def test_sayings_quoted_approvingly_are_asserted(text: str, lang: str) -> None:
    assert "asserted" in statuses(text, lang)
    assert RULES.distanced_ranges(normalise(text).text, lang) == ()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A real man doesn't cook.", "en"),
        ("Real men don't cook.", "en"),
        ("A real man does not cook dinner.", "en"),
        ("Real men never cook.", "en"),
        ("A real man never washes the dishes.", "en"),
        ("A man doesn't cry.", "en"),
        ("Men never cry.", "en"),
        ("A boy does not cry.", "en"),
        ("A woman can't drive.", "en"),
        ("Настоящий мужчина не готовит.", "ru"),
        ("Настоящие мужчины никогда не готовят.", "ru"),
        ("Мальчик не плачет.", "ru"),
        ("Мужчина никогда не плачет.", "ru"),
        ("Марди ҳақиқӣ хӯрок намепазад.", "tg"),
        ("Мардони ҳақиқӣ ҳеҷ гоҳ пухтупаз намекунанд.", "tg"),
        ("Писар гиря намекунад.", "tg"),
        ("Мард ҳеҷ гоҳ гиря намекунад.", "tg"),
    ],
)
def test_rules_cover_singular_plural_and_every_negation(text: str, lang: str) -> None:
    # the editorial team's report: "A real man doesn't cook" was missed (only "real men don't" matched)
    assert "asserted" in statuses(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Мард гиря мекунад ва ин табиист.", "tg"),
        ("A real man cooks for his family.", "en"),
    ],
)
def test_positive_forms_are_not_flagged(text: str, lang: str) -> None:
    assert "asserted" not in statuses(text, lang)


def test_bez_negates_in_russian() -> None:
    # "без гонки за фигурой" (without chasing a figure) is not body-image pressure
    found = statuses("Мягкие упражнения после родов, без гонки за фигурой и сравнений.", "ru")
    assert "asserted" not in found


def test_anchor_prefilter_finds_exactly_what_a_full_search_finds() -> None:
    from moderation.corpus import load_corpus
    from moderation.rules import _matches, _Positions

    assert all(r.anchors is not None for rules in RULES.rules.values() for r in rules)
    for row in load_corpus():
        text = normalise(row.text).text
        positions = _Positions(text)
        # the one-scan index of the words a language's anchors can start
        filtered = _Positions(text, RULES._word_starts[row.lang])
        for rule in RULES.rules[row.lang]:
            full = [m.span() for m in rule.pattern.finditer(text) if m.end() > m.start()]
            assert [m.span() for m in _matches(rule, text, positions)] == full, rule.rule_id
            assert [m.span() for m in _matches(rule, text, filtered)] == full, rule.rule_id
