#!/usr/bin/env python3
"""Container health checks for the three long-running roles of the image: web, worker and beat.

Installed in the image as ``hushbakht-healthcheck`` and used by the Dockerfile HEALTHCHECK,
docker-compose and (for the worker and beat) Kubernetes exec probes. Exit status 0 means healthy,
1 unhealthy; one short line on stdout says why. Nothing personal is ever printed.

- ``web``: GET a local URL (default http://127.0.0.1:8000/healthz) and expect 200.
- ``worker``: ask the Celery worker on this host to answer a broker ping (proves the process is
  consuming from the broker, not just alive).
- ``beat``: the scheduler's state file in the data folder was written recently (celery beat
  rewrites it at least every few minutes while it runs).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_WEB_URL = "http://127.0.0.1:8000/healthz"
# celery beat syncs its schedule file at least every 3 minutes plus one loop interval (5 minutes).
DEFAULT_BEAT_MAX_AGE = 15 * 60


def check_web(url: str, timeout: float) -> tuple[bool, str]:
    """The web process answers ``url`` with 200."""
    if not url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        return False, "refusing a non-loopback health URL"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        return False, f"web: no answer ({type(exc).__name__})"
    return status == 200, f"web: HTTP {status}"


def check_beat(data_dir: Path, max_age: float, now: float | None = None) -> tuple[bool, str]:
    """The beat schedule file under ``data_dir`` was modified less than ``max_age`` seconds ago."""
    files = list(data_dir.glob("celerybeat-schedule*"))
    if not files:
        return False, "beat: no schedule file yet"
    newest = max(f.stat().st_mtime for f in files)
    age = (time.time() if now is None else now) - newest
    return age <= max_age, f"beat: schedule written {int(age)} s ago"


def check_worker(timeout: float) -> tuple[bool, str]:
    """The Celery worker of this host answers a ping through the broker."""
    from backend.app import create_app
    from backend.celery_app import celery

    create_app()
    node = f"celery@{socket.gethostname()}"
    replies = celery.control.ping(destination=[node], timeout=timeout)
    return bool(replies), f"worker: {len(replies)} ping repl{'y' if len(replies) == 1 else 'ies'}"


def main(argv: list[str] | None = None) -> int:
    """Run one check and return the process exit status."""
    parser = argparse.ArgumentParser(prog="hushbakht-healthcheck",
                                     description="Container health check for web, worker or beat.")
    parser.add_argument("role", choices=("web", "worker", "beat"))
    parser.add_argument("--url", default=os.environ.get("HEALTHCHECK_URL", DEFAULT_WEB_URL))
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--max-age", type=float, default=DEFAULT_BEAT_MAX_AGE,
                        help="beat: oldest acceptable schedule file, in seconds")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("HUSHBAKHT_DATA_DIR", "var")))
    args = parser.parse_args(argv)
    if args.role == "web":
        ok, message = check_web(args.url, args.timeout)
    elif args.role == "beat":
        ok, message = check_beat(args.data_dir, args.max_age)
    else:
        try:
            ok, message = check_worker(args.timeout)
        except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy", never a traceback
            ok, message = False, f"worker: {type(exc).__name__}"
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
