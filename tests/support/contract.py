"""Validate real responses against mobile_contract/openapi.yaml (OpenAPI 3.1 = JSON Schema 2020-12)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SPEC_PATH = Path(__file__).resolve().parents[2] / "mobile_contract" / "openapi.yaml"
SPEC_URI = "urn:hushbakht:mobile-openapi"


@cache
def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


@cache
def _registry() -> Registry:
    resource = Resource.from_contents(load_spec(), default_specification=_dialect())
    return Registry().with_resource(SPEC_URI, resource)


def _dialect() -> Any:
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


def schema_validator(pointer: str) -> Draft202012Validator:
    """A validator for the schema at JSON pointer ``pointer`` (e.g. '#/components/schemas/X')."""
    return Draft202012Validator({"$ref": SPEC_URI + pointer}, registry=_registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def spec_path_for(path: str) -> str:
    """The spec's path template that matches a concrete request path."""
    for template in load_spec()["paths"]:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return str(template)
    raise AssertionError(f"{path} is not in the mobile contract")


def assert_matches_contract(response: Any, method: str, path: str) -> None:
    """Assert that a Flask test response is one the contract declares, with a valid body."""
    template = spec_path_for(path.split("?")[0])
    operation = load_spec()["paths"][template][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{method} {template} answered {status}, not declared in the contract")
    declared = operation["responses"][status]
    if "$ref" in declared:
        pointer = declared["$ref"]
        declared = load_spec()["components"]["responses"][pointer.rsplit("/", 1)[1]]
        base = pointer
    else:
        base = f"#/paths/{_escape(template)}/{method.lower()}/responses/{status}"
    content = declared.get("content")
    if not content:
        assert not response.data, f"{status} must have no body"
        return
    media_type = response.mimetype
    assert media_type in content, f"{media_type} not declared for {method} {template} {status}"
    pointer = f"{base}/content/{_escape(media_type)}/schema"
    errors = sorted(schema_validator(pointer).iter_errors(response.get_json()), key=str)
    assert not errors, f"{method} {path} {status} body violates the contract: {errors[0]}"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
