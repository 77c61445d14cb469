"""Content API benchmark: the article list against a bare Flask endpoint, same server, same load.

What it does, in one bounded run on the loopback interface only:

1. creates its own PostgreSQL database ``hb_bench_<pid>`` (from the ``test`` database at
   127.0.0.1:5432), migrates it with ``hushbakht db upgrade heads`` and imports the starter corpus
   with ``hushbakht content import``;
2. starts the product with ``hushbakht serve`` (gunicorn, deployment settings, no embedded worker)
   and, beside it, a bare Flask app whose one endpoint returns a constant, served by the very same
   gunicorn configuration (``backend.cli._run_gunicorn``, so workers, threads and timeouts match);
3. loads (a) the bare endpoint and (b) ``GET /api/v1/articles?locale=ru`` with the same load
   generator, connections and duration, alternating a/b for several rounds, after a warm-up;
4. prints requests per second, p50 and p99 latency for both (median of the rounds), the ratio b/a,
   and whether the target is met (b >= 60 % of a's throughput, b's p99 < 50 ms at 32 connections);
5. stops both servers and drops its database, whatever happened.

The load generator is ``wrk`` (Debian: ``apt-get install -y wrk``). It is written in C and uses
little CPU, which matters on a 2-core machine where the load generator competes with the server.

    .venv/bin/python benchmarks/content_api.py                 # defaults: 32 connections, 3 x 10 s
    .venv/bin/python benchmarks/content_api.py --duration 20 --rounds 5 --json results.json

Results and the machine they were measured on: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

try:  # run as a script: this folder is on the path; loaded by path (the tests): the project root
    from proc_cpu import process_group_cpu, processes_cpu
except ImportError:
    from benchmarks.proc_cpu import process_group_cpu, processes_cpu

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
ARTICLES_PATH = "/api/v1/articles?locale=ru"
BARE_PATH = "/constant"
TARGET_RATIO = 0.60
TARGET_P99_MS = 50.0
WRK_INSTALL_HINT = "install it with: sudo apt-get install -y wrk   (Debian/Ubuntu package 'wrk')"


class BenchmarkError(Exception):
    """The benchmark could not run or produced untrustworthy numbers; the message says why."""


# -- the bare endpoint ----------------------------------------------------------------------------
def bare_app() -> Any:
    """A Flask app with one endpoint returning a constant: the ceiling for any endpoint here."""
    from flask import Flask

    app = Flask("bare")

    @app.get(BARE_PATH)
    def constant() -> Any:
        return {"status": "ok"}

    return app


def serve_bare(port: int, workers: int) -> None:
    """Serve :func:`bare_app` with exactly the gunicorn settings of ``hushbakht serve``."""
    import backend.cli as cli

    cli._create_app = bare_app  # type: ignore[assignment]  # same server, other app
    cli._run_gunicorn("127.0.0.1", port, workers)


# -- results --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    # CPU time spent per request by the server processes, the database backends serving them and
    # the load generator: unlike requests/s, these do not move when other programs share the CPUs.
    server_cpu_ms: float | None = None
    database_cpu_ms: float | None = None
    load_generator_cpu_ms: float | None = None


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        raise BenchmarkError(f"unexpected latency value from wrk: {value!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    """Read requests/s, p50, p99 and errors from the text wrk prints with ``--latency``."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise BenchmarkError("could not read wrk's output:\n" + output)
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    return LoadResult(float(rps.group(1)), _to_ms(p50.group(1)), _to_ms(p99.group(1)),
                      int(total.group(1)), errors)


# -- CPU accounting (Linux /proc, proc_cpu.py) ------------------------------------------------------
@dataclass
class CpuProbe:
    """What to account for during a load run: a server's process group and its database."""

    server_pgid: int
    database: str

    def database_pids(self) -> list[int]:
        import psycopg

        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s",
                                (self.database,)).fetchall()
        return [int(row[0]) for row in rows]

    def sample(self) -> tuple[float, dict[int, float]]:
        pids = self.database_pids() if self.database else []
        per_pid = {pid: processes_cpu([pid]) for pid in pids}
        return process_group_cpu(self.server_pgid), {p: c for p, c in per_pid.items()
                                                     if c is not None}


def run_wrk(url: str, *, connections: int, threads: int, duration: float,
            probe: CpuProbe | None = None) -> LoadResult:
    """One closed-loop wrk run; every request must succeed."""
    import resource

    command = ["wrk", f"--threads={threads}", f"--connections={connections}",
               f"--duration={max(1, round(duration))}s", "--timeout=5s", "--latency", url]
    before = probe.sample() if probe else None
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60,
                          check=False)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = probe.sample() if probe else None
    if done.returncode != 0:
        raise BenchmarkError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    result = parse_wrk(done.stdout)
    if result.errors:
        raise BenchmarkError(f"{result.errors} failed requests against {url}; numbers discarded:\n"
                             + done.stdout)
    per_request = 1000.0 / max(result.requests, 1)
    wrk_cpu = ((children_after.ru_utime + children_after.ru_stime)
               - (children.ru_utime + children.ru_stime))
    server_cpu = database_cpu = None
    if before and after:
        server_cpu = (after[0] - before[0]) * per_request
        # Backends present at both samples (the pool keeps them open during a run).
        database_cpu = sum(after[1][pid] - before[1].get(pid, after[1][pid])
                           for pid in after[1]) * per_request
    return replace(result, server_cpu_ms=server_cpu, database_cpu_ms=database_cpu,
                   load_generator_cpu_ms=wrk_cpu * per_request)


# -- processes and the database -------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def benchmark_database() -> Iterator[str]:
    """A fresh database for this run, dropped at the end."""
    import psycopg

    name = f"hb_bench_{os.getpid()}"
    try:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchmarkError(f"cannot create the benchmark database at 127.0.0.1:5432: {exc}"
                             ) from None
    try:
        yield PG_URL.format(name=name)
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def product_environment(database_url: str, data_dir: Path, log_level: str) -> dict[str, str]:
    """Deployment settings (PostgreSQL, Redis, INFO logs), pointing at the benchmark database.

    HUSHBAKHT_ENV is ``development``: it only gates start-up checks, and production refuses to
    start without live Twilio credentials, which a benchmark must not hold. Request handling is
    the same in every environment.
    """
    import base64

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HUSHBAKHT_", "DATABASE_", "CELERY_", "REDIS_", "TWILIO_"))}
    env.update({
        "HUSHBAKHT_ENV": "development",
        "HUSHBAKHT_DATA_DIR": str(data_dir),
        "SECRET_KEY": secrets.token_hex(32),
        "ENCRYPTION_KEYS": "bench:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": "https://bench.invalid",
        "LOG_LEVEL": log_level,
        "RATE_LIMIT_KEY_PREFIX": f"hbbench{os.getpid()}",
        "PYTHONPATH": str(ROOT),
    })
    if _reachable("127.0.0.1", 6379):
        # Redis as a deployment has it; the benchmark enqueues no task, so no queue is touched.
        env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    else:
        # Any non-filesystem broker keeps `serve` from starting the embedded worker.
        env["CELERY_BROKER_URL"] = "memory://"
    return env


def hushbakht(args: list[str], env: dict[str, str], log: Path) -> None:
    """Run one ``hushbakht`` command to completion; its output goes to ``log``."""
    with log.open("a") as out:
        out.write(f"\n$ hushbakht {' '.join(args)}\n")
        out.flush()
        done = subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, cwd=ROOT,
                              stdout=out, stderr=subprocess.STDOUT, timeout=600, check=False)
    if done.returncode != 0:
        raise BenchmarkError(f"`hushbakht {' '.join(args)}` failed; see {log}:\n"
                             + log.read_text()[-3000:])


@contextlib.contextmanager
def server(command: list[str], env: dict[str, str], log: Path,
           url: str) -> Iterator[subprocess.Popen[bytes]]:
    """A server process (own process group) that answers ``url`` with 200, stopped at the end."""
    out = log.open("a")
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise BenchmarkError(f"server exited with {process.returncode}; see {log}:\n"
                                     + log.read_text()[-3000:])
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchmarkError(f"server did not answer {url} within 60 s; see {log}")
            time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        out.close()


def check_article_list(url: str) -> int:
    """The article list answers with real, published articles; returns the body size in bytes."""
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
        etag = response.headers.get("ETag")
    data = json.loads(body)
    if not data.get("items"):
        raise BenchmarkError("the article list is empty: the corpus import did not work")
    if data.get("locale") != "ru" or not etag:
        raise BenchmarkError("unexpected article list response (locale or ETag missing)")
    return len(body)


# -- the run --------------------------------------------------------------------------------------
def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f} ms"


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if len(known) == len(values) and known else None


def summarise(results: list[LoadResult]) -> dict[str, Any]:
    """Medians over the rounds of one endpoint, and the CPU cost of one request."""
    server = _median([r.server_cpu_ms for r in results])
    database = _median([r.database_cpu_ms for r in results]) if results[0].database_cpu_ms \
        is not None else 0.0
    generator = _median([r.load_generator_cpu_ms for r in results])
    total = None
    if server is not None and database is not None and generator is not None:
        total = server + database + generator
    return {"requests_per_second": statistics.median(r.requests_per_second for r in results),
            "p50_ms": statistics.median(r.p50_ms for r in results),
            "p99_ms": statistics.median(r.p99_ms for r in results),
            "server_cpu_ms": server, "database_cpu_ms": database,
            "load_generator_cpu_ms": generator, "cpu_ms_per_request": total,
            "rounds": [asdict(r) for r in results]}


def machine_description() -> dict[str, Any]:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True,
                                 check=False).stdout.splitlines()
    return {"cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(),
            "kernel": platform.release(),
            "wrk": wrk_version[0].split(" [")[0] if wrk_version else "?",
            "load_average_1min_at_end": round(os.getloadavg()[0], 1)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise BenchmarkError("the load generator `wrk` is not installed; " + WRK_INSTALL_HINT)
    if not _reachable("127.0.0.1", 5432):
        raise BenchmarkError("PostgreSQL is not reachable at 127.0.0.1:5432 (database `test`)")
    load_before = round(os.getloadavg()[0], 1)  # other programs' load, before we add ours

    with tempfile.TemporaryDirectory(prefix="hb-bench-") as tmp, benchmark_database() as db_url:
        tmp_path = Path(tmp)
        log = Path(args.log) if args.log else tmp_path / "bench.log"
        env = product_environment(db_url, tmp_path / "data", args.log_level)
        print(f"database: {db_url.rsplit('/', 1)[1]}; migrating and importing the corpus ...",
              flush=True)
        hushbakht(["db", "upgrade", "heads"], env, log)
        hushbakht(["content", "import"], env, log)

        product_port, bare_port = free_port(), free_port()
        product = [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1",
                   "--port", str(product_port), "--workers", str(args.workers)]
        bare = [sys.executable, str(Path(__file__).resolve()), "--serve-bare",
                "--port", str(bare_port), "--workers", str(args.workers)]
        urls = {"bare": f"http://127.0.0.1:{bare_port}{BARE_PATH}",
                "articles": f"http://127.0.0.1:{product_port}{ARTICLES_PATH}"}
        if args.healthz:  # reference: the product's cheapest route, every per-request hook included
            urls["healthz"] = f"http://127.0.0.1:{product_port}/healthz"
        database = db_url.rsplit("/", 1)[1]
        with server(product, env, log, f"http://127.0.0.1:{product_port}/healthz") as web, \
                server(bare, env, log, urls["bare"]) as bare_server:
            probes = {"bare": CpuProbe(bare_server.pid, ""), "articles": CpuProbe(web.pid, database),
                      "healthz": CpuProbe(web.pid, database)}
            body_bytes = check_article_list(urls["articles"])
            print(f"servers up: gunicorn gthread, {args.workers} workers x 4 threads each; "
                  f"article list body {body_bytes} bytes", flush=True)
            for name, url in urls.items():  # warm-up: every worker process fills its caches
                run_wrk(url, connections=args.connections, threads=args.threads,
                        duration=args.warmup)
                print(f"  warm-up {name}: done", flush=True)
            rounds: dict[str, list[LoadResult]] = {name: [] for name in urls}
            for index in range(args.rounds):
                order = list(urls) if index % 2 == 0 else list(reversed(urls))
                for name in order:
                    result = run_wrk(urls[name], connections=args.connections,
                                     threads=args.threads, duration=args.duration,
                                     probe=probes[name])
                    rounds[name].append(result)
                    print(f"  round {index + 1} {name:8}: {result.requests_per_second:9.0f} req/s"
                          f"  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms"
                          f"  cpu/request: server {_ms(result.server_cpu_ms)}"
                          f" db {_ms(result.database_cpu_ms)}"
                          f" wrk {_ms(result.load_generator_cpu_ms)}", flush=True)

    summary = {name: summarise(results) for name, results in rounds.items()}
    ratio = summary["articles"]["requests_per_second"] / summary["bare"]["requests_per_second"]
    cpu_ratio = None
    if summary["articles"]["cpu_ms_per_request"] and summary["bare"]["cpu_ms_per_request"]:
        cpu_ratio = (summary["bare"]["cpu_ms_per_request"]
                     / summary["articles"]["cpu_ms_per_request"])
    return {
        "machine": {**machine_description(), "load_average_1min_before": load_before},
        "settings": {"connections": args.connections, "wrk_threads": args.threads,
                     "duration_s": args.duration, "rounds": args.rounds, "warmup_s": args.warmup,
                     "gunicorn_workers": args.workers, "gunicorn_threads": 4,
                     "log_level": args.log_level, "article_list_bytes": body_bytes},
        "bare": summary["bare"], "articles": summary["articles"],
        "healthz": summary.get("healthz"), "ratio": ratio,
        "cpu_ratio": cpu_ratio,
        "target_met": ratio >= TARGET_RATIO and summary["articles"]["p99_ms"] < TARGET_P99_MS,
    }


def print_report(report: dict[str, Any]) -> None:
    machine, settings = report["machine"], report["settings"]
    print()
    print(f"machine: {machine['cpu']}, {machine['cpus']} CPUs, Python {machine['python']}, "
          f"{machine['wrk']}")
    print(f"load: {settings['connections']} connections, wrk {settings['wrk_threads']} threads, "
          f"{settings['rounds']} x {settings['duration_s']} s per endpoint (median shown); "
          f"gunicorn {settings['gunicorn_workers']} workers x {settings['gunicorn_threads']} threads")
    print()
    print(f"{'endpoint':38} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   "
          f"{'CPU ms per request: server':>26} {'db':>6} {'wrk':>6} {'total':>6}")
    for key, label in (("bare", f"(a) bare Flask GET {BARE_PATH}"),
                       ("articles", f"(b) GET {ARTICLES_PATH}"),
                       ("healthz", "(reference) product GET /healthz")):
        row = report[key]
        if row is None:
            continue
        cpu = [row[k] for k in ("server_cpu_ms", "database_cpu_ms", "load_generator_cpu_ms",
                                "cpu_ms_per_request")]
        print(f"{label:38} {row['requests_per_second']:8.0f} {row['p50_ms']:8.2f} "
              f"{row['p99_ms']:8.2f}   {'':20}" + " ".join(
                  f"{'n/a' if v is None else f'{v:.3f}':>6}" for v in cpu))
    print()
    print(f"ratio b/a (throughput): {report['ratio']:.2f}   target >= {TARGET_RATIO:.2f} "
          f"and p99(b) < {TARGET_P99_MS:.0f} ms: {'MET' if report['target_met'] else 'NOT MET'}")
    if report["cpu_ratio"] is not None:
        print(f"ratio b/a from CPU per request: {report['cpu_ratio']:.2f}   (what the throughput "
              "ratio tends to when nothing else uses the CPUs)")
    load = report["machine"]["load_average_1min_before"]
    if load > 0.5:
        print(f"warning: load average {load:.1f} on {report['machine']['cpus']} CPUs before the "
              "run: other programs competed for the CPUs; the throughput and latency figures are "
              "pessimistic, compare the CPU-per-request figures")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per endpoint")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per endpoint")
    parser.add_argument("--workers", type=int,
                        default=int(os.environ.get("WEB_CONCURRENCY", "2")),
                        help="gunicorn worker processes for both servers [WEB_CONCURRENCY or 2]")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING"),
                        help="the product's LOG_LEVEL (INFO, as deployed, logs every request)")
    parser.add_argument("--no-healthz", dest="healthz", action="store_false",
                        help="skip the reference run of the product's /healthz")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--log", help="server and command output (default: a temporary file)")
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve_bare:
        serve_bare(args.port, args.workers)
        return 0
    if not (1 <= args.duration <= 300 and 1 <= args.rounds <= 20 and 0 < args.warmup <= 60):
        parser.error("keep it bounded: --duration 1..300, --rounds 1..20, --warmup 0..60")
    try:
        report = run(args)
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    # Run as a script, this folder comes first on sys.path, and its benchmarks/moderation.py
    # would shadow the `moderation` package: import the project from the repository root.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
