"""SOS benchmark: intake latency, time to the first Twilio request, and a burst with nothing lost.

Runs the real product: gunicorn (``hushbakht serve``) on PostgreSQL, Redis as broker, one Celery worker
node with beat (the sweeper), and a minimal local Twilio endpoint that records when each request
arrives (the tests validate requests against Twilio's OpenAPI with Prism; here speed matters).

    .venv/bin/python benchmarks/sos.py [--clients 32] [--alerts 1000] [--web-workers 4]

Prints the figures; copy them into docs/benchmarks_sos.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import requests

try:  # run as a script: this folder is on the path; loaded by path: the project root
    import proc_cpu
except ImportError:
    from benchmarks import proc_cpu

ROOT = Path(__file__).resolve().parent.parent
HOTLINE = "+992900000001"
ACCOUNT_SID = "AC" + "0a1b2c3d" * 4

WORKER = """
import os
from backend.app import create_app
app = create_app()
celery = app.extensions["celery"]
celery.worker_main(["worker", "--concurrency", os.environ["HB_BENCH_CONCURRENCY"],
                    "--without-gossip", "--without-mingle", "--loglevel=WARNING", "--beat",
                    "--schedule", os.environ["HB_BENCH_SCHEDULE"]])
"""


class TwilioRecorder:
    """Answers Twilio's create requests like Twilio and records arrival times."""

    def __init__(self, latency: float = 0.0) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[tuple[float, str, str]] = []  # (time, kind, delivery id)
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm the body then waits
            # for the client's delayed ACK (40 ms), which held every worker 40 ms per request.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                arrived = time.time()
                if latency:
                    time.sleep(latency)  # Twilio's answer time (arrival is still when it came)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                kind = "sms" if self.path.endswith("Messages.json") else "call"
                delivery = parse_qs(urlsplit(form.get("StatusCallback", "")).query).get("d", [""])[0]
                with recorder.lock:
                    recorder.arrivals.append((arrived, kind, delivery))
                sid = ("SM" if kind == "sms" else "CA") + uuid.uuid4().hex
                answer = json.dumps({"sid": sid, "status": "queued", "to": form.get("To"),
                                     "account_sid": ACCOUNT_SID}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# wrk drives the 32-client flood: a C load generator costs the two shared cores little, where 32
# Python threads (requests) in this process spent more CPU than the server and added their own
# GIL queueing to every latency they measured. Each request is a new alert with a unique id
# (sequence number, run token) from one of the registered devices in turn; each thread stops
# after its share of the alerts.
WRK_SCRIPT = """
local devices = {%(devices)s}
local run_token, quota = %(token)d, %(quota)d
local counter, done = 0, 0
thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
end

function init(args)
  index = thread_index
end

function request()
  counter = counter + 1
  local device = devices[((counter * 7 + index) %% #devices) + 1]
  -- The first 12 hex digits differ between alerts: they are the short id the SMS fallback
  -- deduplicates on per device.
  local seq = (counter - 1) * 16 + index
  local id = string.format("%%08x-%%04x-4000-8000-%%012x", seq, run_token %% 65536, run_token)
  local body = '{"id":"' .. id .. '","trigger":"button",' ..
               '"location":{"lat":38.56,"lon":68.78,"accuracy_m":20}}'
  return wrk.format("POST", "/api/v1/alerts",
                    {["Content-Type"] = "application/json", ["Authorization"] = device}, body)
end

function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body:sub(1, 200) .. "\\n")
  end
  done = done + 1
  if done >= quota then wrk.thread:stop() end
end
"""


def wrk_flood(base: str, devices: list[tuple[str, str]], alerts: int, clients: int,
              count_stored: Any, threads: int = 2) -> dict[str, float]:
    """``alerts`` alerts from ``clients`` keep-alive connections as fast as answered; wrk's figures.

    wrk runs until interrupted (its threads stop at their share; its main thread only at SIGINT,
    after which it prints its statistics), so it is interrupted once ``count_stored()`` reaches
    ``alerts``.
    """
    import base64
    import random
    import shutil

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for the flood (Debian/Ubuntu: sudo apt-get install -y wrk)")
    headers = ", ".join('"Basic ' + base64.b64encode(f"{d}:{s}".encode()).decode() + '"'
                        for d, s in devices)
    script = WRK_SCRIPT % {"devices": headers, "token": random.getrandbits(31),
                           "quota": -(-alerts // threads)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        process = subprocess.Popen(
            ["wrk", f"--threads={threads}", f"--connections={clients}", "--duration=600s",
             "--timeout=30s", "--latency", "--script", handle.name, base + "/api/v1/alerts"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 600
        while process.poll() is None and time.monotonic() < deadline:
            if count_stored() >= alerts:
                time.sleep(0.2)  # the answers of the last ones
                process.send_signal(signal.SIGINT)
                break
            time.sleep(0.05)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        os.unlink(handle.name)
    if process.returncode != 0 or "unexpected status" in stderr:
        raise SystemExit(f"wrk flood failed: {stderr.strip()[:500]}")
    return parse_wrk_latency(stdout)


def parse_wrk_latency(output: str) -> dict[str, float]:
    import re

    units = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
    figures: dict[str, float] = {}
    for label in ("50", "99"):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        if match is None:
            raise SystemExit(f"unexpected wrk output:\n{output}")
        figures[f"p{label}_ms"] = float(match.group(1)) * units[match.group(2)]
    maximum = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)", output)
    if maximum:
        figures["max_ms"] = float(maximum.group(1)) * units[maximum.group(2)]
    total = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", output)
    if total:
        figures["requests"] = float(total.group(1))
        figures["seconds"] = float(total.group(2)) * units[total.group(3)] / 1000
    return figures


def cpu_by_part(groups: dict[int, str]) -> dict[str, float] | None:
    """CPU seconds used so far by each part of the benchmark: the web server's and the worker's
    process groups (each runs in a session of its own), PostgreSQL and Redis by process name, the
    load generator as this process's finished children (wrk), and this process itself (the Twilio
    stand-in, the burst's client threads, the counters). None where ``/proc`` is missing."""
    import resource

    if not proc_cpu.available():
        return None
    parts = proc_cpu.cpu_by_part(groups, {"postgres": "PostgreSQL", "redis-server": "Redis"})
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    parts["wrk"] = children.ru_utime + children.ru_stime
    parts["benchmark"] = own.ru_utime + own.ru_stime
    return parts


def cpu_report(before: dict[str, float] | None, after: dict[str, float] | None, seconds: float,
               per: dict[str, tuple[str, int]]) -> str:
    """One line: each part's CPU in cores over ``seconds``, and per unit where ``per`` names one
    (part -> (unit, count)), e.g. web CPU per intake."""
    if before is None or after is None or seconds <= 0:
        return "CPU by part: not measured (no /proc)"
    shown = []
    for part, used in after.items():
        spent = used - before.get(part, 0.0)
        text = f"{part} {spent / seconds:.2f}"
        if part in per and per[part][1]:
            unit, count = per[part]
            text += f" ({spent / count * 1000:.1f} ms per {unit})"
        shown.append(text)
    return f"CPU in cores over {seconds:.1f} s ({os.cpu_count()} on this machine): " + ", ".join(shown)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not start on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--latency-alerts", type=int, default=640)
    parser.add_argument("--paced-alerts", type=int, default=60)
    parser.add_argument("--pace", type=float, default=0.5)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--worker-concurrency", type=int, default=4)
    parser.add_argument("--twilio-latency-ms", type=float, default=0.0,
                        help="how long the stand-in for Twilio takes to answer each request")
    parser.add_argument("--web-only-flood", action="store_true",
                        help="freeze the worker during the 32-client flood (measures intake alone)")
    args = parser.parse_args()

    name = f"hb_bench_{os.getpid()}"
    admin = "host=127.0.0.1 port=5432 dbname=test user=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    data_dir = Path(tempfile.mkdtemp(prefix="hb-bench-"))
    twilio = TwilioRecorder(args.twilio_latency_ms / 1000)
    port = free_port()
    env = {**os.environ,
           "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
           "HUSHBAKHT_DATA_DIR": str(data_dir), "HUSHBAKHT_ENV": "test",
           "SECRET_KEY": "benchmark-secret-" + "x" * 32, "LOG_LEVEL": "WARNING",
           "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "REDIS_URL": "redis://127.0.0.1:6379/0",
           "RATE_LIMIT_KEY_PREFIX": f"hbbench{os.getpid()}",
           "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": "bench-token",
           "TWILIO_FROM_NUMBER": "+15005550006", "TWILIO_API_BASE_URL": twilio.url,
           "TWILIO_MODE": "test", "HOTLINE_NUMBERS": HOTLINE, "ESCALATION_SECONDS": "3600",
           "CELERY_QUEUE_PREFIX": f"hbbench-{os.getpid()}",
           "HB_BENCH_CONCURRENCY": str(args.worker_concurrency),
           "HB_BENCH_SCHEDULE": str(data_dir / "beat-schedule")}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([sys.executable, "-m", "backend.cli", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        # Web processes and worker use queues of this run's own (CELERY_QUEUE_PREFIX).
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "backend.cli",
             "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
             str(args.web_workers)],
            cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        processes.append(subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env=env,
                                          start_new_session=True, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        time.sleep(3)  # let the worker connect

        # Devices are registered through the service (the API allows 20 registrations per hour
        # per address); one set for the latency run, one for the burst, to stay under the
        # per-device alert limit.
        os.environ.update({k: v for k, v in env.items() if k.isupper()})
        from backend.app import create_app
        from backend.sos.devices import register_device

        with create_app().app_context():
            registrations = [register_device(cancel_pin="1234", duress_pin="9876")
                             for _ in range(2 * args.clients + 1)]
        device_sets = [[(r.device_id, r.secret) for r in registrations[:args.clients]],
                       [(r.device_id, r.secret) for r in registrations[args.clients:-1]]]
        paced_device = (registrations[-1].device_id, registrations[-1].secret)

        def run(count: int, devices: list[tuple[str, str]]) -> list[float]:
            latencies: list[float] = []
            failures: list[str] = []
            lock = threading.Lock()

            def client(index: int) -> None:
                session = requests.Session()
                session.auth = devices[index]
                for n in range(index, count, args.clients):
                    alert_id = str(uuid.uuid4())
                    started = time.perf_counter()
                    wall = time.time()
                    response = session.post(f"{base}/api/v1/alerts", timeout=30, json={
                        "id": alert_id, "trigger": "button",
                        "location": {"lat": 38.56, "lon": 68.78, "accuracy_m": 20}})
                    elapsed = time.perf_counter() - started
                    if response.status_code != 201:
                        failures.append(f"alert {n}: {response.status_code} {response.text[:200]}")
                        return
                    with lock:
                        latencies.append(elapsed)
                        sent_at[alert_id.replace("-", "")] = wall

            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if failures:
                raise SystemExit("intake failed: " + "; ".join(failures[:3]))
            return latencies

        sent_at: dict[str, float] = {}

        def settle(alert_ids: set[str], seconds: float) -> float:
            """Wait until each of these alerts has had its SMS and its call requested (or
            ``seconds``), then 8 s more for anything extra (duplicates). Counted per alert, so
            requests still arriving for earlier alerts (a backlog) do not end the wait early."""
            started = time.monotonic()
            while time.monotonic() - started < seconds:
                with psycopg.connect(f"host=127.0.0.1 port=5432 dbname={name} user=postgres") as conn:
                    owner = dict(conn.execute("SELECT id, alert_id FROM sos_delivery").fetchall())
                kinds: dict[str, set[str]] = {}
                with twilio.lock:
                    for _arrived, kind, delivery in twilio.arrivals:
                        kinds.setdefault(owner.get(delivery, ""), set()).add(kind)
                if all(kinds.get(a, set()) >= {"sms", "call"} for a in alert_ids):
                    break
                time.sleep(1.0)
            time.sleep(8)
            return time.monotonic() - started

        def first_requests() -> dict[str, float]:
            first: dict[str, float] = {}
            with psycopg.connect(f"host=127.0.0.1 port=5432 dbname={name} user=postgres") as conn:
                owner = dict(conn.execute("SELECT id, alert_id FROM sos_delivery").fetchall())
            with twilio.lock:
                for arrived, _kind, delivery in twilio.arrivals:
                    alert = owner.get(delivery)
                    if alert and (alert not in first or arrived < first[alert]):
                        first[alert] = arrived
            return first

        # 0. Relay latency at a steady rate (one alert every --pace seconds, one client).
        paced_ids: list[str] = []
        session = requests.Session()
        session.auth = paced_device
        for _ in range(args.paced_alerts):
            alert_id = str(uuid.uuid4())
            wall = time.time()
            session.post(f"{base}/api/v1/alerts", timeout=30, json={
                "id": alert_id, "location": {"lat": 38.56, "lon": 68.78, "accuracy_m": 20}})
            sent_at[alert_id.replace("-", "")] = wall
            paced_ids.append(alert_id.replace("-", ""))
            time.sleep(args.pace)
        settle(set(paced_ids), 120)
        first = first_requests()
        paced = [first[a] - sent_at[a] for a in paced_ids if a in first]
        print(f"steady rate (1 alert / {args.pace} s), {len(paced)} alerts, intake → first Twilio "
              f"request: p50 {statistics.median(paced) * 1000:.0f} ms, "
              f"p95 {percentile(paced, 95) * 1000:.0f} ms")
        with twilio.lock:
            twilio.arrivals.clear()

        # 1. Intake latency and time to the first Twilio request under 32 concurrent clients.
        # Warm-up, not measured: every web process opens its database and Redis connections
        # and starts its outbox publisher, as a
        # server that has been up for a while has; the paced phase above used one connection,
        # so one process. Its relays are still being sent while the measured flood runs.
        def flood(alerts: int) -> dict[str, float]:
            started = time.time()
            with psycopg.connect(f"host=127.0.0.1 port=5432 dbname={name} user=postgres",
                                 autocommit=True) as counter:
                def stored() -> int:
                    row = counter.execute("SELECT count(*) FROM sos_alert WHERE created_at >= "
                                          "to_timestamp(%s)", (started,)).fetchone()
                    return int(row[0]) if row else 0

                return wrk_flood(base, device_sets[0], alerts, args.clients, stored)

        flood(4 * args.clients)
        parts = {processes[0].pid: "web", processes[1].pid: "worker"}
        flood_started = time.time()
        cpu_before = cpu_by_part(parts)
        if args.web_only_flood:  # diagnostic: the web tier alone, the worker frozen meanwhile
            os.killpg(processes[1].pid, signal.SIGSTOP)
        figures = flood(args.latency_alerts)
        # Per intake only for what serves intake alone: PostgreSQL and Redis also serve the relay,
        # unless the worker is frozen.
        flood_cpu = cpu_report(cpu_before, cpu_by_part(parts), time.time() - flood_started, {
            part: ("intake", int(figures.get("requests", 0)))
            for part in ("web", "wrk", *(("PostgreSQL", "Redis") if args.web_only_flood else ()))})
        if args.web_only_flood:
            os.killpg(processes[1].pid, signal.SIGCONT)
        with psycopg.connect(f"host=127.0.0.1 port=5432 dbname={name} user=postgres") as conn:
            received = {row[0]: row[1].timestamp() for row in conn.execute(
                "SELECT id, created_at FROM sos_alert WHERE created_at >= to_timestamp(%s)",
                (flood_started,)).fetchall()}
        settle(set(received), 300)
        first_request = first_requests()
        # From the moment the alert was stored (its created_at) to the first Twilio request.
        to_twilio = [first_request[a] - received[a] for a in received if a in first_request]
        print(f"intake, {args.clients} concurrent clients (wrk), {int(figures.get('requests', 0))} "
              f"alerts in {figures.get('seconds', 0):.1f} s: p50 {figures['p50_ms']:.1f} ms, "
              f"p99 {figures['p99_ms']:.1f} ms, max {figures.get('max_ms', float('nan')):.1f} ms")
        print(f"during the flood, {flood_cpu}")
        print(f"same flood, stored → first Twilio request, {len(to_twilio)} of {len(received)} alerts: "
              f"p50 {statistics.median(to_twilio) * 1000:.0f} ms, "
              f"p95 {percentile(to_twilio, 95) * 1000:.0f} ms")

        # 2. A burst: every alert relayed once, none lost, none duplicated.
        with twilio.lock:
            twilio.arrivals.clear()
        burst_started = time.monotonic()
        cpu_before = cpu_by_part(parts)
        run(args.alerts, device_sets[1])
        intake_seconds = time.monotonic() - burst_started
        burst_alerts = set(list(sent_at)[len(sent_at) - args.alerts:])
        elapsed = settle(burst_alerts, 900)
        # Intake and relay of the burst's alerts (the 8 s settle() waits for duplicates included).
        burst_cpu = cpu_report(cpu_before, cpu_by_part(parts), time.monotonic() - burst_started, {
            "web": ("intake", args.alerts), "worker": ("relayed alert", args.alerts),
            "PostgreSQL": ("alert", args.alerts)})
        with psycopg.connect(f"host=127.0.0.1 port=5432 dbname={name} user=postgres") as conn:
            rows = conn.execute("SELECT id, alert_id, channel FROM sos_delivery").fetchall()
            alerts = conn.execute("SELECT count(*) FROM sos_alert").fetchone()[0]
        delivery_alert = {r[0]: r[1] for r in rows}
        with twilio.lock:
            seen = [(kind, d) for _a, kind, d in twilio.arrivals]
        counts: dict[tuple[str, str], int] = {}
        for kind, d in seen:
            counts[(kind, d)] = counts.get((kind, d), 0) + 1
        reached = {delivery_alert.get(d) for (_k, d) in counts} & burst_alerts
        sms_alerts = {delivery_alert.get(d) for (k, d) in counts if k == "sms"} & burst_alerts
        call_alerts = {delivery_alert.get(d) for (k, d) in counts if k == "call"} & burst_alerts
        duplicated = sum(1 for n in counts.values() if n > 1)
        lost = len(burst_alerts - (sms_alerts & call_alerts))
        print(f"burst of {args.alerts} alerts: intake {intake_seconds:.1f} s, all relayed after "
              f"{intake_seconds + elapsed - 8:.1f} s; relayed {len(reached)}, "
              f"with SMS and call {len(sms_alerts & call_alerts)}, lost {lost}, "
              f"duplicated requests {duplicated}; alerts stored {alerts}")
        print(f"during the burst, {burst_cpu}")
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        twilio.server.shutdown()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
