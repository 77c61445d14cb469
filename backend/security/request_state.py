"""Who is calling, kept on the request itself (not on ``g``).

``g`` lives as long as the application context, which a test (or a CLI command) may hold across many
requests; authentication must never leak from one request to the next, so it is stored in the
request's WSGI environ, which dies with the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request

_KEY = "hushbakht.staff_state"


@dataclass
class StaffRequestState:
    """Authentication facts about the current request."""

    loaded: bool = False
    live: Any = None  # LiveSession | None: the console session named by the cookie
    pre_session: str = ""  # the pre-login cookie the login form's CSRF token is bound to
    user: Any = None  # StaffUser once a decorator has admitted the request
    actor: Any = None  # audit Actor of that user
    token: Any = None  # StaffApiToken for staff API requests


def staff_state() -> StaffRequestState:
    """The state of the current request (a fresh, empty one outside requests)."""
    if not has_request_context():
        return StaffRequestState()
    state = request.environ.get(_KEY)
    if state is None:
        state = StaffRequestState()
        request.environ[_KEY] = state
    return state
