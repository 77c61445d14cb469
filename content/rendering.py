"""Markdown → sanitised HTML, plain text for search, and reading time."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

import bleach
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = frozenset({
    "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "blockquote", "br", "hr", "a",
    "table", "thead", "tbody", "tr", "th", "td", "code",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"https", "tel"})

WORDS_PER_MINUTE = 180  # plain-language reading on a phone
_WORD = re.compile(r"\w+", re.UNICODE)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class RenderedBody:
    html: str
    text: str
    reading_minutes: int


def render_body(body: str) -> RenderedBody:
    """Render once: sanitised HTML, its plain text and the reading time."""
    raw = _md.render(body)
    safe = bleach.clean(raw, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        protocols=ALLOWED_PROTOCOLS, strip=True)
    text = re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", raw))).strip()
    minutes = max(1, math.ceil(len(_WORD.findall(text)) / WORDS_PER_MINUTE))
    return RenderedBody(safe, text, minutes)


def render_markdown(body: str) -> str:
    """Render Markdown and keep only a small safe subset of HTML (no raw HTML, scripts, images)."""
    html = _md.render(body)
    return bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        protocols=ALLOWED_PROTOCOLS, strip=True)


def plain_text(body: str) -> str:
    """The readable text of a Markdown body, for search and moderation."""
    text = html.unescape(_TAG.sub(" ", _md.render(body)))
    return re.sub(r"\s+", " ", text).strip()


def reading_minutes(body: str) -> int:
    words = len(_WORD.findall(plain_text(body)))
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
