"""Labelled examples: the project corpus, moderator decisions and the public data sets."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from moderation.assessment import CATEGORIES, LANGUAGES
from moderation.config import CORPUS_DIR


@dataclass(frozen=True)
class LabelledText:
    """One labelled text, whatever its source."""

    text: str
    lang: str
    kind: str
    label: str  # "stereotype" | "acceptable"
    category: str | None = None
    hard_case: str | None = None
    split: str = "train"
    source: str = "corpus"
    id: str = ""

    @property
    def is_stereotype(self) -> bool:
        """True when labelled "stereotype"."""
        return self.label == "stereotype"


class CorpusError(ValueError):
    """A malformed corpus or decisions row."""


def _row_to_text(obj: dict[str, object], source: str) -> LabelledText:
    text = obj.get("text")
    label = obj.get("label")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError("missing text")
    if label not in ("stereotype", "acceptable"):
        raise CorpusError(f"label must be stereotype or acceptable, got {label!r}")
    lang = obj.get("lang") or "en"
    if lang not in LANGUAGES:
        raise CorpusError(f"unknown lang {lang!r}")
    category = obj.get("category")
    if label == "stereotype" and category is not None and category not in CATEGORIES:
        raise CorpusError(f"unknown category {category!r}")
    kind = obj.get("kind") or "article"
    return LabelledText(
        text=text,
        lang=str(lang),
        kind=str(kind),
        label=str(label),
        category=str(category) if category else None,
        hard_case=str(obj["hard_case"]) if obj.get("hard_case") else None,
        split=str(obj.get("split") or "train"),
        source=source,
        id=str(obj.get("id") or ""),
    )


def corpus_files(corpus_dir: str | Path | None = None) -> list[Path]:
    """The corpus files present, in language order."""
    base = Path(corpus_dir) if corpus_dir else CORPUS_DIR
    return [base / f"{lang}.jsonl" for lang in LANGUAGES if (base / f"{lang}.jsonl").exists()]


CORPUS_SPLITS = ("train", "test")


def load_corpus(corpus_dir: str | Path | None = None) -> list[LabelledText]:
    """Read ``<corpus_dir>/{tg,ru,en}.jsonl``.

    A malformed row raises ``CorpusError`` naming its file and line: a row silently dropped, or
    one with a misspelt split silently trained on, would change the model or the test split
    without anyone noticing. Every row needs ``split`` "train" or "test". The one exception is
    a last line without its newline that is not complete JSON: a file being appended to while it
    is read ends that way, so that line is left for the next read. A complete last row without
    its newline (a hand-edited file) is checked like any other.
    """
    rows: list[LabelledText] = []
    for path in corpus_files(corpus_dir):
        raw = path.read_text(encoding="utf-8")
        lines = raw.splitlines()
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise CorpusError("a row must be a JSON object")
                if obj.get("split") not in CORPUS_SPLITS:
                    raise CorpusError(f"split must be train or test, got {obj.get('split')!r}")
                rows.append(_row_to_text(obj, "corpus"))
            except json.JSONDecodeError as exc:
                if n == len(lines) and not raw.endswith("\n"):
                    continue  # a row still being written
                raise CorpusError(f"{path.name}:{n}: {exc}") from exc
            except CorpusError as exc:  # complete JSON but a bad row: never skipped
                raise CorpusError(f"{path.name}:{n}: {exc}") from exc
    return rows


def read_decisions(path: str | Path) -> list[LabelledText]:
    """Moderator decisions exported by the editorial gate, as training examples.

    JSON lines: ``{"text", "lang", "kind", "label": "stereotype"|"acceptable",
    "category": str|null, "source": "moderator"}``. Decisions are always training data
    (split "train"); a malformed line raises ``CorpusError`` naming its line number.
    """
    out: list[LabelledText] = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise CorpusError("not an object")
            row = _row_to_text(obj, str(obj.get("source") or "moderator"))
        except (json.JSONDecodeError, CorpusError) as exc:
            raise CorpusError(f"{path}:{n}: {exc}") from exc
        out.append(LabelledText(**{**row.__dict__, "split": "train"}))
    return out


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_rows(rows: Sequence[LabelledText]) -> str:
    """Hash of exactly the rows used (order-sensitive), for the registry metadata."""
    h = hashlib.sha256()
    for r in rows:
        h.update(
            json.dumps([r.text, r.lang, r.kind, r.label, r.category, r.split], ensure_ascii=False).encode(
                "utf-8"
            )
        )
    return h.hexdigest()


# ---- public data sets (read from ../shared; never copied into the repository) -----------


def load_edos(public_dir: Path) -> list[tuple[str, int, str, str]]:
    """EDOS rows as (text, 1 if sexist, label_vector, split)."""
    path = public_dir / "edos" / "edos_labelled_aggregated.csv"
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.append(
                (
                    row["text"],
                    1 if row["label_sexist"] == "sexist" else 0,
                    row["label_vector"],
                    row["split"],
                )
            )
    return out


def load_rubia_gender(public_dir: Path) -> list[tuple[str, str]]:
    """Unique RuBia gender pairs as (pro-trope, anti-trope)."""
    path = public_dir / "rubia" / "rubia.tsv"
    seen: set[tuple[str, str]] = set()
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row.get("domain") != "gender":
                continue
            pair = (row["pro-trope"].strip(), row["anti-trope"].strip())
            if pair not in seen:
                seen.add(pair)
                out.append(pair)
    return out


def load_crows_gender(public_dir: Path) -> list[tuple[str, str]]:
    """CrowS-Pairs gender subset (diagnostics only) as (more, less stereotypical)."""
    path = public_dir / "crows_pairs" / "crows_pairs_gender_subset.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return [(r["sent_more"], r["sent_less"]) for r in csv.DictReader(fh)]


def iter_split(rows: Iterable[LabelledText], split: str) -> list[LabelledText]:
    """Rows of one split."""
    return [r for r in rows if r.split == split]
