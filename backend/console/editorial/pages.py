"""The editorial console pages (routes on :data:`backend.console.editorial.bp`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from backend.console.editorial import bp
from backend.console.editorial.highlight import highlight
from backend.editorial import (
    drafting,
    gate,
    kill_switches,
    publishing,
    queries,
    review,
    transparency,
)
from backend.editorial.actors import Actor, staff_actor
from backend.editorial.errors import EditorialError
from backend.errors import Problem
from backend.extensions import db
from backend.security.access import current_staff, require_role
from backend.security.roles import Role
from content.ads import PLACEMENTS
from content.categories import CATEGORIES
from content.kill_switches import KillScope
from content.locales import SUPPORTED_LOCALES
from content.rendering import render_markdown
from content.workflow import ForbiddenTransition

EDITORS = (Role.CONTENT_EDITOR, Role.ADMIN)
MODERATORS = (Role.MODERATOR, Role.ADMIN)
EVERYONE = (Role.CONTENT_EDITOR, Role.MODERATOR, Role.ADMIN)
T = TypeVar("T")


def _actor() -> Actor:
    staff = current_staff()
    assert staff is not None  # require_role admitted someone
    return staff_actor(staff.id, staff.role)


def _run(action: Callable[[], T]) -> T:
    """Call a service; its refusals become a console error page with its message."""
    try:
        return action()
    except EditorialError as exc:
        db.session.rollback()
        raise Problem(exc.status, exc.slug, exc.title, str(exc)) from None
    except ForbiddenTransition as exc:
        db.session.rollback()
        raise Problem(409, "forbidden-transition", "Not possible in this state", str(exc)) from None


def _to_item(kind: str, item_id: str) -> BaseResponse:
    return redirect(url_for("editorial.item", kind=kind, item_id=item_id))


# -- editors ------------------------------------------------------------------------------------
@bp.get("/")
@require_role(*EDITORS)
def items() -> str:
    state = request.args.get("state") or None
    rows = queries.list_items(db.session, state=state)
    notices = queries.notices_for(db.session, _actor().id)
    return render_template("editorial/items.html", rows=rows, notices=notices, state=state)


@bp.route("/articles/new", methods=["GET", "POST"])
@require_role(*EDITORS)
def new_article() -> str | BaseResponse:
    if request.method == "GET":
        return render_template("editorial/article_form.html", categories=CATEGORIES,
                               locales=SUPPORTED_LOCALES, values={})
    form = request.form
    article = _run(lambda: drafting.create_article(
        db.session, _actor(), locale=form.get("locale", ""),
        translation_key=form.get("translation_key", "").strip(),
        category=form.get("category", ""), title=form.get("title", ""),
        summary=form.get("summary", ""), body_markdown=form.get("body_markdown", ""),
        tags=[t.strip() for t in form.get("tags", "").split(",") if t.strip()]))
    return _to_item("article", article.id)


@bp.route("/ads/new", methods=["GET", "POST"])
@require_role(*EDITORS)
def new_ad() -> str | BaseResponse:
    if request.method == "GET":
        return render_template("editorial/ad_form.html", placements=PLACEMENTS,
                               locales=SUPPORTED_LOCALES, values={})
    form = request.form
    ad = _run(lambda: drafting.create_ad(
        db.session, _actor(), locale=form.get("locale", ""),
        advertiser=form.get("advertiser", ""), placement=form.get("placement", ""),
        creative_text=form.get("creative_text", ""),
        image_description=form.get("image_description", ""),
        starts_at=_form_time("starts_at"), ends_at=_form_time("ends_at")))
    return _to_item("ad", ad.id)


@bp.get("/<kind>/<item_id>")
@require_role(*EVERYONE)
def item(kind: str, item_id: str) -> str:
    staff = current_staff()
    assert staff is not None
    detail = _run(lambda: queries.item_detail(db.session, kind, item_id, staff.role))
    revisions = _run(lambda: drafting.revisions(db.session, kind, item_id))
    moderation = detail["moderation"]
    pieces = highlight(moderation["text"], moderation["spans"]) if moderation else []
    return render_template("editorial/item.html", item=detail, revisions=revisions,
                           pieces=pieces, placements=PLACEMENTS, categories=CATEGORIES)


@bp.post("/<kind>/<item_id>/edit")
@require_role(*EDITORS)
def edit(kind: str, item_id: str) -> BaseResponse:
    fields = ("title", "summary", "body_markdown", "category", "tags") if kind == "article" else (
        "advertiser", "placement", "creative_text", "image_description", "starts_at", "ends_at")
    changes: dict[str, Any] = {f: request.form[f] for f in fields if f in request.form}
    for name in ("starts_at", "ends_at"):
        if name in changes:
            changes[name] = _form_time(name)
    _run(lambda: drafting.edit_item(db.session, _actor(), kind, item_id, changes))
    return _to_item(kind, item_id)


@bp.post("/<kind>/<item_id>/submit")
@require_role(*EDITORS)
def submit(kind: str, item_id: str) -> BaseResponse:
    _run(lambda: gate.submit_for_review(db.session, _actor(), kind, item_id))
    return _to_item(kind, item_id)


@bp.post("/<kind>/<item_id>/publish")
@require_role(*EDITORS)
def publish(kind: str, item_id: str) -> BaseResponse:
    _run(lambda: publishing.publish_now(db.session, _actor(), kind, item_id))
    return _to_item(kind, item_id)


@bp.post("/<kind>/<item_id>/schedule")
@require_role(*EDITORS)
def schedule(kind: str, item_id: str) -> BaseResponse:
    at = _form_time("publish_at")
    _run(lambda: publishing.schedule(db.session, _actor(), kind, item_id, at))
    return _to_item(kind, item_id)


@bp.post("/<kind>/<item_id>/unschedule")
@require_role(*EDITORS)
def unschedule(kind: str, item_id: str) -> BaseResponse:
    _run(lambda: publishing.unschedule(db.session, _actor(), kind, item_id))
    return _to_item(kind, item_id)


@bp.post("/<kind>/<item_id>/withdraw")
@require_role(*EVERYONE)
def withdraw(kind: str, item_id: str) -> BaseResponse:
    reason = request.form.get("reason", "")
    _run(lambda: publishing.withdraw(db.session, _actor(), kind, item_id, reason))
    return _to_item(kind, item_id)


@bp.post("/<kind>/<item_id>/lock")
@require_role(*EDITORS)
def lock(kind: str, item_id: str) -> BaseResponse:
    if request.form.get("release"):
        _run(lambda: drafting.release_lock(db.session, _actor(), kind, item_id))
    else:
        _run(lambda: drafting.acquire_lock(db.session, _actor(), kind, item_id))
    return _to_item(kind, item_id)


@bp.get("/<kind>/<item_id>/diff")
@require_role(*EVERYONE)
def diff(kind: str, item_id: str) -> str:
    older, newer = request.args.get("from", ""), request.args.get("to", "")
    if not (older.isdigit() and newer.isdigit()):
        raise Problem(400, "validation-error", "The request is not valid",
                      "'from' and 'to' must be revision numbers.")
    changes = _run(lambda: drafting.diff(db.session, kind, item_id, int(older), int(newer)))
    return render_template("editorial/diff.html", kind=kind, item_id=item_id, changes=changes,
                           older=older, newer=newer)


@bp.get("/<kind>/<item_id>/preview")
@require_role(*EVERYONE)
def preview(kind: str, item_id: str) -> str:
    detail = _run(lambda: queries.item_detail(db.session, kind, item_id))
    body_html = render_markdown(detail["fields"]["body_markdown"]) if kind == "article" else ""
    return render_template("editorial/preview.html", item=detail, body_html=body_html)


# -- moderators ---------------------------------------------------------------------------------
@bp.get("/queue")
@require_role(*MODERATORS)
def queue() -> str:
    return render_template("editorial/queue.html", entries=review.moderation_queue(db.session))


@bp.route("/review/<kind>/<item_id>", methods=["GET", "POST"])
@require_role(*MODERATORS)
def review_item(kind: str, item_id: str) -> str | BaseResponse:
    if request.method == "POST":
        _run(lambda: review.decide(db.session, _actor(), kind, item_id,
                                   request.form.get("decision", ""),
                                   request.form.get("reason", ""),
                                   request.form.get("category") or None,
                                   request.form.get("result_id") or None))
        return redirect(url_for("editorial.queue"))
    detail = _run(lambda: queries.item_detail(db.session, kind, item_id))
    moderation = detail["moderation"]
    pieces = highlight(moderation["text"], moderation["spans"]) if moderation else []
    return render_template("editorial/review.html", item=detail, pieces=pieces,
                           categories=review.STEREOTYPE_CATEGORIES)


@bp.route("/kill-switches", methods=["GET", "POST"], endpoint="kill_switches")
@require_role(*MODERATORS)
def kill_switches_page() -> str | BaseResponse:
    if request.method == "POST":
        if request.form.get("restore"):
            _run(lambda: kill_switches.restore(db.session, _actor(), request.form["restore"]))
        else:
            _run(lambda: kill_switches.pull(db.session, _actor(), request.form.get("scope", ""),
                                            request.form.get("target"),
                                            request.form.get("reason", "")))
        return redirect(url_for("editorial.kill_switches"))
    return render_template("editorial/kill_switches.html",
                           switches=kill_switches.recent_switches(db.session),
                           scopes=list(KillScope), categories=CATEGORIES)


@bp.get("/report")
@require_role(*EVERYONE)
def report() -> str | Response:
    rows = transparency.transparency_report(db.session)
    if request.args.get("format") == "csv":
        return Response(transparency.report_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition":
                                 "attachment; filename=transparency-report.csv"})
    return render_template("editorial/report.html", rows=rows, columns=transparency.COLUMNS)


def _form_time(name: str) -> datetime:
    """A ``datetime-local`` form value (UTC) or an ISO 8601 time."""
    from backend.clock import as_utc

    raw = request.form.get(name, "").strip()
    try:
        return as_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        raise Problem(400, "validation-error", "The request is not valid",
                      f"'{name}' must be a date and time.") from None
