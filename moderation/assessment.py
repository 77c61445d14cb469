"""The result of assessing one text: decision, calibrated score, categories and spans."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CATEGORIES: tuple[str, ...] = (
    "roles",
    "characteristics",
    "body_image",
    "mocking",
    "children",
    "harmful_norms",
)
LANGUAGES: tuple[str, ...] = ("tg", "ru", "en")
KINDS: tuple[str, ...] = ("article", "ad")
DECISIONS: tuple[str, ...] = ("clear", "review", "block")

Decision = Literal["clear", "review", "block"]


@dataclass(frozen=True)
class Span:
    """A stretch of the ORIGINAL text that contributed to the assessment.

    ``start``/``end`` are Python string offsets (code points) into the text given to ``assess``.
    """

    start: int
    end: int
    category: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable form."""
        return {
            "start": self.start,
            "end": self.end,
            "category": self.category,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Assessment:
    """Outcome of ``Moderator.assess``.

    ``score`` is the calibrated probability that the text reinforces a gender stereotype;
    ``categories`` maps every category name to a score in [0, 1].
    """

    decision: Decision
    score: float
    categories: dict[str, float]
    spans: list[Span] = field(default_factory=list)
    lang: str = "en"
    model_version: str = "rules-1"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data with exactly the public keys."""
        return {
            "decision": self.decision,
            "score": round(float(self.score), 4),
            "categories": {k: round(float(v), 4) for k, v in self.categories.items()},
            "spans": [s.to_dict() for s in self.spans],
            "lang": self.lang,
            "model_version": self.model_version,
        }
