"""Who acts in the workflow: a staff member with one role, or the system (gate, scheduler, re-scan)."""

from __future__ import annotations

from dataclasses import dataclass

from content.workflow import Role


@dataclass(frozen=True)
class Actor:
    id: str
    role: Role

    @property
    def is_system(self) -> bool:
        return self.role is Role.SYSTEM


SYSTEM = Actor("system", Role.SYSTEM)


def staff_actor(user_id: str, role: str) -> Actor:
    """An actor for a staff user; roles outside the workflow can take no workflow action."""
    try:
        workflow_role = Role(role)
    except ValueError:
        raise PermissionError(f"the {role} role takes no part in the editorial workflow") from None
    if workflow_role is Role.SYSTEM:
        raise PermissionError("staff cannot act as the system")
    return Actor(user_id, workflow_role)
