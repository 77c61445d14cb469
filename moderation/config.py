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

    # The defaults are those of moderation/policy.yaml, the one source of truth: load_policy()
    # reads that file, and tests/moderation/test_policy.py checks these values equal it.
    review_threshold: dict[str, float] = field(default_factory=lambda: {"article": 0.65, "ad": 0.6})
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


class PolicyError(ValueError):
    """A policy file that is missing, unreadable or invalid (never silently replaced)."""


_KINDS = ("article", "ad")
_SCALAR_KEYS = (
    "block_threshold",
    "block_without_rule",
    "rules_only_asserted_score",
    "rules_only_quoted_score",
    "rules_only_base_score",
)


def _unit_number(value: object, name: str) -> float:
    """``value`` as a float in [0, 1], else ``ValueError`` naming the key."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def _read_policy(path: Path, base: DecisionPolicy | None) -> DecisionPolicy:
    """Parse and check one policy file; keys it leaves out come from ``base`` (all required
    when ``base`` is None). Raises ``ValueError`` describing the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError("does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read ({exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"is not valid YAML ({exc})") from exc
    if data is None:
        raise ValueError("is empty")
    if not isinstance(data, dict):
        raise ValueError(f"must be a mapping of policy keys, got {type(data).__name__}")
    unknown = sorted(str(k) for k in data if k != "review_threshold" and k not in _SCALAR_KEYS)
    if unknown:
        raise ValueError(f"unknown keys {', '.join(unknown)}")
    missing = [k for k in ("review_threshold", *_SCALAR_KEYS) if k not in data]
    if base is None and missing:
        raise ValueError(f"missing keys {', '.join(missing)}")
    review = dict(base.review_threshold) if base is not None else {}
    raw_review = data.get("review_threshold", review)
    if isinstance(raw_review, dict):
        bad_kinds = sorted(str(k) for k in raw_review if k not in _KINDS)
        if bad_kinds:
            raise ValueError(f"review_threshold has unknown kinds {', '.join(bad_kinds)} (use article, ad)")
        for k, v in raw_review.items():
            review[str(k)] = _unit_number(v, f"review_threshold.{k}")
    else:
        number = _unit_number(raw_review, "review_threshold")
        review = dict.fromkeys(_KINDS, number)
    if "article" not in review:
        raise ValueError("review_threshold.article is required")
    values = {
        key: _unit_number(data[key], key) if key in data else getattr(base, key) for key in _SCALAR_KEYS
    }
    policy = DecisionPolicy(review_threshold=review, **values)
    for kind, threshold in policy.review_threshold.items():
        if threshold >= policy.block_threshold:
            raise ValueError(
                f"review_threshold.{kind} {threshold} must be below block_threshold {policy.block_threshold}"
            )
    if policy.block_threshold > policy.block_without_rule:
        raise ValueError(
            f"block_without_rule {policy.block_without_rule} must not be below "
            f"block_threshold {policy.block_threshold}"
        )
    return policy


def load_policy(path: str | Path | None = None) -> DecisionPolicy:
    """The decision policy: ``moderation/policy.yaml``, overridden by ``path`` or else by the
    file named in ``MODERATION_POLICY_FILE``.

    An override file may leave keys out (they keep policy.yaml's values), but a file that was
    asked for and is missing, unreadable, not YAML, or holds an unknown key or an invalid value
    (a threshold outside 0-1, a review threshold not below ``block_threshold``,
    ``block_without_rule`` below ``block_threshold``) raises ``PolicyError``: the gate never runs
    on a policy nobody chose.
    """
    try:
        default = _read_policy(DEFAULT_POLICY_FILE, None)
    except ValueError as exc:
        raise PolicyError(f"packaged moderation policy file {DEFAULT_POLICY_FILE}: {exc}") from exc
    if path:
        chosen, source = Path(path), "given"
    elif os.environ.get("MODERATION_POLICY_FILE"):
        chosen, source = Path(os.environ["MODERATION_POLICY_FILE"]), "set by MODERATION_POLICY_FILE"
    else:
        return default
    if chosen.resolve() == DEFAULT_POLICY_FILE:
        return default
    try:
        return _read_policy(chosen, default)
    except ValueError as exc:
        raise PolicyError(f"moderation policy file {chosen} ({source}): {exc}") from exc
