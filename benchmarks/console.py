"""Hotline console benchmark: server time and page weight of what a night shift loads most.

In one bounded run, in process (Flask's test client, no network), against its own PostgreSQL database
``hb_bench_console_<pid>`` created from the ``test`` database at 127.0.0.1:5432 and dropped at the end
(``--sqlite`` uses a temporary SQLite file instead):

1. migrates the database, creates a hotline operator (logged in through the real login and TOTP pages)
   and one device, then sends ``--alerts`` alerts through the SOS services, each with ``--fixes``
   location fixes; a quarter are closed with a classification (so statistics have data);
2. times ``--requests`` requests each of: the queue poll (``/console/alerts/queue.json``), the queue
   page, one alert page (decrypts its trail, notes and writes an audit row), and the statistics page;
3. prints p50 / p95 / max milliseconds and the response size, raw and gzip-compressed (what a slow
   mobile connection actually carries behind a compressing proxy).

    .venv/bin/python benchmarks/console.py                       # 300 alerts, 5 fixes, 50 requests
    .venv/bin/python benchmarks/console.py --alerts 1000 --sqlite

Measured figures: docs/benchmarks_console.md.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


@contextlib.contextmanager
def database(use_sqlite: bool) -> Iterator[str]:
    """A fresh database URL, removed afterwards."""
    if use_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    import psycopg

    name = f"hb_bench_console_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--fixes", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--sqlite", action="store_true", help="use SQLite instead of PostgreSQL")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from backend.app import create_app
    from backend.config import load_settings

    with database(args.sqlite) as url, tempfile.TemporaryDirectory() as data_dir:
        app = create_app(load_settings({
            "DATABASE_URL": url, "HUSHBAKHT_DATA_DIR": data_dir, "HUSHBAKHT_ENV": "test",
            "SECRET_KEY": "bench-" + "x" * 40, "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "ERROR"}))
        with app.app_context():
            upgrade(revision="heads")
            alert_id = seed(app, args.alerts, args.fixes)
            client = login(app)
            paths = {
                "queue poll (JSON)": "/console/alerts/queue.json",
                "queue page": "/console/alerts",
                "alert page (audited)": f"/console/alerts/{alert_id}",
                "statistics page": "/console/statistics",
            }
            print(f"console benchmark: {args.alerts} alerts x {args.fixes} fixes, "
                  f"{args.requests} requests per page, "
                  f"{'SQLite' if args.sqlite else 'PostgreSQL'}, {platform.node()} "
                  f"({os.cpu_count()} CPUs), Python {platform.python_version()}")
            print(f"{'page':24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'bytes':>8} {'gzip':>7}")
            for label, path in paths.items():
                client.get(path)  # warm-up
                timings = []
                body = b""
                for _ in range(args.requests):
                    start = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
                    body = response.get_data()
                print(f"{label:24} {statistics.median(timings):8.1f} "
                      f"{percentile(timings, 0.95):8.1f} {max(timings):8.1f} {len(body):8d} "
                      f"{len(gzip.compress(body)):7d}")
    return 0


def seed(app, alerts: int, fixes: int) -> str:  # type: ignore[no-untyped-def]
    """Create the alerts through the SOS services; returns the id of the last one."""
    from backend.extensions import db
    from backend.models.sos import Device
    from backend.services import staff_alerts
    from backend.services.audit import Actor
    from backend.sos.alerts import add_location, create_alert, parse_fix
    from backend.sos.devices import register_device

    registration = register_device(cancel_pin="2580", duress_pin="1470")
    device = db.session.get(Device, registration.device_id)
    actor = Actor.system("bench")
    last = ""
    for index in range(alerts):
        fix = parse_fix({"lat": 38.55 + index * 1e-4, "lon": 68.78, "accuracy_m": 20})
        alert, _ = create_alert(device, alert_id=uuid.uuid4().hex, fix=fix, trigger="button",
                                locale="tg", drill=index % 10 == 0)
        for step in range(fixes - 1):
            add_location(alert, parse_fix({"lat": 38.55 + step * 1e-4, "lon": 68.78,
                                           "accuracy_m": 15}))
        staff_alerts.add_note(alert.id, actor, "Spoke with her; she is safe for tonight.")
        if index % 4 == 0:
            staff_alerts.close_case(alert.id, actor, outcome="advice_safety_plan",
                                    district="dushanbe.dushanbe", violence_type="psychological")
        else:
            last = alert.id
    return last


def login(app):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT))
    from tests.support.staff import create_staff, log_in

    creds = create_staff(app, "hotline_supervisor")
    client = app.test_client()
    log_in(client, app, creds)
    return client


if __name__ == "__main__":
    sys.exit(main())
