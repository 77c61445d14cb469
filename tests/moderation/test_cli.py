"""``moderation check`` round trip and the other commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
    assert len(out) == 6
    assert out[0]["decision"] in ("review", "block")
    assert out[0]["model_version"] == version
    assert set(out[0]) == {"decision", "score", "categories", "spans", "lang", "model_version"}
    assert out[1]["line"] == 2 and "error" in out[1]
    assert out[2]["id"] == 7 and out[2]["lang"] == "ru" and out[2]["decision"] != "clear"
    assert "error" in out[3]
    assert "error" in out[4]
    assert out[5]["decision"] == "clear"


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
