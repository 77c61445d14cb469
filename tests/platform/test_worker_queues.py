"""``hushbakht worker --queues``: which broker queues a worker consumes."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from backend.cli import worker


def _argv(app: Flask, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Any, list[str]]:
    seen: list[str] = []
    monkeypatch.setattr(app.extensions["celery"], "worker_main", lambda argv: seen.extend(argv))
    result = app.test_cli_runner().invoke(worker, list(args))
    return result, seen


def test_a_worker_consumes_both_queues_unless_told(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    result, argv = _argv(app, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "--queues=hb.sos,hb.background" in argv


def test_an_sos_worker_consumes_only_the_relay_queue(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    result, argv = _argv(app, monkeypatch, "--queues", "sos", "--concurrency", "8")
    assert result.exit_code == 0, result.output
    assert "--queues=hb.sos" in argv and "--concurrency=8" in argv


@pytest.fixture
def second_site(app_env: dict[str, str]) -> None:
    app_env["CELERY_QUEUE_PREFIX"] = "site2"


def test_the_prefix_names_the_queues(second_site: None, app: Flask,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    result, argv = _argv(app, monkeypatch, "--queues", "background,background")
    assert result.exit_code == 0, result.output
    assert "--queues=site2.background" in argv


@pytest.mark.parametrize("roles", ["", "relay", "sos,moderation"])
def test_an_unknown_queue_is_refused(app: Flask, monkeypatch: pytest.MonkeyPatch, roles: str) -> None:
    result, argv = _argv(app, monkeypatch, "--queues", roles)
    assert result.exit_code == 2 and argv == []
    assert "choose among sos, background" in result.output
