"""The staff API description (docs/staff_api.openapi.yaml) is valid and matches the routes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from flask import Flask
from openapi_spec_validator import validate

SPEC = Path(__file__).resolve().parents[2] / "docs" / "staff_api.openapi.yaml"
PREFIX = "/api/staff/v1"


def test_staff_api_description_is_valid_openapi() -> None:
    validate(yaml.safe_load(SPEC.read_text()))


def test_every_staff_route_is_described_and_every_description_is_served(app: Flask) -> None:
    spec = yaml.safe_load(SPEC.read_text())
    described = {(path, method.upper()) for path, item in spec["paths"].items()
                 for method in item if method != "parameters"}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX) or not rule.endpoint.startswith("staff_api."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len(PREFIX):])
        served |= {(path, m) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert served == described
