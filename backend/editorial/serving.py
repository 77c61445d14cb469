"""What the app may see of the editorial workflow: approved, published, in-campaign ads that no kill
switch covers, and the filter that keeps kill-switched article categories out of every content query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select
from sqlalchemy.orm import Session

from backend.clock import as_utc
from backend.models.content import Article
from backend.models.editorial import Ad, KillSwitch
from content.kill_switches import KillScope
from content.workflow import SERVABLE

SERVABLE_VALUES = [s.value for s in SERVABLE]


def article_not_killed() -> ColumnElement[bool]:
    """SQL condition: the article's category is not pulled by an active kill switch."""
    return not_(exists().where(KillSwitch.scope == KillScope.CATEGORY.value,
                               KillSwitch.target == Article.category,
                               KillSwitch.restored_at.is_(None)))


def ad_servable(at: datetime) -> ColumnElement[bool]:
    """SQL condition: published, in campaign at ``at`` and covered by no active kill switch."""
    killed = exists().where(
        KillSwitch.restored_at.is_(None),
        or_(KillSwitch.scope == KillScope.ALL_ADS.value,
            and_(KillSwitch.scope == KillScope.ADVERTISER.value,
                 KillSwitch.target == Ad.advertiser_key)))
    return and_(Ad.state.in_(SERVABLE_VALUES), Ad.starts_at <= at, Ad.ends_at > at, not_(killed))


def ads_for_app(session: Session, placement: str, locale: str, at: datetime,
                limit: int) -> list[dict[str, Any]]:
    """The ads the app may show in ``placement`` for ``locale`` right now, newest campaign first."""
    rows = session.scalars(select(Ad).where(Ad.placement == placement, Ad.locale == locale,
                                            ad_servable(at))
                           .order_by(Ad.starts_at.desc(), Ad.id).limit(limit))
    return [ad_dict(ad) for ad in rows]


def ad_dict(ad: Ad) -> dict[str, Any]:
    return {"id": ad.id, "advertiser": ad.advertiser, "placement": ad.placement,
            "locale": ad.locale, "text": ad.creative_text,
            "image_description": ad.image_description,
            "campaign_ends_at": _iso(ad.ends_at)}


def _iso(value: datetime) -> str:
    return as_utc(value).isoformat().replace("+00:00", "Z")
