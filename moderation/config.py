"""The one place that reads moderation configuration from the environment and files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from moderation.assessment import Decision

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
CORPUS_DIR = PACKAGE_DIR / "data" / "corpus"
DEFAULT_POLICY_FILE = PACKAGE_DIR / "policy.yaml"


def default_registry_dir() -> Path:
    """``MODERATION_REGISTRY_DIR``, else ``<HUSHBAKHT_DATA_DIR or ./var>/moderation/registry``."""
    explicit = os.environ.get("MODERATION_REGISTRY_DIR")
    if explicit:
        return Path(explicit)
    data_dir = os.environ.get("HUSHBAKHT_DATA_DIR") or "var"
    return Path(data_dir) / "moderation" / "registry"


def shared_dir() -> Path:
    """The public data sets: ``HUSHBAKHT_SHARED_DIR``, else ``../shared`` beside the repository."""
    explicit = os.environ.get("HUSHBAKHT_SHARED_DIR")
    return Path(explicit) if explicit else REPO_ROOT.parent / "shared"


def public_data_dir() -> Path:
    """Folder with the public moderation data sets (EDOS, GEST, RuBia, ...)."""
    return shared_dir() / "data" / "moderation"


@dataclass(frozen=True)
class DecisionPolicy:
    """Thresholds that turn the calibrated score and the rule hits into clear/review/block.

    * review when the score reaches ``review_threshold[kind]`` or any rule hit asserts a
      stereotype (rules alone never clear a text they matched);
    * block when the score reaches ``block_threshold`` AND an asserted rule explains it, or
      when the score alone reaches ``block_without_rule``;
    * otherwise clear.
    """

    review_threshold: dict[str, float] = field(default_factory=lambda: {"article": 0.6, "ad": 0.55})
    block_threshold: float = 0.85
    block_without_rule: float = 0.97
    rules_only_asserted_score: float = 0.9
    rules_only_quoted_score: float = 0.45
    rules_only_base_score: float = 0.03

    def review_for(self, kind: str) -> float:
        """Review threshold for a content kind (articles when unknown)."""
        return self.review_threshold.get(kind, self.review_threshold.get("article", 0.5))

    def decide(self, score: float, kind: str, asserted_rule: bool) -> Decision:
        """The decision for a score and whether an asserted rule hit exists."""
        if score >= self.block_without_rule or (score >= self.block_threshold and asserted_rule):
            return "block"
        if score >= self.review_for(kind) or asserted_rule:
            return "review"
        return "clear"

    def to_dict(self) -> dict[str, Any]:
        """Plain data (recorded with evaluations)."""
        return {
            "review_threshold": dict(self.review_threshold),
            "block_threshold": self.block_threshold,
            "block_without_rule": self.block_without_rule,
            "rules_only_asserted_score": self.rules_only_asserted_score,
            "rules_only_quoted_score": self.rules_only_quoted_score,
            "rules_only_base_score": self.rules_only_base_score,
        }


def load_policy(path: str | Path | None = None) -> DecisionPolicy:
    """Read the policy from ``path``, ``MODERATION_POLICY_FILE`` or the packaged policy.yaml."""
    chosen = path or os.environ.get("MODERATION_POLICY_FILE") or DEFAULT_POLICY_FILE
    p = Path(chosen)
    if not p.exists():
        return DecisionPolicy()
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    defaults = DecisionPolicy()
    review = data.get("review_threshold", defaults.review_threshold)
    if isinstance(review, (int, float)):
        review = {"article": float(review), "ad": float(review)}
    return DecisionPolicy(
        review_threshold={str(k): float(v) for k, v in review.items()},
        block_threshold=float(data.get("block_threshold", defaults.block_threshold)),
        block_without_rule=float(data.get("block_without_rule", defaults.block_without_rule)),
        rules_only_asserted_score=float(
            data.get("rules_only_asserted_score", defaults.rules_only_asserted_score)
        ),
        rules_only_quoted_score=float(data.get("rules_only_quoted_score", defaults.rules_only_quoted_score)),
        rules_only_base_score=float(data.get("rules_only_base_score", defaults.rules_only_base_score)),
    )
