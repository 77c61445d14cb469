"""The image installs the project as a regular (non-editable) package: every data file must ship.

An editable install (``make run``, the tests) reads files straight from the source tree, so a file
missing from ``[tool.setuptools.package-data]`` only breaks the Docker image. This test finds such
files without building anything.
"""

from __future__ import annotations

import subprocess
import tomllib

from tests.infra.infra_files import ROOT

PACKAGES = ("backend", "content", "moderation")


def _tracked_data_files() -> set[str]:
    listed = subprocess.run(["git", "ls-files", *PACKAGES], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.split()
    return {path for path in listed if not path.endswith(".py")}


def _shipped_by_package_data() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    shipped: set[str] = set()
    for package, patterns in package_data.items():
        base = ROOT / package.replace(".", "/")
        for pattern in patterns:
            shipped |= {str(p.relative_to(ROOT)) for p in base.glob(pattern) if p.is_file()}
    return shipped


def test_every_data_file_of_the_packages_is_declared_as_package_data() -> None:
    tracked = _tracked_data_files()
    if not tracked:
        return  # not a git checkout (an sdist): nothing to compare against
    missing = sorted(path for path in tracked - _shipped_by_package_data()
                     if "/__pycache__/" not in path)
    assert not missing, ("add these to [tool.setuptools.package-data] in pyproject.toml, or the "
                         f"image (pip install --no-deps .) runs without them: {missing}")


def test_every_package_is_found_by_setuptools() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in PACKAGES:
        assert f"{package}*" in include
        assert (ROOT / package / "__init__.py").is_file(), f"{package} is a regular package"
