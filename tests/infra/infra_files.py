"""Readers for the deployment files under infra/, shared by the infra tests."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
DOCKERFILE = INFRA / "Dockerfile"
DOCKERIGNORE = INFRA / "Dockerfile.dockerignore"
COMPOSE = INFRA / "docker-compose.yml"
ENV_EXAMPLE = INFRA / ".env.example"
K8S = INFRA / "k8s"

_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def settings_aliases() -> set[str]:
    """Every environment variable backend/config.py ``Settings`` reads."""
    from backend.config import Settings

    return {(field.alias or name).upper() for name, field in Settings.model_fields.items()}


def read_env_example(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """The NAME=value assignments of an env file (comments skipped, one level of quotes removed)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match:
            name, value = match.groups()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[name] = value
    return values


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    stage: int


def read_dockerfile(path: Path = DOCKERFILE) -> list[Instruction]:
    """Dockerfile instructions, continuation lines joined; ``stage`` counts FROM lines."""
    instructions: list[Instruction] = []
    stage = 0
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if not full:
            continue
        keyword, _, arguments = full.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, arguments.strip(), stage))
    return instructions


def dockerignore_excludes(relative_path: str, path: Path = DOCKERIGNORE) -> bool:
    """True when the ignore file keeps ``relative_path`` out of the context (last match wins)."""
    patterns = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.strip().startswith("#")]
    parts = relative_path.strip("/").split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.rstrip("/")
        for candidate in candidates:
            if fnmatch.fnmatchcase(candidate, body) or (
                    body.startswith("**/") and fnmatch.fnmatchcase(candidate.split("/")[-1],
                                                                   body[3:])):
                excluded = not negate
                break
    return excluded


def load_compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def load_k8s_documents() -> list[dict[str, Any]]:
    """Every Kubernetes object in infra/k8s (the kustomization file excluded)."""
    documents: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                document.setdefault("metadata", {})["__file__"] = path.name
                documents.append(document)
    return documents


_INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?]([^}]*))?\}")


def compose_variables(text: str) -> set[str]:
    """Names of the ``${VAR}`` interpolations in a compose file (``$${VAR}`` escapes excluded)."""
    return {m.group(1) for m in _INTERPOLATION.finditer(text.replace("$${", "<escaped>{"))}


def interpolate_defaults(value: str) -> str:
    """Replace ``${VAR:-default}`` with its default (what compose does when VAR is unset)."""
    return _INTERPOLATION.sub(lambda m: m.group(2) or "", value)


def hushbakht_command_exists(argv: list[str], tmp_path: Path) -> tuple[bool, str]:
    """Whether ``argv`` (``["hushbakht", ...]``) names a real command of our CLI with real options.

    Runs ``hushbakht <argv...> --help`` in-process: click rejects unknown commands and options
    before any help is printed, and help never starts a server.
    """
    from click.testing import CliRunner

    from backend.cli import cli

    assert argv and argv[0] == "hushbakht", argv
    env = {"HUSHBAKHT_DATA_DIR": str(tmp_path), "CELERY_BROKER_URL": "memory://",
           "HUSHBAKHT_ENV": "test", "DATABASE_URL": ""}
    result = CliRunner().invoke(cli, [*argv[1:], "--help"], env=env, catch_exceptions=False)
    return result.exit_code == 0, result.output
