"""Normalisation keeps offsets to the original and makes spelling variants match."""

from __future__ import annotations

import pytest

from moderation.normalise import detect_language, normalise


def test_tajik_letters_and_their_substitutes_normalise_to_the_same_text() -> None:
    assert (
        normalise("Зани хуб ба шавҳараш итоат мекунад").text
        == normalise("Зани хуб ба шавхараш итоат мекунад").text
    )
    assert normalise("ғӣқӯҳҷ").text == "гикухч"


def test_case_quotes_dashes_and_yo_are_unified() -> None:
    assert normalise("«Ревнует — значит любит», ЁЛКА").text == '"ревнует - значит любит", елка'


def test_latin_lookalikes_inside_cyrillic_words_are_repaired() -> None:
    # "жeна" with a Latin e, "xорошая" with a Latin x
    assert normalise("xорошая жeна").text == "хорошая жена"
    # and Cyrillic look-alikes inside an English word
    assert normalise("gооd wifе").text == "good wife"


def test_plain_latin_and_cyrillic_words_side_by_side_are_untouched() -> None:
    assert normalise("Тариф Gap для всех").text == "тариф gap для всех"


def test_offsets_map_back_when_nfc_changes_the_length() -> None:
    text = "Cafe\u0301 obey"  # decomposed é
    norm = normalise(text)
    assert norm.text == "café obey"
    start = norm.text.index("obey")
    s, e = norm.to_original(start, start + 4)
    assert text[s:e] == "obey"
    s, e = norm.to_original(0, 4)
    assert text[s:e] == "Cafe\u0301"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A good wife obeys her husband.", "en"),
        ("Хорошая жена слушается мужа.", "ru"),
        ("Зани хуб ба шавҳараш итоат мекунад.", "tg"),
        ("Зани хуб ба шавхараш итоат мекунад ва дар хона кор мекунад.", "tg"),
        ("Пухтупаз кори зан аст", "tg"),
        ("Кухня — место женщины", "ru"),
        ("Плов на 8 Марта", "ru"),
        ("", "en"),
    ],
)
def test_language_is_detected_among_tajik_russian_and_english(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_character_steps_equal_a_plain_translate() -> None:
    from moderation.corpus import load_corpus
    from moderation.normalise import _REPLACEMENTS, _TABLE, _char_steps

    # one character onto one character that is not replaced again: order does not matter
    assert all(len(v) == 1 and ord(v) not in _TABLE for _, v in _REPLACEMENTS)
    samples = ["«Ҳа» — ё… `x´ ‑ ҡӈһҫҹӌҕ\u00a0\u2009 ĞÜ", "Plain ASCII `quote`"]
    texts = [r.text for r in load_corpus()] + samples
    for text in texts:
        assert _char_steps(text) == text.lower().translate(_TABLE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Cyrillic М, В, Н, Т, К, Р, С, Х, У upper case inside English words
        ("Cooking is a woМan's job.", "cooking is a woman's job."),
        ("Вoys don't cry.", "boys don't cry."),
        ("A good wife obeys her Нusband", "a good wife obeys her husband"),
        ("Тhe Кitchen is Рlace for Сooking, Хena Уes", "the kitchen is place for cooking, xena yes"),
        # Cyrillic Shha (һ) and Palochka look like h and I
        ("Ӏtems for һer", "items for her"),
    ],
)
def test_upper_case_cyrillic_lookalikes_inside_english_words_are_repaired(text: str, expected: str) -> None:
    norm = normalise(text)
    assert norm.text == expected
    assert len(norm.text) == len(text) and norm.offsets is None  # offsets unchanged


def test_lower_case_cyrillic_letters_that_only_look_latin_in_upper_case_stay() -> None:
    # lower-case в н т м do not look like b h t m: a word with them is not an English word
    assert normalise("вoys").text == "вoys"
    assert normalise("нusband").text == "нusband"


def test_latin_h_inside_a_cyrillic_word_follows_the_language() -> None:
    # Tajik: h/H stand for ҳ/Ҳ (folded to х)
    assert normalise("шавhараш", "tg").text == normalise("шавҳараш", "tg").text == "шавхараш"
    # an upper-case H is the look-alike of Н in every language ("ЗAH", "Hодуруст")
    assert normalise("ЗAH БОЯД ИТОАТ КУНАД", "tg").text == "зан бояд итоат кунад"
    assert normalise("Hодуруст аст", "tg").text == "нодуруст аст"
    assert (
        normalise("Зани хуб ба шавhараш итоат мекунад", "tg").text
        == normalise("Зани хуб ба шавҳараш итоат мекунад", "tg").text
    )
    # Russian (or unknown): h is the look-alike of н
    assert normalise("Хорошая жeha слушается мужа.", "ru").text == "хорошая жена слушается мужа."
    assert normalise("жeha").text == "жена"


def test_upper_case_latin_lookalikes_inside_russian_words_are_repaired() -> None:
    # Latin X O P A E H inside Cyrillic words; upper-case H is the look-alike of Н
    assert normalise("XOPOШAЯ ЖEHA").text == "хорошая жена"
    assert normalise("XOPOШAЯ ЖEHA CЛУШAETCЯ MУЖA.").text == "хорошая жена слушается мужа."


def test_lookalike_repair_keeps_offsets_when_nfc_changes_the_length() -> None:
    text = "Cafe\u0301: XOPOШAЯ ЖEHA"
    norm = normalise(text)
    assert norm.text == "café: хорошая жена"
    start = norm.text.index("жена")
    s, e = norm.to_original(start, start + 4)
    assert text[s:e] == "ЖEHA"
    # a decomposed Latin e inside a Cyrillic word becomes the Cyrillic е (ё folded to е)
    assert normalise("жe\u0308на").text == "жена"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("XOPOШAЯ ЖEHA CЛУШAETCЯ MУЖA.", "ru"),
        ("Зaни xуб бa шaвhaрaш итoaт мeкунaд.", "tg"),
        ("Cooking is a woМan's job. Вoys don't cry.", "en"),
    ],
)
def test_language_is_detected_after_lookalike_repair(text: str, lang: str) -> None:
    assert detect_language(text) == lang
