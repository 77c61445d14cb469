"""Query-parameter parsing for the mobile API: every bad value is a 400 problem naming the parameter."""

from __future__ import annotations

import re

from flask import request

from backend.errors import Problem, validation_problem
from content.categories import BY_SLUG
from content.locales import SUPPORTED_LOCALES

_TAG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _bad(param: str, message: str) -> Problem:
    return validation_problem(f"'{param}' {message}.", [{"parameter": param, "message": message}])


def resolve_locale(default: str) -> str:
    """``?locale=`` when given (must be supported), else the best Accept-Language match."""
    explicit = request.args.get("locale")
    if explicit is not None:
        if explicit not in SUPPORTED_LOCALES:
            raise Problem(400, "unsupported-locale", "Unsupported locale",
                          f"'locale' must be one of {', '.join(SUPPORTED_LOCALES)}.",
                          errors=[{"parameter": "locale",
                                   "message": f"must be one of {', '.join(SUPPORTED_LOCALES)}"}],
                          supported_locales=list(SUPPORTED_LOCALES))
        return explicit
    best = request.accept_languages.best_match(SUPPORTED_LOCALES)
    return best or default


def limit_param(default: int, maximum: int) -> int:
    raw = request.args.get("limit")
    if raw is None:
        return min(default, maximum)
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise _bad("limit", f"must be a whole number from 1 to {maximum}")
    return int(raw)


def category_param() -> str | None:
    raw = request.args.get("category")
    if raw is None:
        return None
    if raw not in BY_SLUG:
        raise _bad("category", f"must be one of {', '.join(BY_SLUG)}")
    return raw


def tag_param() -> str | None:
    raw = request.args.get("tag")
    if raw is None:
        return None
    if not _TAG.match(raw) or len(raw) > 40:
        raise _bad("tag", "must be a lowercase tag id (a-z, 0-9 and '-')")
    return raw


def text_param(name: str, *, required: bool, max_length: int) -> str | None:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        if required:
            raise _bad(name, "is required and must not be blank")
        return None
    if len(raw) > max_length:
        raise _bad(name, f"must be at most {max_length} characters")
    if _CONTROL.search(raw):
        raise _bad(name, "must not contain control characters")
    return raw.strip()
