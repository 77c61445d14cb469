"""scripts/fetch_shared.py: what it reports and what a failed download leaves behind (no network)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import urllib.error
from pathlib import Path
from types import ModuleType

import pytest

from moderation.config import shared_dir

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_shared", ROOT / "scripts" / "fetch_shared.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fetch_shared"] = module
    spec.loader.exec_module(module)
    return module


def test_a_failed_download_writes_nothing_and_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fs = _script()

    def offline(url: str) -> bytes:
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(fs, "download", offline)
    assert fs.main(["--dest", str(tmp_path / "shared"), "--only", "edos,rubia"]) == 1
    err = capsys.readouterr().err
    assert "edos: could not download https://raw.githubusercontent.com/" in err
    assert "rubia: could not download" in err  # one failure does not stop the others
    assert not (tmp_path / "shared").exists()


def test_a_file_with_the_wrong_hash_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fs = _script()
    monkeypatch.setattr(fs, "download", lambda url: b"not the real file")
    assert fs.main(["--dest", str(tmp_path), "--only", "edos"]) == 1
    assert not (tmp_path / "data").exists()


def test_check_reports_a_missing_file_of_a_present_data_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fs = _script()
    ds = fs.DATASETS["twilio"]
    source = shared_dir() / ds.folder
    if not source.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{source} absent (run scripts/fetch_shared.py)")
        pytest.skip(f"{source} absent")
    target = tmp_path / ds.folder
    shutil.copytree(source, target)
    kept = [r for r in ds.files if not r.consumed and (target / r.target).name != fs.MARKERS["twilio"]]
    assert kept
    (target / kept[0].target).unlink()
    assert fs.main(["--dest", str(tmp_path), "--only", "twilio", "--check"]) == 1
    assert f"twilio/{kept[0].target}: missing" in capsys.readouterr().err


def test_the_default_destination_is_the_one_the_application_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUSHBAKHT_SHARED_DIR", "/somewhere/shared")
    dest = _script().DEFAULT_DEST
    assert dest == Path("/somewhere/shared")
    monkeypatch.delenv("HUSHBAKHT_SHARED_DIR")
    dest = _script().DEFAULT_DEST
    assert dest == ROOT.parent / "shared"


def test_a_failing_derive_step_is_reported_and_the_other_sets_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fs = _script()
    ds = fs.DATASETS["gender_decoder"]
    # every file "downloads", but the source the derive step parses is garbage
    payload = {r.url: b"not python (" for r in ds.files}
    assert not any(r.sha256 for r in ds.files)  # pinned by derived row counts, not hashes
    monkeypatch.setattr(fs, "download", lambda url: payload.get(url, b""))
    rc = fs.main(["--dest", str(tmp_path), "--only", "gender_decoder,edos"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "gender_decoder: deriving its files failed" in err
    assert "edos: fetching" in err
