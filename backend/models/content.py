"""Persistence of articles. The rules about states and locales live in the ``content`` package."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from backend.clock import now
from backend.extensions import db


def new_id() -> str:
    """Non-guessable identifiers (122 random bits)."""
    return uuid.uuid4().hex


class ContentClock(db.Model):  # type: ignore[name-defined]
    """One row whose counter orders every change to what the app may show.

    Writers increment it inside their transaction (``UPDATE ... RETURNING``), which holds the row lock
    until commit: changes therefore commit in counter order, and a sync cursor never skips a change that
    commits late. Its value is also the version of every cached API response.
    """

    __tablename__ = "content_clock"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


def next_change_seq(session: Session) -> int:
    """Take the next change number (locks the clock row until the transaction ends)."""
    result = session.execute(
        update(ContentClock).where(ContentClock.id == 1)
        .values(seq=ContentClock.seq + 1).returning(ContentClock.seq)
    ).scalar_one()  # the row is created by the first migration
    session.info["content_clock_moved"] = True
    return int(result)


def current_change_seq(session: Session) -> int:
    value = session.get(ContentClock, 1)
    return int(value.seq) if value else 0


# The serving path reads the clock at most once per CLOCK_READ_INTERVAL seconds per process (see
# RecentClock): a cached API response then costs no database round trip, which on 2 cores was most
# of the article list's cost (docs/benchmarks.md). A change committed by another process shows
# within the interval; a change committed by this process shows at once.
CLOCK_READ_INTERVAL = 1.0
_commits_that_moved_the_clock = 0


class RecentClock:
    """The content clock as this process last read it, reused for up to ``interval`` seconds."""

    def __init__(self, interval: float = CLOCK_READ_INTERVAL) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._commits_seen = -1
        self._value = 0

    def _fresh(self) -> bool:
        return (self._commits_seen == _commits_that_moved_the_clock
                and time.monotonic() - self._read_at < self.interval)

    def fresh_value(self) -> int | None:
        """The clock if the last reading is still fresh, else None (without reading it).

        Freshness is checked before the value is read: ``value()`` stores the value before the
        stamps that make it fresh, so the value read after a passing check is that reading's or a
        newer one, never an older one labelled fresh by another thread's re-read in between.
        """
        if not self._fresh():
            return None
        return self._value

    def value(self, session: Session) -> int:
        """The clock, read through ``session`` only when the last reading is too old."""
        if self._fresh():
            return self._value
        with self._lock:  # one thread reads; the others wait for its answer
            if not self._fresh():
                commits, started = _commits_that_moved_the_clock, time.monotonic()
                self._value = current_change_seq(session)
                self._read_at, self._commits_seen = started, commits
            return self._value


@event.listens_for(Session, "after_commit")
def _clock_moved(session: Session) -> None:
    global _commits_that_moved_the_clock
    if session.info.pop("content_clock_moved", False):
        _commits_that_moved_the_clock += 1


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop("content_clock_moved", None)


class Article(db.Model):  # type: ignore[name-defined]
    __tablename__ = "article"
    __table_args__ = (
        UniqueConstraint("locale", "slug", name="uq_article_locale_slug"),
        UniqueConstraint("locale", "translation_key", name="uq_article_locale_translation_key"),
        Index("ix_article_serving", "state", "locale", "published_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    translation_key: Mapped[str] = mapped_column(String(80), nullable=False)
    locale: Mapped[str] = mapped_column(String(2), nullable=False)
    slug: Mapped[str] = mapped_column(String(80), nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    summary: Mapped[str] = mapped_column(String(280), nullable=False)
    body_markdown: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    search_text: Mapped[str] = mapped_column(Text, nullable=False)
    reading_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="editorial")
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    change_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)

    tags: Mapped[list[ArticleTag]] = relationship(
        back_populates="article", cascade="all, delete-orphan", lazy="selectin",
        order_by="ArticleTag.position",
    )

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]


class ArticleTag(db.Model):  # type: ignore[name-defined]
    __tablename__ = "article_tag"
    article_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    article: Mapped[Article] = relationship(back_populates="tags")
