"""The optimised scoring path gives the same decisions, scores and spans as the reference path
(window by window) on the whole corpus and on long articles stitched from it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from moderation.corpus import load_corpus
from moderation.moderator import Moderator


def _reference(moderator: Moderator) -> Moderator:
    ref = Moderator(moderator.model, moderator.model_version, moderator.policy, moderator.rules)
    ref.fast = False
    return ref


def _long_articles(texts_by_lang: dict[str, list[str]], n: int = 60, words: int = 500) -> list[str]:
    rng = random.Random(3)
    out = []
    langs = sorted(texts_by_lang)
    for i in range(n):
        pool = texts_by_lang[langs[i % len(langs)]]
        parts: list[str] = []
        while sum(len(p.split()) for p in parts) < words:
            parts.append(rng.choice(pool))
        out.append(" ".join(parts))
    return out


@pytest.mark.parametrize("kind", ["article", "ad"])
def test_fast_path_matches_the_reference_on_the_whole_corpus(
    moderator: Moderator, corpus_dir: Path, kind: str
) -> None:
    rows = load_corpus(corpus_dir)
    by_lang: dict[str, list[str]] = {}
    for r in rows:
        by_lang.setdefault(r.lang, []).append(r.text)
    texts = [r.text for r in rows] + _long_articles(by_lang)
    ref = _reference(moderator)
    assert moderator.fast
    for text in texts:
        fast, slow = moderator.assess(text, kind=kind), ref.assess(text, kind=kind)
        assert fast.decision == slow.decision, text
        assert fast.score == pytest.approx(slow.score, abs=1e-6), text
        for c, v in slow.categories.items():
            assert fast.categories[c] == pytest.approx(v, abs=1e-6), text
        assert fast.spans == slow.spans, text
        assert fast.lang == slow.lang


def test_explanations_reusing_the_scoring_tokens_are_identical(
    moderator: Moderator, corpus_dir: Path
) -> None:
    """The worst windows' word contributions computed from the tokens ``score_windows`` kept
    equal (bit for bit) those computed by tokenising the window again."""
    assert moderator.model is not None
    by_lang: dict[str, list[str]] = {}
    for r in load_corpus(corpus_dir):
        by_lang.setdefault(r.lang, []).append(r.text)
    reused = 0
    for text in _long_articles(by_lang):
        windows = moderator._windows_fast(moderator._prepare(text, "article", None), "article")
        assert windows is not None
        for _, _, sub, idx, vals, scored in windows:
            assert scored is not None and scored[0].tokens is not None
            reused += scored[0].tokens.plain[scored[1]]
            again = moderator.model.word_contributions(sub, idx, vals)
            assert moderator.model.word_contributions(sub, idx, vals, scored=scored) == again
    assert reused > 0


def test_character_ngrams_looked_up_at_once_equal_the_per_word_cut(
    moderator: Moderator, corpus_dir: Path
) -> None:
    """``_lookup_char_ngrams`` (all new words of a text keyed and looked up in a few array
    operations) gives each word exactly the n-gram indices, in the same order, as cutting the
    word into n-grams and looking each one up in the vocabulary (``_char_ids``)."""
    from moderation.model import StereotypeModel
    from moderation.normalise import normalise

    assert moderator.model is not None
    words: dict[str, None] = {}
    for r in load_corpus(corpus_dir):
        words.update(dict.fromkeys(normalise(r.text).text.split()))
    # characters the vocabulary never holds, lone surrogates, one-letter words, markup
    words.update(dict.fromkeys(["a", "и", "😀мама", "\ud800x", "x\u0301", "—", "**", "ҳамсар", "q" * 40]))
    tokens = list(words)
    reference = StereotypeModel.__new__(StereotypeModel)
    reference.__dict__.update(moderator.model.__getstate__())  # fresh memos
    looked_up = reference._lookup_char_ngrams(tokens)
    assert reference.__dict__.get("_token_cache") in (None, {})  # not filled by the lookup
    for token, ids in zip(tokens, looked_up, strict=True):
        expected = reference._char_ids(token)
        assert ids.dtype == expected.dtype
        assert ids.tolist() == expected.tolist(), token
    # in batches of a few words too (the scoring looks up each text's new words)
    fresh = StereotypeModel.__new__(StereotypeModel)
    fresh.__dict__.update(moderator.model.__getstate__())
    for i in range(0, 200, 7):
        batch = tokens[i : i + 7]
        assert [a.tolist() for a in fresh._char_arrays(batch)] == [
            reference._char_ids(t).tolist() for t in batch
        ]
