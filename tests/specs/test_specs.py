"""The hand-written vendor specs: valid OpenAPI 3.0.3, examples true to their schemas, loadable by
connexion, openapi-core and Schemathesis, and complete for every rule's operations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import connexion
import hypothesis
import pytest
import schemathesis
from connexion.mock import MockResolver
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from openapi_schema_validator._format import oas30_format_checker
from openapi_spec_validator import validate

from contracts.conformance import SpecChecker
from mockserver.core.spec import load_spec, operations, spec_files
from mockserver.core.vendor import discover_vendors

VENDORS = discover_vendors()
SPECS = spec_files()

# Operations the rules of RULES.md need, per vendor (the neighbours of each update operation).
REQUIRED_OPERATIONS = {
    "wethod": {
        "getProject",
        "listProjects",
        "createProject",
        "updateProject",
        "listTimesheetWhitelists",
        "createTimesheetWhitelist",
        "deleteTimesheetWhitelist",
    },
    "ruddr": {"getProject", "createProject", "updateProject"},
    "zep": {"getProject", "createProject", "updateProject"},
    "personio": {
        "getProject",
        "listProjects",
        "createProject",
        "updateProject",
        "listProjectMembers",
        "addProjectMembers",
        "removeProjectMembers",
    },
    "cor": {"createProject", "updateProject"},
}


def spec_id(path: Path) -> str:
    return path.stem


@pytest.mark.parametrize("path", SPECS, ids=spec_id)
def test_spec_is_valid_openapi_303(path: Path) -> None:
    spec = load_spec(path)
    assert spec["openapi"] == "3.0.3"
    validate(spec)


def _examples(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """(kind, name, schema, value) for every named example in the spec, $refs resolved."""

    def deref(node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    for item in spec["paths"].values():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            body = deref(op.get("requestBody") or {})
            for media in (body.get("content") or {}).values():
                for name, example in (media.get("examples") or {}).items():
                    yield "request", f"{method} {name}", media["schema"], deref(example)["value"]
            for status, response in op["responses"].items():
                for media in (deref(response).get("content") or {}).values():
                    for name, example in (media.get("examples") or {}).items():
                        yield (
                            "response",
                            f"{method} {status} {name}",
                            media["schema"],
                            deref(example)["value"],
                        )


@pytest.mark.parametrize("path", SPECS, ids=spec_id)
def test_every_example_is_named_by_status_and_true_to_its_schema(path: Path) -> None:
    spec = load_spec(path)
    vendor = VENDORS[path.stem]
    checked = 0
    for kind, name, schema, value in _examples(spec):
        example_name = name.split(" ", 2)[-1] if kind == "response" else name.split(" ", 1)[1]
        status = example_name.split(" ", 1)[0]
        assert status[:1].isdigit(), f"{path.name}: example {name!r} must start with its status"
        if kind == "request" and int(status) == vendor.validation_status:
            continue  # invalid on purpose: that is what a validation-error example shows
        cls = OAS30WriteValidator if kind == "request" else OAS30ReadValidator
        resolver_schema = {**schema, "components": spec.get("components", {})}
        errors = list(cls(resolver_schema, format_checker=oas30_format_checker).iter_errors(value))
        assert not errors, f"{path.name}: example {name!r}: {errors[0].message}"
        checked += 1
    assert checked > 5


@pytest.mark.parametrize("vendor_id", sorted(REQUIRED_OPERATIONS))
def test_operations_the_rules_need_are_in_the_spec(vendor_id: str) -> None:
    ids = {op.operation_id for op in operations(load_spec(VENDORS[vendor_id].spec_path))}
    assert REQUIRED_OPERATIONS[vendor_id] <= ids


@pytest.mark.parametrize("vendor_id", sorted(VENDORS))
def test_vendor_module_handles_exactly_the_spec_operations(vendor_id: str) -> None:
    vendor = VENDORS[vendor_id]
    ids = {op.operation_id for op in operations(load_spec(vendor.spec_path))}
    assert set(vendor.operations()) == ids


@pytest.mark.parametrize("path", SPECS, ids=spec_id)
def test_spec_loads_in_connexion(path: Path) -> None:
    app = connexion.AsyncApp(__name__)
    app.add_api(path, resolver=MockResolver(mock_all=True))


@pytest.mark.parametrize("path", SPECS, ids=spec_id)
def test_spec_loads_in_openapi_core(path: Path) -> None:
    assert SpecChecker(path).server.startswith("https://")


def draw_cases(strategy: Any) -> list[Any]:
    drawn: list[Any] = []

    @hypothesis.given(strategy)
    @hypothesis.settings(max_examples=3, database=None, deadline=None, phases=[hypothesis.Phase.generate])
    def draw(case: Any) -> None:
        drawn.append(case)

    draw()
    return drawn


@pytest.mark.parametrize("path", SPECS, ids=spec_id)
def test_schemathesis_generates_cases_for_every_operation(path: Path) -> None:
    schema = schemathesis.openapi.from_path(str(path))
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        drawn = draw_cases(operation.as_strategy())
        assert drawn and all(c.method.upper() == operation.method.upper() for c in drawn)
        labels.append(operation.label)
    assert len(labels) == len(list(operations(load_spec(path))))
