"""Staff roles and what each may do. Least privilege: a role grants nothing it does not name."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """The five staff roles. Stored by value in ``staff_user.role``."""

    HOTLINE_OPERATOR = "hotline_operator"
    HOTLINE_SUPERVISOR = "hotline_supervisor"
    CONTENT_EDITOR = "content_editor"
    MODERATOR = "moderator"
    ADMIN = "admin"


ALL_ROLES: tuple[Role, ...] = tuple(Role)

# Only hotline staff ever see survivor data (alerts, notes, locations, voice).
HOTLINE_ROLES: tuple[Role, ...] = (Role.HOTLINE_OPERATOR, Role.HOTLINE_SUPERVISOR)

# Audit log and on-call chain: supervisors and admins.
OVERSIGHT_ROLES: tuple[Role, ...] = (Role.HOTLINE_SUPERVISOR, Role.ADMIN)

# Anonymised statistics: hotline staff and admins (never editors or moderators).
STATISTICS_ROLES: tuple[Role, ...] = (Role.HOTLINE_OPERATOR, Role.HOTLINE_SUPERVISOR, Role.ADMIN)

# A second factor (TOTP) is mandatory for these; optional for editors and moderators.
MFA_REQUIRED_ROLES: frozenset[Role] = frozenset(
    {Role.HOTLINE_OPERATOR, Role.HOTLINE_SUPERVISOR, Role.ADMIN})


def parse_role(value: str) -> Role:
    """The Role named ``value``; ValueError with the valid names otherwise."""
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {value!r}; choose one of: {names}") from None


def mfa_required(role: str) -> bool:
    """True when accounts of ``role`` must pass TOTP before any page or API call."""
    return role in MFA_REQUIRED_ROLES
