"""The mobile ads endpoint and the kill switch, end to end through the mobile API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.clock import frozen, now
from backend.editorial import kill_switches
from backend.editorial.errors import InvalidInput, NotAllowed
from backend.extensions import db

from .conftest import ADMIN, EDITOR, MODERATOR, make_ad, make_article, publish_live

ADS = "/api/v1/ads?placement=home-banner&locale=en"


def _ad_texts(client: FlaskClient, url: str = ADS) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return sorted(item["text"] for item in response.get_json()["items"])


def test_only_published_in_campaign_ads_are_served(client: FlaskClient, gate: Any) -> None:
    live = make_ad(db.session, text="Fresh bread every morning.")
    publish_live(db.session, "ad", live.id, gate)
    make_ad(db.session, text="A draft nobody approved yet.")
    future = make_ad(db.session, text="Spring sale on school shoes.",
                     starts=now() + timedelta(days=3))
    publish_live(db.session, "ad", future.id, gate)
    other_place = make_ad(db.session, text="Rice from the valley.", placement="recipe-inline")
    publish_live(db.session, "ad", other_place.id, gate)

    assert _ad_texts(client) == ["Fresh bread every morning."]
    assert _ad_texts(client, "/api/v1/ads?placement=recipe-inline&locale=en") == [
        "Rice from the valley."]
    assert _ad_texts(client, "/api/v1/ads?placement=home-banner&locale=ru") == []
    with frozen(now() + timedelta(days=3, minutes=1)):
        assert _ad_texts(client) == ["Fresh bread every morning.", "Spring sale on school shoes."]
    with frozen(now() + timedelta(days=31)):  # bread ended on day 29
        assert _ad_texts(client) == ["Spring sale on school shoes."]


@pytest.mark.parametrize("query", ["", "?placement=", "?placement=help-inline",
                                   "?placement=home-banner&limit=99",
                                   "?placement=home-banner&locale=fr"])
def test_bad_ads_query_is_a_problem_not_an_error(client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/v1/ads{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_ads_answer_304_until_something_changes(client: FlaskClient, gate: Any) -> None:
    ad = make_ad(db.session)
    publish_live(db.session, "ad", ad.id, gate)
    etag = client.get(ADS).headers["ETag"]
    assert client.get(ADS, headers={"If-None-Match": etag}).status_code == 304

    kill_switches.pull(db.session, MODERATOR, "all_ads", None, "Complaint under review")

    changed = client.get(ADS, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json()["items"] == []


def test_kill_switch_pulls_all_ads_at_once_and_restores_them(client: FlaskClient,
                                                             gate: Any) -> None:
    for text, advertiser in (("Bread", "Non Bakery"), ("Phones", "Tcell")):
        ad = make_ad(db.session, text=text, advertiser=advertiser)
        publish_live(db.session, "ad", ad.id, gate)
    assert _ad_texts(client) == ["Bread", "Phones"]

    switch = kill_switches.pull(db.session, MODERATOR, "all_ads", None, "Pull everything")
    assert _ad_texts(client) == []
    assert _ad_texts(client, "/api/v1/ads?placement=home-banner&locale=en") == []

    kill_switches.restore(db.session, ADMIN, switch.id)
    assert _ad_texts(client) == ["Bread", "Phones"]


def test_kill_switch_for_one_advertiser_leaves_the_others(client: FlaskClient, gate: Any) -> None:
    for text, advertiser in (("Bread", "Non Bakery"), ("Phones", "Tcell")):
        ad = make_ad(db.session, text=text, advertiser=advertiser)
        publish_live(db.session, "ad", ad.id, gate)

    kill_switches.pull(db.session, ADMIN, "advertiser", "  TCELL ", "Misleading tariff claims")

    assert _ad_texts(client) == ["Bread"]


def test_kill_switch_pulls_a_whole_category_from_every_article_endpoint(client: FlaskClient,
                                                                       gate: Any) -> None:
    recipe = make_article(db.session)
    publish_live(db.session, "article", recipe.id, gate)
    home = make_article(db.session, key="winter-heating-editorial", category="home",
                        title="Safe winter heating",
                        body="Check the stove pipe before winter and keep a window open a crack.")
    publish_live(db.session, "article", home.id, gate)
    cursor = client.get("/api/v1/sync?locale=en").get_json()["next_cursor"]
    list_etag = client.get("/api/v1/articles?locale=en").headers["ETag"]

    switch = kill_switches.pull(db.session, MODERATOR, "category", "recipes", "Recipe complaint")

    listing = client.get("/api/v1/articles?locale=en", headers={"If-None-Match": list_etag})
    assert listing.status_code == 200
    assert [i["slug"] for i in listing.get_json()["items"]] == [home.slug]
    assert client.get("/api/v1/articles?locale=en&category=recipes").get_json()["items"] == []
    assert client.get(f"/api/v1/articles/{recipe.slug}?locale=en").status_code == 404
    assert client.get("/api/v1/search?q=mung&locale=en").get_json()["items"] == []
    sync = client.get(f"/api/v1/sync?locale=en&since={cursor}").get_json()
    assert sync["items"] == [{"translation_key": recipe.translation_key, "deleted": True}]

    kill_switches.restore(db.session, MODERATOR, switch.id)
    assert client.get(f"/api/v1/articles/{recipe.slug}?locale=en").status_code == 200
    resync = client.get(f"/api/v1/sync?locale=en&since={sync['next_cursor']}").get_json()
    assert [(i["translation_key"], i["deleted"]) for i in resync["items"]] == [
        (recipe.translation_key, False)]


def test_only_moderators_and_admins_hold_the_kill_switch(gate: Any) -> None:
    with pytest.raises(NotAllowed):
        kill_switches.pull(db.session, EDITOR, "all_ads", None, "I want to")


def test_kill_switch_needs_a_reason_and_a_known_target(gate: Any) -> None:
    with pytest.raises(InvalidInput):
        kill_switches.pull(db.session, MODERATOR, "all_ads", None, " ")
    with pytest.raises(InvalidInput):
        kill_switches.pull(db.session, MODERATOR, "category", "gossip", "Unknown category")
    with pytest.raises(InvalidInput):
        kill_switches.pull(db.session, MODERATOR, "everything", None, "Unknown scope")


def test_pulling_twice_keeps_one_active_switch(gate: Any) -> None:
    first = kill_switches.pull(db.session, MODERATOR, "advertiser", "Tcell", "Claims")
    second = kill_switches.pull(db.session, ADMIN, "advertiser", "tcell", "Again")
    assert first.id == second.id
    assert len(kill_switches.active_switches(db.session)) == 1


def test_ads_responses_match_the_mobile_contract(client: FlaskClient, gate: Any) -> None:
    from tests.support.contract import assert_matches_contract

    ad = make_ad(db.session)
    publish_live(db.session, "ad", ad.id, gate)
    assert_matches_contract(client.get(ADS), "get", "/api/v1/ads")
    assert_matches_contract(client.get("/api/v1/ads?placement=nowhere"), "get", "/api/v1/ads")
