"""infra/healthcheck.py, the container health check shipped in the image, against real processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infra.infra_files import INFRA
from tests.support.browser import serving

SCRIPT = INFRA / "healthcheck.py"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})}, check=False)


@pytest.fixture(scope="module")
def live_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real application served on an ephemeral loopback port."""
    from backend.app import create_app
    from backend.config import load_settings

    data = tmp_path_factory.mktemp("healthcheck-data")
    app = create_app(load_settings({"HUSHBAKHT_DATA_DIR": str(data), "HUSHBAKHT_ENV": "test",
                                    "CELERY_BROKER_URL": "memory://", "LOG_LEVEL": "WARNING"}))
    with serving(app) as url:
        yield url


def test_web_check_passes_when_the_app_answers_healthz(live_app_url: str) -> None:
    result = _run("web", "--url", f"{live_app_url}/healthz")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "web: HTTP 200"


def test_web_check_fails_on_an_error_status(live_app_url: str) -> None:
    result = _run("web", "--url", f"{live_app_url}/no-such-page")
    assert result.returncode == 1
    assert result.stdout.strip() == "web: HTTP 404"


def test_web_check_fails_when_nothing_listens() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _run("web", "--url", f"http://127.0.0.1:{port}/healthz", "--timeout", "2")
    assert result.returncode == 1
    assert "no answer" in result.stdout
    assert "Traceback" not in result.stderr


def test_web_check_refuses_to_probe_another_host() -> None:
    result = _run("web", "--url", "http://example.org/healthz")
    assert result.returncode == 1


def test_beat_check_follows_the_age_of_the_schedule_file(tmp_path: Path) -> None:
    assert _run("beat", "--data-dir", str(tmp_path)).returncode == 1, "no schedule yet"
    schedule = tmp_path / "celerybeat-schedule.dat"
    schedule.write_bytes(b"x")
    assert _run("beat", "--data-dir", str(tmp_path)).returncode == 0
    stale = time.time() - 3600
    os.utime(schedule, (stale, stale))
    result = _run("beat", "--data-dir", str(tmp_path), "--max-age", "900")
    assert result.returncode == 1
    # 3600 s plus however long the check's own process took to start (seconds on a loaded machine)
    age = re.search(r"written (\d+) s ago", result.stdout)
    assert age is not None and 3599 <= int(age.group(1)) <= 3660, result.stdout


def test_worker_check_fails_cleanly_when_no_worker_answers(tmp_path: Path) -> None:
    result = _run("worker", "--timeout", "1",
                  env={"HUSHBAKHT_DATA_DIR": str(tmp_path), "HUSHBAKHT_ENV": "test",
                       "CELERY_BROKER_URL": "memory://", "DATABASE_URL": "",
                       "LOG_LEVEL": "WARNING", "PYTHONPATH": str(INFRA.parent)})
    assert result.returncode == 1
    assert result.stdout.strip().startswith("worker:")
    assert "Traceback" not in result.stderr
