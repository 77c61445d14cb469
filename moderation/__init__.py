"""Moderation of articles and ads for content that reinforces gender stereotypes.

Public entry points: ``load_moderator`` and ``Moderator.assess``; see docs/moderation.md.
"""

from moderation.assessment import CATEGORIES, LANGUAGES, Assessment, Span
from moderation.moderator import Moderator, load_moderator

__all__ = ["CATEGORIES", "LANGUAGES", "Assessment", "Moderator", "Span", "load_moderator"]
