"""Long articles: only windows about gender decide a long text, so
second-person help advice around the issue's examples does not flag them, while "a good wife
obeys" inside the same advice is still flagged (test_long_articles.py covers Markdown articles)."""

from __future__ import annotations

import pytest

from moderation import Moderator

# Second-person advice without any gender term: the kind of paragraph that used to decide a whole
# help article (it resembles the stereotyped ads of the corpus, which also speak to "you").
ADVICE = {
    "en": (
        "You can call the hotline at any time, day or night; the call is free and confidential. "
        "Keep important numbers written down in a safe place. If you are in danger right now, call 102. "
        "You do not have to decide anything during the call: you can simply ask questions. "
        "Staff will help you, but they will never force you to do anything you do not want. "
    ),
    "ru": (
        "Вы можете позвонить на горячую линию в любое время, днём или ночью; звонок бесплатный и "
        "конфиденциальный. Запишите важные номера и храните их в надёжном месте. Если вам грозит "
        "опасность прямо сейчас, звоните 102. Во время звонка не нужно ничего решать: можно просто "
        "задать вопросы. Сотрудники помогут вам, но никогда не заставят делать то, чего вы не хотите. "
    ),
    "tg": (
        "Шумо метавонед ҳар вақт, рӯз ё шаб, ба хати боварӣ занг занед; занг ройгон ва махфист. "
        "Рақамҳои муҳимро нависед ва дар ҷои бехатар нигоҳ доред. Агар ҳозир ба шумо хатар таҳдид "
        "кунад, ба 102 занг занед. Ҳангоми занг ягон қарор қабул кардан шарт нест: шумо метавонед "
        "танҳо савол диҳед. Кормандон ба шумо кӯмак мекунанд, вале шуморо маҷбур намекунанд. "
    ),
}
COUNTER_SPEECH = {
    "en": "Some still say cooking is women's work; in our family everyone cooks.",
    "ru": "Некоторые до сих пор говорят, что готовка — женское дело; в нашей семье готовят все.",
    "tg": "Баъзеҳо ҳоло ҳам мегӯянд, ки ошпазӣ кори занон аст; дар хонаи мо ҳама хӯрок тайёр мекунанд.",
}
SCREENING = {
    "en": "Women over 40 can have a free mammogram at the district health centre; ask your doctor.",
    "ru": "Женщинам старше 40 лет стоит раз в два года проходить маммографию в районной поликлинике.",
    "tg": "Ба занони аз 40-сола боло тавсия дода мешавад, ки маммографияро дар маркази саломатӣ гузаранд.",
}
GOOD_WIFE = {
    "en": "A good wife obeys her husband.",
    "ru": "Хорошая жена слушается мужа.",
    "tg": "Зани хуб ба шавҳараш итоат мекунад.",
}


def _article(lang: str, middle: str) -> str:
    """About 200 words: advice, the sentence under test, more advice."""
    return f"{ADVICE[lang] * 2}\n\n{middle}\n\n{ADVICE[lang] * 2}"


@pytest.mark.parametrize("lang", ["en", "ru", "tg"])
def test_advice_articles_with_counter_speech_and_screening_are_clear(moderator: Moderator, lang: str) -> None:
    text = _article(lang, f"{COUNTER_SPEECH[lang]} {SCREENING[lang]}")
    assert len(text) > 700  # scored window by window
    assert moderator.assess(text, lang=lang).decision == "clear"


@pytest.mark.parametrize("lang", ["en", "ru", "tg"])
def test_a_stereotype_inside_a_long_advice_article_is_still_flagged(moderator: Moderator, lang: str) -> None:
    text = _article(lang, GOOD_WIFE[lang])
    result = moderator.assess(text, lang=lang)
    assert result.decision in ("review", "block")
    start = text.index(GOOD_WIFE[lang])
    assert any(start <= s.start < start + len(GOOD_WIFE[lang]) for s in result.spans)


def test_a_rule_hit_counts_even_without_a_gender_term(moderator: Moderator) -> None:
    """"Keep it in the family" names no gender; its window is still scored because a rule fired."""
    text = _article("en", "Never go to the police; keep it in the family.")
    assert moderator.assess(text, lang="en").decision in ("review", "block")


def test_gender_free_windows_are_not_scored(moderator: Moderator) -> None:
    text = ADVICE["en"] * 3 + "Her husband cooks on Fridays. " + ADVICE["en"] * 3
    norm = text.lower()
    windows = moderator._gendered_windows(norm, [], moderator.rules.gender_starts(norm, "en"))
    assert windows is not None and len(windows) == 1
    ws, we = windows[0]
    assert "her husband" in norm[ws:we]
    advice = (ADVICE["en"] * 6).lower()
    assert moderator._gendered_windows(advice, [], moderator.rules.gender_starts(advice, "en")) is None
