"""The console's navigation, filtered by role. Other areas add their pages with
``register_nav_item``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import url_for

from backend.security.roles import Role


@dataclass(frozen=True)
class NavItem:
    """One link in the console's top navigation, shown only to ``roles``."""

    endpoint: str
    label: Any  # a lazy_gettext string, translated when rendered
    roles: frozenset[str]
    order: int = 100

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


_items: dict[str, NavItem] = {}


def register_nav_item(endpoint: str, label: Any, roles: Iterable[Role | str],
                      order: int = 100) -> None:
    """Show a link to ``endpoint`` to staff with one of ``roles`` (idempotent per endpoint)."""
    _items[endpoint] = NavItem(endpoint, label, frozenset(Role(r).value for r in roles), order)


def nav_for(role: str) -> list[NavItem]:
    """The links a member of staff with ``role`` sees, in order."""
    visible = (i for i in _items.values() if role in i.roles)
    return sorted(visible, key=lambda i: (i.order, i.endpoint))
