"""Revisions of an article or ad: the fields an editor changes, and a readable diff between two revisions.

A revision is a snapshot of the editable fields (a plain ``dict[str, str]``), numbered from 1 per item, with
its author and time kept by the backend. The moderation text of a revision is what the gate assesses, and
its spans point into exactly that text.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

ARTICLE_FIELDS: tuple[str, ...] = ("title", "summary", "body_markdown", "category", "tags")
AD_FIELDS: tuple[str, ...] = ("advertiser", "placement", "creative_text", "image_description",
                              "starts_at", "ends_at")


@dataclass(frozen=True)
class FieldDiff:
    """The change of one field between two revisions, as unified-diff lines and as line pairs."""

    field: str
    before: str
    after: str
    lines: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after


def diff_revisions(older: Mapping[str, str], newer: Mapping[str, str]) -> list[FieldDiff]:
    """The fields that differ between two snapshots, in a stable order, with line-level diffs."""
    fields = list(dict.fromkeys([*older.keys(), *newer.keys()]))
    result = []
    for field in fields:
        before, after = str(older.get(field, "")), str(newer.get(field, ""))
        if before == after:
            continue
        lines = tuple(difflib.unified_diff(before.splitlines(), after.splitlines(),
                                           fromfile=f"{field} (before)", tofile=f"{field} (after)",
                                           lineterm="", n=2))
        result.append(FieldDiff(field, before, after, lines))
    return result


def changed_fields(older: Mapping[str, str], newer: Mapping[str, str]) -> list[str]:
    """Names of the fields that changed (for the revision list: "who changed what")."""
    return [d.field for d in diff_revisions(older, newer)]


def moderation_text(kind: str, fields: Mapping[str, str]) -> str:
    """The text the moderation gate assesses for a revision: everything a reader would see.

    Articles: title, summary, body, then their tags (the app shows them; "-" read as a space). Ads:
    the creative text, the image description (a picture can carry a stereotype as well as words
    can), then the advertiser's name (the app shows it beside the ad). What is appended comes last,
    so the offsets of spans in the main text do not depend on it.
    """
    if kind == "ad":
        parts = [fields.get("creative_text", ""), fields.get("image_description", ""),
                 fields.get("advertiser", "")]
    else:
        tags = ", ".join(t.strip().replace("-", " ") for t in fields.get("tags", "").split(",")
                         if t.strip())
        parts = [fields.get("title", ""), fields.get("summary", ""), fields.get("body_markdown", ""),
                 tags]
    return "\n\n".join(p.strip() for p in parts if p and p.strip())
