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

import importlib
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from moderation.normalise import _TABLE

RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"


_SEP = r"[^\w.!?;\n]+"  # the non-word characters between two words of one sentence


def _gap(n: int) -> str:
    """Regex for "up to n words in between" (the {Gn} placeholders in rules.yaml)."""
    # lazy: the shortest gap, so spans stay tight; never across a sentence end (. ! ? ; new line)
    return rf"(?:{_SEP}\w+){{0,{n}}}?{_SEP}"


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
    # a norm only a statement asserts: in a question ("Нужно ли разрешение мужа, чтобы ...?") it
    # is mentioned, as in a quotation
    statement_only: bool = False
    # literal strings one of which every match starts with (None: a match may start anywhere);
    # the pattern is only tried where one of them occurs
    anchors: tuple[tuple[str, bool], ...] | None = None


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
# clause breaks inside a sentence: a colon, a dash between words, or a comma (kept only before a
# rebuttal, see StereotypeRules._clauses)
_CLAUSE_BREAK = re.compile(r":|\s[—–-]+\s|[—–]|,")
_QUOTE_MARK = re.compile('"')
_BACK_REFERENCE_WORDS = 6  # "... -- and that is a myth": at most this many words
_LABEL_WORDS = 6  # "Myth #1:", "Top 5 myths:", "Самый опасный миф:", "Қолаби маъмул дар ҷомеа:"
_WORD_RE = re.compile(r"\w+")
_WINDOW_CHARS = 120  # how far back (or, for Tajik, on) a negation is looked for
_ARTICLES = frozenset({"a", "an", "the"})
_TG_CLAUSE_END = re.compile(r",|\bки\b")
# "or not" after a marker ("stereotype or not, ..."); Tajik "ё не" is "е не" once normalised.
# _OR_NOT_ANY also holds the Russian concessive "бы ни" ("что бы ни случилось, ..." is "whatever
# happens"), which negates nothing either; both are blanked out of a negation window
_OR_NOT_ANY = re.compile(r"\b(?:or\s+not|or\s+no\s+(?:myths?|stereotypes?)|или\s+нет|е\s+не|бы\s+ни)\b")
_OR_NOT = re.compile(r"\s*(?:or\s+not|or\s+no\s+(?:myths?|stereotypes?)|или\s+нет|е\s+не)\b")
_LABEL_PHRASE_WORDS = 5  # "Афсонаҳо дар бораи занон ва мардон:": a preposition and four words
_MIN_QUOTED_WORDS = 3  # a shorter quotation is often a name or a scare-quoted word


def _words(pattern: str) -> re.Pattern[str]:
    """A rules.yaml pattern for whole words (used with ``fullmatch``)."""
    return re.compile(f"(?:{_expand(pattern)})")


def _fold(pattern: str) -> str:
    return pattern.translate(_TABLE)


def _expand(pattern: str) -> str:
    for placeholder, regex in _GAPS.items():
        pattern = pattern.replace(placeholder, regex)
    return _fold(pattern)


_WORD_MEMO_MAX = 100_000  # distinct words memoised per language
_ANCHOR_MAX = 8  # longer literal prefixes add nothing to the pre-filter
Anchor = tuple[str, bool]  # (literal the match starts with, preceded by \b)


def _prefixes(items: Any, sre: Any, bounded: bool = False) -> set[Anchor] | None:
    """Literal strings one of which every match of the parsed sequence ``items`` starts with
    (each with whether a word boundary precedes it), or None when a match may start with
    something that is not a fixed string."""
    prefix = ""
    for i, (op, av) in enumerate(items):
        if op is sre.AT or op in (sre.ASSERT, sre.ASSERT_NOT):
            if prefix:
                break
            bounded = bounded or (op is sre.AT and av is sre.AT_BOUNDARY)
            continue  # zero-width at the start: \b, look-arounds
        if op is sre.LITERAL:
            prefix += chr(av)
            if len(prefix) >= _ANCHOR_MAX:
                break
            continue
        if prefix:
            break
        parts: list[set[Anchor] | None]
        if op is sre.SUBPATTERN:
            parts = [_prefixes(av[3], sre, bounded)]
        elif op is sre.BRANCH:
            parts = [_prefixes(branch, sre, bounded) for branch in av[1]]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            parts = [_prefixes(av[2], sre, bounded)]
            if av[0] == 0:  # optional: a match may also start with what follows
                parts.append(_prefixes(items[i + 1 :], sre, bounded))
        elif op is sre.IN and 0 < len(av) <= 4 and all(o is sre.LITERAL for o, _ in av):
            parts = [{(chr(c), bounded) for _, c in av}]
        else:
            return None
        out: set[Anchor] = set()
        for part in parts:
            if part is None:
                return None
            out |= part
        return out
    return {(prefix, bounded)} if prefix else None


_WORD_START = re.compile(r"\w+")


def anchors(pattern: str) -> tuple[Anchor, ...] | None:
    """The literal strings one of which every match of ``pattern`` starts with (sorted; each
    with whether it must begin a word), or None when there is no such set (the pattern must
    then be searched everywhere)."""
    try:
        parser = importlib.import_module("re._parser")
        found = _prefixes(parser.parse(pattern).data, importlib.import_module("re._constants"))
    except (ImportError, AttributeError, re.error, TypeError, ValueError):
        return None
    if not found or any(not a for a, _ in found):
        return None
    # a word-initial anchor is looked up by its leading word characters
    out = set()
    for a, bounded in found:
        lead = _WORD_START.match(a)
        out.add((lead.group(), True) if bounded and lead else (a, False))
    return tuple(sorted(out))


class _Positions:
    """Where anchors occur in one text; shared by all rules of a ``find`` call."""

    def __init__(self, text: str, word_starts: re.Pattern[str] = _WORD_START) -> None:
        self.text = text
        # the words that may begin with a word-initial anchor (all words by default)
        self._word_starts = word_starts
        self._words: dict[str, list[int]] | None = None
        self._sorted: list[str] = []
        self._cache: dict[Anchor, list[int]] = {}

    def get(self, anchor: Anchor) -> list[int]:
        found = self._cache.get(anchor)
        if found is not None:
            return found
        a, word_initial = anchor
        found = []
        if word_initial:  # starts of words beginning with ``a``
            if self._words is None:
                self._words = {}
                for m in self._word_starts.finditer(self.text):
                    self._words.setdefault(m.group(), []).append(m.start())
                self._sorted = sorted(self._words)
            k = bisect_left(self._sorted, a)
            while k < len(self._sorted) and self._sorted[k].startswith(a):
                found.extend(self._words[self._sorted[k]])
                k += 1
        else:
            i = self.text.find(a)
            while i >= 0:
                found.append(i)
                i = self.text.find(a, i + 1)
        self._cache[anchor] = found
        return found


def _matches(rule: Rule, text: str, positions: _Positions) -> list[re.Match[str]]:
    """The same matches as ``rule.pattern.finditer(text)``, but the pattern is only tried
    where one of its anchors occurs."""
    if rule.anchors is None:
        return list(rule.pattern.finditer(text))
    starts: set[int] = set()
    for anchor in rule.anchors:
        starts.update(positions.get(anchor))
    return _matches_from(rule, text, sorted(starts))


def _matches_from(rule: Rule, text: str, starts: list[int]) -> list[re.Match[str]]:
    """Non-overlapping, non-empty matches of ``rule`` tried at ``starts`` (ascending), left to
    right, as ``finditer`` would find them among those positions."""
    out: list[re.Match[str]] = []
    limit = 0
    match = rule.pattern.match
    for pos in starts:
        if pos < limit:
            continue
        m = match(text, pos)
        if m is not None and m.end() > m.start():
            out.append(m)
            limit = m.end()
    return out


def _word_start_filter(rules: list[Rule]) -> re.Pattern[str]:
    """A regex finding, in one scan, the words that begin with a word-initial anchor of any of
    ``rules``: the only words ``_Positions`` needs to index."""
    leads = {a for r in rules for a, initial in r.anchors or () if initial}
    leads_sorted = sorted(leads, key=lambda a: (-len(a), a))
    if not leads_sorted:
        return re.compile(r"(?!)")
    return re.compile(r"\b(?=" + "|".join(map(re.escape, leads_sorted)) + r")\w+")


def _compile(lang: str, specs: list[dict[str, Any]]) -> list[Rule]:
    rules = []
    for i, spec in enumerate(specs, start=1):
        pattern = _expand(str(spec["pattern"]))
        rules.append(
            Rule(
                rule_id=f"{lang}.{spec['category']}.{i}",
                lang=lang,
                category=str(spec["category"]),
                pattern=re.compile(pattern),
                reason=str(spec["reason"]),
                weight=float(spec.get("weight", 0.9)),
                has_negation=bool(spec.get("negated_form", False)),
                statement_only=bool(spec.get("statement_only", False)),
                anchors=anchors(pattern),
            )
        )
    return rules


class StereotypeRules:
    """The rule set for all three languages; ``find`` returns hits in context."""

    def __init__(self, path: str | Path | None = None) -> None:
        # libyaml's safe loader when built (same result, about 5x faster: load time)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(Path(path or RULES_FILE).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
        self.version: str = str(data.get("version", "rules-1"))
        langs: dict[str, dict[str, Any]] = data["languages"]
        self.rules: dict[str, list[Rule]] = {
            lang: _compile(lang, spec["rules"]) for lang, spec in langs.items()
        }
        self._word_starts = {lang: _word_start_filter(rules) for lang, rules in self.rules.items()}
        # rules whose every anchor begins a word: their candidate starts come from one scan
        self._indexed_rules = {
            lang: [r for r in rules if r.anchors is not None and all(initial for _, initial in r.anchors)]
            for lang, rules in self.rules.items()
        }
        self._scan_indexed = {k: {r.rule_id for r in v} for k, v in self._indexed_rules.items()}
        # anchor -> positions (in rule order) of the word-anchored rules it starts
        self._anchor_rules: dict[str, dict[str, tuple[int, ...]]] = {}
        for lang, indexed in self._indexed_rules.items():
            by_anchor: dict[str, list[int]] = {}
            for i, r in enumerate(indexed):
                for a, _ in r.anchors or ():
                    if i not in by_anchor.setdefault(a, []):
                        by_anchor[a].append(i)
            self._anchor_rules[lang] = {a: tuple(v) for a, v in by_anchor.items()}
        self._anchor_len = max((len(a) for v in self._anchor_rules.values() for a in v), default=0)
        self._word_memo: dict[str, dict[str, tuple[str, ...]]] = {k: {} for k in self.rules}
        self._debunk = {k: re.compile(_expand(v["debunking_markers"])) for k, v in langs.items()}
        self._negation = {k: re.compile(_expand(v["negation"])) for k, v in langs.items()}
        self._rebuttal = {k: re.compile(_expand(v["rebuttal"])) for k, v in langs.items()}
        # "they rightly say", "как говорится": a reported view the text agrees with
        self._endorse = {k: re.compile(_expand(v["endorsement_markers"])) for k, v in langs.items()}
        # "some say: ..." carries its view across a colon or dash; "Myth: ..." labels what follows
        self._lead_in = {k: re.compile(_expand(v["lead_in_markers"])) for k, v in langs.items()}
        self._label = {k: re.compile(_expand(v["label_markers"])) for k, v in langs.items()}
        # "... - that is a myth", "... — так говорили наши бабушки": a clause that refers back
        self._back_reference = {k: re.compile(_expand(v["back_reference"])) for k, v in langs.items()}
        # "contrary to modern nonsense", "stereotypes aside": marker words that distance nothing
        self._false = {k: re.compile(_expand(v["false_markers"])) for k, v in langs.items()}
        # ", but it's true", ", но это правда", ", аммо ин рост аст": a concession that takes back
        # the distancing of everything before it
        self._concession = {k: re.compile(_expand(v["concession"])) for k, v in langs.items()}
        self._emphatic = {k: re.compile(_expand(v["emphatic_negations"])) for k, v in langs.items()}
        # "Нужно ли ...?": a yes/no question, in which a statement-only norm is asked about
        self._yes_no = {k: re.compile(_expand(v["yes_no_question"])) for k, v in langs.items()}
        # where a yes/no question's reach ends: a comma, a complementizer or a conjunction
        self._question_stops = {k: re.compile(_expand(v["question_stops"])) for k, v in langs.items()}
        # "..: it is a myth that ...": a marker clause that points forward, not back
        self._cataphoric = {k: re.compile(_expand(v["cataphoric_markers"])) for k, v in langs.items()}
        self._forward_subject = {k: re.compile(_expand(v["forward_subject"])) for k, v in langs.items()}
        # "А разве не миф, что ...?": a question that opens by turning an emphatic negation into
        # a debunking
        self._question = {k: re.compile(_expand(v["question_debunking"])) for k, v in langs.items()}
        # the words a label may hold besides its noun ("A common myth:", "5 myths about women:")
        self._label_words = {
            k: tuple(
                _words(v[key])
                for key in ("label_modifiers", "label_followers", "label_prepositions", "label_topics")
            )
            for k, v in langs.items()
        }
        # Tajik: particles between a marker and its negated verb, copulas that end the marker's
        # phrase, and reporting markers after which only the next word can negate them
        self._particles = {k: _words(v["marker_particles"]) for k, v in langs.items()}
        self._copulas = {k: _words(v["copulas"]) for k, v in langs.items()}
        self._reporting = {k: _words(v["reporting_markers"]) for k, v in langs.items()}
        # words naming a woman, man, girl, boy or gendered family role
        self._gender = {k: re.compile(_expand(v["gender_terms"])) for k, v in langs.items()}
        self._pronouns = {k: re.compile(_expand(v["gender_pronouns"])) for k, v in langs.items()}
        # "both boys and girls", "и мужчины, и женщины", "every parent"
        self._inclusive = {k: re.compile(_expand(v["inclusive_markers"])) for k, v in langs.items()}

    def gender_starts(self, norm_text: str, lang: str) -> list[int]:
        """Ascending starts of the gender terms in the text (``gender_terms`` in rules.yaml)."""
        return [m.start() for m in self._gender.get(lang, self._gender["en"]).finditer(norm_text)]

    def pronoun_starts(self, norm_text: str, lang: str) -> list[int]:
        """Ascending starts of the gendered pronouns that are not gender terms (``gender_pronouns``:
        Russian "он/она", which may also stand for a thing)."""
        return [m.start() for m in self._pronouns.get(lang, self._pronouns["en"]).finditer(norm_text)]

    def inclusive_starts(self, norm_text: str, lang: str) -> list[int]:
        """Ascending starts of the inclusive phrases in the text (``inclusive_markers``)."""
        return [m.start() for m in self._inclusive.get(lang, self._inclusive["en"]).finditer(norm_text)]

    def gendered_in(self, norm_text: str, lang: str, spans: list[tuple[int, int]]) -> list[bool]:
        """For each span, whether it holds a gender term or pronoun (the model's feature)."""
        starts = sorted(self.gender_starts(norm_text, lang) + self.pronoun_starts(norm_text, lang))
        return starts_in(starts, spans)

    def inclusive_in(self, norm_text: str, lang: str, spans: list[tuple[int, int]]) -> list[bool]:
        """For each span, whether an inclusive phrase starts in it."""
        return starts_in(self.inclusive_starts(norm_text, lang), spans)

    def has_debunking_marker(self, norm_text: str, lang: str) -> bool:
        """True when the text contains a debunking or distancing marker ("it is a myth")."""
        key = lang if lang in self._debunk else "en"
        return self._marker_in(norm_text, 0, len(norm_text), key) and not bool(
            self._endorse[key].search(norm_text)
        )

    def debunking_markers_in(self, norm_text: str, lang: str, spans: list[tuple[int, int]]) -> list[bool]:
        """``has_debunking_marker(norm_text[s:e], lang)`` for each span (spans start and end at
        sentence boundaries); one scan of the whole text settles the common case of none."""
        debunk = self._debunk.get(lang, self._debunk["en"])
        if debunk.search(norm_text) is None:
            # a marker inside a span would also be found in the whole text
            return [False] * len(spans)
        return [self.has_debunking_marker(norm_text[s:e], lang) for s, e in spans]

    def distanced_ranges(self, norm_text: str, lang: str) -> tuple[tuple[int, int], ...]:
        """Stretches of the text that report a view rather than state it: sentences with a
        debunking or distancing marker, sentences rebutted by the next one, and quotations of
        three words or more. The model reads words there as a separate, "distanced" vocabulary.
        """
        key = lang if lang in self._debunk else "en"
        # no marker anywhere: no sentence needs its own search (one scan instead of dozens)
        debunk = self._debunk[key]
        anywhere = debunk.search(norm_text) is not None
        rebuttal = self._rebuttal[key]
        ranges: list[tuple[int, int]] = []
        for s, e in _sentences(norm_text):
            # ``_view`` distances nothing in a sentence with no marker and no rebuttal after
            # it: skip its clause analysis (most sentences of an article)
            if rebuttal.match(norm_text, e) or (anywhere and debunk.search(norm_text, s, e)):
                ranges.extend(self._debunked_stretches(norm_text, s, e, key))
        for m in _QUOTED.finditer(norm_text):
            if len(m.group(1).split()) >= _MIN_QUOTED_WORDS:
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
        key = lang if lang in self.rules else "en"
        rules = self.rules[key]
        hits: list[RuleHit] = []
        sentences: tuple[tuple[int, int], ...] | None = None
        views: dict[int, _SentenceView] = {}  # sentence start -> its clauses, computed once
        sentence_starts: list[int] = []
        positions = _Positions(norm_text, self._word_starts[key])
        scanned = self._scan(key, norm_text)
        for rule in rules:
            for m in self._rule_matches(key, rule, norm_text, positions, scanned):
                if m.end() == m.start():
                    continue
                end = m.end()
                while end < len(norm_text) and norm_text[end].isalnum():
                    end += 1  # spans cover whole words
                if sentences is None:
                    sentences = _sentences(norm_text)
                    sentence_starts = [a for a, _ in sentences]
                s_start, s_end = _sentence_of(sentences, sentence_starts, m.start())
                view = views.get(s_start)
                if view is None:
                    view = views[s_start] = self._view(norm_text, s_start, s_end, key)
                status = self._status(norm_text, m.start(), end, view, key, rule)
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

    def _rule_matches(
        self, key: str, rule: Rule, text: str, positions: _Positions, scanned: dict[str, list[int]]
    ) -> list[re.Match[str]]:
        """``_matches``, but the candidate starts of all word-anchored rules come from one scan
        of the text (``_scan``) and a per-word memo of the rules the word can start."""
        starts = scanned.get(rule.rule_id)
        if starts is None:
            if rule.rule_id in self._scan_indexed[key]:
                return []  # no word of the text begins with one of its anchors
            return _matches(rule, text, positions)
        return _matches_from(rule, text, starts)

    def _scan(self, key: str, text: str) -> dict[str, list[int]]:
        """Rule id -> ascending starts of the words of ``text`` that begin with one of the
        rule's anchors (word-anchored rules with at least one such word only)."""
        memo = self._word_memo[key]
        rules = self._indexed_rules[key]
        anchor_rules = self._anchor_rules[key]
        found: dict[str, list[int]] = {}
        for m in self._word_starts[key].finditer(text):
            word = m.group()
            ids = memo.get(word)
            if ids is None:
                # the rules one of whose anchors is a prefix of the word, in rule order
                found_at: set[int] = set()
                for k in range(1, min(len(word), self._anchor_len) + 1):
                    found_at.update(anchor_rules.get(word[:k], ()))
                ids = tuple(rules[i].rule_id for i in sorted(found_at))
                if len(memo) >= _WORD_MEMO_MAX:
                    memo.clear()
                memo[word] = ids
            start = m.start()
            for rule_id in ids:
                found.setdefault(rule_id, []).append(start)
        return found

    def _status(
        self,
        text: str,
        start: int,
        end: int,
        view: _SentenceView,
        lang: str,
        rule: Rule,
    ) -> str:
        i = view.clause_at(start)
        if view.covered[i]:
            return "debunked"
        c_start, c_end = view.clauses[i][0], view.clauses[i][1]
        # the three words before the match, within its clause ("It's no myth: a good wife ..."
        # does not negate what follows the colon); "stereotype or not, ..." negates nothing
        lo = max(c_start, start - _WINDOW_CHARS)
        before = text[lo:start]
        # "There's no doubt that ...", "Нет сомнений, что ...", "Афсона ҳаргиз нест, ки ...": a
        # negation that affirms (``emphatic``) negates nothing, though another negation beside it
        # still does ("Недаром не женщины ..."); only what follows the last such phrase is looked
        # at, as a negation before it ("Нет, не секрет, что ...") belongs to another clause. A
        # question that opens "Разве (это) не миф, ...?" (``question_debunking``) turns its phrase
        # into a debunking, which then negates
        last = next(reversed(list(self._emphatic[lang].finditer(before))), None)
        if last is not None and not view.turns(lo + last.start(), lo + last.end()):
            before = before[last.end() :]
        window = " ".join(re.findall(r"[\w']+", _OR_NOT_ANY.sub(" ", before))[-3:])
        neg = self._negation[lang]
        negated = bool(neg.search(window))
        if lang == "tg":
            # Tajik is verb-final: a negated verb follows the match ("... муҳаббат нестанд")
            after = " ".join(re.findall(r"[\w']+", text[end : min(c_end, end + _WINDOW_CHARS)])[:2])
            negated = negated or bool(neg.search(after))
        if negated or (not rule.has_negation and neg.search(text[start:end])):
            return "negated"
        if view.quotes_before(start) % 2 == 1 and not view.endorsed[i]:
            return "quoted"  # a quotation its clause agrees with ("... and she was right") is not
        if rule.statement_only and view.asks[0] <= start and end <= view.asks[1]:
            return "quoted"  # "Do you need your husband's permission to ...? No."
        return "asserted"

    def _view(self, text: str, s_start: int, s_end: int, lang: str) -> _SentenceView:
        """The clauses of the sentence [s_start, s_end) and which of them report or debunk a view.

        A debunking or distancing marker covers its own clause only: clauses end at a colon, a
        dash, and a comma before a rebuttal ("..., but"; "..., но"). "Forget the nonsense: a good
        wife obeys" asserts its second clause; "Many think otherwise, but ..." asserts what follows
        "but". A clause carries over a colon or dash to the next one when it is a reporting lead-in
        ("Some say: ...") or a short label ("Myth: ...", "Миф № 1: ...", "Афсонаи якум: ..."),
        unless a later clause of the sentence holds an endorsement ("... - and it's true"). A
        clause with a marker after a colon or dash that is short or refers back ("... - that is a
        myth", "... — так говорили наши бабушки") covers the clauses before it. A marker that is
        negated ("this is not a stereotype"), followed by "or not", or part of a phrase that
        rejects the debunking ("contrary to modern nonsense", ``false_markers``) counts for
        nothing. An endorsement ("... and it's true", "she was right", "и это правда") cancels the
        distancing of its own clause. A sentence followed by a rebuttal ("... But in our family
        ...") is distanced as a whole, unless it holds an endorsement.
        """
        clauses = self._clauses(text, s_start, s_end, lang)
        n = len(clauses)
        quotes = [m.start() for m in _QUOTE_MARK.finditer(text, s_start, s_end)]
        ends_asking = _ends_with_question(text, s_start, s_end)
        stops = self._question_stops[lang]

        def reach(pos: int) -> int:
            stop = stops.search(text, pos, s_end)
            return s_end if stop is None else stop.start()

        # a yes/no question asks about what follows its opening up to the first comma,
        # complementizer or conjunction ("Нужно ли разрешение мужа?", not "Понимаете ли вы, что ...?")
        yes_no = self._yes_no[lang].match(text, s_start, s_end) if ends_asking else None
        asks = (yes_no.end(), reach(yes_no.end())) if yes_no else (s_end + 1, -1)
        opener = self._question[lang].match(text, s_start, s_end)
        question = opener.span() if opener and ends_asking else (-1, -1)
        endorse = self._endorse[lang]
        endorsed = [bool(endorse.search(text, a, b)) for a, b, _ in clauses]
        if self._rebuttal[lang].match(text, s_end) and not any(endorsed):
            return _SentenceView(clauses, [True] * n, endorsed, quotes, question, asks)
        if not self._debunk[lang].search(text, s_start, s_end):
            return _SentenceView(clauses, [False] * n, endorsed, quotes, question, asks)
        marked = [
            not e and self._marker_in(text, a, b, lang)
            for (a, b, _), e in zip(clauses, endorsed, strict=True)
        ]
        covered = list(marked)
        # whether a clause after clause i holds an endorsement or a concession ("Gender
        # stereotypes: a good wife obeys her husband - and it's true": the label does not reach
        # past it). Any later clause counts, a rebuttal's too ("..., but my mother disagreed, and
        # she was right" is asserted): telling whose view an endorsement backs was tried and left
        # more stereotypes read as debunked than it saved debunkings (docs/moderation_eval.md)
        endorsed_after = [False] * n
        concession = self._concession[lang]
        for i in range(n - 2, -1, -1):
            na, nb, _ = clauses[i + 1]
            endorsed_after[i] = (
                endorsed[i + 1] or endorsed_after[i + 1] or bool(concession.match(text, na, nb))
            )
        run_start = 0  # first clause of the run of colon/dash-ended clauses that holds clause i
        filled = -1  # clauses up to here were already walked back over (keeps this linear)
        for i in range(n - 1):
            a, b, brk = clauses[i]
            if brk == ":" and (i == 0 or clauses[i - 1][2] != ":"):
                run_start = i
            if brk != ":" or endorsed[i]:
                continue
            if not endorsed_after[i] and (
                self._lead_in[lang].search(text, a, b) or self._is_label(text, a, b, lang)
            ):
                covered[i + 1] = True
            na, nb, _ = clauses[i + 1]
            if (
                marked[i + 1]
                and not self._points_forward(text, na, nb, lang)
                and (
                    len(text[na:nb].split()) <= _BACK_REFERENCE_WORDS
                    or self._back_reference[lang].match(text, na, nb)
                )
            ):
                # "Муж — глава семьи — это миф": every clause back to the last other break
                j = i
                while j >= max(run_start, filled + 1) and not endorsed[j]:
                    covered[j] = True
                    j -= 1
                filled = i
        for i in range(1, n):
            # "Men are born leaders - it's a cliche, but it's true": nothing before it is distanced
            if clauses[i - 1][2] == "," and self._concession[lang].match(text, clauses[i][0], clauses[i][1]):
                covered[:i] = [False] * i
        return _SentenceView(clauses, covered, endorsed, quotes, question, asks)

    def _points_forward(self, text: str, start: int, end: int, lang: str) -> bool:
        """Whether the clause [start, end) opens with a marker that points forward ("it is a myth
        that ...", "это миф, что ...", "ин афсона аст, ки ...") to a stereotype a rule finds in
        what follows, or (English) "that" is followed by a gender term; "... - it's a stereotype
        that hurts families" refers back instead. The
        clause holds no colon or dash, so this looks at each character at most once more."""
        m = self._cataphoric[lang].match(text, start, end)
        if m is None:
            return False
        # "...: it's a myth that wives can do as they please": "that" opens a statement about
        # women or men even when no rule knows it (``forward_subject``, English)
        subject = self._forward_subject[lang].match(text, m.end(), end)
        if subject is not None and self._gender[lang].match(text, subject.end(), end):
            return True
        return bool(self.find(text[m.end() : end], lang))

    def _debunked_stretches(self, text: str, s_start: int, s_end: int, lang: str) -> list[tuple[int, int]]:
        """The stretches of the sentence [s_start, s_end) that report or debunk a view (``_view``)."""
        view = self._view(text, s_start, s_end, lang)
        return [(a, b) for (a, b, _), c in zip(view.clauses, view.covered, strict=True) if c]

    def _clauses(self, text: str, s_start: int, s_end: int, lang: str) -> list[tuple[int, int, str]]:
        """[start, end) of the clauses of a sentence, each with the break that ends it: ":" (a colon
        or dash), "," (a comma before a rebuttal) or "" (the end of the sentence)."""
        rebuttal = self._rebuttal[lang]
        breaks: list[tuple[int, str]] = []
        for m in _CLAUSE_BREAK.finditer(text, s_start, s_end):
            if m.group() == ",":
                if rebuttal.match(text, m.end()):
                    breaks.append((m.end(), ","))
            else:
                breaks.append((m.end(), ":"))
        out = []
        pos = s_start
        for end, kind in breaks:
            if end > pos:
                out.append((pos, end, kind))
                pos = end
        out.append((pos, s_end, ""))
        return out

    def _valid_marker(self, m: re.Match[str], text: str, start: int, end: int, lang: str) -> bool:
        """Whether a marker match in the clause [start, end) distances anything: not negated ("not
        a myth", "это не стереотип", Tajik "афсона нест") and not followed by "or not"."""
        neg = self._negation[lang]
        before = re.findall(r"[\w']+", text[max(start, m.start() - _WINDOW_CHARS) : m.start()])[-3:]
        before = [w for w in before if w not in _ARTICLES]
        if before and neg.search(before[-1]) and not neg.search(m.group()):
            return False
        if _OR_NOT.match(text, m.end(), end):
            return False
        if lang == "tg":
            # verb-final: "афсона нест"; the negated verb may come a word later ("қолаби ягона
            # нест"; particles such as "ҳам" do not count: "ин дурӯғ ҳам нест"), only the next word
            # after a reporting marker ("мегӯянд"), and never past a comma or "ки", where the
            # reported statement (with its own negations) begins
            phrase = _TG_CLAUSE_END.split(text[m.end() : min(end, m.end() + _WINDOW_CHARS)], maxsplit=1)[0]
            reach = 1 if self._reporting[lang].fullmatch(m.group()) else 2
            words: list[str] = []
            for w in re.findall(r"[\w']+", phrase):
                if self._copulas[lang].fullmatch(w):
                    break  # "ин дурӯғ аст на ҳақиқат": the marker's own phrase ends here
                if not self._particles[lang].fullmatch(w):
                    words.append(w)
            if any(neg.search(w) for w in words[:reach]):
                return False
        return True

    def _marker_in(self, text: str, start: int, end: int, lang: str) -> bool:
        """Whether [start, end) holds a debunking marker that distances anything: valid
        (``_valid_marker``) and not inside a phrase that rejects the debunking (``false_markers``:
        "contrary to modern nonsense", "stereotypes aside")."""
        false: list[tuple[int, int]] | None = None  # looked for only once a marker is found
        for m in self._debunk[lang].finditer(text, start, end):
            if false is None:
                false = [(f.start(), f.end()) for f in self._false[lang].finditer(text, start, end)]
            if any(a <= m.start() and m.end() <= b for a, b in false):
                continue
            if self._valid_marker(m, text, start, end, lang):
                return True
        return False

    def _is_label(self, text: str, start: int, end: int, lang: str) -> bool:
        """A label naming what follows as a myth or stereotype: "Myth #1:", "A common myth:",
        "Top 5 myths:", "5 myths about women:", "Самый опасный миф:", "Яке аз афсонаҳо:",
        "Қолаби маъмул дар ҷомеа:". At most ``_LABEL_WORDS`` words, no phrase rejecting the
        debunking ("Хватит мифов:", "Forget the myths:"), and a valid label noun with only
        ``label_modifiers`` before it, ``label_followers`` (numbering, Tajik izofa modifiers) right
        after it, and then at most a preposition and ``label_topics`` or gender terms. A clause
        that says something about stereotypes ("Stereotypes exist for a reason:", "Not just a
        stereotype:", "Мой любимый стереотип:", "Стереотипы о женщинах верны:") is not a label."""
        words = list(_WORD_RE.finditer(text, start, end))
        if not words or len(words) > _LABEL_WORDS or self._false[lang].search(text, start, end):
            return False
        modifiers, followers, prepositions, topics = self._label_words[lang]
        gender = self._gender[lang]

        def phrase(tail: list[str]) -> bool:  # nothing, or "about women and men"
            return not tail or (
                len(tail) <= _LABEL_PHRASE_WORDS
                and bool(prepositions.fullmatch(tail[0]))
                and all(topics.fullmatch(w) or gender.fullmatch(w) for w in tail[1:])
            )

        for m in self._label[lang].finditer(text, start, end):
            head = [w.group() for w in words if w.end() <= m.start()]
            if not all(modifiers.fullmatch(w) for w in head):
                continue  # "Gender stereotypes:", not "My favourite stereotype:" or "His myth:"
            tail = [w.group() for w in words if w.start() >= m.end()]
            n = 0  # followers first ("Myth 1 of 10"), or not ("Myths of marriage")
            while n < len(tail) and followers.fullmatch(tail[n]):
                n += 1
            if not any(phrase(tail[k:]) for k in range(n + 1)):
                continue
            if self._valid_marker(m, text, start, end, lang):
                return True
        return False


@dataclass(frozen=True)
class _SentenceView:
    """One sentence's clauses ([start, end, break]), whether each reports or debunks a view,
    whether each holds an endorsement, where its quotation marks are, and whether it is a question."""

    clauses: list[tuple[int, int, str]]
    covered: list[bool]
    endorsed: list[bool]
    quotes: list[int]
    # the opening of a question that turns its emphatic phrase into a debunking ("А разве не миф,
    # что ...?", ``question_debunking``), or (-1, -1)
    question: tuple[int, int]
    # what a yes/no question asks about ("Нужно ли [разрешение мужа]?"), or an empty stretch
    asks: tuple[int, int]
    starts: list[int] = field(default_factory=list)  # clause starts, for clause_at

    def __post_init__(self) -> None:
        self.starts[:] = [c[0] for c in self.clauses]

    def turns(self, start: int, end: int) -> bool:
        """Whether the emphatic phrase [start, end) is the one the question's opening turns."""
        return self.question[0] <= start and end <= self.question[1]

    def clause_at(self, index: int) -> int:
        return max(0, bisect_right(self.starts, index) - 1)

    def quotes_before(self, index: int) -> int:
        return bisect_left(self.quotes, index)


def _ends_with_question(text: str, start: int, end: int) -> bool:
    """Whether the sentence [start, end) ends with a "?" among its closing punctuation ("...?!")."""
    k = end
    while k > start and (text[k - 1].isspace() or text[k - 1] in ".!?;\"')»"):
        k -= 1
        if text[k] == "?":
            return True
    return False


def starts_in(starts: list[int], spans: list[tuple[int, int]]) -> list[bool]:
    """For each [start, end) span, whether one of the ascending ``starts`` lies inside it."""
    out = []
    for s, e in spans:
        k = bisect_left(starts, s)
        out.append(k < len(starts) and starts[k] < e)
    return out


def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """[start, end) of each sentence (split at . ! ? ; and new lines)."""
    return _sentences(text)


@lru_cache(maxsize=8)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    """``sentence_spans``; memoised, as the rules, the distanced ranges and the windows of one
    text all need them (a string keeps its hash, so a hit costs one comparison)."""
    spans = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return tuple(spans)


def _sentence_of(sentences: tuple[tuple[int, int], ...], starts: list[int], index: int) -> tuple[int, int]:
    """The sentence holding ``index``; ``starts`` are the sentences' starts (ascending)."""
    k = bisect_right(starts, index) - 1
    if 0 <= k < len(sentences) and sentences[k][0] <= index < sentences[k][1]:
        return sentences[k]
    return 0, sentences[-1][1] if sentences else 0
