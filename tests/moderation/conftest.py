"""Fixtures for the moderation tests: a snapshot of the corpus and models trained in tmp dirs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from moderation import registry
from moderation.config import CORPUS_DIR, public_data_dir
from moderation.moderator import Moderator, load_moderator
from moderation.training import train

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frozen copy of the project corpus (the files may grow while the suite runs)."""
    target = tmp_path_factory.mktemp("corpus")
    for lang in ("en", "ru", "tg"):
        src = CORPUS_DIR / f"{lang}.jsonl"
        if src.exists():
            shutil.copyfile(src, target / f"{lang}.jsonl")
    return target


@pytest.fixture(scope="session")
def trained_registry(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path
) -> Iterator[tuple[Path, str]]:
    """A registry holding one model trained on the full corpus train split, promoted."""
    root = tmp_path_factory.mktemp("registry")
    version = train(corpus_dir, root)
    registry.promote(version, root, corpus_dir)
    yield root, version


@pytest.fixture(scope="session")
def moderator(trained_registry: tuple[Path, str]) -> Moderator:
    """The promoted model's moderator."""
    return load_moderator(trained_registry[0])


@pytest.fixture(scope="session")
def rules_moderator(tmp_path_factory: pytest.TempPathFactory) -> Moderator:
    """A moderator without any model (empty registry)."""
    return load_moderator(tmp_path_factory.mktemp("empty-registry"))


@pytest.fixture(scope="session")
def public_dir() -> Path:
    """../shared/data/moderation; skipped when absent, except under CI=true where it must exist."""
    path = public_data_dir()
    if not path.is_dir():
        if IN_CI:
            pytest.fail(f"public moderation data missing at {path} (run scripts/fetch_shared.py)")
        pytest.skip(f"public moderation data absent at {path}; run scripts/fetch_shared.py")
    return path
