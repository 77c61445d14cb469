"""The decision policy: one source of truth (moderation/policy.yaml), and a configured policy
file that is missing or invalid is an error, never a silent fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from moderation.config import DEFAULT_POLICY_FILE, DecisionPolicy, PolicyError, load_policy
from moderation.moderator import Moderator, load_moderator

NEUTRAL = "Plov for the whole family: rice, carrots, cumin."  # no rule hit: rules-only base score


def packaged() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    return data


def write_policy(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def no_configured_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODERATION_POLICY_FILE", raising=False)


def test_the_default_policy_is_policy_yaml() -> None:
    expected = packaged()
    policy = load_policy()
    assert policy.to_dict() == {**expected, "review_threshold": dict(expected["review_threshold"])}
    assert policy.review_for("article") == 0.65 and policy.review_for("ad") == 0.6  # docs/moderation.md
    # the dataclass defaults mirror the file, so no code path can use other thresholds
    assert DecisionPolicy() == policy
    assert Moderator().policy == policy


def test_an_empty_environment_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODERATION_POLICY_FILE", "")
    assert load_policy() == load_policy(DEFAULT_POLICY_FILE)


def test_a_configured_policy_file_decides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # default: the rules-only base score 0.03 is far below review
    assert Moderator().assess(NEUTRAL).decision == "clear"
    path = write_policy(
        tmp_path / "policy.yaml",
        {
            "review_threshold": {"article": 0.3, "ad": 0.25},
            "block_threshold": 0.8,
            "block_without_rule": 0.9,
            "rules_only_base_score": 0.35,
        },
    )
    monkeypatch.setenv("MODERATION_POLICY_FILE", str(path))
    moderator = load_moderator(tmp_path / "empty-registry")
    assert moderator.policy.review_threshold == {"article": 0.3, "ad": 0.25}
    assert moderator.policy.block_threshold == 0.8 and moderator.policy.block_without_rule == 0.9
    result = moderator.assess(NEUTRAL)
    assert result.score == pytest.approx(0.35, abs=0.01)
    assert result.decision == "review"
    # keys the file leaves out come from moderation/policy.yaml, not from other built-in values
    assert moderator.policy.rules_only_asserted_score == packaged()["rules_only_asserted_score"]
    assert moderator.policy.rules_only_quoted_score == packaged()["rules_only_quoted_score"]


def test_a_partial_policy_file_keeps_the_documented_review_thresholds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "MODERATION_POLICY_FILE", str(write_policy(tmp_path / "p.yaml", {"block_threshold": 0.9}))
    )
    policy = load_policy()
    assert policy.block_threshold == 0.9
    assert policy.review_threshold == packaged()["review_threshold"]
    # one number for every kind is still accepted
    write_policy(tmp_path / "p.yaml", {"review_threshold": 0.7})
    assert load_policy().review_threshold == {"article": 0.7, "ad": 0.7}


def test_a_missing_configured_policy_file_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-policy.yaml"
    monkeypatch.setenv("MODERATION_POLICY_FILE", str(missing))
    with pytest.raises(PolicyError, match="MODERATION_POLICY_FILE") as exc:
        load_policy()
    assert str(missing) in str(exc.value) and "does not exist" in str(exc.value)
    # the gate's moderator cannot be built on a policy nobody chose
    with pytest.raises(PolicyError):
        load_moderator(tmp_path / "empty-registry")
    with pytest.raises(PolicyError):
        load_policy(tmp_path / "also-missing.yaml")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("review_threshold: [0.5\n", "YAML"),
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("- 0.5\n- 0.6\n", "mapping"),
        ({"review_threshold": {"article": 1.5, "ad": 0.6}}, "review_threshold.article"),
        ({"review_threshold": {"article": 0.65, "ad": -0.1}}, "review_threshold.ad"),
        ({"review_threshold": 2}, "review_threshold"),
        ({"block_threshold": 1.2}, "block_threshold"),
        ({"block_without_rule": "high"}, "block_without_rule"),
        ({"block_threshold": True}, "block_threshold"),
        ({"rules_only_base_score": -0.5}, "rules_only_base_score"),
        ({"rules_only_asserted_score": None}, "rules_only_asserted_score"),
        ({"review_threshold": {"article": 0.9}}, "review_threshold.article 0.9"),  # >= block 0.85
        ({"review_threshold": {"article": 0.5, "ad": 0.85}}, "review_threshold.ad"),  # == block
        ({"block_threshold": 0.98}, "block_without_rule"),  # block > block_without_rule
        ({"review_treshold": {"article": 0.5}}, "review_treshold"),  # a typo is not ignored
        ({"review_threshold": {"articel": 0.5}}, "articel"),
        ({"review_threshold": "0.5"}, "review_threshold"),
        ({"block_threshold": float("nan")}, "block_threshold"),
    ],
)
def test_an_invalid_configured_policy_file_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: Any, message: str
) -> None:
    path = write_policy(tmp_path / "policy.yaml", content)
    monkeypatch.setenv("MODERATION_POLICY_FILE", str(path))
    with pytest.raises(PolicyError, match="MODERATION_POLICY_FILE") as exc:
        load_policy()
    assert str(path) in str(exc.value)
    assert message in str(exc.value), str(exc.value)


def test_an_unreadable_policy_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MODERATION_POLICY_FILE", str(tmp_path))  # a folder, not a file
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy()
    (tmp_path / "bad.yaml").write_bytes(b"block_threshold: \xff\xfe\n")
    monkeypatch.setenv("MODERATION_POLICY_FILE", str(tmp_path / "bad.yaml"))
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy()


def test_the_cli_reports_a_bad_policy_file_clearly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from moderation.cli import cli

    monkeypatch.setenv("MODERATION_POLICY_FILE", str(tmp_path / "missing.yaml"))
    result = CliRunner().invoke(cli, ["check", "--registry", str(tmp_path)], input='{"text": "x"}\n')
    assert result.exit_code == 1
    assert "MODERATION_POLICY_FILE" in result.output and "does not exist" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_promote_refuses_to_run_the_gate_on_a_bad_policy_file(
    trained_registry: tuple[Path, str], corpus_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import json
    import shutil

    from moderation.cli import cli

    root = tmp_path / "reg"
    shutil.copytree(trained_registry[0], root)
    before = (root / "promoted.json").read_text()
    monkeypatch.setenv(
        "MODERATION_POLICY_FILE", str(write_policy(tmp_path / "p.yaml", {"block_threshold": 2}))
    )
    result = CliRunner().invoke(
        cli, ["promote", trained_registry[1], "--registry", str(root), "--corpus", str(corpus_dir)]
    )
    assert result.exit_code == 1, result.output
    assert "block_threshold" in json.loads(result.output)["error"]
    assert (root / "promoted.json").read_text() == before
