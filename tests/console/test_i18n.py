"""The console speaks Tajik, Russian and English, and shows dates in the staff member's zone."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from flask import Flask

from backend.translations.catalogue import LOCALES, TRANSLATIONS, extract
from tests.support.staff import create_staff, log_in, page_csrf


def test_every_string_of_the_staff_pages_has_russian_and_tajik(tmp_path: Path) -> None:
    template = extract(tmp_path / "messages.pot")
    missing = [str(m.id) for m in template if m.id and str(m.id) not in TRANSLATIONS]
    assert missing == []


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogues_are_up_to_date(locale: str) -> None:
    path = Path(__file__).resolve().parents[2] / f"backend/translations/{locale}/LC_MESSAGES"
    with (path / "messages.mo").open("rb") as handle:
        compiled = {str(m.id): m.string for m in read_mo(handle) if m.id}
    index = LOCALES.index(locale)
    used = {k: v[index] for k, v in TRANSLATIONS.items() if k in compiled}
    assert used == {k: compiled[k] for k in used}


@pytest.mark.parametrize("locale,expected", [
    ("tg", "ЗАНГ НАЗАНЕД"), ("ru", "НЕ ПЕРЕЗВАНИВАТЬ"), ("en", "DO NOT CALL BACK")])
def test_alert_page_in_the_staff_members_language(app: Flask, alert_factory, locale: str,
                                                  expected: str) -> None:
    creds = create_staff(app, "hotline_operator", locale=locale)
    client = app.test_client()
    log_in(client, app, creds)
    made = alert_factory()
    html = client.get(f"/console/alerts/{made.id}").get_data(as_text=True)
    assert expected in html
    assert f'<html lang="{locale}">' in html


def test_dates_follow_the_staff_members_time_zone(app: Flask, alert_factory) -> None:
    from datetime import UTC, datetime

    from backend.clock import frozen

    creds = create_staff(app, "hotline_operator", locale="en")
    client = app.test_client()
    log_in(client, app, creds)
    with frozen(datetime(2026, 3, 1, 10, 0, tzinfo=UTC)):
        made = alert_factory()
    html = client.get(f"/console/alerts/{made.id}").get_data(as_text=True)
    assert "3:00:00" in html  # 10:00 UTC is 15:00 in Dushanbe (UTC+5)
    client.post("/console/account", data={"locale": "en", "time_zone": "UTC",
                                           "csrf_token": page_csrf(client)})
    html = client.get(f"/console/alerts/{made.id}").get_data(as_text=True)
    assert "10:00:00" in html


def test_login_page_follows_the_browser_language(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/console/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Вход для сотрудников" in html
