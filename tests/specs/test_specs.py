"""The hand-written vendor specs: valid OpenAPI 3.0.3, examples true to their schemas, loadable by
connexion, openapi-core and Schemathesis, and complete for every rule's operations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import connexion
import hypothesis
import pytest
import schemathesis
from connexion.mock import MockResolver
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from openapi_spec_validator import validate

from contracts.conformance import SpecChecker
from mockserver.core.schema import BodySchema
from mockserver.core.spec import deref, load_spec, operations, resolve, spec_files
from mockserver.core.vendor import discover_vendors

VENDORS = discover_vendors()
SPECS = spec_files()
INVALID_EXAMPLES = "x-invalid-examples"
"""Where request bodies that break the schema on purpose live: not under `examples`, which
Swagger UI, Prism and Dredd offer as samples to send."""

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
                for name, example in (media.get(INVALID_EXAMPLES) or {}).items():
                    yield "invalid", f"{method} {name}", media["schema"], deref(example)["value"]
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
    """Request and response `examples` conform; the `x-invalid-examples` beside them do not."""
    spec = load_spec(path)
    checked = {"request": 0, "response": 0, "invalid": 0}
    for kind, name, schema, value in _examples(spec):
        example_name = name.split(" ", 2)[-1] if kind == "response" else name.split(" ", 1)[1]
        status = example_name.split(" ", 1)[0]
        assert status[:1].isdigit(), f"{path.name}: example {name!r} must start with its status"
        cls = OAS30ReadValidator if kind == "response" else OAS30WriteValidator
        resolver_schema = {**schema, "components": spec.get("components", {})}
        errors = list(cls(resolver_schema, format_checker=oas30_format_checker).iter_errors(value))
        if kind == "invalid":
            assert status.startswith("4"), f"{path.name}: invalid example {name!r} must be refused"
            assert errors, f"{path.name}: {name!r} is valid: it belongs under `examples`"
        else:
            assert not errors, f"{path.name}: example {name!r}: {errors[0].message}"
        checked[kind] += 1
    assert checked["request"] >= 3 and checked["response"] > 5 and checked["invalid"] >= 2


def _schema_nodes(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping of the document with its JSON pointer, example values left out."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _schema_nodes(item, f"{pointer}/{i}")
    elif isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            if key not in ("example", "examples", INVALID_EXAMPLES):
                yield from _schema_nodes(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")


@pytest.mark.parametrize("path", SPECS, ids=spec_id)
def test_no_schema_is_nullable_with_an_enum_beside_it(path: Path) -> None:
    """Prism appends null to the enum of a nullable schema; an enum that already lists null then
    holds it twice, which its JSON Schema compiler refuses, and Prism silently stops validating
    the whole body (stoplightio/prism#1931). The specs put such enums in an `allOf` instead."""
    both = [
        p for p, node in _schema_nodes(load_spec(path)) if node.get("nullable") is True and "enum" in node
    ]
    assert not both, f"{path.name}: nullable beside enum at {both}"


NULLABLE_ENUMS = {
    "cor": {"/components/schemas/Project/properties/income_type"},
    "personio": {
        "/components/requestBodies/UpdateProjectRequest/content/application~1json/schema/properties/status"
    },
    "ruddr": {
        f"/components/schemas/Project/properties/{name}"
        for name in ("revenueRecognitionMethod", "budgetMode", "monthlyBudgetMode")
    },
}


@pytest.mark.parametrize("path", SPECS, ids=spec_id)
def test_nullable_enums_take_null_and_their_values_and_nothing_else(path: Path) -> None:
    """OpenAPI 3.0.3: `nullable` adds null to the `type`, not to an `enum`, so the enum lists null
    too. openapi-schema-validator (the mock's request validation, openapi-core's everywhere) takes
    exactly null and the enum's values, and words the errors as for a plain enum."""
    spec = load_spec(path)
    found = {
        pointer: branch["enum"]
        for pointer, node in _schema_nodes(spec)
        if node.get("nullable") is True
        for branch in node.get("allOf", [])
        if isinstance(branch, dict) and "enum" in branch
    }
    assert set(found) == NULLABLE_ENUMS.get(path.stem, set())
    for pointer, enum in found.items():
        assert None in enum, f"{path.name}{pointer}: the enum must list null"
        schema = {**resolve(spec, pointer), "components": spec["components"]}
        for cls in (OAS30ReadValidator, OAS30WriteValidator):
            validator = cls(schema, format_checker=oas30_format_checker)
            assert all(validator.is_valid(value) for value in enum), pointer
            assert [e.validator for e in validator.iter_errors("not-one-of-them")] == ["enum"], pointer
            assert [e.validator for e in validator.iter_errors(42)] == ["type", "enum"], pointer


def test_personio_patch_status_takes_null_and_its_values_in_the_mock() -> None:
    """The mock's own body validation of the PATCH (PER-3 then refuses null as a business rule)."""
    spec = load_spec(VENDORS["personio"].spec_path)
    body = resolve(spec, "/components/requestBodies/UpdateProjectRequest/content/application~1json/schema")
    schema = BodySchema(body)
    for status in ("ACTIVE", "ARCHIVED", None):
        assert schema.violations({"status": status}, 400) == []
    (violation,) = schema.violations({"status": "INVALID"}, 400)
    assert (violation.field, violation.keyword) == ("status", "enum")
    assert violation.message == 'must be one of "ACTIVE", "ARCHIVED", null'


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


SOURCE_LINE = re.compile(r"Source: (?:https://\S+.*|none found; modelled on \S.*)")


@pytest.mark.parametrize("path", SPECS, ids=spec_id)
def test_GEN_12_every_operation_cites_its_page(path: Path) -> None:
    """Each operation's description ends with the vendor page it follows, or says none was found
    and what it is modelled on."""
    spec = load_spec(path)
    uncited = []
    for url, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            last = (operation.get("description") or "").strip().splitlines()[-1:]
            if not (last and SOURCE_LINE.fullmatch(last[0].strip())):
                uncited.append(f"{method.upper()} {url}")
    assert uncited == []


@pytest.mark.parametrize(
    ("vendor", "response", "says"),
    [
        ("cor", ("/v2/integrations/projects/{id}", "put", "400"), "inferred (COR-1)"),
        ("cor", ("/v2/integrations/projects", "post", "409"), "inferred (COR-1)"),
        ("zep", ("/projects/{id}", "patch", "422"), "Body inferred (ZEP-1)"),
        ("personio", ("/v2/projects/{id}", "patch", "401"), "inferred (GEN-8)"),
    ],
)
def test_GEN_12_inferred_error_envelopes_say_so(
    vendor: str, response: tuple[str, str, str], says: str
) -> None:
    spec = load_spec(next(p for p in SPECS if p.stem == vendor))
    url, method, status = response
    answer = deref(spec, spec["paths"][url][method]["responses"][status])
    assert says in " ".join(answer["description"].split())
