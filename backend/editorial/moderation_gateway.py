"""The moderation library behind a small interface, loaded once per promoted model version.

The gate, the re-scan and the corpus import call :func:`current_moderator`; it returns the moderator for
the model promoted in the registry (or the rules-only moderator when none is), and reloads it when a new
version is promoted, so a long-running worker picks up a promotion without a restart.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

from flask import current_app


class Assessor(Protocol):
    """What the editorial workflow needs from a moderator (``moderation.Moderator`` provides it)."""

    model_version: str

    def assess(self, text: str, kind: str = "article", lang: str | None = None) -> Any: ...


_lock = threading.Lock()
_loaded: dict[Path, tuple[str | None, Assessor]] = {}


def registry_dir() -> Path:
    """MODERATION_REGISTRY_DIR, else ``<HUSHBAKHT_DATA_DIR>/moderation/registry``."""
    from backend.app import get_settings

    settings = get_settings(current_app)
    if settings.moderation_registry_dir:
        return Path(settings.moderation_registry_dir)
    return settings.data_dir / "moderation" / "registry"


def promoted_version(directory: Path | None = None) -> str | None:
    """The version promoted in the registry, or None (rules only)."""
    from moderation import registry

    return registry.promoted_version(directory or registry_dir())


def current_moderator(directory: Path | None = None) -> Assessor:
    """The moderator for the currently promoted model (cached until the promotion changes)."""
    from moderation import load_moderator

    base = (directory or registry_dir()).resolve()
    version = promoted_version(base)
    with _lock:
        cached = _loaded.get(base)
        if cached is not None and cached[0] == version:
            return cached[1]
        moderator: Assessor = load_moderator(base)
        _loaded[base] = (version, moderator)
        return moderator
