"""Editorial endpoints of the staff API (``/api/staff/v1/editorial/...``): the same services as the
console pages, for the staff app and automation. Bearer tokens; problem+json errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify, request

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
from backend.editorial.errors import EditorialError, InvalidInput
from backend.errors import Problem, validation_problem
from backend.extensions import db
from backend.models.editorial import KillSwitch, Revision
from backend.security.access import current_staff, require_staff_token
from backend.security.roles import Role
from backend.staff_api import STAFF_API_PREFIX
from content.workflow import ForbiddenTransition

bp = Blueprint("staff_api_editorial", __name__, url_prefix=f"{STAFF_API_PREFIX}/editorial")

EDITORS = (Role.CONTENT_EDITOR, Role.ADMIN)
MODERATORS = (Role.MODERATOR, Role.ADMIN)
EVERYONE = (Role.CONTENT_EDITOR, Role.MODERATOR, Role.ADMIN)
T = TypeVar("T")


def _actor() -> Actor:
    staff = current_staff()
    assert staff is not None
    return staff_actor(staff.id, staff.role)


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except EditorialError as exc:
        db.session.rollback()
        if isinstance(exc, InvalidInput):
            raise Problem(exc.status, exc.slug, exc.title, str(exc),
                          errors=[{"field": exc.field, "message": exc.message}]) from None
        raise Problem(exc.status, exc.slug, exc.title, str(exc)) from None
    except ForbiddenTransition as exc:
        db.session.rollback()
        raise Problem(409, "forbidden-transition", "Not possible in this state", str(exc),
                      state=exc.state, action=exc.action.value) from None


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise validation_problem("The body must be a JSON object.")
    return data


def _text(data: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise validation_problem(f"'{name}' must be a non-empty string.",
                                 [{"field": name, "message": "must be a non-empty string"}])
    return value


def _time(data: dict[str, Any], name: str) -> datetime:
    from backend.clock import as_utc

    raw = _text(data, name)
    try:
        return as_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        raise validation_problem(f"'{name}' must be an ISO 8601 date and time.",
                                 [{"field": name, "message": "must be ISO 8601"}]) from None


def _detail(kind: str, item_id: str) -> dict[str, Any]:
    staff = current_staff()
    return queries.item_detail(db.session, kind, item_id, staff.role if staff else None)


@bp.get("/items")
@require_staff_token(*EVERYONE)
def list_items() -> Response:
    kind = request.args.get("kind")
    if kind not in (None, "article", "ad"):
        raise validation_problem("'kind' must be article or ad.")
    return jsonify({"items": queries.list_items(db.session, state=request.args.get("state"),
                                                kind=kind)})


@bp.post("/articles")
@require_staff_token(*EDITORS)
def create_article() -> tuple[Response, int]:
    data = _body()
    tags = data.get("tags") or []
    if not isinstance(tags, list):
        raise validation_problem("'tags' must be a list of strings.")
    article = _run(lambda: drafting.create_article(
        db.session, _actor(), locale=_text(data, "locale"),
        translation_key=_text(data, "translation_key"), category=_text(data, "category"),
        title=_text(data, "title"), summary=_text(data, "summary"),
        body_markdown=_text(data, "body_markdown"), tags=[str(t) for t in tags],
        slug=data.get("slug") if isinstance(data.get("slug"), str) else None))
    return jsonify(_detail("article", article.id)), 201


@bp.post("/ads")
@require_staff_token(*EDITORS)
def create_ad() -> tuple[Response, int]:
    data = _body()
    ad = _run(lambda: drafting.create_ad(
        db.session, _actor(), locale=_text(data, "locale"), advertiser=_text(data, "advertiser"),
        placement=_text(data, "placement"), creative_text=_text(data, "creative_text"),
        image_description=_text(data, "image_description", required=False),
        starts_at=_time(data, "starts_at"), ends_at=_time(data, "ends_at")))
    return jsonify(_detail("ad", ad.id)), 201


@bp.get("/items/<kind>/<item_id>")
@require_staff_token(*EVERYONE)
def get_item(kind: str, item_id: str) -> Response:
    return jsonify(_run(lambda: _detail(kind, item_id)))


@bp.patch("/items/<kind>/<item_id>")
@require_staff_token(*EDITORS)
def edit_item(kind: str, item_id: str) -> Response:
    changes = _body()
    revision = _run(lambda: drafting.edit_item(db.session, _actor(), kind, item_id, changes))
    return jsonify({**_detail(kind, item_id), "saved_revision": revision.number})


@bp.get("/items/<kind>/<item_id>/revisions")
@require_staff_token(*EVERYONE)
def list_revisions(kind: str, item_id: str) -> Response:
    rows: list[Revision] = _run(lambda: drafting.revisions(db.session, kind, item_id))
    return jsonify({"items": [{"number": r.number, "author": r.author, "fields": r.fields,
                               "created_at": r.created_at.isoformat()} for r in rows]})


@bp.get("/items/<kind>/<item_id>/diff")
@require_staff_token(*EVERYONE)
def diff(kind: str, item_id: str) -> Response:
    older, newer = request.args.get("from", ""), request.args.get("to", "")
    if not (older.isdigit() and newer.isdigit()):
        raise validation_problem("'from' and 'to' must be revision numbers.")
    changes = _run(lambda: drafting.diff(db.session, kind, item_id, int(older), int(newer)))
    return jsonify({"from": int(older), "to": int(newer), "changes": [
        {"field": c.field, "before": c.before, "after": c.after, "diff": list(c.lines)}
        for c in changes]})


@bp.post("/items/<kind>/<item_id>/lock")
@require_staff_token(*EDITORS)
def lock(kind: str, item_id: str) -> Response:
    _run(lambda: drafting.acquire_lock(db.session, _actor(), kind, item_id))
    return jsonify(_detail(kind, item_id))


@bp.delete("/items/<kind>/<item_id>/lock")
@require_staff_token(*EDITORS)
def unlock(kind: str, item_id: str) -> Response:
    _run(lambda: drafting.release_lock(db.session, _actor(), kind, item_id))
    return jsonify(_detail(kind, item_id))


@bp.post("/items/<kind>/<item_id>/submit")
@require_staff_token(*EDITORS)
def submit(kind: str, item_id: str) -> tuple[Response, int]:
    _run(lambda: gate.submit_for_review(db.session, _actor(), kind, item_id))
    return jsonify(_detail(kind, item_id)), 202


@bp.post("/items/<kind>/<item_id>/publish")
@require_staff_token(*EDITORS)
def publish(kind: str, item_id: str) -> Response:
    _run(lambda: publishing.publish_now(db.session, _actor(), kind, item_id))
    return jsonify(_detail(kind, item_id))


@bp.post("/items/<kind>/<item_id>/schedule")
@require_staff_token(*EDITORS)
def schedule(kind: str, item_id: str) -> Response:
    at = _time(_body(), "publish_at")
    _run(lambda: publishing.schedule(db.session, _actor(), kind, item_id, at))
    return jsonify(_detail(kind, item_id))


@bp.delete("/items/<kind>/<item_id>/schedule")
@require_staff_token(*EDITORS)
def unschedule(kind: str, item_id: str) -> Response:
    _run(lambda: publishing.unschedule(db.session, _actor(), kind, item_id))
    return jsonify(_detail(kind, item_id))


@bp.post("/items/<kind>/<item_id>/withdraw")
@require_staff_token(*EVERYONE)
def withdraw(kind: str, item_id: str) -> Response:
    reason = _text(_body(), "reason")
    _run(lambda: publishing.withdraw(db.session, _actor(), kind, item_id, reason))
    return jsonify(_detail(kind, item_id))


@bp.get("/queue")
@require_staff_token(*MODERATORS)
def queue() -> Response:
    return jsonify({"items": [
        {"kind": e.kind, "id": e.item.id, "state": e.item.state,
         "moderation": queries.result_dict(e.result) if e.result else None}
        for e in review.moderation_queue(db.session)]})


@bp.post("/items/<kind>/<item_id>/decision")
@require_staff_token(*MODERATORS)
def decide(kind: str, item_id: str) -> Response:
    data = _body()
    category, result_id = data.get("category"), data.get("result_id")
    if result_id is not None and not isinstance(result_id, str):
        raise validation_problem("'result_id' must be the id of the moderation result reviewed.",
                                 [{"field": "result_id", "message": "must be a string"}])
    decision = _run(lambda: review.decide(
        db.session, _actor(), kind, item_id, _text(data, "decision"),
        _text(data, "reason", required=False),
        category if isinstance(category, str) and category else None, result_id or None))
    return jsonify({"decision": decision.decision, "reason": decision.reason,
                    "category": decision.category, "item": _detail(kind, item_id)})


def _switch_dict(switch: KillSwitch) -> dict[str, Any]:
    return {"id": switch.id, "scope": switch.scope, "target": switch.target,
            "reason": switch.reason, "pulled_by": switch.pulled_by,
            "pulled_at": switch.pulled_at.isoformat(),
            "restored_at": switch.restored_at.isoformat() if switch.restored_at else None,
            "active": switch.restored_at is None}


@bp.get("/kill-switches")
@require_staff_token(*MODERATORS)
def list_kill_switches() -> Response:
    return jsonify({"items": [_switch_dict(s) for s in kill_switches.recent_switches(db.session)]})


@bp.post("/kill-switches")
@require_staff_token(*MODERATORS)
def pull_kill_switch() -> tuple[Response, int]:
    data = _body()
    target = data.get("target")
    switch = _run(lambda: kill_switches.pull(db.session, _actor(), _text(data, "scope"),
                                             target if isinstance(target, str) else None,
                                             _text(data, "reason")))
    return jsonify(_switch_dict(switch)), 201


@bp.delete("/kill-switches/<switch_id>")
@require_staff_token(*MODERATORS)
def restore_kill_switch(switch_id: str) -> Response:
    switch = _run(lambda: kill_switches.restore(db.session, _actor(), switch_id))
    return jsonify(_switch_dict(switch))


@bp.get("/report")
@require_staff_token(*EVERYONE)
def report() -> Response:
    rows = transparency.transparency_report(db.session)
    if request.args.get("format") == "csv":
        return Response(transparency.report_csv(rows), mimetype="text/csv")
    return jsonify({"columns": list(transparency.COLUMNS), "rows": [
        {"month": r.month, "category": r.category, **r.counts} for r in rows]})
