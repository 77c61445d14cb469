"""Registry integrity, loading only from the registry, and the promotion gate."""

from __future__ import annotations

import json
import shutil
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
