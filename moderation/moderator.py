"""The Moderator: normalise, detect the language, run rules and the model, apply the policy."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from moderation.assessment import CATEGORIES, KINDS, LANGUAGES, Assessment, Span
from moderation.config import DecisionPolicy, default_registry_dir, load_policy
from moderation.model import StereotypeModel, WindowScores, rule_features, top_spans
from moderation.normalise import NormalisedText, detect_language, normalise
from moderation.rules import RuleHit, StereotypeRules, sentence_spans, starts_in

# (text, normalised, rule hits, rule features, language, distanced ranges,
#  (starts of gender terms, of gender terms and pronouns, of inclusive phrases))
_Prepared = tuple[
    str,
    NormalisedText,
    list[RuleHit],
    np.ndarray,
    str,
    tuple[tuple[int, int], ...],
    tuple[list[int], list[int], list[int]],
]
# (score, window start, (window text, distanced ranges), feature indices, feature values,
#  the one-pass scoring and the window's number in it, whose tokens the explanation reuses)
_Window = tuple[
    float,
    int,
    tuple[str, tuple[tuple[int, int], ...]],
    np.ndarray,
    np.ndarray,
    tuple[WindowScores, int] | None,
]
_STATUS_REASON = {"asserted": "", "quoted": " (quoted)"}


class Moderator:
    """Assesses texts. Built by ``load_moderator``; safe to share between threads."""

    def __init__(
        self,
        model: StereotypeModel | None = None,
        model_version: str | None = None,
        policy: DecisionPolicy | None = None,
        rules: StereotypeRules | None = None,
    ) -> None:
        self.model = model
        self.rules = rules or StereotypeRules()
        self.policy = policy or load_policy()
        self.model_version: str = model_version or self.rules.version
        # score all windows of a text in one pass (False: window by window, the reference)
        self.fast = True

    # ---- public API ----------------------------------------------------------------------
    def assess(self, text: str, kind: str = "article", lang: str | None = None) -> Assessment:
        """Assess one article or ad; see ``Assessment`` for the fields."""
        return self.assess_many([text], kind=kind, lang=lang)[0]

    def assess_many(
        self,
        texts: Sequence[str],
        kind: str = "article",
        lang: str | None = None,
        explain: bool = True,
    ) -> list[Assessment]:
        """Assess several texts of the same kind at once (faster for batches).

        ``explain=False`` skips the model's word-level spans (rule spans are always given);
        evaluation uses it, since only decisions and scores are measured there.
        """
        if kind not in KINDS:
            kind = "article"
        prepared = [self._prepare(t, kind, lang) for t in texts]
        if self.model is None:
            return [self._from_rules(p, kind) for p in prepared]
        out = []
        for p in prepared:
            windows = self._windows_fast(p, kind) if self.fast else None
            if windows is None:
                windows = self._scored_windows(p, kind)
            score, _, _, idx, vals, _ = max(windows, key=lambda w: w[0])
            cats = self.model.category_features(idx, vals)
            out.append(self._from_model(p, kind, score, cats, explain, windows))
        return out

    def _windows_fast(self, prepared: _Prepared, kind: str) -> list[_Window] | None:
        """``_scored_windows`` in one vectorised pass over all windows; only the (at most two)
        highest-scoring windows are returned, highest first, since only they are used. None
        when the model needs the general path."""
        assert self.model is not None
        _, norm, hits, rule_vec, lang, distanced, (gender_at, person_at, inclusive_at) = prepared
        text = norm.text
        spans = self._gendered_windows(text, hits, gender_at)
        if spans is None:
            spans = [(0, len(text))]
            rule_mat = rule_vec.reshape(1, -1)
        else:
            markers = self.rules.debunking_markers_in(text, lang, spans)
            gendered = starts_in(person_at, spans)
            inclusive = starts_in(inclusive_at, spans)
            rule_mat = np.vstack(
                [
                    rule_features([h for h in hits if ws <= h.start < we], lang, kind, marker, g, inc)
                    for (ws, we), marker, g, inc in zip(spans, markers, gendered, inclusive, strict=True)
                ]
            )
        scored = self.model.score_windows(text, spans, distanced, rule_mat)
        if scored is None:
            return None
        order = sorted(range(len(spans)), key=lambda w: -scored.scores[w])[:2]
        out: list[_Window] = []
        for w in order:
            ws, we = spans[w]
            ranges = tuple((max(a, ws) - ws, min(b, we) - ws) for a, b in distanced if a < we and b > ws)
            idx, vals = scored.features(w)
            out.append((float(scored.scores[w]), ws, (text[ws:we], ranges), idx, vals, (scored, w)))
        return out

    def _scored_windows(self, prepared: _Prepared, kind: str) -> list[_Window]:
        """The text scored as one window, or -- when long -- as windows of a few sentences.

        The corpus holds passages of one to four sentences, so a long article is scored window
        by window and its score is the highest window's: one stereotyped paragraph in a long
        recipe is not diluted away. Only windows about gender count (``_gendered_windows``).
        """
        assert self.model is not None
        _, norm, hits, rule_vec, lang, distanced, (gender_at, _, _) = prepared
        text = norm.text
        spans = self._gendered_windows(text, hits, gender_at)
        if spans is None:
            idx, vals = self.model.features((text, distanced), rule_vec)
            return [(self.model.score_features(idx, vals), 0, (text, distanced), idx, vals, None)]
        scored: list[_Window] = []
        for ws, we in spans:
            ranges = tuple((max(a, ws) - ws, min(b, we) - ws) for a, b in distanced if a < we and b > ws)
            sub = (text[ws:we], ranges)
            vec = rule_features(
                [h for h in hits if ws <= h.start < we],
                lang,
                kind,
                self.rules.has_debunking_marker(sub[0], lang),
                self.rules.gendered_in(sub[0], lang, [(0, len(sub[0]))])[0],
                self.rules.inclusive_in(sub[0], lang, [(0, len(sub[0]))])[0],
            )
            idx, vals = self.model.features(sub, vec)
            scored.append((self.model.score_features(idx, vals), ws, sub, idx, vals, None))
        return scored

    def _model_spans(self, windows: list[_Window], max_windows: int = 2) -> list[tuple[int, int]]:
        """Spans (normalised offsets) of the words that push the model hardest, taken from the
        highest-scoring windows only (fast, and local to the offending paragraph)."""
        assert self.model is not None
        spans: list[tuple[int, int]] = []
        for _, ws, sub, idx, vals, scored in sorted(windows, key=lambda w: -w[0])[:max_windows]:
            contribs = self.model.word_contributions(sub, idx, vals, fast=self.fast, scored=scored)
            spans.extend((ws + s, ws + e) for s, e, _ in top_spans(contribs, sub[0]))
        return spans

    def _gendered_windows(
        self, text: str, hits: list[RuleHit], gender_at: list[int]
    ) -> list[tuple[int, int]] | None:
        """The windows of a long text that can carry a gender stereotype, or None when the
        text is to be scored whole (short, or no window qualifies).

        A window qualifies when it names a woman, man, girl, boy or gendered family role
        (``gender_terms`` in rules.yaml; ``gender_at`` are their starts) or a rule matched in
        it. The rest of a help or health article -- phone numbers, symptoms, "you can call at
        any time" -- says nothing about gender, yet second-person advice resembles the
        stereotyped ads of the corpus; scored alone, such a window can look flagged. Passages
        of the corpus that reinforce a stereotype name a gender 98% of the time
        (docs/moderation.md, "Long texts").
        """
        if len(text) <= _LONG_TEXT_CHARS:
            return None
        spans = _windows(text)
        gendered = starts_in(gender_at, spans)
        hit_starts = sorted(h.start for h in hits)
        keep = [
            (ws, we)
            for (ws, we), g in zip(spans, gendered, strict=True)
            if g or any(ws <= h < we for h in hit_starts)
        ]
        return keep or None

    # ---- internals -----------------------------------------------------------------------
    def _prepare(self, text: str, kind: str, lang: str | None) -> _Prepared:
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        language = lang if lang in LANGUAGES else detect_language(text)
        norm = normalise(text, language)
        hits = self.rules.find(norm.text, language)
        marker = self.rules.has_debunking_marker(norm.text, language)
        gender_at = self.rules.gender_starts(norm.text, language)
        person_at = sorted(gender_at + self.rules.pronoun_starts(norm.text, language))
        inclusive_at = self.rules.inclusive_starts(norm.text, language)
        vec = rule_features(hits, language, kind, marker, bool(person_at), bool(inclusive_at))
        distanced = self.rules.distanced_ranges(norm.text, language)
        return text, norm, hits, vec, language, distanced, (gender_at, person_at, inclusive_at)

    def _rule_spans(self, norm: NormalisedText, hits: list[RuleHit]) -> list[Span]:
        spans = []
        for h in hits:
            if h.status not in _STATUS_REASON:
                continue
            s, e = norm.to_original(h.start, h.end)
            reason = f"{h.reason}{_STATUS_REASON[h.status]} [{h.rule_id}]"
            spans.append(Span(s, e, h.category, reason))
        return spans

    def _from_rules(self, prepared: _Prepared, kind: str) -> Assessment:
        _, norm, hits, _, language, _, _ = prepared
        p = self.policy
        categories = dict.fromkeys(CATEGORIES, 0.0)
        for h in hits:
            w = (
                p.rules_only_asserted_score
                if h.status == "asserted"
                else p.rules_only_quoted_score
                if h.status == "quoted"
                else 0.0
            )
            categories[h.category] = max(categories[h.category], w)
        score = max([p.rules_only_base_score, *categories.values()])
        asserted = any(h.status == "asserted" for h in hits)
        decision = p.decide(score, kind, asserted)
        spans = self._rule_spans(norm, hits) if decision != "clear" else []
        return Assessment(
            decision,
            score,
            categories,
            sorted(spans, key=lambda s: s.start),
            language,
            self.model_version,
        )

    def _from_model(
        self,
        prepared: _Prepared,
        kind: str,
        score: float,
        cat_probs: dict[str, float],
        explain: bool,
        windows: list[_Window],
    ) -> Assessment:
        _, norm, hits, _, language, _, _ = prepared
        assert self.model is not None
        asserted = [h for h in hits if h.status == "asserted"]
        mix = dict(cat_probs)
        if asserted:
            rule_cats = {h.category for h in asserted}
            mix = {
                c: 0.5 * cat_probs[c] + (0.5 / len(rule_cats) if c in rule_cats else 0.0) for c in CATEGORIES
            }
        categories = {c: score * mix[c] for c in CATEGORIES}
        decision = self.policy.decide(score, kind, bool(asserted))
        spans: list[Span] = []
        if decision != "clear":
            spans = self._rule_spans(norm, hits)
        if decision != "clear" and explain:
            top_cat = max(categories, key=lambda c: categories[c])
            reason = f"model: wording typical of {top_cat.replace('_', ' ')} stereotypes"
            for s_, e_ in self._model_spans(windows):
                if any(s_ < h.end and h.start < e_ for h in hits):
                    continue
                os_, oe = norm.to_original(s_, e_)
                spans.append(Span(os_, oe, top_cat, reason))
        return Assessment(
            decision,
            score,
            categories,
            sorted(spans, key=lambda s: s.start),
            language,
            self.model_version,
        )


_WINDOW_CHARS = 400  # about the length of the corpus passages the model was trained on
_MIN_WINDOW_CHARS = 250  # a shorter window is joined to its neighbour
_LONG_TEXT_CHARS = 700


def _windows(text: str) -> list[tuple[int, int]]:
    """Consecutive sentence groups of about ``_WINDOW_CHARS`` characters, none shorter than
    ``_MIN_WINDOW_CHARS`` (a heading, a list item or a closing line alone is too little text:
    its few words, mostly function words after normalisation, would decide the window's score,
    and the text's score is its worst window's)."""
    windows: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        if windows and (
            e - windows[-1][0] <= _WINDOW_CHARS or windows[-1][1] - windows[-1][0] < _MIN_WINDOW_CHARS
        ):
            windows[-1] = (windows[-1][0], e)
        else:
            windows.append((s, e))
    if len(windows) > 1 and windows[-1][1] - windows[-1][0] < _MIN_WINDOW_CHARS:
        last = windows.pop()
        windows[-1] = (windows[-1][0], last[1])
    return windows


def load_moderator(registry_dir: str | Path | None = None) -> Moderator:
    """The moderator for the PROMOTED model in the registry, or a rules-only one without it.

    ``registry_dir`` defaults to ``MODERATION_REGISTRY_DIR``, else
    ``<HUSHBAKHT_DATA_DIR or ./var>/moderation/registry``.
    """
    from moderation import registry

    base = Path(registry_dir) if registry_dir is not None else default_registry_dir()
    version = registry.promoted_version(base)
    if version is None:
        return Moderator()
    model = registry.load_model(version, base)
    return Moderator(model=model, model_version=version)
