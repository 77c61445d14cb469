"""Checks on the public data sets in ../shared (skipped when absent, required under CI=true)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from moderation.corpus import load_crows_gender, load_edos, load_rubia_gender
from moderation.edos import NbLogisticRegression, normalise_edos
from moderation.evaluation import cross_validate_edos, evaluate_edos, evaluate_rubia
from moderation.moderator import Moderator


def test_edos_has_the_official_splits(public_dir: Path) -> None:
    rows = load_edos(public_dir)
    splits = {s: sum(1 for *_, sp in rows if sp == s) for s in ("train", "dev", "test")}
    assert splits == {"train": 14000, "dev": 2000, "test": 4000}


def test_edos_pipeline_learns_something_on_a_small_subset(public_dir: Path) -> None:
    report = evaluate_edos(public_dir, limit=800)
    assert report["macro_f1"] > 0.6
    assert report["dev_macro_f1"] > 0.6


def test_edos_evaluation_is_deterministic(public_dir: Path) -> None:
    """Two runs give the same figures, and two fits on the same rows the same scores to the last bit."""
    first = evaluate_edos(public_dir, limit=600)
    second = evaluate_edos(public_dir, limit=600)
    first.pop("train_seconds")
    second.pop("train_seconds")
    assert first == second

    rows = [(t, y) for t, y, _, s in load_edos(public_dir) if s == "train"][:600]
    texts, labels = [t for t, _ in rows], [y for _, y in rows]
    probe = [t for t, _, _, s in load_edos(public_dir) if s == "dev"][:100]
    a = NbLogisticRegression().fit(texts, labels).decision_function(probe)
    b = NbLogisticRegression().fit(texts, labels).decision_function(probe)
    assert np.array_equal(a, b)


def test_edos_cross_validation_never_fits_or_scores_test_rows(
    public_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CV figure is made from train+dev alone: no test text reaches a fit or a prediction."""
    test_texts = {t for t, _, _, s in load_edos(public_dir) if s == "test"}
    seen: list[str] = []
    real_fit, real_predict = NbLogisticRegression.fit, NbLogisticRegression.predict

    def fit(self: NbLogisticRegression, texts: list[str], labels: np.ndarray) -> NbLogisticRegression:
        seen.extend(texts)
        return real_fit(self, texts, labels)

    def predict(self: NbLogisticRegression, texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return real_predict(self, texts)

    monkeypatch.setattr(NbLogisticRegression, "fit", fit)
    monkeypatch.setattr(NbLogisticRegression, "predict", predict)
    report = cross_validate_edos(public_dir, folds=3, limit=700)
    assert report["rows"] == 800
    # every row is fitted on twice and held out once over 3 folds
    assert len(seen) == 3 * 800
    assert not test_texts.intersection(seen)
    assert len(report["folds"]) == 3
    assert report["macro_f1"] > 0.6


def test_edos_cross_validation_is_deterministic_and_seeded(public_dir: Path) -> None:
    first = cross_validate_edos(public_dir, folds=3, limit=500)
    again = cross_validate_edos(public_dir, folds=3, limit=500)
    other = cross_validate_edos(public_dir, folds=3, limit=500, seed=1)
    for r in (first, again, other):
        r.pop("seconds")
    assert first == again
    assert other["folds"] != first["folds"]


def test_edos_normalisation_masks_users_and_urls() -> None:
    assert normalise_edos("[USER] Look  at https://x.y/z &amp; [URL]") == "xxuser look at xxurl & xxurl"


def test_rubia_pairs_are_deduplicated_and_scored(public_dir: Path, moderator: Moderator) -> None:
    pairs = load_rubia_gender(public_dir)
    assert 900 <= len(pairs) <= 1000
    report = evaluate_rubia(moderator, public_dir)
    assert 0.0 <= report["anti_flagged"] <= 1.0


def test_crows_pairs_gender_subset_is_for_diagnostics(public_dir: Path) -> None:
    assert len(load_crows_gender(public_dir)) == 262


def test_fetch_script_verifies_the_shared_files(public_dir: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [
            sys.executable,
            str(root / "scripts" / "fetch_shared.py"),
            "--check",
            "--dest",
            str(public_dir.parent.parent),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
