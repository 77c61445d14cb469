"""Long Markdown articles: the starter corpus is not held, the issue's examples keep their
decision inside a long article, and the windowing that decides long texts."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from content.revisions import moderation_text
from moderation import Moderator
from moderation.moderator import _MIN_WINDOW_CHARS, _windows
from moderation.normalise import normalise

STARTER_DIR = Path(__file__).resolve().parents[2] / "content" / "corpus"

# Starter articles the model trained on the corpus train split still holds for review (see
# docs/moderation_eval.md, "Starter corpus"): none today, so the bound is zero. The test fails
# when an article is held, and names it.
KNOWN_HELD: set[str] = set()

GOOD_WIFE = {
    "en": "A good wife obeys her husband.",
    "ru": "Хорошая жена слушается мужа.",
    "tg": "Зани хуб ба шавҳараш итоат мекунад.",
}
COOKING = {
    "en": "Some still say cooking is women's work; in our family everyone cooks.",
    "ru": "Некоторые до сих пор говорят, что готовка - женское дело; в нашей семье готовят все.",
    "tg": "Баъзеҳо ҳанӯз мегӯянд, ки пухтупаз кори зан аст; дар оилаи мо ҳама хӯрок мепазанд.",
}
SCREENING = {
    "en": "Breast screening saves lives. Women over 40 can have a free mammogram at the district "
    "health centre; ask your doctor when your next check is due.",
    "ru": "Женщинам старше 40 лет стоит раз в два года проходить маммографию. Обследование "
    "бесплатное в районной поликлинике.",
    "tg": "Маммография барои ташхиси барвақти саратони сина муҳим аст. Ба занони аз 40-сола боло "
    "тавсия дода мешавад, ки ба духтур муроҷиат кунанд.",
}


def _starter() -> list[tuple[str, str, str]]:
    """(name, locale, gate text) of every starter article, as the editorial gate sees it."""
    out = []
    for path in sorted(STARTER_DIR.glob("*/*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        fields = {"title": str(meta["title"]), "summary": str(meta["summary"]), "body_markdown": body,
                  "tags": ", ".join(str(tag) for tag in meta.get("tags") or [])}
        name = f"{path.parent.name}/{path.name}"
        out.append((name, str(meta["locale"]), moderation_text("article", fields)))
    return out


STARTER = _starter()


def _article(lang: str, name: str) -> str:
    return next(text for n, loc, text in STARTER if loc == lang and n.endswith(name))


def test_the_starter_corpus_is_not_held(moderator: Moderator) -> None:
    assert len(STARTER) >= 60
    held = sorted(
        name
        for name, lang, text in STARTER
        if moderator.assess(text, kind="article", lang=lang).decision != "clear"
    )
    unexpected = sorted(set(held) - KNOWN_HELD)
    assert not unexpected, f"starter articles held for review: {unexpected}"
    assert len(held) <= len(KNOWN_HELD)


@pytest.mark.parametrize("lang", ["en", "ru", "tg"])
def test_the_issue_examples_in_every_language(moderator: Moderator, lang: str) -> None:
    assert moderator.assess(GOOD_WIFE[lang], lang=lang).decision != "clear"
    assert moderator.assess(COOKING[lang], lang=lang).decision == "clear"
    assert moderator.assess(SCREENING[lang], lang=lang).decision == "clear"


@pytest.mark.parametrize("lang", ["en", "ru", "tg"])
def test_a_stereotype_inside_a_long_markdown_article_is_still_flagged(
    moderator: Moderator, lang: str
) -> None:
    article = _article(lang, "mung-bean-soup.md")
    assert moderator.assess(article, lang=lang).decision == "clear"
    middle = article.index("\n\n", len(article) // 2)
    text = f"{article[:middle]}\n\n{GOOD_WIFE[lang]}{article[middle:]}"
    result = moderator.assess(text, lang=lang)
    assert result.decision != "clear"
    assert any(middle <= s.start <= middle + 2 + len(GOOD_WIFE[lang]) for s in result.spans)


@pytest.mark.parametrize("lang", ["en", "ru", "tg"])
def test_counter_speech_and_screening_inside_a_long_article_stay_clear(
    moderator: Moderator, lang: str
) -> None:
    article = _article(lang, "mung-bean-soup.md")
    middle = article.index("\n\n", len(article) // 2)
    text = f"{article[:middle]}\n\n{COOKING[lang]}\n\n{SCREENING[lang]}{article[middle:]}"
    assert moderator.assess(text, lang=lang).decision == "clear"


def test_windows_are_never_shorter_than_the_minimum() -> None:
    for _, _, text in STARTER:
        norm = normalise(text).text
        spans = _windows(norm)
        assert spans[0][0] == 0 and spans[-1][1] == len(norm)
        assert all(a[1] == b[0] for a, b in pairwise(spans))
        if len(spans) > 1:
            assert all(e - s >= _MIN_WINDOW_CHARS for s, e in spans)


def test_markdown_markup_is_blanked_without_moving_offsets() -> None:
    text = "## Heading\n\n- **Bold** item\n1. First step\n* star item"
    norm = normalise(text)
    assert len(norm.text) == len(text)
    assert "#" not in norm.text and "*" not in norm.text and "- " not in norm.text and "1." not in norm.text
    assert norm.text.index("bold") == text.index("Bold")
