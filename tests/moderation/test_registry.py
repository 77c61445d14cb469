"""Registry integrity, loading only from the registry, and the promotion gate."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from moderation import load_moderator, registry
from moderation.corpus import load_corpus
from moderation.model import ModelParams
from moderation.training import train_model


def copy_registry(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_promoted_model_is_loaded_with_its_metadata(trained_registry: tuple[Path, str]) -> None:
    root, version = trained_registry
    assert registry.promoted_version(root) == version
    meta = registry.metadata(version, root)
    for key in ("sha256", "params", "metrics", "created_at", "data"):
        assert key in meta
    assert meta["data"]["corpus_files"]
    assert load_moderator(root).model_version == version


def test_tampered_artefact_is_refused(trained_registry: tuple[Path, str], tmp_path: Path) -> None:
    root = copy_registry(trained_registry[0], tmp_path / "reg")
    version = trained_registry[1]
    model_file = root / "versions" / version / "model.joblib"
    data = bytearray(model_file.read_bytes())
    data[-10] ^= 0xFF
    model_file.write_bytes(bytes(data))
    with pytest.raises(registry.RegistryError, match="sha256"):
        registry.load_model(version, root)
    with pytest.raises(registry.RegistryError):
        load_moderator(root)


def test_model_file_outside_the_registry_is_refused(
    trained_registry: tuple[Path, str], tmp_path: Path
) -> None:
    root, version = trained_registry
    outside = tmp_path / "elsewhere" / "versions" / version
    outside.mkdir(parents=True)
    shutil.copy(root / "versions" / version / "model.joblib", outside / "model.joblib")
    shutil.copy(root / "versions" / version / "metadata.json", outside / "metadata.json")
    with pytest.raises(registry.RegistryError, match="refusing"):
        registry.load_model_file(outside / "model.joblib", root)
    # a symlink inside the registry that points outside is refused too
    link_root = copy_registry(root, tmp_path / "reg2")
    target = link_root / "versions" / version / "model.joblib"
    target.unlink()
    target.symlink_to(outside / "model.joblib")
    with pytest.raises(registry.RegistryError):
        registry.load_model(version, link_root)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "0001-../../x", "latest", ""])
def test_version_names_cannot_escape_the_registry(trained_registry: tuple[Path, str], bad: str) -> None:
    with pytest.raises(registry.RegistryError):
        registry.load_model(bad, trained_registry[0])


def test_promotion_gate_refuses_a_worse_model(
    trained_registry: tuple[Path, str], corpus_dir: Path, tmp_path: Path
) -> None:
    root = copy_registry(trained_registry[0], tmp_path / "reg")
    good = trained_registry[1]
    train_rows = [r for r in load_corpus(corpus_dir) if r.split == "train"]
    # a model that has seen only a handful of examples is clearly worse
    tiny = [r for r in train_rows if r.lang == "en"][:12]
    worse = registry.save_model(train_model(tiny, ModelParams(calibration_folds=2)), {"note": "tiny"}, root)
    with pytest.raises(registry.PromotionRefused) as refused:
        registry.promote(worse, root, corpus_dir)
    assert refused.value.reasons
    assert registry.promoted_version(root) == good
    # forcing is possible and recorded
    assert registry.promote(worse, root, corpus_dir, force=True) == worse
    state = registry.promotion_state(root)
    assert state["history"][-1]["forced"] is True
    # and the better model can come back through the gate
    assert registry.promote(good, root, corpus_dir) == good
    assert registry.promotion_state(root)["generation"] == state["generation"] + 1


def test_promotion_state_is_plain_json(trained_registry: tuple[Path, str]) -> None:
    state = json.loads((trained_registry[0] / "promoted.json").read_text())
    assert state["version"] == trained_registry[1]
    assert state["generation"] >= 1


# ---- the gate never compares models on a missing or incomplete evaluation set ----------


@pytest.fixture
def registry_with_worse(
    trained_registry: tuple[Path, str], corpus_dir: Path, tmp_path: Path
) -> tuple[Path, str]:
    """A copy of the trained registry (good model promoted) plus a clearly worse version."""
    root = copy_registry(trained_registry[0], tmp_path / "reg")
    tiny = [r for r in load_corpus(corpus_dir) if r.split == "train" and r.lang == "en"][:12]
    worse = registry.save_model(train_model(tiny, ModelParams(calibration_folds=2)), {"note": "tiny"}, root)
    return root, worse


def write_corpus(target: Path, corpus_dir: Path, keep: Callable[[dict[str, object]], bool]) -> Path:
    """A copy of ``corpus_dir`` holding only the rows ``keep`` accepts."""
    target.mkdir(parents=True)
    for src in sorted(corpus_dir.glob("*.jsonl")):
        lines = [line for line in src.read_text(encoding="utf-8").splitlines() if line.strip()]
        kept = [line for line in lines if keep(json.loads(line))]
        (target / src.name).write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    return target


def _bad_corpus(kind: str, corpus_dir: Path, tmp_path: Path) -> Path:
    if kind == "missing":
        return tmp_path / "does-not-exist"
    if kind == "empty":
        (tmp_path / "empty").mkdir()
        return tmp_path / "empty"
    if kind == "no-test-rows":
        return write_corpus(tmp_path / "train-only", corpus_dir, lambda r: r.get("split") != "test")
    if kind == "no-tg-test-rows":
        return write_corpus(
            tmp_path / "no-tg", corpus_dir, lambda r: not (r.get("lang") == "tg" and r.get("split") == "test")
        )
    if kind == "no-ru-file":
        return write_corpus(tmp_path / "no-ru", corpus_dir, lambda r: r.get("lang") != "ru")
    if kind == "no-en-stereotypes":
        return write_corpus(
            tmp_path / "no-en-stereo",
            corpus_dir,
            lambda r: (
                not (r.get("lang") == "en" and r.get("split") == "test" and r.get("label") == "stereotype")
            ),
        )
    if kind == "no-hard-cases":
        return write_corpus(
            tmp_path / "no-hard",
            corpus_dir,
            lambda r: not (r.get("split") == "test" and r.get("hard_case")),
        )
    raise AssertionError(kind)


BAD_CORPORA = [
    "missing",
    "empty",
    "no-test-rows",
    "no-tg-test-rows",
    "no-ru-file",
    "no-en-stereotypes",
    "no-hard-cases",
]


@pytest.mark.parametrize("kind", BAD_CORPORA)
def test_gate_refuses_without_a_complete_evaluation_set(
    registry_with_worse: tuple[Path, str], corpus_dir: Path, tmp_path: Path, kind: str
) -> None:
    """On an empty evaluation set both models score 0.0 and "not worse" proves nothing."""
    root, worse = registry_with_worse
    before = registry.promotion_state(root)
    bad = _bad_corpus(kind, corpus_dir, tmp_path)
    with pytest.raises(registry.PromotionRefused) as refused:
        registry.promote(worse, root, bad)
    assert any("evaluation set" in reason for reason in refused.value.reasons), refused.value.reasons
    assert registry.promotion_state(root) == before
    # the same candidate is still refused on the real evaluation set
    with pytest.raises(registry.PromotionRefused):
        registry.promote(worse, root, corpus_dir)


def test_gate_names_the_languages_without_test_rows(
    registry_with_worse: tuple[Path, str], corpus_dir: Path, tmp_path: Path
) -> None:
    root, worse = registry_with_worse
    with pytest.raises(registry.PromotionRefused) as refused:
        registry.promote(worse, root, _bad_corpus("no-tg-test-rows", corpus_dir, tmp_path))
    reasons = [r for r in refused.value.reasons if "evaluation set" in r]
    assert len(reasons) == 1, refused.value.reasons
    assert re.search(r"\btg\b", reasons[0]), reasons[0]
    assert not re.search(r"\b(?:ru|en)\b", reasons[0]), reasons[0]


def test_first_promotion_also_needs_an_evaluation_set(
    trained_registry: tuple[Path, str], tmp_path: Path
) -> None:
    """No promoted model yet: the gate still refuses to promote what it could not evaluate."""
    src, version = trained_registry
    root = tmp_path / "fresh"
    (root / "versions").mkdir(parents=True)
    shutil.copytree(src / "versions" / version, root / "versions" / version)
    with pytest.raises(registry.PromotionRefused):
        registry.promote(version, root, tmp_path / "does-not-exist")
    assert registry.promoted_version(root) is None


def test_force_is_the_recorded_way_around_a_missing_evaluation_set(
    registry_with_worse: tuple[Path, str], tmp_path: Path
) -> None:
    root, worse = registry_with_worse
    previous = registry.promoted_version(root)
    assert registry.promote(worse, root, tmp_path / "does-not-exist", force=True) == worse
    entry = registry.promotion_state(root)["history"][-1]
    assert entry["forced"] is True
    assert entry["previous"] == previous
    # no made-up 0.0 metrics: what could not be measured is recorded as such
    assert entry["metrics"] == {}
    assert "evaluation set" in entry["evaluation_problem"]


@pytest.mark.parametrize("where", ["root", "versions", "version", "model", "metadata"])
def test_a_model_others_could_have_written_is_not_unpickled(
    trained_registry: tuple[Path, str], tmp_path: Path, where: str
) -> None:
    root = copy_registry(trained_registry[0], tmp_path / "reg")
    version = trained_registry[1]
    path = {
        "root": root,
        "versions": root / "versions",
        "version": root / "versions" / version,
        "model": root / "versions" / version / "model.joblib",
        "metadata": root / "versions" / version / "metadata.json",
    }[where]
    registry.load_model(version, root)  # loads while private
    path.chmod(path.stat().st_mode | 0o002)
    with pytest.raises(registry.RegistryError, match="writable by other users"):
        registry.load_model(version, root)
    # writable by the service's own effective group (a Kubernetes fsGroup volume) is fine
    path.chmod(path.stat().st_mode & ~0o002 | 0o020)
    assert path.stat().st_gid == os.getegid()
    registry.load_model(version, root)
    # writable by another group, even one the service is a member of, is not
    if os.geteuid() != 0:
        pytest.skip("changing a file's group needs root")
    os.chown(path, -1, 65534)
    with pytest.raises(registry.RegistryError, match="writable by other users"):
        registry.load_model(version, root)


def test_a_model_owned_by_another_user_is_not_unpickled(
    trained_registry: tuple[Path, str], tmp_path: Path
) -> None:
    root = copy_registry(trained_registry[0], tmp_path / "reg")
    version = trained_registry[1]
    model_file = root / "versions" / version / "model.joblib"
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    os.chown(model_file, 65534, 65534)
    with pytest.raises(registry.RegistryError, match="belongs to another user"):
        registry.load_model(version, root)
