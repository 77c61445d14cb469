"""The EDOS evaluation model on tiny synthetic data (no shared data needed)."""

from __future__ import annotations

import numpy as np

from moderation.edos import EdosParams, NbLogisticRegression, abstract_gender_terms, normalise_edos

_TARGETS = ["women", "girls", "females", "ladies", "she", "wives"]
_SEXIST = ["are stupid and belong in the kitchen", "are worthless and should shut up", "can't think, useless"]
_NEUTRAL = [
    "the match last night was great fun",
    "my dog loves the park in the morning",
    "this recipe needs more garlic and salt",
]


def _toy() -> tuple[list[str], list[int]]:
    texts, labels = [], []
    for target in _TARGETS:
        for phrase in _SEXIST:
            texts.append(f"{target} {phrase}")
            labels.append(1)
    for i, phrase in enumerate(_NEUTRAL * 6):
        texts.append(f"[USER] {phrase} #{i % 3}")
        labels.append(0)
    return texts, labels


def test_learns_a_separable_toy_problem() -> None:
    texts, labels = _toy()
    model = NbLogisticRegression().fit(texts, labels)
    assert model.predict(texts).tolist() == labels
    probe = ["women are stupid and useless", "the park was great fun this morning"]
    assert model.predict(probe).tolist() == [1, 0]


def test_the_gender_term_view_generalises_across_words_for_women() -> None:
    """'gals' is not in the training rows, but the lexicon maps it to the same token as 'women'."""
    texts, labels = _toy()
    with_view = NbLogisticRegression().fit(texts, labels).decision_function(["gals belong in the kitchen"])
    without = (
        NbLogisticRegression(EdosParams(gender_ngrams=None))
        .fit(texts, labels)
        .decision_function(["gals belong in the kitchen"])
    )
    assert with_view[0] > without[0]


def test_fit_is_deterministic() -> None:
    texts, labels = _toy()
    probe = ["girls are useless", "garlic in the morning", "[USER] she can't think"]
    a = NbLogisticRegression().fit(texts, labels).decision_function(probe)
    b = NbLogisticRegression().fit(texts, labels).decision_function(probe)
    assert np.array_equal(a, b)


def test_normalisation() -> None:
    assert normalise_edos("[USER] Look  at https://x.y/z &amp; [URL]") == "xxuser look at xxurl & xxurl"
    assert normalise_edos("Sooooo true!!!!") == "soo true!!"
    assert normalise_edos("#MeToo is fine") == "# me too is fine"
    assert normalise_edos("lol \U0001f602") == "lol xxemo face_with_tears_of_joy"


def test_gender_terms_are_abstracted_slurs_first() -> None:
    assert abstract_gender_terms("that thot and her husband") == "that xxslur and xxfem xxmale"
    assert abstract_gender_terms("women can't drive") == "xxfem can ' t drive"
