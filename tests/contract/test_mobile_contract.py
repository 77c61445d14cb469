"""The mobile contract is valid, complete in both directions, and its examples are true."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.contract import (
    assert_matches_contract,
    load_spec,
    schema_validator,
)

METHODS = {"get", "post", "put", "patch", "delete"}


def _flask_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1/") or rule.rule in {"/healthz", "/readyz"}):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method.lower() in METHODS:
                routes.add((method.lower(), path))
    return routes


def _spec_routes() -> set[tuple[str, str]]:
    return {(method, path) for path, item in load_spec()["paths"].items()
            for method in item if method in METHODS}


def test_contract_is_a_valid_openapi_3_1_document() -> None:
    validate(load_spec())
    assert load_spec()["openapi"].startswith("3.1")


def test_every_mobile_route_is_in_the_contract_and_vice_versa(app: Flask) -> None:
    flask_routes, spec_routes = _flask_routes(app), _spec_routes()
    assert flask_routes - spec_routes == set(), "routes missing from the contract"
    assert spec_routes - flask_routes == set(), "contract paths the server does not have"


def _response_examples() -> list[tuple[str, Any, str]]:
    found = []
    for path, item in load_spec()["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                for media, body in response.get("content", {}).items():
                    pointer = f"#/paths/{path.replace('/', '~1')}/{method}/responses/{status}" \
                              f"/content/{media.replace('/', '~1')}/schema"
                    examples = list(body.get("examples", {}).values())
                    if "example" in body:
                        examples.append({"value": body["example"]})
                    for example in examples:
                        found.append((pointer, _resolve(example["value"]), f"{method} {path} {status}"))
    return found


def _resolve(value: Any) -> Any:
    """Inline '$ref: #/components/examples/X/value' references inside example values."""
    if isinstance(value, dict):
        if set(value) == {"$ref"}:
            node: Any = load_spec()
            for part in value["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            return _resolve(node)
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    return value


@pytest.mark.parametrize(("pointer", "example", "label"), _response_examples(),
                         ids=[e[2] for e in _response_examples()])
def test_every_response_example_matches_its_schema(pointer: str, example: Any, label: str) -> None:
    errors = list(schema_validator(pointer).iter_errors(example))
    assert not errors, f"{label}: {errors[0]}"


def test_every_parameter_example_is_accepted_by_the_server(client: FlaskClient,
                                                           imported_corpus: None) -> None:
    for path, item in load_spec()["paths"].items():
        operation = item.get("get")
        if not operation or not path.startswith("/api/v1/"):
            continue
        query, url = {}, path
        for param in operation.get("parameters", []):
            param = _resolve(param)
            if "$ref" in param:
                param = load_spec()["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]
            if "example" not in param:
                continue
            if param["in"] == "path":
                url = url.replace("{" + param["name"] + "}", str(param["example"]))
            elif param["in"] == "query":
                query[param["name"]] = param["example"]
        response = client.get(url, query_string=query)
        assert response.status_code == 200, f"{url} {query}: {response.get_json()}"
        assert_matches_contract(response, "GET", url)


def test_categories_example_is_exactly_what_the_server_returns(client: FlaskClient) -> None:
    example = load_spec()["paths"]["/api/v1/categories"]["get"]["responses"]["200"]["content"][
        "application/json"]["examples"]["english"]["value"]
    assert client.get("/api/v1/categories?locale=en").get_json() == example


@pytest.mark.slow
def test_property_based_run_finds_no_server_error_and_no_schema_violation(
        app: Flask, imported_corpus: None) -> None:
    """schemathesis generates valid and invalid requests from the contract (bounded)."""
    from hypothesis import HealthCheck, settings

    schema = schemathesis.openapi.from_dict(load_spec())
    schema.app = app  # type: ignore[attr-defined]
    failures: list[str] = []

    for operation in schema.get_all_operations():
        op = operation.ok()
        strategy = op.as_strategy()
        label = f"{op.method.upper()} {op.path}"

        @settings(max_examples=40, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any, label: str = label) -> None:
            response = case.call(app=app)
            try:
                # Cursors are opaque tokens issued by the server: a schema-valid string the server
                # never issued is rightly a 400 (declared in the contract), so "positive data must be
                # accepted" does not apply. Every other check (no 5xx, status codes, content types,
                # headers, body schemas, negative data rejected) runs.
                case.validate_response(response, excluded_checks=[positive_data_acceptance])
            except Exception as exc:
                failures.append(f"{label}: {str(exc)[:500]}")
                raise

        from hypothesis import given

        # A failure is recorded with its case above; keep exploring the other operations.
        with contextlib.suppress(Exception):
            given(strategy)(run)()
    assert not failures, "\n".join(failures[:5])
