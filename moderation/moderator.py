"""The Moderator: normalise, detect the language, run rules and the model, apply the policy."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from moderation.assessment import CATEGORIES, KINDS, LANGUAGES, Assessment, Span
from moderation.config import DecisionPolicy, default_registry_dir, load_policy
from moderation.model import StereotypeModel, rule_features, top_spans
from moderation.normalise import NormalisedText, detect_language, normalise
from moderation.rules import RuleHit, StereotypeRules

_Prepared = tuple[str, NormalisedText, list[RuleHit], np.ndarray, str, tuple[tuple[int, int], ...]]
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
        if self.model is not None and prepared:
            rules_matrix = np.vstack([p[3] for p in prepared])
            docs = [(p[1].text, p[5]) for p in prepared]
            x = self.model.transform(docs, rules_matrix)
            scores = self.model.score(x)
            cats = self.model.category_probs(x)
            return [
                self._from_model(p, kind, float(scores[i]), cats[i], x[i], explain)
                for i, p in enumerate(prepared)
            ]
        return [self._from_rules(p, kind) for p in prepared]

    # ---- internals -----------------------------------------------------------------------
    def _prepare(self, text: str, kind: str, lang: str | None) -> _Prepared:
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        language = lang if lang in LANGUAGES else detect_language(text)
        norm = normalise(text)
        hits = self.rules.find(norm.text, language)
        marker = self.rules.has_debunking_marker(norm.text, language)
        vec = rule_features(hits, language, kind, marker)
        distanced = self.rules.distanced_ranges(norm.text, language)
        return text, norm, hits, vec, language, distanced

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
        _, norm, hits, _, language, _ = prepared
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
        x_row: object,
        explain: bool = True,
    ) -> Assessment:
        _, norm, hits, _, language, distanced = prepared
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
            contribs = self.model.word_contributions((norm.text, distanced), x_row)
            for s, e, _ in top_spans(contribs, norm.text):
                if any(s < h.end and h.start < e for h in hits):
                    continue
                os_, oe = norm.to_original(s, e)
                spans.append(
                    Span(
                        os_,
                        oe,
                        top_cat,
                        f"model: wording typical of {top_cat.replace('_', ' ')} stereotypes",
                    )
                )
        return Assessment(
            decision,
            score,
            categories,
            sorted(spans, key=lambda s: s.start),
            language,
            self.model_version,
        )


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
