"""Article and ad states. Only PUBLISHED items are ever served to the app."""

from __future__ import annotations

import enum


class ContentState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


SERVABLE_STATES: frozenset[ContentState] = frozenset({ContentState.PUBLISHED})
