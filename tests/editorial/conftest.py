"""Fixtures for the editorial tests: actors, the rules-only gate, a trained and promoted model, and
helpers that put an article or ad through the workflow with the real services."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from backend.editorial.actors import Actor
from content.workflow import Role

EDITOR = Actor("editor-1", Role.EDITOR)
OTHER_EDITOR = Actor("editor-2", Role.EDITOR)
MODERATOR = Actor("moderator-1", Role.MODERATOR)
ADMIN = Actor("admin-1", Role.ADMIN)

NEUTRAL_RECIPE = ("Mung bean soup for a cold evening: soak the beans overnight, then simmer them "
                  "with onion, carrot and rice until soft. Season with cumin and serve with bread.")
STEREOTYPE_AD = "A real man doesn't cook. Order dinner from Oshkhona Express tonight!"
RULES_FLAGGED_AD = "Real men don't cook: order dinner from Oshkhona Express tonight!"


@pytest.fixture(scope="session")
def trained_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A moderation registry with one model trained on a snapshot of the project corpus.

    Not promoted: tests promote it when they need a "new model version".
    """
    from moderation.config import CORPUS_DIR
    from moderation.training import train

    corpus = tmp_path_factory.mktemp("corpus")
    for lang in ("en", "ru", "tg"):
        source = CORPUS_DIR / f"{lang}.jsonl"
        if source.exists():
            shutil.copyfile(source, corpus / f"{lang}.jsonl")
    root = tmp_path_factory.mktemp("registry")
    version = train(corpus, root)
    yield root, version


@pytest.fixture(autouse=True)
def registry_dir(app_env: dict[str, str], tmp_path: Path) -> Path:
    """An empty registry of this test's own (rules only until a test promotes a model)."""
    path = tmp_path / "registry"
    path.mkdir()
    app_env["MODERATION_REGISTRY_DIR"] = str(path)
    return path


@pytest.fixture
def gate(registry_dir: Path, app: Flask) -> Any:
    """The moderator the product uses for this app (rules only: nothing promoted)."""
    from backend.editorial.moderation_gateway import current_moderator

    return current_moderator()


class EarlierModel:
    """An earlier model version that missed every stereotype (clears everything): what was live before
    a better model is promoted."""

    model_version = "earlier-model-1"

    def assess(self, text: str, kind: str = "article", lang: str | None = None) -> Any:
        from moderation.assessment import CATEGORIES, Assessment

        return Assessment("clear", 0.01, dict.fromkeys(CATEGORIES, 0.0), [], lang or "en",
                          self.model_version)


def promote_into(registry_dir: Path, trained: tuple[Path, str]) -> str:
    """Copy the trained model into ``registry_dir`` and promote it there (a model promotion)."""
    from moderation import registry

    source_root, version = trained
    target = registry.version_dir(version, registry_dir)
    if not target.exists():
        shutil.copytree(registry.version_dir(version, source_root), target)
    registry.promote(version, registry_dir, force=True)
    return version


def make_article(session: Any, *, key: str = "mung-bean-soup-editorial", locale: str = "en",
                 category: str = "recipes", body: str = NEUTRAL_RECIPE,
                 title: str = "Mung bean soup", actor: Actor = EDITOR) -> Any:
    from backend.editorial.drafting import create_article

    return create_article(session, actor, locale=locale, translation_key=key, category=category,
                          title=title, summary="A warming soup for the whole family.",
                          body_markdown=body, tags=["soup"])


def make_ad(session: Any, *, text: str = "Fresh bread every morning at Non Bakery.",
            advertiser: str = "Non Bakery", placement: str = "home-banner", locale: str = "en",
            starts: datetime | None = None, ends: datetime | None = None,
            actor: Actor = EDITOR) -> Any:
    from backend.clock import now
    from backend.editorial.drafting import create_ad

    start = starts or now() - timedelta(days=1)
    return create_ad(session, actor, locale=locale, advertiser=advertiser, placement=placement,
                     creative_text=text, image_description="A loaf of bread on a table",
                     starts_at=start, ends_at=ends or start + timedelta(days=30))


def submit_and_gate(session: Any, kind: str, item_id: str, gate: Any) -> Any:
    """Submit as the editor and run the gate as the worker would; returns the stored result."""
    from backend.editorial.gate import run_gate, submit_for_review

    sent: list[tuple[str, str]] = []
    submit_for_review(session, EDITOR, kind, item_id, dispatch=lambda k, i: sent.append((k, i)))
    assert sent == [(kind, item_id)]
    return run_gate(session, kind, item_id, gate)


def publish_live(session: Any, kind: str, item_id: str, gate: Any) -> None:
    from backend.editorial.publishing import publish_now

    result = submit_and_gate(session, kind, item_id, gate)
    assert result.decision == "clear", result.spans
    publish_now(session, EDITOR, kind, item_id)


def aware(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


from tests.support.staff import login_as, page_csrf, staff_api_headers  # noqa: E402,F401
