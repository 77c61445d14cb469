"""``moderation check`` round trip and the other commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from moderation.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_check_round_trip_with_a_malformed_line(trained_registry: tuple[Path, str]) -> None:
    root, version = trained_registry
    lines = [
        json.dumps({"text": "A good wife obeys her husband.", "kind": "article"}),
        "{not json",
        json.dumps({"text": "Хорошая жена слушается мужа.", "kind": "ad", "lang": "ru", "id": 7}),
        json.dumps({"kind": "ad"}),
        json.dumps({"text": "Плов для всей семьи: рис, морковь, зира.", "lang": "xx"}),
        "",
        json.dumps({"text": "Some still say cooking is women's work; in our family everyone cooks."}),
    ]
    result = CliRunner().invoke(cli, ["check", "--registry", str(root)], input="\n".join(lines))
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["decision"] in ("review", "block")
    assert out[0]["model_version"] == version
    assert set(out[0]) == {"decision", "score", "categories", "spans", "lang", "model_version"}
    assert out[1]["line"] == 2 and "error" in out[1]
    assert out[2]["id"] == 7 and out[2]["lang"] == "ru" and out[2]["decision"] != "clear"
    assert "error" in out[3]
    assert "error" in out[4]
    assert out[5] == {"line": 6, "error": "empty line"}
    assert out[6]["decision"] == "clear"


SIX_FIELDS = {"decision", "score", "categories", "spans", "lang", "model_version"}


def test_check_answers_every_line_in_order_and_echoes_ids(trained_registry: tuple[Path, str]) -> None:
    """Output line k answers input line k, errors included, so a caller can zip them."""
    root, version = trained_registry
    lines = [
        json.dumps({"id": "a", "text": "A good wife obeys her husband."}),
        json.dumps({"id": "b", "text": "Plov for the whole family.", "kind": "poster"}),
        json.dumps({"id": "c", "text": "Plov for the whole family.", "lang": "de"}),
        json.dumps({"id": "d", "kind": "ad"}),
        json.dumps({"id": "e", "text": 42}),
        '{"id": "f", "text": "unterminated',
        "",
        "   \t",
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": 0, "text": None}),
        json.dumps(
            {"id": "g", "text": "Some still say cooking is women's work; in our family everyone cooks."}
        ),
        json.dumps({"id": "h", "text": "Хорошая жена слушается мужа.", "kind": "ad", "lang": "ru"}),
    ]
    result = CliRunner().invoke(cli, ["check", "--registry", str(root)], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["id"] == "a" and out[0]["decision"] != "clear"
    assert set(out[0]) == {"id"} | SIX_FIELDS
    errors = {
        1: ("b", "kind"),  # unknown kind
        2: ("c", "lang"),  # unknown lang
        3: ("d", "text"),  # missing text
        4: ("e", "text"),  # text not a string
        9: (0, "text"),  # a falsy id is still echoed
    }
    for k, (id_, field) in errors.items():
        assert set(out[k]) == {"line", "id", "error"}, out[k]
        assert out[k]["line"] == k + 1 and out[k]["id"] == id_
        assert field in out[k]["error"]
    # invalid JSON: the id cannot be read, so none is echoed
    assert set(out[5]) == {"line", "error"} and out[5]["line"] == 6
    # blank lines answer with an error instead of vanishing
    assert out[6] == {"line": 7, "error": "empty line"}
    assert out[7] == {"line": 8, "error": "empty line"}
    assert set(out[8]) == {"line", "error"} and "object" in out[8]["error"]
    # later lines are still assessed
    assert out[10]["id"] == "g" and out[10]["decision"] == "clear"
    assert out[11]["id"] == "h" and out[11]["lang"] == "ru" and out[11]["decision"] != "clear"
    assert out[11]["model_version"] == version


def test_check_survives_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    data = (
        json.dumps({"id": 1, "text": "Boys don't cry."}).encode()
        + b"\n\xff\xfe broken\n"
        + json.dumps({"id": 3, "text": "Мальчики не плачут."}).encode()
        + b"\n"
    )
    result = CliRunner().invoke(cli, ["check", "--registry", str(tmp_path)], input=data)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 3
    assert out[0]["id"] == 1 and "decision" in out[0]
    assert out[1]["line"] == 2 and "UTF-8" in out[1]["error"]
    assert out[2]["id"] == 3 and out[2]["lang"] == "ru"


def test_check_without_a_model_uses_the_rules(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["check", "--registry", str(tmp_path)],
        input=json.dumps({"text": "Зани хуб ба шавҳараш итоат мекунад."}) + "\n",
    )
    data = json.loads(result.output)
    assert data["model_version"].startswith("rules-")
    assert data["decision"] != "clear"


def test_list_and_promote_commands(trained_registry: tuple[Path, str]) -> None:
    root, version = trained_registry
    listed = CliRunner().invoke(cli, ["list", "--registry", str(root)])
    assert listed.exit_code == 0
    assert json.loads(listed.output.splitlines()[0])["version"] == version
    bad = CliRunner().invoke(cli, ["promote", "--registry", str(root), "9999-0000000000"])
    assert bad.exit_code != 0
    assert "error" in json.loads(bad.output)


def test_python_dash_m_moderation_works(tmp_path: Path) -> None:
    env = {**os.environ, "MODERATION_REGISTRY_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "moderation", "check"],
        input=json.dumps({"text": "Мальчики не плачут."}) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["lang"] == "ru"


def test_evaluate_prints_a_markdown_report(trained_registry: tuple[Path, str], corpus_dir: Path) -> None:
    root, version = trained_registry
    result = CliRunner().invoke(
        cli, ["evaluate", "--registry", str(root), "--corpus", str(corpus_dir), "--markdown"]
    )
    assert result.exit_code == 0, result.output
    assert f"Model `{version}`" in result.output
    assert "| language |" in result.output


def test_evaluate_edos_cv_reports_the_cross_validation(
    trained_registry: tuple[Path, str],
    corpus_dir: Path,
    public_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--edos-cv`` runs the train+dev cross-validation (here on a small subset) and renders it."""
    from moderation import evaluation

    real = evaluation.cross_validate_edos
    monkeypatch.setattr(evaluation, "cross_validate_edos", lambda public: real(public, folds=3, limit=500))
    root, _ = trained_registry
    result = CliRunner().invoke(
        cli,
        ["evaluate", "--registry", str(root), "--corpus", str(corpus_dir), "--edos-cv", "--markdown"],
    )
    assert result.exit_code == 0, result.output
    assert "3-fold cross-validation on train+dev (600 rows, seed 0, test split not read)" in result.output


def test_evaluate_corpus_cv_reports_the_train_split_cross_validation(
    trained_registry: tuple[Path, str],
    corpus_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--corpus-cv`` cross-validates on the train split (here 2 folds) and renders its tables."""
    from moderation import evaluation

    real = evaluation.cross_validate_corpus
    monkeypatch.setattr(evaluation, "cross_validate_corpus", lambda corpus, **kw: real(corpus, folds=2, **kw))
    root, _ = trained_registry
    result = CliRunner().invoke(
        cli,
        ["evaluate", "--registry", str(root), "--corpus", str(corpus_dir), "--corpus-cv", "--markdown"],
    )
    assert result.exit_code == 0, result.output
    n_train = sum(
        '"split": "test"' not in line
        for lang in ("en", "ru", "tg")
        for line in (corpus_dir / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    assert f"Corpus train split, 2-fold cross-validation ({n_train} rows" in result.output
    assert "Decisions on the train split (out of fold)" in result.output
    assert result.output.count("| language |") == 2  # the test split's table and the CV's


def test_evaluate_corpus_cv_over_several_seeds_with_other_parameters(
    trained_registry: tuple[Path, str],
    corpus_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--cv-seed`` repeats the cross-validation with other fold assignments and averages them;
    ``--cv-param`` trains the fold models with other parameters (the registry is untouched)."""
    from moderation import evaluation, registry

    real = evaluation.cross_validate_corpus
    calls: list[dict[str, Any]] = []

    def two_folds(corpus: Path, **kw: Any) -> dict[str, Any]:
        calls.append(kw)
        return real(corpus, folds=2, **kw)

    monkeypatch.setattr(evaluation, "cross_validate_corpus", two_folds)
    root, version = trained_registry
    args = ["evaluate", "--registry", str(root), "--corpus", str(corpus_dir), "--corpus-cv",
            "--cv-seed", "0", "--cv-seed", "3", "--cv-param", "C=8", "--cv-param", "word_ngrams=1,3"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert [c["seed"] for c in calls] == [0, 3]
    assert all(c["params"].C == 8.0 and c["params"].word_ngrams == (1, 3) for c in calls)
    summary = json.loads(result.output)["corpus_cv_seeds"]
    assert [s["seed"] for s in summary["seeds"]] == [0, 3]
    assert summary["params"]["C"] == 8.0 and summary["params"]["word_ngrams"] == [1, 3]
    for key, mean in summary["mean"].items():
        assert mean == pytest.approx(sum(s[key] for s in summary["seeds"]) / 2, abs=1e-4)
    assert registry.promoted_version(root) == version

    markdown = CliRunner().invoke(cli, [*args, "--markdown"])
    assert markdown.exit_code == 0, markdown.output
    assert "the same cross-validation with 2 fold assignments (word_ngrams [1, 3], C 8.0)" in markdown.output
    assert "| **mean** |" in markdown.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--corpus-cv", "--cv-param", "gamma=2"], "expected NAME=VALUE with NAME one of"),
        (["--corpus-cv", "--cv-param", "C"], "expected NAME=VALUE"),
        (["--corpus-cv", "--cv-param", "C=-1"], "C takes a positive number"),
        (["--corpus-cv", "--cv-param", "word_ngrams=3,1"], "two integers a,b with 1 <= a <= b"),
        (["--corpus-cv", "--cv-param", "calibration_folds=2.5"], "takes an integer"),
        (["--cv-seed", "1"], "--cv-seed and --cv-param go with --corpus-cv"),
    ],
)
def test_evaluate_refuses_bad_cross_validation_options(
    trained_registry: tuple[Path, str], corpus_dir: Path, extra: list[str], message: str
) -> None:
    root, _ = trained_registry
    args = ["evaluate", "--registry", str(root), "--corpus", str(corpus_dir), *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output


# ---- --corpus must exist; the gate refuses an unusable evaluation set --------------------


@pytest.fixture
def registry_with_worse(
    trained_registry: tuple[Path, str], corpus_dir: Path, tmp_path: Path
) -> tuple[Path, str]:
    """A copy of the trained registry (good model promoted) plus a clearly worse version."""
    from moderation import registry
    from moderation.corpus import load_corpus
    from moderation.model import ModelParams
    from moderation.training import train_model

    root = tmp_path / "reg"
    shutil.copytree(trained_registry[0], root)
    tiny = [r for r in load_corpus(corpus_dir) if r.split == "train" and r.lang == "en"][:12]
    worse = registry.save_model(train_model(tiny, ModelParams(calibration_folds=2)), {"note": "tiny"}, root)
    return root, worse


def train_only_corpus(corpus_dir: Path, target: Path) -> Path:
    """The corpus without its test split."""
    target.mkdir()
    for src in corpus_dir.glob("*.jsonl"):
        kept = [
            line
            for line in src.read_text(encoding="utf-8").splitlines()
            if line.strip() and json.loads(line).get("split") != "test"
        ]
        (target / src.name).write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    return target


@pytest.mark.parametrize("command", ["promote", "train", "evaluate"])
def test_corpus_option_must_be_an_existing_folder(
    registry_with_worse: tuple[Path, str], tmp_path: Path, command: str
) -> None:
    root, worse = registry_with_worse
    before = (root / "promoted.json").read_text()
    args = [command, "--registry", str(root), "--corpus", str(tmp_path / "does-not-exist")]
    if command == "promote":
        args.insert(1, worse)
    if command == "train":
        args.append("--promote")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--corpus'" in result.output and "does not exist" in result.output
    assert (root / "promoted.json").read_text() == before
    # a file is not a corpus folder either
    (tmp_path / "file.jsonl").write_text("")
    args[args.index(str(tmp_path / "does-not-exist"))] = str(tmp_path / "file.jsonl")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--corpus'" in result.output and "is a file" in result.output


def test_promote_refuses_on_a_corpus_without_test_rows(
    registry_with_worse: tuple[Path, str], corpus_dir: Path, tmp_path: Path
) -> None:
    root, worse = registry_with_worse
    from moderation import registry

    good = registry.promoted_version(root)
    for corpus in (tmp_path / "empty", train_only_corpus(corpus_dir, tmp_path / "train-only")):
        corpus.mkdir(exist_ok=True)
        result = CliRunner().invoke(cli, ["promote", worse, "--registry", str(root), "--corpus", str(corpus)])
        assert result.exit_code == 2, result.output
        data = json.loads(result.output)
        assert data["promoted"] is None and data["current"] == good
        assert any("evaluation set" in reason for reason in data["refused"])
        assert registry.promoted_version(root) == good
    # --force is the only way round it, and it is recorded
    result = CliRunner().invoke(
        cli, ["promote", worse, "--registry", str(root), "--corpus", str(tmp_path / "empty"), "--force"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["promoted"] == worse
    entry = registry.promotion_state(root)["history"][-1]
    assert (
        entry["forced"] is True and entry["metrics"] == {} and "evaluation set" in entry["evaluation_problem"]
    )


def test_train_promote_refuses_on_a_corpus_without_test_rows(
    registry_with_worse: tuple[Path, str],
    corpus_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``train --corpus <no test rows> --promote`` must not promote (training itself is stubbed:
    it registers the worse model)."""
    from moderation import registry, training

    root, worse = registry_with_worse
    good = registry.promoted_version(root)
    monkeypatch.setattr(training, "train", lambda corpus, reg, decisions: worse)
    corpus = train_only_corpus(corpus_dir, tmp_path / "train-only")
    result = CliRunner().invoke(cli, ["train", "--registry", str(root), "--corpus", str(corpus), "--promote"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["version"] == worse and "promoted" not in data
    assert any("evaluation set" in reason for reason in data["promotion_refused"])
    assert registry.promoted_version(root) == good


def test_a_malformed_corpus_row_is_a_one_line_error(
    trained_registry: tuple[Path, str], corpus_dir: Path, tmp_path: Path
) -> None:
    import shutil

    root, version = trained_registry
    bad = tmp_path / "corpus"
    shutil.copytree(corpus_dir, bad)
    with open(bad / "en.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"text": "x", "lang": "en", "label": "maybe", "split": "test"}\n')
    runner = CliRunner()
    result = runner.invoke(cli, ["train", "--registry", str(tmp_path / "reg"), "--corpus", str(bad)])
    assert result.exit_code == 1
    assert "en.jsonl:" in result.output and "label must be stereotype or acceptable" in result.output
    result = runner.invoke(cli, ["promote", "--registry", str(root), "--corpus", str(bad), version])
    assert result.exit_code == 1
    assert "en.jsonl:" in json.loads(result.output)["error"]


def test_a_registry_that_refuses_to_load_is_a_one_line_error(
    trained_registry: tuple[Path, str], tmp_path: Path
) -> None:
    import shutil

    root = tmp_path / "reg"
    shutil.copytree(trained_registry[0], root)
    versions = root / "versions"
    versions.chmod(versions.stat().st_mode | 0o002)
    result = CliRunner().invoke(cli, ["check", "--registry", str(root)], input='{"text": "hi"}\n')
    assert result.exit_code == 1
    assert "refusing to load a model" in result.output and "Traceback" not in result.output
