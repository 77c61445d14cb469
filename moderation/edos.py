"""The EDOS task A evaluation model: NB-weighted logistic regression on word, char and gender-term n-grams.

This is an evaluation of the approach on EDOS (English sexism), separate from the production model
(``moderation.model``), which is trained on the project's own corpus and is not affected.

Method (chosen by 5-fold cross-validation on train+dev and on the official dev split with the model
trained on train only; the test split was not used for any choice, see docs/moderation_eval.md):

* text (``normalise_edos``): hashtags split into words (``#MeToo`` -> ``# me too``), emoji replaced by
  their Unicode names (``xxemo face_with_tears_of_joy``), lower-cased, ``[USER]`` / ``[URL]`` (and raw
  URLs) replaced by single tokens, ``&amp;`` undone, a letter repeated three or more times squashed to
  two (``sooooo`` -> ``soo``), and runs of ``!``, ``?`` or ``.`` cut to two;
* features: TF-IDF (sublinear tf, ``min_df=2``) of three views, stacked:
  word 1-3-grams (punctuation kept as tokens), ``char_wb`` 2-5-grams, and word 1-3-grams of a
  *gender-term view* (``abstract_gender_terms``) in which a small hand-written lexicon maps gendered
  slurs to ``xxslur``, words for women to ``xxfem`` and words for men to ``xxmale`` -- so "girls are
  stupid" and "females are stupid" share the n-gram ``xxfem are stupid``;
* NB weighting (Wang & Manning 2012): every feature is scaled by its log-count ratio
  ``log((p / |p|) / (q / |q|))`` where ``p`` and ``q`` are the summed feature values of the sexist and
  not-sexist training rows plus ``alpha=1``;
* a class-balanced logistic regression (liblinear, ``C=2``), decision threshold 0 on its decision function
  (probability 0.5). A threshold fitted on out-of-fold predictions gained 0.0015 in nested
  cross-validation (noise) for five extra fits, so it is not used.

Out-of-fold macro-F1 on train+dev (5-fold): 0.785, against 0.782 for the same model without the
normalisation and the gender-term view (better in 4 of 5 folds). Stacking, other base models and a
gradient-boosted meta-learner were tried and did not do better (docs/moderation_eval.md).

Training takes about 15 s on 16,000 rows (this 2-core machine) and is deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

_USER = re.compile(r"\[user\]")
_URL = re.compile(r"\[url\]|https?://\S+")
_SPACE = re.compile(r"\s+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ELONGATION = re.compile(r"(\w)\1{2,}")
_PUNCT_RUN = re.compile(r"([!?.])\1+")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD_OR_PUNCT = r"(?u)\b\w+\b|[^\w\s]"  # words, and punctuation marks as tokens


def _lexicon(words: str) -> frozenset[str]:
    return frozenset(words.split())


# A small hand-written lexicon (general English, not drawn from EDOS rows). A slur is checked first.
GENDERED_SLURS = _lexicon(
    """bitch bitches bitchy whore whores slut sluts slutty thot thots hoe hoes ho cunt cunts skank skanks
    twat twats harpy harpies feminazi feminazis femoid femoids foid foids roastie roasties hag hags tramp
    tramps wench wenches"""
)
FEMALE_TERMS = _lexicon(
    """woman women girl girls female females she her hers herself wife wives girlfriend girlfriends gf
    mother mothers mom moms mum mums daughter daughters sister sisters lady ladies chick chicks gal gals
    bride brides queen queens wifey mommy mama aunt grandma granny feminist feminists feminism stacy
    stacies becky beckys karen karens waifu"""
)
MALE_TERMS = _lexicon(
    """man men guy guys he him his himself husband husbands boyfriend boyfriends bf father fathers dad
    dads son sons brother brothers male males boy boys dude dudes gentleman gentlemen chad chads incel
    incels beta betas alpha alphas mgtow simp simps cuck cucks"""
)


def _emoji_names(text: str) -> str:
    out = []
    for ch in text:
        if ord(ch) > 0x2000 and unicodedata.category(ch) == "So":
            name = unicodedata.name(ch, "")
            out.append(f" xxemo {name.lower().replace(' ', '_')} " if name else ch)
        else:
            out.append(ch)
    return "".join(out)


def normalise_edos(text: str) -> str:
    """Hashtags split, emoji named, lower-cased, EDOS masks as single tokens, elongations squashed."""
    t = text.replace("&amp;", "&")
    t = _HASHTAG.sub(lambda m: " # " + _CAMEL.sub(" ", m.group(1)) + " ", t)
    t = _emoji_names(t).lower()
    t = _USER.sub(" xxuser ", t)
    t = _URL.sub(" xxurl ", t)
    t = _SPACE.sub(" ", t).strip()
    t = _ELONGATION.sub(r"\1\1", t)
    return _PUNCT_RUN.sub(r"\1\1", t)


def abstract_gender_terms(normalised: str) -> str:
    """The gender-term view of a normalised text: slurs -> xxslur, women -> xxfem, men -> xxmale."""
    out = []
    for w in _TOKEN.findall(normalised):
        if w in GENDERED_SLURS:
            out.append("xxslur")
        elif w in FEMALE_TERMS:
            out.append("xxfem")
        elif w in MALE_TERMS:
            out.append("xxmale")
        else:
            out.append(w)
    return " ".join(out)


@dataclass(frozen=True)
class EdosParams:
    word_ngrams: tuple[int, int] = (1, 3)
    char_ngrams: tuple[int, int] = (2, 5)
    gender_ngrams: tuple[int, int] | None = (1, 3)  # None: no gender-term view
    min_df: int = 2
    nb_alpha: float = 1.0
    C: float = 2.0
    threshold: float = 0.0  # on the decision function (probability 0.5)


def _word_vectorizer(ngrams: tuple[int, int], min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=ngrams,
        min_df=min_df,
        sublinear_tf=True,
        token_pattern=_WORD_OR_PUNCT,
        dtype=np.float64,
    )


class NbLogisticRegression:
    """NB-weighted logistic regression over word, char_wb and gender-term TF-IDF features (binary labels)."""

    def __init__(self, params: EdosParams | None = None) -> None:
        self.params = params or EdosParams()
        p = self.params
        self.word = _word_vectorizer(p.word_ngrams, p.min_df)
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=p.char_ngrams,
            min_df=p.min_df,
            sublinear_tf=True,
            dtype=np.float64,
        )
        self.gender = _word_vectorizer(p.gender_ngrams, p.min_df) if p.gender_ngrams else None
        self.ratio: np.ndarray = np.zeros(0)
        self.clf = LogisticRegression(
            C=p.C, solver="liblinear", class_weight="balanced", max_iter=2000, random_state=0
        )

    def _features(self, texts: Sequence[str], fit: bool) -> sparse.csr_matrix:
        norm = [normalise_edos(t) for t in texts]
        views: list[tuple[TfidfVectorizer, list[str]]] = [(self.word, norm), (self.char, norm)]
        if self.gender is not None:
            views.append((self.gender, [abstract_gender_terms(t) for t in norm]))
        if fit:
            blocks = [vec.fit_transform(docs) for vec, docs in views]
        else:
            blocks = [vec.transform(docs) for vec, docs in views]
        return sparse.hstack(blocks).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> NbLogisticRegression:
        x = self._features(texts, fit=True)
        y = np.asarray(labels, dtype=int)
        alpha = self.params.nb_alpha
        pos = alpha + np.asarray(x[y == 1].sum(axis=0)).ravel()
        neg = alpha + np.asarray(x[y == 0].sum(axis=0)).ravel()
        self.ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
        self.clf.fit(self._weighted(x), y)
        return self

    def _weighted(self, x: sparse.csr_matrix) -> sparse.csr_matrix:
        return sparse.csr_matrix(x.multiply(self.ratio))

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        x = self._weighted(self._features(texts, fit=False))
        return np.asarray(self.clf.decision_function(x), dtype=float)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.decision_function(texts) >= self.params.threshold).astype(int)
