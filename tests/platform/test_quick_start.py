"""The quick start works as a new engineer runs it: SQLite, no services, one command per step."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _hushbakht(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_", "CELERY_", "REDIS_", "TWILIO_", "HOTLINE_"))}
    env.update({"HUSHBAKHT_DATA_DIR": str(data_dir), "LOG_LEVEL": "INFO"})
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_json(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def quick_start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("quickstart")
    env = _embedded_env(data_dir)
    upgrade = _hushbakht("db", "upgrade", env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    imported = _hushbakht("content", "import", env=env)
    assert imported.returncode == 0, imported.stderr
    assert "created" in imported.stdout
    port = _free_port()
    log = (data_dir / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve", "--port", str(port),
                               "--workers", "1"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _get_json(base + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (data_dir / "serve.log").read_text()
            time.sleep(0.3)
        else:
            pytest.fail("the server did not become ready:\n" + (data_dir / "serve.log").read_text())
        yield base, data_dir
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.mark.slow
def test_quick_start_serves_the_corpus_from_sqlite_with_its_worker(quick_start: tuple[str, Path]) -> None:
    base, data_dir = quick_start
    status, ready = _get_json(base + "/readyz")
    assert status == 200 and ready["checks"] == {"database": "ok", "broker": "ok"}
    status, page = _get_json(base + "/api/v1/articles?locale=tg&limit=50")
    assert status == 200 and len(page["items"]) >= 20  # type: ignore[arg-type]
    assert (data_dir / "hushbakht.sqlite3").exists()


@pytest.mark.slow
def test_sqlite_search_folds_tajik_letters_and_case(quick_start: tuple[str, Path]) -> None:
    base, _ = quick_start
    # "ҲОНА" typed with the Russian substitute letter and capitals still finds Tajik "хона"/"ҳона" words.
    for query in ("палов", "ПАЛОВ"):
        status, found = _get_json(base + "/api/v1/search?locale=tg&q=" + urllib.parse.quote(query))
        assert status == 200
        assert "plov-for-everyone" in [i["translation_key"] for i in found["items"]]  # type: ignore[index]
    status, found = _get_json(base + "/api/v1/search?locale=tg&q=" + urllib.parse.quote("зуровари"))
    assert status == 200 and found["items"], "substitute letters (у for ӯ) must match"


@pytest.mark.slow
def test_logs_are_json_and_carry_no_query_strings(quick_start: tuple[str, Path]) -> None:
    base, data_dir = quick_start
    _get_json(base + "/api/v1/search?locale=en&q=secretword")
    time.sleep(0.5)
    lines = [line for line in (data_dir / "serve.log").read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r.get("logger") == "hushbakht.access"]
    assert access and all(r.get("request_id") for r in access)
    assert "secretword" not in (data_dir / "serve.log").read_text()


def _post_json(url: str, body: dict[str, object], auth: str | None = None) -> tuple[int, dict[str, object]]:
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.slow
def test_an_sos_alert_is_stored_once_on_sqlite(quick_start: tuple[str, Path]) -> None:
    """The quick start's intake (the portable path: one INSERT per row, the policy read apart)."""
    base, data_dir = quick_start
    status, device = _post_json(base + "/api/v1/devices", {"cancel_pin": "2468", "duress_pin": "1357"})
    assert status == 201, device
    auth = f"{device['device_id']}:{device['secret']}"
    alert_id = str(uuid.uuid4())
    alert = {"id": alert_id, "location": {"lat": 38.56, "lon": 68.78, "accuracy_m": 25}}
    first = _post_json(base + "/api/v1/alerts", alert, auth)
    again = _post_json(base + "/api/v1/alerts", alert, auth)
    assert first[0] == 201 and again[0] == 200 and first[1]["id"] == again[1]["id"] == alert_id
    with sqlite3.connect(data_dir / "hushbakht.sqlite3") as conn:
        key = alert_id.replace("-", "")
        rows = conn.execute("SELECT created_at, next_escalation_at FROM sos_alert WHERE id = ?",
                            (key,)).fetchall()
        assert len(rows) == 1
        created, deadline = (datetime.fromisoformat(v) for v in rows[0])
        assert (deadline - created).total_seconds() == 120  # ESCALATION_SECONDS' default
        for table in ("sos_alert_event", "sos_location", "sos_outbox"):
            count = conn.execute(f"SELECT count(*) FROM {table} WHERE alert_id = ?", (key,)).fetchone()  # noqa: S608
            assert count == (1,), table
    # The embedded worker consumes the SOS queue of the filesystem broker (the relay job, or else
    # the sweeper, itself an SOS task) and, with no Twilio settings, records the SMS and the call
    # as dry runs. That SOS tasks never go to the background queue: tests/sos/test_worker.py.
    deadline_at = time.monotonic() + 90
    relayed: list[tuple[str, str]] = []
    while time.monotonic() < deadline_at and relayed != [("sms", "dry_run"), ("voice", "dry_run")]:
        time.sleep(0.5)
        with sqlite3.connect(data_dir / "hushbakht.sqlite3") as conn:
            relayed = conn.execute("SELECT channel, status FROM sos_delivery WHERE alert_id = ? "
                                   "ORDER BY channel", (key,)).fetchall()
    assert relayed == [("sms", "dry_run"), ("voice", "dry_run")]


def test_a_bad_setting_is_one_readable_message_not_a_traceback(tmp_path: Path) -> None:
    env = _embedded_env(tmp_path)
    env.update({"DATABASE_URL": "mysql://nope", "PAGE_LIMIT_MAX": "lots"})
    result = _hushbakht("db", "upgrade", env=env, timeout=60)
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "PAGE_LIMIT_MAX" in result.stderr
    assert "Traceback" not in result.stderr
