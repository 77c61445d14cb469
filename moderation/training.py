"""Training: corpus (+ moderator decisions) -> fitted model -> registry version with metadata."""

from __future__ import annotations

import platform
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sklearn

from moderation import registry
from moderation.config import default_registry_dir
from moderation.corpus import (
    LabelledText,
    corpus_files,
    load_corpus,
    read_decisions,
    sha256_file,
    sha256_rows,
)
from moderation.model import Example, ModelParams, StereotypeModel, rule_features
from moderation.normalise import normalise
from moderation.rules import StereotypeRules

__all__ = ["prepare_examples", "read_decisions", "train", "train_model"]


def prepare_examples(
    rows: Sequence[LabelledText], rules: StereotypeRules | None = None, weight: float = 1.0
) -> list[Example]:
    """Normalise, run the rules and build model inputs for labelled rows."""

    rules = rules or StereotypeRules()
    out = []
    for r in rows:
        norm = normalise(r.text, r.lang)
        hits = rules.find(norm.text, r.lang)
        marker = rules.has_debunking_marker(norm.text, r.lang)
        distanced = rules.distanced_ranges(norm.text, r.lang)
        whole = [(0, len(norm.text))]
        gendered = rules.gendered_in(norm.text, r.lang, whole)[0]
        inclusive = rules.inclusive_in(norm.text, r.lang, whole)[0]
        out.append(
            Example(
                norm.text,
                rule_features(hits, r.lang, r.kind, marker, gendered, inclusive),
                distanced,
                1 if r.is_stereotype else 0,
                r.category,
                weight,
            )
        )
    return out


def train_model(rows: Sequence[LabelledText], params: ModelParams | None = None) -> StereotypeModel:
    """Fit a model on ``rows`` (which must not contain test-split rows)."""
    if any(r.split == "test" for r in rows):
        raise ValueError("test-split rows must never be trained on")
    labels = {r.label for r in rows}
    if labels != {"stereotype", "acceptable"}:
        raise ValueError("training needs both stereotype and acceptable examples")
    return StereotypeModel(params or ModelParams()).fit(prepare_examples(rows))


def _match_key(text: str, lang: str | None = None) -> str:
    """``text`` as the rules and the model read it (normalised for its language), with its
    spacing collapsed."""
    return " ".join(normalise(text, lang).text.split())


def train(
    corpus_dir: str | Path | None = None,
    registry_dir: str | Path | None = None,
    decisions: Sequence[str | Path] = (),
    params: ModelParams | None = None,
) -> str:
    """Train on the corpus train split plus moderator decisions and register the result.

    Returns the new version (not promoted: call ``registry.promote``).
    """
    from moderation.evaluation import evaluate_rows
    from moderation.moderator import Moderator

    started = time.perf_counter()
    params = params or ModelParams()
    corpus = load_corpus(corpus_dir)
    train_rows = [r for r in corpus if r.split != "test"]
    test_rows = [r for r in corpus if r.split == "test"]
    test_keys = {_match_key(r.text, r.lang) for r in test_rows}
    decision_rows: list[LabelledText] = []
    for path in decisions:
        # a decision about a test-split text must not leak into training, also when the text
        # came back with other case, spacing, quotes or look-alike letters
        decision_rows.extend(r for r in read_decisions(path) if _match_key(r.text, r.lang) not in test_keys)
    rows = train_rows + decision_rows
    model = train_model(rows, params)
    seconds = time.perf_counter() - started
    report = evaluate_rows(Moderator(model, "candidate"), test_rows) if test_rows else {}
    meta: dict[str, Any] = {
        "params": params.to_dict(),
        "data": {
            "corpus_files": {p.name: sha256_file(p) for p in corpus_files(corpus_dir)},
            "decision_files": {str(p): sha256_file(p) for p in decisions},
            "train_rows_sha256": sha256_rows(rows),
            "test_rows_sha256": sha256_rows(test_rows),
            "n_train": len(rows),
            "n_decisions": len(decision_rows),
            "n_test": len(test_rows),
            "train_counts": dict(Counter(f"{r.lang}:{r.label}" for r in rows)),
        },
        "metrics": report.get("gate", {}),
        "metrics_by_lang": report.get("by_lang", {}),
        "training_seconds": round(seconds, 2),
        "environment": {"python": platform.python_version(), "sklearn": sklearn.__version__},
    }
    root = Path(registry_dir) if registry_dir is not None else default_registry_dir()
    return registry.save_model(model, meta, root)
