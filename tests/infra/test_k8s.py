"""Kubernetes manifests: hardened web pods behind a Service, workers, one beat, migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.infra_files import (
    K8S,
    hushbakht_command_exists,
    load_k8s_documents,
    read_env_example,
    settings_aliases,
)

DOCUMENTS = load_k8s_documents()
# Read by `hushbakht serve` (gunicorn workers), not by Settings.
DEPLOYMENT_VARIABLES = {"WEB_CONCURRENCY"}


def _one(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in DOCUMENTS if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _pod_specs() -> list[tuple[str, dict[str, Any]]]:
    return [(f"{d['kind']}/{d['metadata']['name']}", d["spec"]["template"]["spec"])
            for d in DOCUMENTS if d["kind"] in {"Deployment", "Job"}]


WEB = _one("Deployment", "hushbakht-web")
WEB_POD = WEB["spec"]["template"]


def test_every_manifest_is_a_named_kubernetes_object() -> None:
    kinds = {(d["kind"], d["metadata"]["name"]) for d in DOCUMENTS}
    assert {("Deployment", "hushbakht-web"), ("Service", "hushbakht-web"),
            ("Deployment", "hushbakht-worker"), ("Deployment", "hushbakht-sos-worker"),
            ("PodDisruptionBudget", "hushbakht-sos-worker"), ("Deployment", "hushbakht-beat"),
            ("Job", "hushbakht-migrate"), ("ConfigMap", "hushbakht-config"),
            ("Secret", "hushbakht-secrets"), ("PodDisruptionBudget", "hushbakht-web"),
            ("HorizontalPodAutoscaler", "hushbakht-web")} <= kinds
    for document in DOCUMENTS:
        assert document["apiVersion"] and document["kind"], document["metadata"]["__file__"]


def test_web_probes_readiness_on_readyz_and_liveness_on_healthz() -> None:
    container = WEB_POD["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["readinessProbe"]["httpGet"]["port"] in port_names
    assert port_names["http"] == 8000


@pytest.mark.parametrize("name,pod", _pod_specs(), ids=[n for n, _ in _pod_specs()])
def test_every_pod_runs_unprivileged_on_a_read_only_root_with_a_writable_tmp(
        name: str, pod: dict[str, Any]) -> None:
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001, "the uid created in infra/Dockerfile"
    assert pod["automountServiceAccountToken"] is False
    volumes = {v["name"]: v for v in pod["volumes"]}
    for container in pod["containers"]:
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert "emptyDir" in volumes[mounts["/tmp"]], f"{name}: /tmp is an emptyDir"
        assert "/var/lib/hushbakht" in mounts, f"{name}: the data folder is writable"
        resources = container["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"]
        assert resources["limits"]["memory"]
        assert container["image"] == "oilai-hushbakht"
        refs = {ref.get("configMapRef", ref.get("secretRef", {})).get("name")
                for ref in container["envFrom"]}
        assert refs == {"hushbakht-config", "hushbakht-secrets"}


@pytest.mark.parametrize("name,pod", _pod_specs(), ids=[n for n, _ in _pod_specs()])
def test_every_container_command_is_a_real_cli_command(name: str, pod: dict[str, Any],
                                                      tmp_path: Path) -> None:
    for container in pod["containers"]:
        ok, output = hushbakht_command_exists(container["command"], tmp_path)
        assert ok, f"{name}: {output}"


def test_service_pdb_and_autoscaler_point_at_the_web_pods() -> None:
    labels = WEB_POD["metadata"]["labels"]
    assert WEB["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = _one("Service", "hushbakht-web")
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    pdb = _one("PodDisruptionBudget", "hushbakht-web")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["spec"]["minAvailable"] >= 1
    hpa = _one("HorizontalPodAutoscaler", "hushbakht-web")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "hushbakht-web"}
    assert hpa["spec"]["minReplicas"] >= 2 > pdb["spec"]["minAvailable"]
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    # The autoscaler computes utilisation against the CPU request, so one must exist.
    assert WEB_POD["spec"]["containers"][0]["resources"]["requests"]["cpu"]


def test_the_sos_relay_has_workers_of_its_own_that_a_drain_never_takes_all_of() -> None:
    sos = _one("Deployment", "hushbakht-sos-worker")
    background = _one("Deployment", "hushbakht-worker")
    assert sos["spec"]["template"]["spec"]["containers"][0]["command"][2:4] == ["--queues", "sos"]
    assert (background["spec"]["template"]["spec"]["containers"][0]["command"][2:4]
            == ["--queues", "background"])
    labels = sos["spec"]["template"]["metadata"]["labels"]
    assert not background["spec"]["selector"]["matchLabels"].items() <= labels.items()
    pdb = _one("PodDisruptionBudget", "hushbakht-sos-worker")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert sos["spec"]["replicas"] > pdb["spec"]["minAvailable"] >= 1
    spread = sos["spec"]["template"]["spec"]["topologySpreadConstraints"][0]
    assert spread["topologyKey"] == "kubernetes.io/hostname"
    assert spread["labelSelector"]["matchLabels"].items() <= labels.items()


def test_exactly_one_scheduler_even_during_a_rollout() -> None:
    beat = _one("Deployment", "hushbakht-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    assert beat["spec"]["template"]["spec"]["containers"][0]["command"] == ["hushbakht", "beat"]
    assert not any(d["kind"] == "HorizontalPodAutoscaler"
                   and d["spec"]["scaleTargetRef"]["name"] == "hushbakht-beat" for d in DOCUMENTS)


def test_migration_job_upgrades_the_schema_once() -> None:
    job = _one("Job", "hushbakht-migrate")
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["containers"][0]["command"][:3] == ["hushbakht", "db", "upgrade"]
    assert job["spec"]["backoffLimit"] <= 3


def test_config_and_secret_keys_are_settings_the_backend_reads() -> None:
    known = settings_aliases() | DEPLOYMENT_VARIABLES
    documented = set(read_env_example())
    config = _one("ConfigMap", "hushbakht-config")["data"]
    secret = _one("Secret", "hushbakht-secrets")["stringData"]
    for key in [*config, *secret]:
        assert key in known, f"{key} is not read by the backend"
        assert key in documented, f"{key} is not documented in infra/.env.example"
    assert not set(config) & set(secret), "a setting lives in one place"
    assert config["HUSHBAKHT_ENV"] == "production"
    assert config["PUBLIC_BASE_URL"].startswith("https://")


def test_secret_template_holds_placeholders_only_and_is_never_applied_by_kustomize() -> None:
    secret = _one("Secret", "hushbakht-secrets")
    for key, value in secret["stringData"].items():
        assert "<" in value and ">" in value, f"{key}: a placeholder, never a real value"
    assert {"SECRET_KEY", "DATABASE_URL"} <= set(secret["stringData"])
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert secret["metadata"]["__file__"] not in kustomization["resources"]
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    listed = {d["metadata"]["__file__"] for d in DOCUMENTS} - {secret["metadata"]["__file__"]}
    assert listed == set(kustomization["resources"]), "every manifest is applied by kustomize"
    assert [i["name"] for i in kustomization["images"]] == ["oilai-hushbakht"]
