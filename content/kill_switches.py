"""Kill switches: what a moderator or admin can pull from the app at once, and what each one covers."""

from __future__ import annotations

import enum

from content.categories import BY_SLUG


class KillScope(enum.StrEnum):
    ALL_ADS = "all_ads"  # every ad
    ADVERTISER = "advertiser"  # every ad of one advertiser (value: the advertiser's name)
    CATEGORY = "category"  # every article of one category (value: the category slug)


class KillSwitchError(ValueError):
    """A kill switch request names an unknown scope or a bad value."""


def normalise_target(scope: str, value: str | None) -> tuple[KillScope, str]:
    """Validate a kill switch's scope and target; ``all_ads`` has the empty target."""
    try:
        kill_scope = KillScope(scope)
    except ValueError:
        raise KillSwitchError(f"scope must be one of {', '.join(s.value for s in KillScope)}") from None
    target = (value or "").strip()
    if kill_scope is KillScope.ALL_ADS:
        return kill_scope, ""
    if not target:
        raise KillSwitchError(f"a {kill_scope.value} kill switch needs a value")
    if kill_scope is KillScope.CATEGORY and target not in BY_SLUG:
        raise KillSwitchError(f"unknown category {target!r}")
    if kill_scope is KillScope.ADVERTISER:
        target = advertiser_key(target)
    return kill_scope, target


def advertiser_key(name: str) -> str:
    """Advertisers are matched on a case- and space-insensitive key."""
    return " ".join(name.casefold().split())
