"""Split a moderated text into plain and flagged pieces, so templates can mark the spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Piece:
    text: str
    category: str | None = None
    reason: str | None = None

    @property
    def flagged(self) -> bool:
        return self.category is not None


def highlight(text: str, spans: list[dict[str, Any]]) -> list[Piece]:
    """Pieces of ``text`` in order; overlapping spans are clipped so every character shows once."""
    pieces: list[Piece] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: (int(s["start"]), -int(s["end"]))):
        start = max(int(span["start"]), cursor)
        end = min(int(span["end"]), len(text))
        if end <= start:
            continue
        if start > cursor:
            pieces.append(Piece(text[cursor:start]))
        pieces.append(Piece(text[start:end], str(span["category"]), str(span["reason"])))
        cursor = end
    if cursor < len(text):
        pieces.append(Piece(text[cursor:]))
    return pieces
