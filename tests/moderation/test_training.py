"""Deterministic training, moderator decisions as examples, and the fixed test split."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from moderation import registry
from moderation.corpus import CorpusError, LabelledText, load_corpus, read_decisions
from moderation.moderator import Moderator
from moderation.training import train, train_model


def small_corpus(corpus_dir: Path, target: Path, per_lang: int = 40) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "ru", "tg"):
        src = corpus_dir / f"{lang}.jsonl"
        if not src.exists():
            continue
        lines = src.read_text(encoding="utf-8").splitlines()
        train_lines = [x for x in lines if '"split": "train"' in x][:per_lang]
        test_lines = [x for x in lines if '"split": "test"' in x][: per_lang // 4]
        (target / f"{lang}.jsonl").write_text("\n".join(train_lines + test_lines) + "\n", encoding="utf-8")
    return target


def test_training_is_deterministic(corpus_dir: Path, tmp_path: Path) -> None:
    small = small_corpus(corpus_dir, tmp_path / "corpus")
    v1 = train(small, tmp_path / "reg1")
    v2 = train(small, tmp_path / "reg2")
    m1 = registry.metadata(v1, tmp_path / "reg1")
    m2 = registry.metadata(v2, tmp_path / "reg2")
    assert m1["sha256"] == m2["sha256"]
    assert m1["metrics"] == m2["metrics"]
    assert m1["data"]["train_rows_sha256"] == m2["data"]["train_rows_sha256"]


def test_test_split_rows_are_never_trained_on(corpus_dir: Path) -> None:
    rows = load_corpus(corpus_dir)
    assert any(r.split == "test" for r in rows)
    with pytest.raises(ValueError, match="test"):
        train_model(rows)


def test_cross_validation_holds_out_each_train_row_once_and_never_reads_test(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``evaluate --corpus-cv``: every fold trains on train rows only, each train row is
    assessed once out of fold, and the figures are reproducible."""
    from moderation import evaluation, training

    small = small_corpus(corpus_dir, tmp_path / "corpus", per_lang=60)
    fitted: list[list[LabelledText]] = []
    real = training.train_model

    def recording(rows: list[LabelledText], params: object = None) -> object:
        fitted.append(list(rows))
        return real(rows)

    monkeypatch.setattr(training, "train_model", recording)
    report = evaluation.cross_validate_corpus(small, folds=3)
    train_rows = [r for r in load_corpus(small) if r.split != "test"]
    assert report["rows"] == report["report"]["n"] == len(train_rows) == 180
    assert len(fitted) == 3 and len(report["folds"]) == 3
    assert all(r.split == "train" for rows in fitted for r in rows)
    # each row is left out of exactly one fold's training
    assert Counter(r.id for rows in fitted for r in rows) == {r.id: 2 for r in train_rows}
    assert set(report["report"]["by_lang"]) == {"en", "ru", "tg"}
    again = evaluation.cross_validate_corpus(small, folds=3)
    assert again["report"]["by_lang"] == report["report"]["by_lang"]
    assert again["folds"] == report["folds"]


def test_moderator_decisions_are_read_and_change_the_model(corpus_dir: Path, tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.jsonl"
    phrase = "Zarbolo cement: strong like a husband, not like his wife."
    decisions.write_text(
        "\n".join(
            json.dumps(
                {
                    "text": phrase if i % 2 == 0 else f"Zarbolo cement {i} for every home.",
                    "lang": "en",
                    "kind": "ad",
                    "label": "stereotype" if i % 2 == 0 else "acceptable",
                    "category": "characteristics" if i % 2 == 0 else None,
                    "source": "moderator",
                }
            )
            for i in range(10)
        )
        + "\n",
        encoding="utf-8",
    )
    rows = read_decisions(decisions)
    assert len(rows) == 10
    assert rows[0] == LabelledText(
        phrase, "en", "ad", "stereotype", "characteristics", None, "train", "moderator", ""
    )
    small = small_corpus(corpus_dir, tmp_path / "corpus")
    plain = train(small, tmp_path / "reg")
    with_decisions = train(small, tmp_path / "reg", decisions=[decisions])
    assert plain != with_decisions
    meta = registry.metadata(with_decisions, tmp_path / "reg")
    assert meta["data"]["n_decisions"] == 10
    assert str(decisions) in meta["data"]["decision_files"]
    before = Moderator(registry.load_model(plain, tmp_path / "reg")).assess(phrase, kind="ad")
    after = Moderator(registry.load_model(with_decisions, tmp_path / "reg")).assess(phrase, kind="ad")
    assert after.score > before.score


def test_malformed_decision_lines_are_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"text": "x", "lang": "en", "label": "stereotype"}\n{"text": "y", "label": "maybe"}\n',
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match=":2:"):
        read_decisions(path)


def test_a_decision_about_a_test_text_is_dropped_even_when_retyped(corpus_dir: Path, tmp_path: Path) -> None:
    """Case, spacing and look-alike letters do not let a test-split text into training."""
    small = small_corpus(corpus_dir, tmp_path / "corpus")
    test_row = next(r for r in load_corpus(small) if r.split == "test" and r.lang == "en")
    retyped = "  " + test_row.text.upper().replace(" ", "   ").replace("O", "\u041e") + " "
    fresh = "Zarbolo cement: strong like a husband, not like his wife."
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text(
        "".join(
            json.dumps({"text": t, "lang": "en", "kind": "ad", "label": "stereotype", "source": "moderator"})
            + "\n"
            for t in (test_row.text, retyped, fresh)
        ),
        encoding="utf-8",
    )
    version = train(small, tmp_path / "reg", decisions=[decisions])
    assert registry.metadata(version, tmp_path / "reg")["data"]["n_decisions"] == 1


def _row(split: object, text: str = "Both parents cook.") -> str:
    return json.dumps({"text": text, "lang": "en", "label": "acceptable", "split": split}) + "\n"


def test_a_malformed_corpus_row_is_an_error_naming_its_line(tmp_path: Path) -> None:
    for bad in (
        '{"text": "x", "lang": "en", "label": "maybe", "split": "train"}\n',
        "not json\n",
        _row("tset"),
    ):
        (tmp_path / "en.jsonl").write_text(_row("train") + bad + _row("test"), encoding="utf-8")
        with pytest.raises(CorpusError, match=r"en\.jsonl:2:"):
            load_corpus(tmp_path)
    (tmp_path / "en.jsonl").write_text(_row("train") + _row(None), encoding="utf-8")
    with pytest.raises(CorpusError, match="split must be train or test"):
        load_corpus(tmp_path)


def test_a_last_row_still_being_written_is_left_for_the_next_read(tmp_path: Path) -> None:
    (tmp_path / "en.jsonl").write_text(_row("train") + _row("test")[:25], encoding="utf-8")
    assert [r.split for r in load_corpus(tmp_path)] == ["train"]


def test_a_complete_bad_last_row_without_its_newline_is_still_an_error(tmp_path: Path) -> None:
    (tmp_path / "en.jsonl").write_text(_row("train") + _row("tset").rstrip("\n"), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"en\.jsonl:2: split must be train or test"):
        load_corpus(tmp_path)


def test_cross_validation_refuses_a_corpus_too_small_for_its_folds(corpus_dir: Path, tmp_path: Path) -> None:
    from moderation.evaluation import cross_validate_corpus

    small = small_corpus(corpus_dir, tmp_path / "corpus", per_lang=6)
    with pytest.raises(CorpusError, match="at least 5 train rows of each language and label"):
        cross_validate_corpus(small, folds=5)
