"""infra/.env.example documents every setting, with values the backend accepts and no secrets.

This test fails whenever a setting is added to backend/config.py without documenting it: that is
its purpose. Add the variable, a comment and a safe example value to infra/.env.example.
"""

from __future__ import annotations

import pytest

from backend.config import ConfigError, load_settings
from tests.infra.infra_files import ENV_EXAMPLE, read_env_example, settings_aliases

EXAMPLE = read_env_example()
TEXT = ENV_EXAMPLE.read_text(encoding="utf-8")
DEPLOYMENT_SECTION = TEXT.split("# --- Deployment only", 1)[1]
SECRETS = ("SECRET_KEY", "TWILIO_AUTH_TOKEN", "ENCRYPTION_KEYS", "POSTGRES_PASSWORD")


def _deployment_only() -> set[str]:
    names = set()
    for line in DEPLOYMENT_SECTION.splitlines():
        name, sep, _ = line.partition("=")
        if sep and not line.startswith("#"):
            names.add(name.strip())
    return names


def test_every_setting_of_the_backend_is_documented() -> None:
    missing = sorted(settings_aliases() - set(EXAMPLE))
    assert not missing, ("document these settings of backend/config.py in infra/.env.example: "
                         + ", ".join(missing))


def test_every_documented_variable_is_read_by_something() -> None:
    unknown = set(EXAMPLE) - settings_aliases() - _deployment_only()
    assert not unknown, f"not read by the backend: {sorted(unknown)} (removed settings?)"
    assert not _deployment_only() & settings_aliases(), \
        "a setting of backend/config.py belongs in its own section, not under 'Deployment only'"


def test_every_variable_has_a_comment_above_it() -> None:
    lines = TEXT.splitlines()
    for index, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            block = lines[:index]
            while block and "=" in block[-1] and not block[-1].startswith("#"):
                block.pop()  # a group of related variables shares one comment
            assert block and block[-1].startswith("#"), f"{line.split('=')[0]} has no comment"


def test_example_values_are_accepted_once_the_secrets_are_filled_in() -> None:
    settings = load_settings(EXAMPLE, SECRET_KEY="s" * 64)
    assert settings.env == "production"
    assert settings.public_base_url.startswith("https://")
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_a_copied_example_refuses_to_run_in_production_without_a_secret_key() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(EXAMPLE)


@pytest.mark.parametrize("name", SECRETS)
def test_no_secret_value_is_shipped(name: str) -> None:
    assert EXAMPLE[name] == "", f"{name} must be empty in the example"
