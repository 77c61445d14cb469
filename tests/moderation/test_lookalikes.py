"""Mixed-script text (Latin look-alikes typed into Russian, Cyrillic ones into English) is
assessed like its plain spelling, with spans on the original text."""

from __future__ import annotations

from moderation import Moderator

MIXED_RU = "XOPOШAЯ ЖEHA CЛУШAETCЯ MУЖA."  # Latin X O P A E H C T M


def test_russian_typed_with_latin_lookalikes_is_detected_as_russian_and_flagged(
    moderator: Moderator,
) -> None:
    result = moderator.assess(MIXED_RU)
    assert result.lang == "ru"
    assert result.decision in ("review", "block")
    assert result.decision == moderator.assess(MIXED_RU, lang="ru").decision
    assert result.spans
    assert all(0 <= s.start < s.end <= len(MIXED_RU) for s in result.spans)
    rule_spans = [s for s in result.spans if "[" in s.reason]
    assert rule_spans
    assert MIXED_RU[rule_spans[0].start : rule_spans[0].end].startswith("XOPOШAЯ ЖEHA")


def test_spans_of_mixed_script_text_point_into_the_original(moderator: Moderator) -> None:
    # a decomposed letter before the sentence forces the explicit offset map
    text = "  Cafe\u0301 «news»: " + MIXED_RU
    result = moderator.assess(text)
    assert result.lang == "ru"
    assert result.decision in ("review", "block")
    rule_spans = [s for s in result.spans if "[" in s.reason]
    assert rule_spans
    assert text[rule_spans[0].start : rule_spans[0].end].startswith("XOPOШAЯ ЖEHA")


def test_english_with_cyrillic_lookalikes_is_flagged_like_plain_english(rules_moderator: Moderator) -> None:
    """Rules only: the trained model's character n-grams would flag the text even unrepaired."""
    moderator = rules_moderator
    plain = moderator.assess("A good wife obeys her husband.")
    mixed = moderator.assess("A good wifе оbeys her Нusband.")  # Cyrillic е, о, Н inside the match
    assert mixed.lang == "en"
    assert mixed.decision == plain.decision
    assert mixed.decision in ("review", "block")


def test_a_tajik_h_and_a_russian_h_are_both_read_right(rules_moderator: Moderator) -> None:
    """A Latin h typed in a Cyrillic word is ҳ in Tajik, н in Russian: both stereotypes are caught
    (rules only, which read exact words)."""
    moderator = rules_moderator
    tg = moderator.assess("Зани хуб ба шавhараш итоат мекунад.", lang="tg")
    ru = moderator.assess("Хорошая жeha слушается мужа.", lang="ru")
    assert tg.decision in ("review", "block")
    assert ru.decision in ("review", "block")
