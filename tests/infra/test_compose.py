"""docker-compose.yml: the whole product on one machine, in order, every part health-checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.infra_files import (
    COMPOSE,
    compose_variables,
    hushbakht_command_exists,
    interpolate_defaults,
    load_compose,
    read_env_example,
)

COMPOSE_FILE = load_compose()
SERVICES = COMPOSE_FILE["services"]
APP_SERVICES = ("migrate", "web", "sos-worker", "worker", "beat")
LONG_RUNNING = ("postgres", "redis", "web", "sos-worker", "worker", "beat")


def test_the_stack_has_every_service() -> None:
    assert set(SERVICES) == {"postgres", "redis", "migrate", "web", "sos-worker", "worker", "beat"}
    assert SERVICES["postgres"]["image"].split(":")[1].startswith("16")
    assert SERVICES["redis"]["image"].split(":")[1].startswith("7")


def test_every_application_service_runs_the_same_image_built_from_the_dockerfile() -> None:
    images = {SERVICES[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, images
    builds = [SERVICES[name]["build"] for name in APP_SERVICES]
    assert all(b == builds[0] for b in builds)
    assert builds[0]["dockerfile"] == "infra/Dockerfile"
    assert (COMPOSE.parent / builds[0]["context"] / builds[0]["dockerfile"]).is_file()


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_have_health_checks(name: str) -> None:
    check = SERVICES[name]["healthcheck"]
    assert not check.get("disable")
    assert check["test"][0] in {"CMD", "CMD-SHELL"}
    assert check["interval"] and check["timeout"] and check["retries"] >= 1


def test_web_health_check_probes_healthz() -> None:
    assert "http://127.0.0.1:8000/healthz" in SERVICES["web"]["healthcheck"]["test"]


def test_migrations_run_once_before_anything_that_uses_the_database() -> None:
    migrate = SERVICES["migrate"]
    assert migrate["command"][:3] == ["hushbakht", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "sos-worker", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    for name in ("web", "sos-worker", "worker"):
        assert SERVICES[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_commands_are_real_cli_commands(name: str, tmp_path: Path) -> None:
    argv = [interpolate_defaults(part) for part in SERVICES[name]["command"]]
    ok, output = hushbakht_command_exists(argv, tmp_path)
    assert ok, output


def test_web_runs_gunicorn_through_serve_and_worker_and_beat_run_separately() -> None:
    assert SERVICES["web"]["command"][:2] == ["hushbakht", "serve"]
    assert SERVICES["worker"]["command"][:2] == ["hushbakht", "worker"]
    assert SERVICES["sos-worker"]["command"][:2] == ["hushbakht", "worker"]
    assert SERVICES["beat"]["command"] == ["hushbakht", "beat"]
    # A real broker is configured, so `serve` starts no embedded worker next to gunicorn.
    for name in APP_SERVICES:
        environment = SERVICES[name]["environment"]
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert environment["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]


def test_data_lives_in_named_volumes() -> None:
    volumes = set(COMPOSE_FILE["volumes"])
    assert {"postgres-data", "app-data"} <= volumes
    assert "postgres-data:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    for name in APP_SERVICES:
        assert "app-data:/var/lib/hushbakht" in SERVICES[name]["volumes"]
        assert SERVICES[name]["environment"]["HUSHBAKHT_DATA_DIR"] == "/var/lib/hushbakht"


def test_secrets_must_be_supplied_and_the_web_port_stays_on_loopback() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert "${SECRET_KEY:?" in text
    assert "${POSTGRES_PASSWORD:?" in text
    for port in SERVICES["web"]["ports"]:
        assert str(port).startswith("127.0.0.1:")
    assert not any("ports" in SERVICES[name] for name in SERVICES if name != "web")


def test_every_variable_the_compose_file_reads_is_documented_in_env_example() -> None:
    documented = set(read_env_example())
    missing = compose_variables(COMPOSE.read_text(encoding="utf-8")) - documented
    assert not missing, f"add these to infra/.env.example: {sorted(missing)}"


def test_the_sos_relay_has_a_worker_of_its_own() -> None:
    """No moderation or publishing job can occupy the processes that relay alerts."""
    assert SERVICES["sos-worker"]["command"][2:4] == ["--queues", "sos"]
    assert SERVICES["worker"]["command"][2:4] == ["--queues", "background"]
