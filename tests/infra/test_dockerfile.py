"""The image: multi-stage, pinned dependencies, unprivileged, health-checked, secret-free.

No Docker engine runs where the suite runs, so the Dockerfile is checked statically: every file it
copies exists and is let through the ignore file, and its commands are real commands of the CLI.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.infra.infra_files import (
    DOCKERFILE,
    ROOT,
    Instruction,
    dockerignore_excludes,
    hushbakht_command_exists,
    read_dockerfile,
)

INSTRUCTIONS = read_dockerfile()
FINAL_STAGE = max(i.stage for i in INSTRUCTIONS)


def _final(keyword: str) -> list[Instruction]:
    return [i for i in INSTRUCTIONS if i.keyword == keyword and i.stage == FINAL_STAGE]


def _exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arguments
    return value


def test_image_is_built_in_stages_from_python_311_slim() -> None:
    args = {i.arguments.split("=", 1)[0]: i.arguments.split("=", 1)[1]
            for i in INSTRUCTIONS if i.keyword == "ARG" and "=" in i.arguments}
    froms = [i.arguments for i in INSTRUCTIONS if i.keyword == "FROM"]
    assert len(froms) >= 2, "a build stage and a separate runtime stage"
    for line in froms:
        image = line.split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        assert image.startswith("python:3.11-slim"), image
    # The runtime stage copies the prepared virtualenv from the build stage, not the compiler.
    copies = " ".join(i.arguments for i in _final("COPY"))
    assert "--from=build /opt/venv" in copies


def test_dependencies_come_from_the_lock_file_and_the_project_is_installed_without_deps() -> None:
    runs = " ".join(i.arguments for i in INSTRUCTIONS if i.keyword == "RUN")
    copies = [i.arguments.split() for i in INSTRUCTIONS if i.keyword == "COPY"]
    assert any("requirements.lock" in c[:-1] for c in copies), "the lock file is copied in"
    assert "pip wheel --wheel-dir /wheels -r requirements.lock" in runs
    assert "--no-index --find-links /wheels -r requirements.lock" in runs, \
        "the venv is installed only from the wheels built from the lock"
    assert "pip install --no-deps ." in runs


def test_runtime_runs_as_an_unprivileged_user() -> None:
    users = _final("USER")
    assert users, "the runtime stage sets USER"
    user = users[-1].arguments.split(":")[0]
    assert user not in {"root", "0"}
    # It is the user created in this stage, with the uid the Kubernetes manifests expect.
    runs = " ".join(i.arguments for i in _final("RUN"))
    assert user == "10001"
    assert "useradd --system --uid 10001" in runs
    # USER comes before CMD, so nothing the image starts runs as root.
    final = [i for i in INSTRUCTIONS if i.stage == FINAL_STAGE]
    assert [i.keyword for i in final].index("USER") < [i.keyword for i in final].index("CMD")


def test_healthcheck_probes_healthz_with_the_shipped_checker() -> None:
    checks = _final("HEALTHCHECK")
    assert len(checks) == 1
    _, _, command = checks[0].arguments.partition("CMD ")
    argv = _exec_form(command)
    assert "http://127.0.0.1:8000/healthz" in argv
    assert "/usr/local/bin/hushbakht-healthcheck" in argv
    copies = [i.arguments.split() for i in _final("COPY")]
    assert ["infra/healthcheck.py", "/usr/local/bin/hushbakht-healthcheck"] in copies


def test_default_command_serves_with_gunicorn_on_all_interfaces(tmp_path: Path) -> None:
    cmd = _exec_form(_final("CMD")[-1].arguments)
    assert cmd == ["hushbakht", "serve", "--host", "0.0.0.0", "--port", "8000"]
    ok, output = hushbakht_command_exists(cmd, tmp_path)
    assert ok, output
    assert "8000" in " ".join(i.arguments for i in _final("EXPOSE"))


def test_every_copied_path_exists_and_reaches_the_build_context() -> None:
    for instruction in INSTRUCTIONS:
        if instruction.keyword != "COPY" or "--from=" in instruction.arguments:
            continue
        *sources, _destination = shlex.split(instruction.arguments)
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
            assert not dockerignore_excludes(source), f"COPY {source}: excluded by the ignore file"


@pytest.mark.parametrize("path", [".env", "infra/.env", ".venv/bin/python", "var/hushbakht.sqlite3",
                                  ".git/config", "tests/conftest.py", "backend/__pycache__/x.pyc"])
def test_secrets_and_local_state_stay_out_of_the_build_context(path: str) -> None:
    assert dockerignore_excludes(path)


def test_no_secret_is_baked_into_the_image() -> None:
    secret_words = re.compile(r"SECRET|PASSWORD|TOKEN|AUTH|_KEY|CREDENTIAL", re.IGNORECASE)
    for instruction in INSTRUCTIONS:
        if instruction.keyword in {"ENV", "ARG", "LABEL"}:
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_.]*)=", instruction.arguments)
            assert not any(secret_words.search(n) for n in names), instruction
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert ".env" not in re.sub(r"#.*", "", text), "no env file is copied into the image"
