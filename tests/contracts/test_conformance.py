"""``SpecChecker``'s structured checks: every problem of a request or response as a violation
with its field, location and keyword, worded as the mock's own validators word them."""

from __future__ import annotations

import json

import pytest

from contracts.conformance import SpecChecker
from mockserver.core.spec import SPECS_DIR
from mockserver.core.violations import Violation

WETHOD_HEADERS = {"Authorization": "Bearer t", "Wethod-Company": "acme", "Wethod-Version": "2024-06-15"}


@pytest.fixture(scope="module")
def wethod() -> SpecChecker:
    return SpecChecker(SPECS_DIR / "wethod.yaml")


@pytest.fixture(scope="module")
def personio() -> SpecChecker:
    return SpecChecker(SPECS_DIR / "personio.yaml")


def fields(violations: list[Violation]) -> list[tuple[str | None, str | None, str]]:
    return [(v.field, v.keyword, v.location) for v in violations]


def test_missing_credentials_do_not_hide_parameter_and_body_violations(wethod: SpecChecker) -> None:
    body = json.dumps({"probability": 120, "client_id": "7", "x_extra": {"deep": 1}}).encode()
    check = wethod.check_request(
        "PATCH", "/api/projects/42", {"Content-Type": "application/json", "Wethod-Company": "acme"}, body
    )
    assert check.operation == "updateProject"
    assert fields(check.violations) == [
        ("Authorization", None, "header"),
        ("Wethod-Version", "required", "header"),
        ("client_id", "type", "body"),
        ("probability", "maximum", "body"),
    ]
    assert [v.status for v in check.violations] == [401, 400, 400, 400]
    assert check.undocumented == ["x_extra"]


def test_parameters_are_cast_then_validated(wethod: SpecChecker) -> None:
    check = wethod.check_request("GET", "/api/projects?limit=abc&offset=-1", WETHOD_HEADERS, None)
    assert fields(check.violations) == [("limit", "type", "query"), ("offset", "minimum", "query")]
    assert check.violations[0].message == "query parameter 'limit': must be of type integer"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/api/nowhere", 404), ("DELETE", "/api/projects/42", 405)],
)
def test_routes_the_spec_lacks(wethod: SpecChecker, method: str, path: str, status: int) -> None:
    check = wethod.check_request(method, path, WETHOD_HEADERS, None)
    assert check.operation is None
    assert [v.status for v in check.violations] == [status]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b'{"name": NaN}', "application/json", 400, "NaN is not valid JSON"),
        (b"{", "application/json", 400, "malformed JSON"),
        (b"name=x", "text/plain", 415, "text/plain is not accepted"),
    ],
)
def test_unreadable_bodies(
    personio: SpecChecker, body: bytes, content_type: str, status: int, message: str
) -> None:
    headers = {"Authorization": "Bearer t", "Content-Type": content_type}
    (violation,) = personio.check_request("PATCH", "/v2/projects/1001", headers, body).violations
    assert violation.status == status
    assert message in violation.message


def test_response_violations_name_each_missing_field_once(personio: SpecChecker) -> None:
    found = personio.response_violations(
        "GET", "/v2/projects/1001", 200, {"Content-Type": "application/json"}, b'{"id": "1"}'
    )
    missing = [v.field for v in found if v.keyword == "required"]
    assert len(missing) == len(set(missing)) >= 10
    assert {v.location for v in found} == {"response"}


def test_a_conforming_exchange_has_no_violations(personio: SpecChecker) -> None:
    headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
    check = personio.check_request("PATCH", "/v2/projects/1001", headers, b'{"name": "New name"}')
    assert (check.violations, check.undocumented) == ([], [])
    assert personio.response_violations("PATCH", "/v2/projects/1001", 204, {}, b"") == []
