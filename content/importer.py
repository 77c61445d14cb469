"""The starter corpus: Markdown files with YAML front matter, one per article per locale.

Layout: ``content/corpus/<locale>/<translation_key>.md``. :func:`load_corpus` parses and validates the
files; :func:`import_corpus` hands each entry to an :class:`ArticleStore` (the backend's database
implementation) and reports what changed. Importing twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

import yaml

from content.categories import BY_SLUG
from content.locales import SUPPORTED_LOCALES

CORPUS_ROOT = Path(__file__).parent / "corpus"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED = ("translation_key", "slug", "locale", "category", "title", "summary", "tags",
            "published_at")

Outcome = Literal["created", "updated", "unchanged", "held"]


class CorpusError(ValueError):
    """A corpus file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class CorpusEntry:
    translation_key: str
    slug: str
    locale: str
    category: str
    title: str
    summary: str
    tags: tuple[str, ...]
    published_at: datetime
    body: str
    source: str

    @property
    def fingerprint(self) -> str:
        """A hash of everything the app would show, so re-imports can tell unchanged from updated."""
        payload = json.dumps([self.slug, self.category, self.title, self.summary, list(self.tags),
                              self.published_at.isoformat(), self.body], ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


class ArticleStore(Protocol):
    def upsert_from_corpus(self, entry: CorpusEntry) -> Outcome: ...


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)

    def record(self, outcome: Outcome, name: str) -> None:
        getattr(self, outcome).append(name)

    def summary(self) -> str:
        return (f"{len(self.created)} created, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged, {len(self.held)} held for review")


def parse_entry(path: Path, text: str) -> CorpusEntry:
    """Parse one corpus file; raise CorpusError naming the file on any problem."""
    name = str(path)
    if not text.startswith("---\n"):
        raise CorpusError(f"{name}: must start with a '---' front-matter line")
    try:
        _, front, body = text.split("---\n", 2)
    except ValueError:
        raise CorpusError(f"{name}: front matter is not closed with '---'") from None
    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        raise CorpusError(f"{name}: front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{name}: front matter must be a mapping")
    missing = [key for key in REQUIRED if key not in meta]
    if missing:
        raise CorpusError(f"{name}: missing {', '.join(missing)}")
    locale, category = str(meta["locale"]), str(meta["category"])
    if locale not in SUPPORTED_LOCALES:
        raise CorpusError(f"{name}: locale {locale!r} is not one of {SUPPORTED_LOCALES}")
    if category not in BY_SLUG:
        raise CorpusError(f"{name}: unknown category {category!r}")
    slug, key = str(meta["slug"]), str(meta["translation_key"])
    for label, value in (("slug", slug), ("translation_key", key)):
        if not SLUG_RE.match(value) or not 3 <= len(value) <= 80:
            raise CorpusError(f"{name}: {label} {value!r} must be 3-80 chars of a-z, 0-9 and '-'")
    raw_tags = meta["tags"]
    # YAML reads a tag such as 1313 as a number; tags are ids, so compare them as text.
    tags = [str(t) for t in raw_tags] if isinstance(raw_tags, list) else None
    if tags is None or not all(TAG_RE.match(t) for t in tags):
        raise CorpusError(f"{name}: tags must be a list of lowercase ids")
    published = meta["published_at"]
    if isinstance(published, str):
        try:
            published = datetime.fromisoformat(published.replace("Z", "+00:00"))
        except ValueError:
            raise CorpusError(f"{name}: published_at is not an ISO 8601 time") from None
    if not isinstance(published, datetime):
        raise CorpusError(f"{name}: published_at must be a date and time")
    published = published.replace(tzinfo=UTC) if published.tzinfo is None else published
    title, summary = str(meta["title"]).strip(), str(meta["summary"]).strip()
    if not 1 <= len(title) <= 120 or not 1 <= len(summary) <= 280:
        raise CorpusError(f"{name}: title must be 1-120 and summary 1-280 characters")
    if not body.strip():
        raise CorpusError(f"{name}: the body is empty")
    return CorpusEntry(key, slug, locale, category, title, summary, tuple(tags),
                       published.astimezone(UTC), body.strip() + "\n", name)


def load_corpus(root: Path = CORPUS_ROOT) -> list[CorpusEntry]:
    """Read every ``<locale>/*.md`` under ``root``; raise CorpusError listing every bad file."""
    entries: list[CorpusEntry] = []
    errors: list[str] = []
    for path in sorted(root.glob("*/*.md")):
        try:
            entry = parse_entry(path, path.read_text(encoding="utf-8"))
        except CorpusError as exc:
            errors.append(str(exc))
            continue
        if path.parent.name != entry.locale:
            errors.append(f"{path}: locale {entry.locale!r} does not match its folder")
            continue
        entries.append(entry)
    seen: dict[tuple[str, str], str] = {}
    for entry in entries:
        for unique in (("slug", entry.slug), ("key", entry.translation_key)):
            marker = (entry.locale, f"{unique[0]}:{unique[1]}")
            if marker in seen:
                errors.append(f"{entry.source}: {unique[0]} {unique[1]!r} already used by "
                              f"{seen[marker]}")
            seen[marker] = entry.source
    if errors:
        raise CorpusError("the corpus has problems:\n" + "\n".join(errors))
    return entries


def import_corpus(entries: Iterable[CorpusEntry], store: ArticleStore,
                  progress: Callable[[str, Outcome], None] | None = None) -> ImportReport:
    """Create or update each entry through ``store``; idempotent."""
    report = ImportReport()
    for entry in entries:
        outcome = store.upsert_from_corpus(entry)
        label = f"{entry.locale}/{entry.translation_key}"
        report.record(outcome, label)
        if progress:
            progress(label, outcome)
    return report
