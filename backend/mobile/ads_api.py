"""``GET /api/v1/ads?placement=``: the only way the app receives ads.

Only approved, published ads inside their campaign window and not pulled by a kill switch are served
(:func:`backend.editorial.serving.ads_for_app`). The query runs on every request (campaign windows open
and close without any write); the response carries a strong ETag of its body, so the app's conditional
GET gets a 304 while nothing changed.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from backend.clock import now
from backend.editorial.serving import ads_for_app
from backend.errors import validation_problem
from backend.extensions import db
from backend.http_caching import cached_json
from backend.mobile.params import limit_param, resolve_locale
from backend.models.content import current_change_seq
from content.ads import PLACEMENTS

bp = Blueprint("mobile_ads", __name__, url_prefix="/api/v1")
ADS_MAX_AGE = 60


@bp.get("/ads")
def list_ads() -> Response:
    from backend.app import get_settings

    settings = get_settings(current_app)
    locale = resolve_locale(settings.default_locale)
    placement = request.args.get("placement")
    if placement not in PLACEMENTS:
        message = f"is required and must be one of {', '.join(PLACEMENTS)}"
        raise validation_problem(f"'placement' {message}.",
                                 [{"parameter": "placement", "message": message}])
    limit = limit_param(3, 10)
    items = ads_for_app(db.session, placement, locale, now(), limit)
    key = ("ads", placement, locale, limit, tuple(item["id"] for item in items))
    return cached_json(key, current_change_seq(db.session),
                       lambda: {"locale": locale, "placement": placement, "items": items},
                       max_age=min(settings.cache_max_age, ADS_MAX_AGE), content_language=locale)
