"""Versioned model artefacts with metadata, loaded only from the registry folder.

Layout::

    <registry>/versions/<version>/model.joblib   the pickled StereotypeModel
    <registry>/versions/<version>/metadata.json  sha256 of model.joblib, data hashes, params,
                                                metrics, created time
    <registry>/promoted.json                     {"version", "promoted_at", "generation",
                                                  "history": [...]}

Model files are pickles, so a model is only ever unpickled from
``<registry>/versions/<version>/model.joblib`` after its bytes were checked against the sha256
recorded at save time. Anything else is refused with ``RegistryError``.

The sha256 sits in the same folder as the model, so it catches a corrupted, truncated or
half-copied artefact, not someone who can write to the registry. The trust boundary is the
folder itself: on POSIX systems a model is refused unless the registry folder, ``versions/``,
the version's folder, the model file and its metadata are owned by the user loading them (or by
root) and writable by nobody else -- or by the service's own effective group
(``_check_private``) -- as ssh does with its keys. Point
``MODERATION_REGISTRY_DIR`` only at a folder the service owns.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib

from moderation.model import StereotypeModel

if TYPE_CHECKING:
    from moderation.corpus import LabelledText

MODEL_FILE = "model.joblib"
META_FILE = "metadata.json"
PROMOTED_FILE = "promoted.json"
_VERSION_RE = re.compile(r"^[0-9]{4}-[0-9a-f]{10}$")


class RegistryError(Exception):
    """An artefact is missing, tampered with or outside the registry."""


class PromotionRefused(RegistryError):
    """The promotion gate found the candidate worse than the promoted model."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_version(version: str) -> str:
    if not isinstance(version, str) or not _VERSION_RE.match(version):
        raise RegistryError(f"not a registry version: {version!r}")
    return version


def version_dir(version: str, registry_dir: str | Path) -> Path:
    """Folder of one version, checked to be inside the registry."""
    root = Path(registry_dir).resolve()
    path = (root / "versions" / _check_version(version)).resolve()
    if not path.is_relative_to(root / "versions"):
        raise RegistryError(f"{path} is outside the registry {root}")
    return path


def save_model(model: StereotypeModel, metadata: dict[str, Any], registry_dir: str | Path) -> str:
    """Store ``model`` with ``metadata``; returns the new version ("NNNN-<sha prefix>").

    The same model bytes always get the same hash suffix, so determinism is visible in the
    version names.
    """
    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3)
    data = buf.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    root = Path(registry_dir)
    (root / "versions").mkdir(parents=True, exist_ok=True)
    existing = list_versions(root)
    for v in existing:
        if v.endswith(sha[:10]):
            return v  # identical artefact already registered
    seq = max((int(v[:4]) for v in existing), default=0) + 1
    version = f"{seq:04d}-{sha[:10]}"
    vdir = version_dir(version, root)
    vdir.mkdir(parents=True, exist_ok=False)
    _atomic_write(vdir / MODEL_FILE, data)
    meta = {
        **metadata,
        "version": version,
        "sha256": sha,
        "size_bytes": len(data),
        "created_at": metadata.get("created_at") or _now(),
    }
    _atomic_write(
        vdir / META_FILE,
        json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8"),
    )
    return version


def list_versions(registry_dir: str | Path) -> list[str]:
    """All stored versions, oldest first."""
    base = Path(registry_dir) / "versions"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if p.is_dir() and _VERSION_RE.match(p.name))


def metadata(version: str, registry_dir: str | Path) -> dict[str, Any]:
    """The metadata recorded for ``version``."""
    path = version_dir(version, registry_dir) / META_FILE
    if not path.is_file():
        raise RegistryError(f"no metadata for {version}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_model_file(path: str | Path, registry_dir: str | Path) -> StereotypeModel:
    """Unpickle a model file, but only if it is a version's model file inside the registry
    and its sha256 matches the metadata."""
    root = Path(registry_dir).resolve()
    real = Path(path).resolve()
    if not real.is_relative_to(root / "versions") or real.name != MODEL_FILE:
        raise RegistryError(f"refusing to load {path}: not a model file of registry {root}")
    version = real.parent.name
    if real.parent != version_dir(version, root):
        raise RegistryError(f"refusing to load {path}: unexpected location")
    _check_private([root, root / "versions", real.parent, real, real.parent / META_FILE])
    meta = metadata(version, root)
    data = real.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if sha != meta.get("sha256"):
        raise RegistryError(f"refusing to load {version}: sha256 mismatch (artefact corrupted or changed)")
    model = joblib.load(io.BytesIO(data))
    if not isinstance(model, StereotypeModel):
        raise RegistryError(f"{version} does not hold a StereotypeModel")
    return model


def _check_private(paths: list[Path]) -> None:
    """Refuse a pickle that another user could have written (POSIX only): each path must be
    owned by the current user or root, not be writable by others, and be writable by its group
    only when that group is the process's own effective group (a Kubernetes ``fsGroup`` volume,
    with the pod's ``runAsGroup`` equal to it as in infra/k8s, makes that group the owner of the
    volume and group-writable). A supplementary group is not enough: on a multi-user host every
    member of a shared group such as "users" could otherwise plant a pickle."""
    if os.name != "posix":
        return
    me = os.geteuid()
    my_group = os.getegid()
    for path in paths:
        try:
            st = path.stat()
        except FileNotFoundError:
            continue  # a missing file is reported by the step that needs it
        except OSError as exc:
            raise RegistryError(f"refusing to load a model: cannot inspect {path} ({exc})") from exc
        if st.st_uid not in (me, 0):
            raise RegistryError(f"refusing to load a model: {path} belongs to another user (uid {st.st_uid})")
        if st.st_mode & 0o002 or (st.st_mode & 0o020 and st.st_gid != my_group):
            raise RegistryError(
                f"refusing to load a model: {path} is writable by other users "
                f"(mode {oct(st.st_mode & 0o777)}; run chmod go-w on it)"
            )


def load_model(version: str, registry_dir: str | Path) -> StereotypeModel:
    """Load ``version`` from the registry after checking its sha256."""
    return load_model_file(version_dir(version, registry_dir) / MODEL_FILE, registry_dir)


def _promoted_state(registry_dir: str | Path) -> dict[str, Any]:
    path = Path(registry_dir) / PROMOTED_FILE
    if not path.is_file():
        return {}
    state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return state


def promoted_version(registry_dir: str | Path | None = None) -> str | None:
    """The promoted version, or None when nothing was promoted."""
    from moderation.config import default_registry_dir

    state = _promoted_state(registry_dir if registry_dir is not None else default_registry_dir())
    version = state.get("version")
    return str(version) if version else None


def promotion_state(registry_dir: str | Path | None = None) -> dict[str, Any]:
    """``{"version", "promoted_at", "generation", "history"}``; ``generation`` grows by one
    at every promotion, so a caller that remembers it can tell when to re-scan content."""
    from moderation.config import default_registry_dir

    return _promoted_state(registry_dir if registry_dir is not None else default_registry_dir())


# Metrics the gate compares (higher is better unless listed in _LOWER_IS_BETTER).
GATE_METRICS = ("f1_min_lang", "f1_macro_lang")
_LOWER_IS_BETTER = ("hard_fpr",)
GATE_TOLERANCE = 0.005


def gate(candidate: dict[str, float], current: dict[str, float]) -> list[str]:
    """Reasons the candidate is worse than the current model (empty list: it may be promoted)."""
    reasons = []
    for key in GATE_METRICS:
        if key in current and candidate.get(key, 0.0) < current[key] - GATE_TOLERANCE:
            reasons.append(f"{key} {candidate.get(key, 0.0):.3f} < current {current[key]:.3f}")
    for key in _LOWER_IS_BETTER:
        if key in current and candidate.get(key, 1.0) > current[key] + GATE_TOLERANCE:
            reasons.append(f"{key} {candidate.get(key, 1.0):.3f} > current {current[key]:.3f}")
    return reasons


def evaluation_set(corpus_dir: str | Path | None = None) -> tuple[list[LabelledText], list[str]]:
    """The rows the gate compares models on (the corpus test split) and what makes them unusable.

    The second item lists the problems (empty: the set may be used): a corpus folder that does
    not exist, no test rows at all, or a language among tg/ru/en without stereotyped or without
    acceptable test rows, or no hard acceptable case at all. On such a set every model scores
    0.0 on the missing part (``evaluate_rows`` reports 0.0 for what it cannot measure), so
    "not worse than the current model" would prove nothing.
    """
    from moderation.assessment import LANGUAGES
    from moderation.config import CORPUS_DIR
    from moderation.corpus import load_corpus

    base = Path(corpus_dir) if corpus_dir else CORPUS_DIR
    if not base.is_dir():
        return [], [f"evaluation set missing: corpus folder {base} does not exist"]
    rows = [r for r in load_corpus(base) if r.split == "test"]
    if not rows:
        return [], [f"evaluation set empty: no test-split rows in {base}"]
    problems = []
    absent = [lang for lang in LANGUAGES if not any(r.lang == lang for r in rows)]
    if absent:
        problems.append(f"evaluation set incomplete: no test-split rows for {', '.join(absent)} in {base}")
    for label in ("stereotype", "acceptable"):
        lacking = [
            lang
            for lang in LANGUAGES
            if lang not in absent and not any(r.lang == lang and r.label == label for r in rows)
        ]
        if lacking:
            problems.append(
                f"evaluation set incomplete: no {label} test-split rows for {', '.join(lacking)} in {base}"
            )
    if not any(r.hard_case and not r.is_stereotype for r in rows):
        problems.append(f"evaluation set incomplete: no hard acceptable test-split rows in {base}")
    return rows, problems


def promote(
    version: str,
    registry_dir: str | Path | None = None,
    corpus_dir: str | Path | None = None,
    force: bool = False,
) -> str:
    """Promote ``version`` if the gate allows it; returns the newly promoted version.

    The gate evaluates the candidate and the currently promoted model on the SAME evaluation
    rows (the corpus test split, today's files, read once) and refuses (``PromotionRefused``)
    when the candidate is worse on any gate metric, and also -- even for a first promotion --
    when the evaluation set is missing, empty or lacks test rows for a language (see
    ``evaluation_set``). ``force`` skips the gate (recorded in the history, with the
    evaluation set's problems when there were any; metrics that could not be measured are
    recorded as ``{}``, never as 0.0).
    """
    from moderation.config import default_registry_dir
    from moderation.corpus import sha256_rows
    from moderation.evaluation import evaluate_rows
    from moderation.moderator import Moderator

    root = Path(registry_dir) if registry_dir is not None else default_registry_dir()
    candidate_model = load_model(version, root)  # also verifies integrity
    state = _promoted_state(root)
    current = state.get("version")
    rows, problems = evaluation_set(corpus_dir)
    if problems and not force:
        raise PromotionRefused(problems)
    cand_metrics: dict[str, float] = {}
    cur_metrics: dict[str, float] = {}
    if not problems:
        cand_metrics = evaluate_rows(Moderator(candidate_model, version), rows)["gate"]
        if current and current != version and not force:
            cur_metrics = evaluate_rows(Moderator(load_model(current, root), current), rows)["gate"]
            reasons = gate(cand_metrics, cur_metrics)
            if reasons:
                raise PromotionRefused(reasons)
    entry: dict[str, Any] = {
        "version": version,
        "promoted_at": _now(),
        "previous": current,
        "forced": force,
        "metrics": cand_metrics,
        "previous_metrics": cur_metrics,
        "evaluation_set": {
            "n_test": len(rows),
            "by_lang": dict(sorted(Counter(r.lang for r in rows).items())),
            "test_rows_sha256": sha256_rows(rows),
        },
    }
    if problems:
        entry["evaluation_problem"] = "; ".join(problems)
    history = list(state.get("history", []))
    history.append(entry)
    new_state = {
        "version": version,
        "promoted_at": _now(),
        "generation": int(state.get("generation", 0)) + 1,
        "history": history,
    }
    _atomic_write(root / PROMOTED_FILE, json.dumps(new_state, indent=2, sort_keys=True).encode("utf-8"))
    return version
