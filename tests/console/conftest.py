"""Fixtures of the console tests: staff accounts and logged-in clients (tests/support/staff.py)."""

from tests.support.staff import login_as, staff_api_headers, staff_factory  # noqa: F401
