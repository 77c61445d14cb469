"""Locales the app supports and the fallback chain used when an article has no translation.

Fallback chains (documented in docs/content.md and the mobile contract):
- tg → ru → en  (most Tajik readers also read Russian)
- ru → tg → en
- en → ru → tg
"""

from __future__ import annotations

SUPPORTED_LOCALES: tuple[str, ...] = ("tg", "ru", "en")

FALLBACK_CHAINS: dict[str, tuple[str, ...]] = {
    "tg": ("tg", "ru", "en"),
    "ru": ("ru", "tg", "en"),
    "en": ("en", "ru", "tg"),
}


def fallback_chain(locale: str) -> tuple[str, ...]:
    """The locales to try, best first, for a requested supported locale."""
    return FALLBACK_CHAINS[locale]


def is_supported(locale: str) -> bool:
    return locale in FALLBACK_CHAINS
