"""Explainable rules: per-category, per-language patterns that produce spans and reasons.

The patterns live in ``rules.yaml`` beside this module (so they can be reviewed and extended
without touching code).

Patterns run on the normalised text (lower case, Tajik letters folded: ҳ→х, ҷ→ч, қ→к, ғ→г,
ӯ→у, ӣ→и, ё→е), so Tajik patterns may be written with either spelling; they are folded the
same way when compiled. Each hit is then put in context:

* ``negated``  -- a negation inside the match (for patterns that do not contain one themselves)
  or just before it: "a good wife does not have to obey", "неправда, что ...".
* ``debunked`` -- a debunking or distancing marker in the same sentence: "it is a myth that",
  "some still say", "говорят, что", "миф", "мегӯянд", "афсона".
* ``quoted``   -- the match sits inside quotation marks.
* ``asserted`` -- none of the above: the text states the stereotype itself.

Only asserted hits count as evidence for a stereotype; quoted hits are weak evidence; negated
and debunked hits count as evidence of counter-speech.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from moderation.normalise import _TABLE

RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"


def _gap(n: int) -> str:
    """Regex for "up to n words in between" (the {Gn} placeholders in rules.yaml)."""
    return rf"(?:\W+\w+){{0,{n}}}?\W+"  # lazy: the shortest gap, so spans stay tight


_GAPS = {f"{{G{n}}}": _gap(n) for n in range(1, 10)}


@dataclass(frozen=True)
class Rule:
    """One explainable pattern."""

    rule_id: str
    lang: str
    category: str
    pattern: re.Pattern[str]
    reason: str
    weight: float = 0.9
    has_negation: bool = False  # the stereotype itself is phrased negatively ("boys don't cry")


@dataclass(frozen=True)
class RuleHit:
    """A rule match on the normalised text, with the context it was found in."""

    rule_id: str
    category: str
    start: int
    end: int
    reason: str
    status: str  # asserted | quoted | negated | debunked
    weight: float


_SENTENCE_END = re.compile(r"[.!?;\n]+")
_QUOTED = re.compile(r'"([^"]{1,300})"')


def _fold(pattern: str) -> str:
    return pattern.translate(_TABLE)


def _expand(pattern: str) -> str:
    for placeholder, regex in _GAPS.items():
        pattern = pattern.replace(placeholder, regex)
    return _fold(pattern)


def _compile(lang: str, specs: list[dict[str, Any]]) -> list[Rule]:
    rules = []
    for i, spec in enumerate(specs, start=1):
        rules.append(
            Rule(
                rule_id=f"{lang}.{spec['category']}.{i}",
                lang=lang,
                category=str(spec["category"]),
                pattern=re.compile(_expand(str(spec["pattern"]))),
                reason=str(spec["reason"]),
                weight=float(spec.get("weight", 0.9)),
                has_negation=bool(spec.get("negated_form", False)),
            )
        )
    return rules


class StereotypeRules:
    """The rule set for all three languages; ``find`` returns hits in context."""

    def __init__(self, path: str | Path | None = None) -> None:
        data = yaml.safe_load(Path(path or RULES_FILE).read_text(encoding="utf-8"))
        self.version: str = str(data.get("version", "rules-1"))
        langs: dict[str, dict[str, Any]] = data["languages"]
        self.rules: dict[str, list[Rule]] = {
            lang: _compile(lang, spec["rules"]) for lang, spec in langs.items()
        }
        self._debunk = {k: re.compile(_expand(v["debunking_markers"])) for k, v in langs.items()}
        self._negation = {k: re.compile(_expand(v["negation"])) for k, v in langs.items()}
        self._rebuttal = {k: re.compile(_expand(v["rebuttal"])) for k, v in langs.items()}
        # "they rightly say", "как говорится": a reported view the text agrees with
        self._endorse = {k: re.compile(_expand(v["endorsement_markers"])) for k, v in langs.items()}

    def has_debunking_marker(self, norm_text: str, lang: str) -> bool:
        """True when the text contains a debunking or distancing marker ("it is a myth")."""
        return bool(self._debunk.get(lang, self._debunk["en"]).search(norm_text)) and not bool(
            self._endorse.get(lang, self._endorse["en"]).search(norm_text)
        )

    def distanced_ranges(self, norm_text: str, lang: str) -> tuple[tuple[int, int], ...]:
        """Stretches of the text that report a view rather than state it: sentences with a
        debunking or distancing marker, sentences rebutted by the next one, and quotations of
        three words or more. The model reads words there as a separate, "distanced" vocabulary.
        """
        debunk = self._debunk.get(lang, self._debunk["en"])
        rebuttal = self._rebuttal.get(lang, self._rebuttal["en"])
        endorse = self._endorse.get(lang, self._endorse["en"])
        ranges = [
            (s, e)
            for s, e in _sentences(norm_text)
            if (debunk.search(norm_text, s, e) or rebuttal.match(norm_text, e))
            and not endorse.search(norm_text, s, e)
        ]
        for m in _QUOTED.finditer(norm_text):
            if len(m.group(1).split()) >= 3:
                ranges.append((m.start(), m.end()))
        merged: list[tuple[int, int]] = []
        for a, b in sorted(ranges):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        return tuple(merged)

    def find(self, norm_text: str, lang: str) -> list[RuleHit]:
        """All rule hits in ``norm_text`` (already normalised) for ``lang``, with their status."""
        rules = self.rules.get(lang, self.rules["en"])
        hits: list[RuleHit] = []
        sentences: list[tuple[int, int]] | None = None
        for rule in rules:
            for m in rule.pattern.finditer(norm_text):
                if m.end() == m.start():
                    continue
                end = m.end()
                while end < len(norm_text) and norm_text[end].isalnum():
                    end += 1  # spans cover whole words
                if sentences is None:
                    sentences = _sentences(norm_text)
                s_start, s_end = _sentence_of(sentences, m.start())
                status = self._status(norm_text, m.start(), end, s_start, s_end, lang, rule)
                hits.append(
                    RuleHit(
                        rule.rule_id,
                        rule.category,
                        m.start(),
                        end,
                        rule.reason,
                        status,
                        rule.weight,
                    )
                )
        return hits

    def _status(
        self, text: str, start: int, end: int, s_start: int, s_end: int, lang: str, rule: Rule
    ) -> str:
        sentence = text[s_start:s_end]
        if (
            self._debunk[lang].search(sentence) or self._rebuttal[lang].match(text, s_end)
        ) and not self._endorse[lang].search(sentence):
            return "debunked"
        before = text[s_start:start]
        # the three words before the match
        window = " ".join(re.findall(r"[\w']+", before)[-3:])
        neg = self._negation[lang]
        if lang == "tg":
            # Tajik is verb-final: a negated verb follows the match ("... муҳаббат нестанд")
            after = " ".join(re.findall(r"[\w']+", text[end:s_end])[:2])
            window = f"{window} {after}"
        if neg.search(window) or (not rule.has_negation and neg.search(text[start:end])):
            return "negated"
        if before.count('"') % 2 == 1:
            return "quoted"
        return "asserted"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence (split at . ! ? ; and new lines)."""
    return _sentences(text)


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def _sentence_of(sentences: list[tuple[int, int]], index: int) -> tuple[int, int]:
    for s, e in sentences:
        if s <= index < e:
            return s, e
    return 0, sentences[-1][1] if sentences else 0
