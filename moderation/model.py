"""The scikit-learn model: word and character n-grams plus rule features, a linear classifier
with Platt calibration for the stereotype score, and a per-category classifier.

Explanations: the classifier is linear, so each feature's contribution is ``coef * value``;
word and character n-gram contributions are added up per word of the text and the words that
push hardest towards "stereotype" become spans.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from moderation.assessment import CATEGORIES, LANGUAGES
from moderation.rules import RuleHit

SEED = 20240611
_WORD_TOKEN = r"(?u)\b\w[\w']*\b"  # noqa: S105 (a regex, not a secret)
_WORD_RE = re.compile(_WORD_TOKEN)
_SPACE_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class ModelParams:
    """Hyper-parameters; recorded in the registry metadata."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    C: float = 32.0
    category_C: float = 4.0
    rule_feature_weight: float = 1.0
    calibration_folds: int = 5
    max_features_char: int = 200_000
    seed: int = SEED

    def to_dict(self) -> dict[str, Any]:
        """Plain data for metadata."""
        return {
            "word_ngrams": list(self.word_ngrams),
            "char_ngrams": list(self.char_ngrams),
            "C": self.C,
            "category_C": self.category_C,
            "rule_feature_weight": self.rule_feature_weight,
            "calibration_folds": self.calibration_folds,
            "max_features_char": self.max_features_char,
            "seed": self.seed,
        }


Doc = tuple[str, tuple[tuple[int, int], ...]]  # normalised text, distanced ranges


def _inside(ranges: tuple[tuple[int, int], ...], pos: int) -> bool:
    return any(s <= pos < e for s, e in ranges)


def iter_word_features(doc: Doc, ngrams: tuple[int, int]) -> Iterator[tuple[str, int, int]]:
    """Word n-grams with the [start, end) they cover; words in distanced ranges get a "~"."""
    text, ranges = doc
    toks = [
        ("~" + m.group() if ranges and _inside(ranges, m.start()) else m.group(), m.start(), m.end())
        for m in _WORD_RE.finditer(text)
    ]
    lo, hi = ngrams
    for n in range(lo, hi + 1):
        for i in range(len(toks) - n + 1):
            yield " ".join(t[0] for t in toks[i : i + n]), toks[i][1], toks[i + n - 1][2]


def iter_char_features(doc: Doc, ngrams: tuple[int, int]) -> Iterator[tuple[str, int, int]]:
    """Character n-grams of each whitespace token padded with spaces (like char_wb), outside
    distanced ranges, with the token's [start, end) in the document."""
    text, ranges = doc
    lo, hi = ngrams
    for seg_start, seg_end in _outside_segments_spans(text, ranges):
        for m in _SPACE_TOKEN.finditer(text, seg_start, seg_end):
            w = f" {m.group()} "
            for n in range(lo, hi + 1):
                for i in range(len(w) - n + 1):
                    yield w[i : i + n], m.start(), m.end()


def _outside_segments_spans(text: str, ranges: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for a, b in ranges:
        if a > pos:
            spans.append((pos, a))
        pos = max(pos, b)
    spans.append((pos, len(text)))
    return spans


def _outside_segments(text: str, ranges: tuple[tuple[int, int], ...]) -> list[str]:
    pieces = []
    pos = 0
    for a, b in ranges:
        if a > pos:
            pieces.append(text[pos:a])
        pos = max(pos, b)
    pieces.append(text[pos:])
    return pieces


def word_analyzer(doc: Doc, ngrams: tuple[int, int] = (1, 2)) -> list[str]:
    """Word features of a document (fast path without positions)."""
    text, ranges = doc
    if ranges:
        starts = [a for a, _ in ranges]
        toks = []
        for m in _WORD_RE.finditer(text):
            k = bisect_right(starts, m.start()) - 1
            inside = k >= 0 and m.start() < ranges[k][1]
            toks.append("~" + m.group() if inside else m.group())
    else:
        toks = _WORD_RE.findall(text)
    out: list[str] = []
    lo, hi = ngrams
    for n in range(lo, hi + 1):
        if n == 1:
            out += toks
        else:
            out += [" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)]
    return out


def char_analyzer(doc: Doc, ngrams: tuple[int, int] = (2, 5)) -> list[str]:
    """Character features of a document (fast path without positions)."""
    text, ranges = doc
    pieces = _outside_segments(text, ranges) if ranges else [text]
    lo, hi = ngrams
    out: list[str] = []
    for piece in pieces:
        for w in piece.split():
            w = f" {w} "
            size = len(w)
            for n in range(lo, hi + 1):
                out += [w[i : i + n] for i in range(size - n + 1)]
    return out


_TOKEN_CACHE_MAX = 200_000  # distinct words memoised per loaded model
_ID = np.int32  # character n-gram indices (``max_features_char`` is far below 2**31)
# models trained before the gender-term feature read only the first _RULE_FEATURES_V1 columns
_RULE_FEATURES_V1 = 3 * len(CATEGORIES) + 2 + len(LANGUAGES)
N_RULE_FEATURES = _RULE_FEATURES_V1 + 2


def rule_features(
    hits: Sequence[RuleHit],
    lang: str,
    kind: str,
    debunk_marker: bool,
    gendered: bool = False,
    inclusive: bool = False,
) -> np.ndarray:
    """Dense features from rule hits: per category asserted/quoted/countered, plus context:
    a debunking marker, the kind, the language, and whether the text names a woman, man, girl,
    boy or gendered family role (``gender_terms`` in rules.yaml; 98% of the stereotyped corpus
    passages do, 60% of the acceptable ones) and whether it addresses both ("both boys and
    girls", ``inclusive_markers``)."""
    vec = np.zeros(N_RULE_FEATURES, dtype=np.float64)
    n = len(CATEGORIES)
    for h in hits:
        i = CATEGORIES.index(h.category)
        if h.status == "asserted":
            vec[i] = 1.0
        elif h.status == "quoted":
            vec[n + i] = 1.0
        else:
            vec[2 * n + i] = 1.0
    vec[3 * n] = 1.0 if debunk_marker else 0.0
    vec[3 * n + 1] = 1.0 if kind == "ad" else 0.0
    if lang in LANGUAGES:
        vec[3 * n + 2 + LANGUAGES.index(lang)] = 1.0
    vec[_RULE_FEATURES_V1] = 1.0 if gendered else 0.0
    vec[_RULE_FEATURES_V1 + 1] = 1.0 if inclusive else 0.0
    return vec


@dataclass
class Example:
    """One prepared training or inference item (normalised text plus rule features)."""

    norm_text: str
    rule_vec: np.ndarray
    distanced: tuple[tuple[int, int], ...] = ()
    label: int = 0
    category: str | None = None
    weight: float = 1.0


@dataclass
class StereotypeModel:
    """Fitted vectorizers and classifiers. Built by ``fit``; pickled into the registry."""

    params: ModelParams = field(default_factory=ModelParams)
    word_vec: TfidfVectorizer | None = None
    char_vec: TfidfVectorizer | None = None
    clf: LogisticRegression | None = None
    platt: tuple[float, float] = (1.0, 0.0)
    cat_clf: LogisticRegression | None = None
    n_word: int = 0
    n_char: int = 0
    best_threshold: float = 0.5  # macro-F1-optimal on out-of-fold scores (reported, not used)
    # rule-feature columns the classifier was fitted on (older registry versions: fewer)
    n_rules: int = _RULE_FEATURES_V1

    # ---- fitting -------------------------------------------------------------------------
    def _new_vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        p = self.params
        word = TfidfVectorizer(
            analyzer=partial(word_analyzer, ngrams=p.word_ngrams),
            sublinear_tf=True,
            min_df=1,
            dtype=np.float64,
        )
        char = TfidfVectorizer(
            analyzer=partial(char_analyzer, ngrams=p.char_ngrams),
            sublinear_tf=True,
            min_df=2,
            max_features=p.max_features_char,
            dtype=np.float64,
        )
        return word, char

    def _matrix(
        self,
        word: TfidfVectorizer,
        char: TfidfVectorizer,
        texts: list[Doc],
        rules: np.ndarray,
        fit: bool = False,
    ) -> sparse.csr_matrix:
        if fit:
            xw = word.fit_transform(texts)
            xc = char.fit_transform(texts)
        else:
            xw = word.transform(texts)
            xc = char.transform(texts)
        xr = sparse.csr_matrix(rules[:, : self.n_rules] * self.params.rule_feature_weight)
        return sparse.hstack([xw, xc, xr], format="csr")

    def _new_clf(self, C: float) -> LogisticRegression:
        return LogisticRegression(
            C=C,
            class_weight="balanced",
            solver="liblinear",
            max_iter=2000,
            random_state=self.params.seed,
        )

    def fit(self, examples: Sequence[Example]) -> StereotypeModel:
        """Fit on prepared examples (deterministic for the same data and params)."""
        texts: list[Doc] = [(e.norm_text, e.distanced) for e in examples]
        rules = np.vstack([e.rule_vec for e in examples])
        y = np.array([e.label for e in examples])
        w = np.array([e.weight for e in examples])
        self.word_vec, self.char_vec = self._new_vectorizers()
        self.n_rules = rules.shape[1]
        x = self._matrix(self.word_vec, self.char_vec, texts, rules, fit=True)
        self.n_word = len(self.word_vec.vocabulary_)
        self.n_char = len(self.char_vec.vocabulary_)
        # Out-of-fold decision values for Platt calibration. The vocabulary and IDF come from
        # all training rows (cheaper than refitting per fold); labels never leak.
        oof = np.zeros(len(examples))
        folds = StratifiedKFold(
            n_splits=self.params.calibration_folds, shuffle=True, random_state=self.params.seed
        )
        for tr, te in folds.split(texts, y):
            clf = self._new_clf(self.params.C).fit(x[tr], y[tr], sample_weight=w[tr])
            oof[te] = clf.decision_function(x[te])
        platt = LogisticRegression(C=1e6, solver="lbfgs").fit(oof.reshape(-1, 1), y)
        self.platt = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
        self.best_threshold = _macro_f1_threshold(platt.predict_proba(oof.reshape(-1, 1))[:, 1], y)
        self.clf = self._new_clf(self.params.C).fit(x, y, sample_weight=w)

        pos = [i for i, e in enumerate(examples) if e.label == 1 and e.category in CATEGORIES]
        if len({examples[i].category for i in pos}) >= 2:
            self.cat_clf = LogisticRegression(
                C=self.params.category_C,
                solver="saga",
                max_iter=3000,
                random_state=self.params.seed,
            ).fit(x[pos], [examples[i].category for i in pos], sample_weight=w[pos])
        return self

    # ---- inference -----------------------------------------------------------------------
    def transform(self, texts: list[Doc], rules: np.ndarray) -> sparse.csr_matrix:
        """Feature matrix for already-normalised texts."""
        assert self.word_vec is not None and self.char_vec is not None
        return self._matrix(self.word_vec, self.char_vec, texts, rules)

    def score(self, x: sparse.csr_matrix) -> np.ndarray:
        """Calibrated probability of "stereotype" for each row of ``x``."""
        assert self.clf is not None
        d = self.clf.decision_function(x)
        a, b = self.platt
        return np.asarray(1.0 / (1.0 + np.exp(-(a * d + b))))

    # ---- fast path for one document (no sparse matrices; same numbers as transform+score) ----
    def _char_ids(self, token: str) -> np.ndarray:
        """Vocabulary indices of the character n-grams of one whitespace token (with
        repeats, n ascending then position), memoised: words recur, so each distinct word is
        cut into n-grams once. The reference for ``_char_arrays``."""
        cache = self._memo()
        ids = cache.get(token)
        if ids is None:
            assert self.char_vec is not None
            get = self.char_vec.vocabulary_.get
            w = f" {token} "
            lo, hi = self.params.char_ngrams
            found = [
                j
                for n in range(lo, hi + 1)
                for i in range(len(w) - n + 1)
                if (j := get(w[i : i + n])) is not None
            ]
            ids = np.array(found, dtype=_ID)
            if len(cache) >= _TOKEN_CACHE_MAX:
                cache.clear()
            cache[token] = ids
        return ids

    def _memo(self) -> dict[str, np.ndarray]:
        cache: dict[str, np.ndarray] | None = self.__dict__.get("_token_cache")
        if cache is None:
            cache = self.__dict__.setdefault("_token_cache", {})
        return cache

    def _char_arrays(self, tokens: list[str]) -> list[np.ndarray]:
        """``[self._char_ids(t) for t in tokens]``: memoised tokens from the memo, the new
        ones cut into n-grams and looked up all at once (``_lookup_char_ngrams``)."""
        cache = self._memo()
        new = set(tokens).difference(cache)
        if new:
            if len(cache) + len(new) > _TOKEN_CACHE_MAX:
                cache.clear()
                new = set(tokens)
            ordered = sorted(new)  # any order gives the same arrays; sorted: reproducible
            cache.update(zip(ordered, self._lookup_char_ngrams(ordered), strict=True))
        return list(map(cache.__getitem__, tokens))

    def _char_table(self) -> tuple[np.ndarray, int, dict[int, tuple[np.ndarray, np.ndarray]]] | None:
        """The character n-gram vocabulary keyed by integers, for looking many n-grams up with
        ``searchsorted``: each character of the vocabulary gets a code 1..A (0: a character
        the vocabulary never contains), an n-gram's key is its codes packed ``bits`` bits
        apart, one sorted table of (key, feature index) per n. Exact (no hashing); built once
        per process, never pickled. None when the keys would not fit in 62 bits."""
        table = self.__dict__.get("_char_keys")
        if table is None:
            assert self.char_vec is not None
            vocab = self.char_vec.vocabulary_
            lo, hi = self.params.char_ngrams
            alphabet = sorted({ch for term in vocab for ch in term})
            bits = len(alphabet).bit_length()
            table = ()
            if alphabet and 1 <= lo <= hi and hi * bits <= 62:
                cmap = np.zeros(ord(alphabet[-1]) + 2, dtype=np.int64)  # the last entry: unknown
                cmap[[ord(c) for c in alphabet]] = np.arange(1, len(alphabet) + 1)
                by_n: dict[int, tuple[np.ndarray, np.ndarray]] = {}
                for n in range(lo, hi + 1):
                    terms = [t for t in vocab if len(t) == n]
                    ids = np.array([vocab[t] for t in terms], dtype=_ID)
                    codes = cmap[_code_points("".join(terms))].reshape(-1, n)
                    keys = np.zeros(len(terms), dtype=np.int64)
                    for k in range(n):
                        keys = (keys << bits) | codes[:, k]
                    order = np.argsort(keys)
                    by_n[n] = (keys[order], ids[order])
                table = (cmap, bits, by_n)
            self.__dict__["_char_keys"] = table
        return table or None

    def _lookup_char_ngrams(self, tokens: list[str]) -> list[np.ndarray]:
        """``_char_ids`` of several distinct tokens in a few array operations (not memoised):
        the tokens are padded and concatenated, every n-gram of the whole string is keyed and
        looked up in ``_char_table``, and the hits are put back in each token's order (n
        ascending, then position). An n-gram crossing two tokens holds two spaces in a row,
        which no vocabulary n-gram does (each comes from one padded token), so it never hits."""
        table = self._char_table()
        if table is None or not tokens:
            return [self._char_ids(t) for t in tokens]
        cmap, bits, by_n = table
        lo, hi = self.params.char_ngrams
        n_tok = len(tokens)
        lens = np.fromiter(map(len, tokens), dtype=np.int64, count=n_tok) + 2
        raw = _code_points(" " + "  ".join(tokens) + " ")
        codes = cmap[np.minimum(raw, len(cmap) - 1)]
        owner = np.repeat(np.arange(n_tok, dtype=np.int64), lens)
        key = codes
        hit_ids: list[np.ndarray] = []
        hit_owner: list[np.ndarray] = []
        for n in range(1, hi + 1):
            if n > 1:
                key = (key[:-1] << bits) | codes[n - 1 :]
            if n < lo:
                continue
            tk, tid = by_n[n]
            if not len(tk) or not len(key):
                hit_ids.append(np.zeros(0, dtype=_ID))
                hit_owner.append(np.zeros(0, dtype=np.int64))
                continue
            pos = np.minimum(np.searchsorted(tk, key), len(tk) - 1)
            hit = np.flatnonzero(tk[pos] == key)
            hit_ids.append(tid[pos[hit]])
            hit_owner.append(owner[hit])
        # each token's hits: n ascending, then position (the order of ``_char_ids``)
        counts = np.vstack([np.bincount(o, minlength=n_tok) for o in hit_owner])  # (n, token)
        per_token = counts.sum(axis=0)
        bounds = np.concatenate([[0], np.cumsum(per_token)])
        before_n = np.cumsum(counts, axis=0) - counts  # a token's hits for smaller n
        out = np.empty(int(bounds[-1]), dtype=_ID)
        for k, (ids_n, own) in enumerate(zip(hit_ids, hit_owner, strict=True)):
            if not len(ids_n):
                continue
            run_start = np.cumsum(counts[k]) - counts[k]  # where each token's run begins
            rank = np.arange(len(own)) - run_start[own]
            out[bounds[own] + before_n[k][own] + rank] = ids_n
        b = bounds.tolist()
        return [out[b[i] : b[i + 1]] for i in range(n_tok)]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_token_cache", None)  # per-process caches, never pickled
        state.pop("_bigrams", None)
        state.pop("_char_keys", None)
        return state

    def _char_block(self, doc: Doc) -> tuple[np.ndarray, np.ndarray]:
        """(indices, counts) of the character n-grams of a document, as ``char_analyzer``."""
        text, ranges = doc
        tokens = (
            text.split() if not ranges else [w for p in _outside_segments(text, ranges) for w in p.split()]
        )
        cache: dict[str, np.ndarray] = self.__dict__.get("_token_cache") or {}
        got = list(map(cache.get, tokens))
        arrays: list[np.ndarray] = [
            ids if ids is not None else self._char_ids(tok) for ids, tok in zip(got, tokens, strict=True)
        ]
        if not arrays:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        js, cs = np.unique(np.concatenate(arrays), return_counts=True)
        return js, cs

    def features(self, doc: Doc, rule_vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(indices, values) of the document's non-zero features, equal to ``transform``."""
        assert self.word_vec is not None and self.char_vec is not None
        idx: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        vocab = self.word_vec.vocabulary_
        counts = Counter(word_analyzer(doc, self.params.word_ngrams))
        js = np.array(list(map(vocab.get, counts, repeat(-1, len(counts)))), dtype=np.int64)
        cs = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        keep = js >= 0
        blocks = [
            (js[keep], cs[keep], self.word_vec, 0),
            (*self._char_block(doc), self.char_vec, self.n_word),
        ]
        for js, cs, vec, offset in blocks:
            v = (1.0 + np.log(cs)) * vec.idf_[js]
            norm = float(np.sqrt(v @ v))
            if norm > 0:
                idx.append(js + offset)
                vals.append(v / norm)
        base = self.n_word + self.n_char
        rule_vec = rule_vec[: self.n_rules]
        nz = np.flatnonzero(rule_vec)
        idx.append(nz.astype(np.int64) + base)
        vals.append(rule_vec[nz].astype(np.float64) * self.params.rule_feature_weight)
        return np.concatenate(idx), np.concatenate(vals)

    # ---- one pass over all windows of a long text ----------------------------------------
    def _bigram_table(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Word bigrams of the vocabulary keyed by their two unigram indices
        (``first * n_word + second``, sorted) with their feature indices; built once per
        process, never pickled. None when the vocabulary cannot be keyed that way."""
        table = self.__dict__.get("_bigrams")
        if table is None:
            assert self.word_vec is not None
            vocab = self.word_vec.vocabulary_
            keys: list[int] = []
            ids: list[int] = []
            usable = self.params.word_ngrams in ((1, 1), (1, 2))
            for term, j in vocab.items() if usable else ():
                if " " not in term:
                    continue
                a, _, b = term.partition(" ")
                ia, ib = vocab.get(a), vocab.get(b)
                if ia is None or ib is None or " " in b:
                    usable = False
                    break
                keys.append(ia * self.n_word + ib)
                ids.append(j)
            if usable:
                k = np.array(keys, dtype=np.int64)
                order = np.argsort(k)
                table = (k[order], np.array(ids, dtype=np.int64)[order])
            else:
                table = ()
            self.__dict__["_bigrams"] = table
        return table or None

    def score_windows(
        self,
        text: str,
        windows: Sequence[tuple[int, int]],
        distanced: tuple[tuple[int, int], ...],
        rule_mat: np.ndarray,
    ) -> WindowScores | None:
        """Scores of the windows ``text[ws:we]`` of one text in one vectorised pass, equal (to
        rounding) to ``score_features(*features(window doc, rule_vec))`` for each window.

        ``windows`` must start and end at sentence boundaries (as the moderator's do), so no
        word crosses them; ``distanced`` are ranges of the whole text; ``rule_mat`` holds one
        row of rule features per window. None when the model's settings need the general path.
        """
        assert self.clf is not None and self.word_vec is not None and self.char_vec is not None
        bigrams = self._bigram_table()
        if bigrams is None:
            return None
        rule_mat = rule_mat[:, : self.n_rules]
        n_win = len(windows)
        vocab_get = self.word_vec.vocabulary_.get
        cache: dict[str, np.ndarray] | None = self.__dict__.get("_token_cache")
        if cache is None:
            cache = self.__dict__.setdefault("_token_cache", {})
        all_toks: list[str] = []
        all_pieces: list[str] = []
        tok_lens: list[int] = []
        piece_lens: list[int] = []
        plain: list[bool] = []  # windows without distanced ranges
        for ws, we in windows:
            n_toks, n_pieces = len(all_toks), len(all_pieces)
            inside = [(a, b) for a, b in distanced if a < we and b > ws]
            plain.append(not inside)
            if not inside:
                all_toks += _WORD_RE.findall(text, ws, we)
                all_pieces += text[ws:we].split()
            else:
                # no word crosses a distanced range's edge (a sentence end or a quotation mark)
                pos = ws
                for a, b in inside:
                    a, b = max(a, ws), min(b, we)
                    if a > pos:
                        all_toks += _WORD_RE.findall(text, pos, a)
                        all_pieces += text[pos:a].split()
                    if b > max(a, pos):
                        all_toks += ["~" + t for t in _WORD_RE.findall(text, max(a, pos), b)]
                    pos = max(pos, b)
                all_toks += _WORD_RE.findall(text, pos, we)
                all_pieces += text[pos:we].split()
            tok_lens.append(len(all_toks) - n_toks)
            piece_lens.append(len(all_pieces) - n_pieces)
        char_arrays = self._char_arrays(all_pieces)
        coef = self.clf.coef_[0]
        d = np.full(n_win, float(self.clf.intercept_[0]))
        # word unigrams and bigrams (a bigram's key is its two unigram indices)
        n_word = self.n_word
        flat = np.fromiter(map(vocab_get, all_toks, repeat(-1)), dtype=np.int64, count=len(all_toks))
        win = np.repeat(np.arange(n_win, dtype=np.int64), tok_lens)
        same = win[1:] == win[:-1]
        first, second = flat[:-1], flat[1:]
        pair = same & (first >= 0) & (second >= 0)
        keys = first[pair] * n_word + second[pair]
        bkeys, bids = bigrams
        pos = np.minimum(np.searchsorted(bkeys, keys), max(len(bkeys) - 1, 0))
        hit = bkeys[pos] == keys if len(bkeys) else np.zeros(len(keys), dtype=bool)
        uni = flat >= 0
        w_feat = np.concatenate([flat[uni], bids[pos[hit]]])
        w_win = np.concatenate([win[uni], win[1:][pair][hit]])
        w_keys = w_win * n_word + w_feat
        if n_win * n_word < 2**31:
            w_keys = w_keys.astype(np.int32)
        word_block, _ = _tfidf_block(w_keys, n_word, self.word_vec.idf_, n_win)
        # character n-grams
        # int32 keys when they fit: sorting them (``_tfidf_block``) takes half the time
        key_type: type[np.signedinteger[Any]] = np.int32 if n_win * self.n_char < 2**31 else np.int64
        c_feat: np.ndarray
        c_win: np.ndarray
        if char_arrays:
            c_lens = np.fromiter(map(len, char_arrays), dtype=np.int64, count=len(char_arrays))
            c_feat = np.concatenate(char_arrays).astype(key_type, copy=False)
            c_win = np.repeat(np.repeat(np.arange(n_win, dtype=key_type), piece_lens), c_lens)
        else:
            c_feat = c_win = np.zeros(0, dtype=key_type)
        char_block, char_counts = _tfidf_block(
            c_win * self.n_char + c_feat, self.n_char, self.char_vec.idf_, n_win
        )
        for (bw, bj, bv), offset in ((word_block, 0), (char_block, n_word)):
            d += np.bincount(bw, weights=coef[bj + offset] * bv, minlength=n_win)
        base = n_word + self.n_char
        d += rule_mat @ (coef[base : base + rule_mat.shape[1]] * self.params.rule_feature_weight)
        pa, pb = self.platt
        scores = 1.0 / (1.0 + np.exp(-(pa * d + pb)))
        tokens = WindowTokens(
            flat,
            np.concatenate([[0], np.cumsum(tok_lens)]),
            char_arrays,
            np.concatenate([[0], np.cumsum(piece_lens)]),
            plain,
            char_counts,
        )
        return WindowScores(scores, word_block, char_block, n_word, base, rule_mat, self.params, tokens)

    def score_features(self, idx: np.ndarray, vals: np.ndarray) -> float:
        """Calibrated score from ``features`` output."""
        assert self.clf is not None
        d = float(self.clf.coef_[0, idx] @ vals + self.clf.intercept_[0])
        a, b = self.platt
        return 1.0 / (1.0 + math.exp(-(a * d + b)))

    def category_features(self, idx: np.ndarray, vals: np.ndarray) -> dict[str, float]:
        """P(category | stereotype) from ``features`` output."""
        if self.cat_clf is None:
            return dict.fromkeys(CATEGORIES, 1.0 / len(CATEGORIES))
        z = self.cat_clf.coef_[:, idx] @ vals + self.cat_clf.intercept_
        classes = [str(c) for c in self.cat_clf.classes_]
        if len(z) == 1:  # two classes: sklearn keeps one row of coefficients
            p1 = 1.0 / (1.0 + math.exp(-float(z[0])))
            probs = {classes[0]: 1.0 - p1, classes[1]: p1}
        else:
            e = np.exp(z - z.max())
            e /= e.sum()
            probs = {c: float(p) for c, p in zip(classes, e, strict=True)}
        return {c: probs.get(c, 0.0) for c in CATEGORIES}

    def category_probs(self, x: sparse.csr_matrix) -> list[dict[str, float]]:
        """P(category | stereotype) for each row (uniform when no category model)."""
        if self.cat_clf is None:
            return [{c: 1.0 / len(CATEGORIES) for c in CATEGORIES} for _ in range(x.shape[0])]
        probs = self.cat_clf.predict_proba(x)
        classes = list(self.cat_clf.classes_)
        out = []
        for row in probs:
            out.append({c: float(row[classes.index(c)]) if c in classes else 0.0 for c in CATEGORIES})
        return out

    def _word_occurrences(
        self, doc: Doc, word_ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(feature, start, end) of each in-vocabulary word n-gram of ``doc``, in the order of
        ``iter_word_features``, without building n-gram strings; None when the vocabulary
        cannot be keyed by unigram indices. ``word_ids``: the unigram indices of the document's
        words as ``score_windows`` looked them up (with distanced words' "~"), reused."""
        bigrams = self._bigram_table()
        if bigrams is None:
            return None
        assert self.word_vec is not None
        text, ranges = doc
        ms = list(_WORD_RE.finditer(text))
        ws = np.fromiter(map(_start, ms), dtype=np.int64, count=len(ms))
        we = np.fromiter(map(_end, ms), dtype=np.int64, count=len(ms))
        if word_ids is not None and len(word_ids) == len(ms):
            uid = word_ids
        else:
            words = [m.group() for m in ms]
            if ranges:
                starts = [a for a, _ in ranges]
                for i, m in enumerate(ms):
                    k = bisect_right(starts, m.start()) - 1
                    if k >= 0 and m.start() < ranges[k][1]:
                        words[i] = "~" + words[i]
            get = self.word_vec.vocabulary_.get
            uid = np.fromiter(map(get, words, repeat(-1)), dtype=np.int64, count=len(ms))
        uni = uid >= 0
        feats, s_out, e_out = [uid[uni]], [ws[uni]], [we[uni]]
        if self.params.word_ngrams[1] == 2 and len(ms) > 1:
            pair = (uid[:-1] >= 0) & (uid[1:] >= 0)
            keys = uid[:-1][pair] * self.n_word + uid[1:][pair]
            bkeys, bids = bigrams
            if len(bkeys):
                pos = np.minimum(np.searchsorted(bkeys, keys), len(bkeys) - 1)
                hit = bkeys[pos] == keys
                feats.append(bids[pos[hit]])
                s_out.append(ws[:-1][pair][hit])
                e_out.append(we[1:][pair][hit])
        return np.concatenate(feats), np.concatenate(s_out), np.concatenate(e_out)

    def word_contributions(
        self,
        doc: Doc,
        idx: np.ndarray,
        vals: np.ndarray,
        fast: bool = True,
        scored: tuple[WindowScores, int] | None = None,
    ) -> list[tuple[int, int, float]]:
        """Per whitespace-token contributions (start, end, contribution) towards "stereotype",
        from the document's ``features`` output (``idx``, ``vals``).

        Each n-gram feature's contribution (coef * value) is shared between its occurrences,
        and each occurrence's share between the tokens it covers. ``fast=False`` gives the
        reference computation (n-gram strings, a Python loop). ``scored``: the
        ``score_windows`` result and window number ``doc`` is, whose tokens are reused.
        """
        assert self.clf is not None and self.word_vec is not None and self.char_vec is not None
        text = doc[0]
        coef = self.clf.coef_[0]
        tokens = [(m.start(), m.end()) for m in _SPACE_TOKEN.finditer(text)]
        if not tokens:
            return []
        starts = [t[0] for t in tokens]
        scores = np.zeros(len(tokens))
        in_word = idx < self.n_word
        order = np.argsort(idx, kind="stable")  # usually sorted already: fast
        sorted_idx = idx[order]
        kept = scored[0].tokens if fast and scored is not None else None
        word_ids = None
        if kept is not None and scored is not None:
            w = scored[1]
            word_ids = kept.word_ids[kept.word_bounds[w] : kept.word_bounds[w + 1]]
        occ_arrays = self._word_occurrences(doc, word_ids) if fast else None
        if occ_arrays is not None:
            scores += self._word_scores(occ_arrays, idx[in_word], vals[in_word], starts, coef)
        else:
            values = dict(zip(idx[in_word].tolist(), vals[in_word].tolist(), strict=True))
            scores += self._word_scores_reference(doc, values, starts, coef)
        if kept is not None and scored is not None and kept.plain[scored[1]]:
            w = scored[1]
            arrays = kept.char_ids[kept.char_bounds[w] : kept.char_bounds[w + 1]]
            if len(arrays) == len(tokens):
                self._add_window_char_contributions(scores, arrays, scored[0], w, coef)
                return [(s, e, float(sc)) for (s, e), sc in zip(tokens, scores, strict=True)]
        return self._add_char_contributions(doc, tokens, starts, scores, idx, vals, order, sorted_idx)

    def _add_window_char_contributions(
        self, scores: np.ndarray, arrays: list[np.ndarray], scored: WindowScores, w: int, coef: np.ndarray
    ) -> None:
        """``_add_char_contributions`` for a window without distanced ranges, from the
        character n-grams ``score_windows`` looked up for its tokens (``arrays``, one per token)
        and the window's counts: the same shares, added to ``scores`` in the same order."""
        assert scored.tokens is not None
        if not arrays:
            return
        lens = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
        all_ids = np.concatenate(arrays)
        if not len(all_ids):
            return
        owner = np.repeat(np.arange(len(arrays)), lens)
        bw, bj, bv = scored.char
        lo, hi = np.searchsorted(bw, [w, w + 1])
        pos = np.searchsorted(bj[lo:hi], all_ids) + lo
        share = coef[all_ids + self.n_word] * bv[pos] / scored.tokens.char_counts[pos]
        # np.add.at(scores, owner, share), faster: bincount adds in input order, each token's
        # current score first
        n = len(scores)
        scores[:] = np.bincount(
            np.concatenate([np.arange(n), owner]), weights=np.concatenate([scores, share]), minlength=n
        )

    def _word_scores(
        self,
        occ: tuple[np.ndarray, np.ndarray, np.ndarray],
        widx: np.ndarray,
        wvals: np.ndarray,
        starts: list[int],
        coef: np.ndarray,
    ) -> np.ndarray:
        """Word n-gram contributions per whitespace token, from ``_word_occurrences``."""
        feat, s, e = occ
        if not len(feat) or not len(widx):
            return np.zeros(len(starts))
        uniq, first_seen, inverse, counts = np.unique(
            feat, return_index=True, return_inverse=True, return_counts=True
        )
        sorted_widx = np.sort(widx)
        wpos = np.minimum(np.searchsorted(sorted_widx, uniq), len(widx) - 1)
        present = sorted_widx[wpos] == uniq
        if not present.all():  # only the n-grams among ``widx`` count
            keep = present[inverse]
            if not keep.any():
                return np.zeros(len(starts))
            return self._word_scores((feat[keep], s[keep], e[keep]), widx, wvals, starts, coef)
        st = np.array(starts, dtype=np.int64)
        first = np.searchsorted(st, s, side="right") - 1
        last = np.searchsorted(st, e - 1, side="right") - 1
        value = wvals[np.argsort(widx, kind="stable")][wpos]
        share = coef[uniq] * value / counts
        # in the reference's order: features by first occurrence, then occurrences in order
        order = np.argsort(first_seen[inverse], kind="stable")
        first, last, inv = first[order], last[order], inverse[order]
        span = last - first + 1
        rep = np.repeat(np.arange(len(first)), span)
        offsets = np.arange(len(rep)) - np.repeat(np.cumsum(span) - span, span)
        # bincount adds in input order from 0.0: the same sums as np.add.at into zeros
        return np.bincount(first[rep] + offsets, weights=(share[inv] / span)[rep], minlength=len(starts))

    def _word_scores_reference(
        self, doc: Doc, values: dict[int, float], starts: list[int], coef: np.ndarray
    ) -> np.ndarray:
        assert self.word_vec is not None
        # word n-grams: few per window, shared over the one or two tokens they cover
        vocab = self.word_vec.vocabulary_
        occurrences: dict[int, list[tuple[int, int]]] = {}
        for feat, s, e in iter_word_features(doc, self.params.word_ngrams):
            f = vocab.get(feat)
            if f is not None and f in values:
                occurrences.setdefault(f, []).append(
                    (bisect_right(starts, s) - 1, bisect_right(starts, e - 1) - 1)
                )
        word_scores = [0.0] * len(starts)
        for f, occ in occurrences.items():
            share = float(coef[f]) * values[f] / len(occ)
            for first, last in occ:
                for t in range(first, last + 1):
                    word_scores[t] += share / (last - first + 1)
        return np.array(word_scores)

    def _add_char_contributions(
        self,
        doc: Doc,
        tokens: list[tuple[int, int]],
        starts: list[int],
        scores: np.ndarray,
        idx: np.ndarray,
        vals: np.ndarray,
        order: np.ndarray,
        sorted_idx: np.ndarray,
    ) -> list[tuple[int, int, float]]:
        text, ranges = doc
        coef = self.clf.coef_[0] if self.clf is not None else np.zeros(0)
        # character n-grams: each occurrence lies inside one token
        owners: list[int] = []
        arrays: list[np.ndarray] = []
        if not ranges:  # the tokens themselves, in order
            words = text.split()
            cache: dict[str, np.ndarray] = self.__dict__.get("_token_cache") or {}
            got = list(map(cache.get, words))
            arrays = [
                ids if ids is not None else self._char_ids(w) for ids, w in zip(got, words, strict=True)
            ]
            lens = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
            owner = np.repeat(np.arange(len(arrays)), lens)
        else:
            for seg_start, seg_end in _outside_segments_spans(text, ranges):
                for m in _SPACE_TOKEN.finditer(text, seg_start, seg_end):
                    ids = self._char_ids(m.group())
                    if len(ids):
                        arrays.append(ids)
                        owners.append(bisect_right(starts, m.start()) - 1)
            owner = np.repeat(np.array(owners, dtype=np.int64), [len(a) for a in arrays])
        if arrays:
            all_ids = np.concatenate(arrays)
            uniq, inverse, counts = np.unique(all_ids, return_inverse=True, return_counts=True)
            pos = np.minimum(np.searchsorted(sorted_idx, uniq + self.n_word), len(idx) - 1)
            found = sorted_idx[pos] == uniq + self.n_word
            value = np.where(found, vals[order[pos]], 0.0)
            share = coef[uniq + self.n_word] * value / counts
            np.add.at(scores, owner, share[inverse])
        return [(s, e, float(sc)) for (s, e), sc in zip(tokens, scores, strict=True)]


def _code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as an array (lone surrogates kept as they are)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _start(m: re.Match[str]) -> int:
    return m.start()


def _end(m: re.Match[str]) -> int:
    return m.end()


def _macro_f1_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    best, best_t = -1.0, 0.5
    for t in np.arange(0.2, 0.81, 0.02):
        f = f1_score(y, (scores >= t).astype(int), average="macro")
        if f > best + 1e-9:
            best, best_t = f, float(t)
    return best_t


def top_spans(
    contribs: list[tuple[int, int, float]], text: str, max_spans: int = 3, min_share: float = 0.35
) -> list[tuple[int, int, float]]:
    """Merge the most positive adjacent tokens into at most ``max_spans`` spans."""
    positive = [c for c in contribs if c[2] > 0]
    if not positive:
        return []
    best = max(c[2] for c in positive)
    keep = sorted((c for c in positive if c[2] >= min_share * best), key=lambda c: -c[2])[:8]
    keep.sort()
    merged: list[list[float]] = []
    for s, e, sc in keep:
        if merged and text[int(merged[-1][1]) : s].strip(" ,") == "" and s - merged[-1][1] <= 2:
            merged[-1][1] = e
            merged[-1][2] += sc
        else:
            merged.append([s, e, sc])
    out = []
    for s0, e0, sc in sorted(merged, key=lambda m: -m[2])[:max_spans]:
        s, e = int(s0), int(e0)
        while s < e and not text[s].isalnum():
            s += 1
        while e > s and not text[e - 1].isalnum():
            e -= 1
        if e > s:
            out.append((s, e, float(sc)))
    return sorted(out)


def word_counter(text: str) -> Counter[str]:
    """Word counts of a normalised text (used for diagnostics)."""
    return Counter(m.group() for m in _WORD_RE.finditer(text))


def _tfidf_block(
    keys: np.ndarray, n_features: int, idf: np.ndarray, n_win: int
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """(window, feature, value) of the sublinear tf-idf, L2-normalised per window, from
    ``window * n_features + feature`` keys with repeats; sorted by window then feature; and
    the raw counts in the same order."""
    keys = np.sort(keys)
    if len(keys):
        first = np.empty(len(keys), dtype=bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        at = np.flatnonzero(first)
        uniq = keys[at]
        counts = np.empty(len(at), dtype=np.int64)
        np.subtract(at[1:], at[:-1], out=counts[:-1])
        counts[-1] = len(keys) - at[-1]
    else:
        uniq, counts = keys, np.zeros(0, dtype=np.int64)
    # keys are sorted by window: each window's run ends where the next window's would start
    win_ends = np.searchsorted(uniq, np.arange(1, n_win + 1, dtype=np.int64) * n_features)
    per_win = np.empty(n_win, dtype=np.int64)
    if n_win:
        per_win[0] = win_ends[0]
        np.subtract(win_ends[1:], win_ends[:-1], out=per_win[1:])
    win = np.repeat(np.arange(n_win, dtype=uniq.dtype), per_win)
    feat = uniq - win * n_features
    v = (1.0 + np.log(counts)) * idf[feat]
    norm = np.sqrt(np.bincount(win, weights=v * v, minlength=n_win))
    v = v / np.where(norm > 0, norm, 1.0)[win]
    return (win, feat, v), counts


@dataclass
class WindowTokens:
    """The tokens ``score_windows`` looked up, kept for explaining the worst windows."""

    word_ids: np.ndarray  # unigram index (-1 when unknown) of each word token, all windows
    word_bounds: np.ndarray  # window w's word tokens: word_ids[word_bounds[w]:word_bounds[w + 1]]
    char_ids: list[np.ndarray]  # character n-gram indices of each whitespace token scored
    char_bounds: np.ndarray  # window w's whitespace tokens: char_ids[char_bounds[w]:...]
    plain: list[bool]  # the window holds no distanced range
    char_counts: np.ndarray  # count of each (window, character n-gram) of the char block


@dataclass
class WindowScores:
    """Scores of all windows of one text, and each window's features on demand."""

    scores: np.ndarray
    word: tuple[np.ndarray, np.ndarray, np.ndarray]
    char: tuple[np.ndarray, np.ndarray, np.ndarray]
    n_word: int
    rule_base: int
    rule_mat: np.ndarray
    params: ModelParams
    tokens: WindowTokens | None = None

    def features(self, w: int) -> tuple[np.ndarray, np.ndarray]:
        """(indices, values) of window ``w``, as ``StereotypeModel.features`` gives them."""
        idx: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for (bw, bj, bv), offset in ((self.word, 0), (self.char, self.n_word)):
            lo, hi = np.searchsorted(bw, [w, w + 1])
            idx.append(bj[lo:hi] + offset)
            vals.append(bv[lo:hi])
        row = self.rule_mat[w]
        nz = np.flatnonzero(row)
        idx.append(nz.astype(np.int64) + self.rule_base)
        vals.append(row[nz].astype(np.float64) * self.params.rule_feature_weight)
        return np.concatenate(idx), np.concatenate(vals)
