"""Text normalisation for Tajik (Cyrillic), Russian and English, keeping offsets to the original.

The normalised text is what rules and the model see: Latin/Cyrillic look-alikes repaired inside
mixed-script words (first, while upper and lower case still tell them apart: Cyrillic В Н Т М look
like B H T M, в н т м do not), NFC, lower case, unified quotes and dashes, Markdown markup blanked,
and the Tajik letters ғ ӣ қ ӯ ҳ ҷ folded onto the plain letters people type instead of them
(г и к у х ч), so that "ҳамсар" and "хамсар" are the same word. Every step maps one code point
to one code point, so in the common case offsets into the normalised text ARE offsets into the
original; when NFC or case folding changes the length, an explicit offset map is kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TAJIK_LETTERS = "ғӣқӯҳҷ"
# Tajik letters and the plain Cyrillic letters commonly typed instead of them.
_TAJIK_FOLD = {"ғ": "г", "ӣ": "и", "қ": "к", "ӯ": "у", "ҳ": "х", "ҷ": "ч"}
# Close variants seen in the wild (Kazakh/Bashkir/Abkhaz letters on some keyboards).
_TAJIK_VARIANTS = {"ҡ": "к", "ӈ": "н", "һ": "х", "ҫ": "с", "ҹ": "ч", "ӌ": "ч", "ҕ": "г"}

_PUNCT = {
    "«": '"',
    "»": '"',
    "„": '"',
    "“": '"',
    "”": '"',
    "‟": '"',
    "″": '"',
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "ʼ": "'",
    "`": "'",
    "´": "'",
    "–": "-",
    "—": "-",
    "―": "-",
    "‒": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2007": " ",
    "…": ".",
    "ё": "е",
}

_TABLE = str.maketrans({**_TAJIK_FOLD, **_TAJIK_VARIANTS, **_PUNCT})

# Latin letters that look like Cyrillic ones and the reverse, case by case: the repair runs before
# lower-casing, since upper-case В Н Т М look like B H T M while lower-case в н т м do not look
# like b h t m. A lower-case Latin h inside a Cyrillic word is the look-alike of н here; Tajik text
# reads it as ҳ instead (_LAT_TO_CYR_TG). An upper-case H is the look-alike of Н.
_LAT_TO_CYR_MAP = {
    "a": "а",
    "e": "е",
    "o": "о",
    "p": "р",
    "c": "с",
    "x": "х",
    "y": "у",
    "k": "к",
    "m": "м",
    "t": "т",
    "b": "в",
    "h": "н",
    "A": "А",
    "B": "В",
    "C": "С",
    "E": "Е",
    "H": "Н",
    "K": "К",
    "M": "М",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "X": "Х",
    "Y": "У",
}
_CYR_TO_LAT_MAP = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "к": "k",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "һ": "h",
    "ү": "y",
    "ӏ": "l",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "У": "Y",
    "І": "I",
    "Ј": "J",
    "Ѕ": "S",
    "Ү": "Y",
    "Ӏ": "I",
}
_LAT_TO_CYR = str.maketrans(_LAT_TO_CYR_MAP)
# In Tajik text a lower-case Latin h typed inside a Cyrillic word stands for ҳ (the Tajik Latin
# alphabet writes ҳ as h); in Russian it can only be the look-alike of н. An upper-case H is the
# look-alike of Н in both ("ЗAH", "Hодуруст").
_LAT_TO_CYR_TG = str.maketrans({**_LAT_TO_CYR_MAP, "h": "ҳ"})
_CYR_TO_LAT = str.maketrans(_CYR_TO_LAT_MAP)
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LAT_LOOKALIKE = re.compile(f"[{''.join(_LAT_TO_CYR_MAP)}]")
_CYR_LOOKALIKE = re.compile(f"[{''.join(_CYR_TO_LAT_MAP)}]")
_LATIN_RUN = re.compile(r"[a-z]+")
_CYRILLIC_RUN = re.compile(r"[\u0400-\u04ff]+")
# Markdown markup (heading marks, list bullets and numbers at a line start, bold/italic pairs):
# the gate reads article bodies as Markdown, the model learned from plain passages.
_MARKUP = re.compile(r"(?m)^[ \t]*(?:#{1,6}|[-*+\u2022]|\d{1,2}[.)])[ \t]+|\*\*|__")
_MIXED_WORD = re.compile(r"\b\w*(?:[A-Za-z]\w*[\u0400-\u04ff]|[\u0400-\u04ff]\w*[A-Za-z])\w*")


@dataclass(frozen=True)
class NormalisedText:
    """Normalised text plus the way back to offsets in the original."""

    text: str
    original: str
    offsets: tuple[int, ...] | None = None  # offsets[i] = original index of normalised char i

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) range in the normalised text to the original text."""
        if self.offsets is None:
            return start, end
        n = len(self.offsets)
        if n == 0:
            return 0, 0
        o_start = self.offsets[min(start, n - 1)] if start < n else len(self.original)
        o_end = self.offsets[end - 1] + 1 if end >= 1 else 0
        # extend to cover a whole original cluster (e.g. a base letter + combining marks)
        while o_end < len(self.original) and unicodedata.combining(self.original[o_end]):
            o_end += 1
        return o_start, max(o_start, o_end)


def _fix_lookalikes(text: str, lang: str | None = None) -> str:
    """Repair words that mix Latin and Cyrillic letters towards their majority script.

    Works on the text before lower-casing (look-alikes differ between the cases) and maps one
    code point onto one, so offsets stay valid. ``lang`` "tg" reads a lower-case Latin h inside
    a Cyrillic word as the Tajik ҳ; otherwise it is the look-alike of н (H is always Н)."""
    to_cyr = _LAT_TO_CYR_TG if lang == "tg" else _LAT_TO_CYR
    if not (_LATIN.search(text) and _CYRILLIC.search(text)):
        return text

    def repair(m: re.Match[str]) -> str:
        word = m.group(0)
        # letters without a look-alike in the other script decide; then the plain majority
        cyr = len(_CYRILLIC.findall(word))
        lat = len(_LATIN.findall(word))
        cyr_strong = cyr - len(_CYR_LOOKALIKE.findall(word))
        lat_strong = lat - len(_LAT_LOOKALIKE.findall(word))
        to_cyrillic = cyr_strong > lat_strong if cyr_strong != lat_strong else cyr >= lat
        return word.translate(to_cyr) if to_cyrillic else word.translate(_CYR_TO_LAT)

    return _MIXED_WORD.sub(repair, text)


# (character, replacement) pairs of _TABLE: every one maps a single character onto a single
# character that is not itself replaced, so replacing them one by one equals ``translate``,
# and skipping absent ones (a fast scan each) is much cheaper than ``translate`` on Cyrillic.
_REPLACEMENTS = tuple((chr(k), str(v)) for k, v in _TABLE.items())


def _char_steps(text: str) -> str:
    text = text.lower()
    if text.isascii():
        return text.translate(_TABLE)  # the fast path CPython has for ASCII
    for k, v in _REPLACEMENTS:
        if k in text:
            text = text.replace(k, v)
    return text


def normalise(text: str, lang: str | None = None) -> NormalisedText:
    """Normalise ``text`` for matching; see the module docstring for the steps. ``lang`` (the
    text's language when known) only decides what a Latin h inside a Cyrillic word stands for:
    Tajik ҳ for "tg", Russian н otherwise."""
    # look-alikes first, while the case still tells them apart; one code point onto one
    fixed = _fix_lookalikes(text, lang)
    if unicodedata.is_normalized("NFC", fixed):
        lowered = _char_steps(fixed)
        if len(lowered) == len(text):
            return NormalisedText(_blank_markup(lowered), text, None)
    # Slow path: length changes; normalise cluster by cluster and remember where each came from.
    out: list[str] = []
    offsets: list[int] = []
    i = 0
    n = len(fixed)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(fixed[j]):
            j += 1
        piece = _char_steps(unicodedata.normalize("NFC", fixed[i:j]))
        out.append(piece)
        offsets.extend([i] * len(piece))
        i = j
    return NormalisedText(_blank_markup("".join(out)), text, tuple(offsets))


def _blank_markup(text: str) -> str:
    """Markdown markup replaced by spaces of the same length (offsets stay valid): list bullets
    and heading marks otherwise read as words and character n-grams the corpus never had."""
    return _MARKUP.sub(lambda m: " " * len(m.group()), text)


_RU_ONLY = re.compile(r"[щыьц]")
_TG_ONLY = re.compile(f"[{TAJIK_LETTERS}]")
_WORD = re.compile(r"[^\W\d_]+")
_TG_WORDS = frozenset(
    [
        "ва",
        "дар",
        "бо",
        "аз",
        "ки",
        "аст",
        "нест",
        "барои",
        "хам",
        "хамчун",
        "мекунад",
        "мекунанд",
        "шавад",
        "мешавад",
        "бояд",
        "зан",
        "занон",
        "шавхар",
        "мард",
        "мардон",
        "фарзанд",
        "кудак",
        "кудакон",
        "оила",
        "модар",
        "падар",
        "хона",
        "хонаи",
        "ин",
        "он",
        "як",
        "чи",
        "чаро",
        "агар",
        "вале",
        "лекин",
        "то",
        "шумо",
        "мо",
        "онхо",
        "худ",
        "бисёр",
        "хеле",
        "карда",
        "кардан",
        "мебошад",
        "буд",
        "шуд",
        "нагз",
        "духтар",
        "писар",
        "хаёт",
        "кор",
        "дошта",
        "доранд",
        "намекунад",
        "нест",
    ]
)
_RU_WORDS = frozenset(
    [
        "и",
        "в",
        "во",
        "не",
        "на",
        "что",
        "это",
        "с",
        "со",
        "по",
        "для",
        "как",
        "но",
        "он",
        "она",
        "они",
        "мы",
        "вы",
        "же",
        "бы",
        "все",
        "всё",
        "его",
        "ее",
        "её",
        "их",
        "у",
        "от",
        "до",
        "из",
        "за",
        "к",
        "ко",
        "так",
        "только",
        "или",
        "если",
        "уже",
        "был",
        "была",
        "быть",
        "есть",
        "нет",
        "когда",
        "жена",
        "муж",
        "женщина",
        "мужчина",
        "дети",
        "ребенок",
        "семья",
        "мама",
        "папа",
        "дом",
        "очень",
        "которые",
        "который",
        "чтобы",
    ]
)


def detect_language(text: str) -> str:
    """Guess the language of ``text``: "tg", "ru" or "en" (English when in doubt).

    Look-alikes are repaired first, so Russian typed with Latin A E H O P C T X M still counts as
    Cyrillic (a Latin h is read as н here: it decides nothing between Tajik and Russian)."""
    # the opening paragraphs are enough, and keep detection cheap on long articles
    low = _fix_lookalikes(unicodedata.normalize("NFC", text[:2000])).lower()
    cyr = sum(map(len, _CYRILLIC_RUN.findall(low)))  # runs: far fewer matches than letters
    lat = sum(map(len, _LATIN_RUN.findall(low)))
    if lat > cyr:
        return "en"
    if cyr == 0:
        return "en"
    tg_letters = len(_TG_ONLY.findall(low))
    ru_letters = len(_RU_ONLY.findall(low))
    words = _WORD.findall(_char_steps(low))
    tg_votes = sum(1 for w in words if w in _TG_WORDS)
    ru_votes = sum(1 for w in words if w in _RU_WORDS)
    tg_score = 3 * tg_letters + 2 * tg_votes
    ru_score = 3 * ru_letters + 2 * ru_votes
    return "tg" if tg_score > ru_score else "ru"
