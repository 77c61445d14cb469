"""The starter corpus is complete, well-formed and imports idempotently."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from backend.extensions import db
from backend.models.content import Article
from backend.services.article_store import SqlArticleStore
from content.importer import CorpusError, import_corpus, load_corpus, parse_entry


def test_each_locale_has_at_least_20_articles_and_6_in_the_help_section() -> None:
    entries = load_corpus()
    per_locale = Counter(e.locale for e in entries)
    help_per_locale = Counter(e.locale for e in entries if e.category == "help")
    for locale in ("tg", "ru", "en"):
        assert per_locale[locale] >= 20
        assert help_per_locale[locale] >= 6
    categories = {e.category for e in entries}
    assert categories == {"recipes", "child-care", "family-life", "health", "home", "help"}


def test_every_article_exists_in_all_three_locales_with_the_same_category_and_tags() -> None:
    by_key: dict[str, dict[str, object]] = {}
    for entry in load_corpus():
        by_key.setdefault(entry.translation_key, {})[entry.locale] = entry
    for key, versions in by_key.items():
        assert set(versions) == {"tg", "ru", "en"}, key
        assert len({v.category for v in versions.values()}) == 1, key  # type: ignore[attr-defined]
        assert len({v.tags for v in versions.values()}) == 1, key  # type: ignore[attr-defined]


def test_tajik_articles_are_written_in_tajik_cyrillic() -> None:
    for entry in load_corpus():
        if entry.locale == "tg":
            assert any(ch in entry.body for ch in "ғӣқӯҳҷ"), entry.source


def test_import_twice_creates_once_and_then_changes_nothing(app: Flask) -> None:
    entries = load_corpus()
    first = import_corpus(entries, SqlArticleStore(db.session))
    db.session.commit()
    second = import_corpus(entries, SqlArticleStore(db.session))
    db.session.commit()
    assert len(first.created) == len(entries)
    assert second.created == [] and second.updated == []
    assert len(second.unchanged) == len(entries)
    assert db.session.scalar(select(func.count()).select_from(Article)) == len(entries)


def test_reimport_after_an_edit_updates_the_article(app: Flask, tmp_path: Path) -> None:
    source = next(p for p in sorted(Path("content/corpus/en").glob("*.md")))
    folder = tmp_path / "en"
    folder.mkdir()
    target = folder / source.name
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    import_corpus(load_corpus(tmp_path), SqlArticleStore(db.session))
    db.session.commit()
    target.write_text(target.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    report = import_corpus(load_corpus(tmp_path), SqlArticleStore(db.session))
    db.session.commit()
    assert len(report.updated) == 1
    body = db.session.scalar(select(Article.body_markdown))
    assert body is not None and body.rstrip().endswith("One more line.")


@pytest.mark.parametrize(("text", "message"), [
    ("no front matter", "must start with"),
    ("---\ntitle: x\n---\nbody", "missing"),
    ("---\n[unclosed\n---\nbody", "not valid YAML"),
])
def test_a_malformed_corpus_file_is_reported_with_its_name(text: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_entry(Path("broken.md"), text)


def test_rendered_bodies_contain_no_raw_html_or_scripts(app: Flask) -> None:
    entry = load_corpus()[0]
    evil = entry.body + "\n<script>alert(1)</script>\n[x](javascript:alert(1))\n"
    from content.rendering import render_markdown

    html = render_markdown(evil)
    assert "<script" not in html and "href=\"javascript" not in html
