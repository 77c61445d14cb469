"""The ``hushbakht`` command: serve, worker, beat, database migrations and content import.

``hushbakht serve`` on the embedded default runs the web server and a background worker together;
with a real broker configured it runs only gunicorn, and ``hushbakht worker`` runs on its own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from backend.config import ConfigError


def _create_app() -> Flask:
    from backend.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Oilai Hushbakht backend."""


def _settings() -> Any:
    from backend.app import get_settings

    return get_settings(current_app)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")),
              type=click.IntRange(1, 64), help="gunicorn worker processes [WEB_CONCURRENCY or 2]")
@with_appcontext
def serve(host: str, port: int, workers: int) -> None:
    """Run the product (and, on the embedded default, its background worker)."""
    settings = _settings()
    _ensure_port_free(host, port)
    worker: subprocess.Popen[bytes] | None = None
    if settings.celery_broker_url.startswith("filesystem://"):
        database = settings.sqlalchemy_url.removeprefix("sqlite:///")
        click.echo(f"embedded mode: database {database}, filesystem broker, background worker started",
                   err=True)
        worker = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "worker", "--beat", "--concurrency", "1"],
            start_new_session=True)
    try:
        _run_gunicorn(host, port, workers)
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)


def _ensure_port_free(host: str, port: int) -> None:
    """Refuse to start beside another server on the same address.

    The workers listen with SO_REUSEPORT, which would let a second copy of the product (an old
    release, a forgotten terminal) bind the same port and silently take part of the traffic.
    A plain bind, without that option, still fails when anything listens there.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: TIME_WAIT is fine
        try:
            probe.bind(address)
        except OSError as exc:
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {exc.strerror}. Is the product (or another "
                "server) already running there? Stop it or choose --port.") from None


def _run_gunicorn(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 4)
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 20)
            self.cfg.set("accesslog", None)  # our own access log omits query strings
            # One listening socket per worker (SO_REUSEPORT): the kernel spreads connections over
            # the workers. With one shared socket, whichever worker wakes first accepts, and a
            # client holding many keep-alive connections (an ingress, a proxy) can end up on one
            # process and one core while the others idle.
            self.cfg.set("reuse_port", hasattr(socket, "SO_REUSEPORT"))

        def load(self) -> Flask:
            return _create_app()

    Server().run()


@cli.command("worker")
@click.option("--beat/--no-beat", default=False, help="Also run the periodic scheduler.")
@click.option("--concurrency", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--queues", "roles", default="sos,background", show_default=True,
              help="Which queues to consume: sos (the SOS relay), background (moderation, "
                   "publishing, purges), or both.")
@with_appcontext
def worker(beat: bool, concurrency: int, roles: str) -> None:
    """Run a Celery worker for background jobs (relay, moderation, schedules)."""
    from backend.celery_app import QUEUE_ROLES, queue_name

    wanted = list(dict.fromkeys(r.strip() for r in roles.split(",") if r.strip()))
    unknown = sorted(set(wanted) - set(QUEUE_ROLES))
    if not wanted or unknown:
        raise click.BadParameter(f"choose among {', '.join(QUEUE_ROLES)}", param_hint="--queues")
    prefix = _settings().celery_queue_prefix
    celery = current_app.extensions["celery"]
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--without-gossip",
            "--without-mingle", "--queues=" + ",".join(queue_name(prefix, r) for r in wanted)]
    if beat:
        schedule = _settings().data_dir / "celerybeat-schedule"
        argv += ["--beat", f"--schedule={schedule}"]
    celery.worker_main(argv)


@cli.command("beat")
@with_appcontext
def beat() -> None:
    """Run the periodic scheduler on its own (one per deployment)."""
    celery = current_app.extensions["celery"]
    schedule = _settings().data_dir / "celerybeat-schedule"
    celery.start(["beat", "--loglevel=INFO", f"--schedule={schedule}"])


@cli.group("content")
def content_group() -> None:
    """Manage the content corpus."""


@content_group.command("import")
@click.option("--path", type=click.Path(exists=True, file_okay=False), default=None,
              help="Corpus folder (default: the starter corpus shipped in content/corpus).")
@click.option("--verbose", is_flag=True, help="List every article and what happened to it.")
@with_appcontext
def content_import(path: str | None, verbose: bool) -> None:
    """Import the Markdown corpus; re-running updates, never duplicates."""
    from pathlib import Path

    from backend.editorial.corpus_gate import GatedArticleStore
    from backend.editorial.moderation_gateway import current_moderator
    from backend.extensions import db
    from content.importer import CORPUS_ROOT, CorpusError, import_corpus, load_corpus

    try:
        entries = load_corpus(Path(path) if path else CORPUS_ROOT)
    except CorpusError as exc:
        raise click.ClickException(str(exc)) from None
    report = import_corpus(
        entries, GatedArticleStore(db.session, current_moderator()),
        progress=(lambda name, outcome: click.echo(f"  {outcome:9} {name}")) if verbose else None)
    db.session.commit()
    click.echo(f"content import: {report.summary()}")


# Command groups by area: staff accounts, the editorial workflow, and the moderation library's own CLI
# (which needs no app: `hushbakht moderation check|train|evaluate|promote`).
from backend.editorial.cli import editorial_group  # noqa: E402
from backend.security.cli import hotline_group, users_group  # noqa: E402
from moderation.cli import cli as moderation_group  # noqa: E402

cli.add_command(users_group)
cli.add_command(hotline_group)
cli.add_command(editorial_group)
cli.add_command(moderation_group)


def main() -> None:
    """Console-script entry point: configuration errors are one readable message, not a traceback."""
    try:
        cli.main(prog_name="hushbakht")
    except ConfigError as exc:
        click.echo(f"hushbakht: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
