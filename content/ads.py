"""Ad campaign rules: placements, campaign windows and which ads may run at a given moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from content.locales import SUPPORTED_LOCALES

# Where the app shows an ad. Never inside the hidden help section: an ad there would draw the eye of
# whoever holds the phone to the one part of the app that must stay unnoticed.
PLACEMENTS: tuple[str, ...] = ("home-banner", "recipe-inline", "article-footer")
MAX_CAMPAIGN = timedelta(days=366)
LIMITS = {"advertiser": 120, "creative_text": 500, "image_description": 500}


class CampaignError(ValueError):
    """An ad's fields break a campaign rule; ``field`` names the one to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CampaignWindow:
    starts_at: datetime
    ends_at: datetime

    def running(self, at: datetime) -> bool:
        """True while the campaign runs: from its start (inclusive) to its end (exclusive)."""
        return self.starts_at <= at < self.ends_at


def validate_ad(*, advertiser: str, placement: str, locale: str, creative_text: str,
                image_description: str, starts_at: datetime, ends_at: datetime) -> None:
    """Raise :class:`CampaignError` for the first field that breaks a rule."""
    for field, value in (("advertiser", advertiser), ("creative_text", creative_text)):
        if not value.strip():
            raise CampaignError(field, "must not be blank")
    for field, limit in LIMITS.items():
        value = {"advertiser": advertiser, "creative_text": creative_text,
                 "image_description": image_description}[field]
        if len(value) > limit:
            raise CampaignError(field, f"must be at most {limit} characters")
    if placement not in PLACEMENTS:
        raise CampaignError("placement", f"must be one of {', '.join(PLACEMENTS)}")
    if locale not in SUPPORTED_LOCALES:
        raise CampaignError("locale", f"must be one of {', '.join(SUPPORTED_LOCALES)}")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise CampaignError("starts_at", "campaign times need a time zone")
    if ends_at <= starts_at:
        raise CampaignError("ends_at", "the campaign must end after it starts")
    if ends_at - starts_at > MAX_CAMPAIGN:
        raise CampaignError("ends_at", "a campaign runs at most a year")
