"""``hushbakht editorial ...``: export moderator decisions, re-scan, publish due items, sweep the gate."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("editorial")
def editorial_group() -> None:
    """Editorial workflow and moderation gate."""


@editorial_group.command("export-decisions")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="JSON lines file to write ('-' for standard output).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only decisions from this day on (UTC).")
@with_appcontext
def export_decisions_command(out_path: Path, since: datetime | None) -> None:
    """Export moderator decisions as labelled examples for `hushbakht moderation train --decisions`."""
    from backend.clock import as_utc
    from backend.editorial.review import export_decisions
    from backend.extensions import db

    start = as_utc(since) if since else None
    if str(out_path) == "-":
        count = export_decisions(db.session, sys.stdout, start)
    else:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with out_path.open("w", encoding="utf-8") as out:
            count = export_decisions(db.session, out, start)
    click.echo(f"exported {count} moderator decisions", err=True)


@editorial_group.command("rescan")
@click.option("--force", is_flag=True, help="Re-check even if the model version did not change.")
@with_appcontext
def rescan_command(force: bool) -> None:
    """Re-check published items with the promoted model; flagged ones are withdrawn for review."""
    from backend.editorial.moderation_gateway import current_moderator
    from backend.editorial.rescan import rescan_if_model_changed, rescan_published
    from backend.extensions import db

    moderator = current_moderator()
    report = (rescan_published(db.session, moderator) if force
              else rescan_if_model_changed(db.session, moderator))
    if report.skipped:
        click.echo(f"re-scan: nothing to do, already scanned with {report.model_version}")
        return
    click.echo(f"re-scan with {report.model_version}: {report.checked} checked, "
               f"{len(report.withdrawn)} withdrawn for review")


@editorial_group.command("publish-due")
@with_appcontext
def publish_due_command() -> None:
    """Publish scheduled items whose time has come (the worker does this every 30 seconds)."""
    from backend.editorial.publishing import publish_due
    from backend.extensions import db

    click.echo(f"published {len(publish_due(db.session))} scheduled items")
