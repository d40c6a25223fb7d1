"""core.request_check: the one check of a routed call, shared by the mock and the proxy."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.core.operations import OperationTable
from mockserver.core.request_check import BAD_HEADER, BAD_TOKEN, NO_TOKEN, Checked, Policy, check_request
from mockserver.core.spec import load_spec
from mockserver.core.values import Identity
from mockserver.core.vendor import discover_vendors

VENDORS = discover_vendors()


def _check(vid: str, method: str, path: str, query: str = "", **headers: str) -> Checked:
    route = OperationTable(load_spec(VENDORS[vid].spec_path)).route(method, path)
    assert route.operation is not None
    sent = {"authorization": "Bearer t", **{k.replace("_", "-"): v for k, v in headers.items()}}
    return check_request(
        route.operation, route.path_params, query, sent, b"", Policy(query_status=422), Identity
    )


def test_GEN_13_a_query_integer_past_pythons_digit_limit_is_refused_not_a_crash() -> None:
    """Found by the hostile fuzzer: int() raises on 5,000 digits; the schema refuses it instead."""
    checked = _check("personio", "GET", "/v2/projects", "limit=" + "9" * 5000)
    assert [(v.status, v.field, v.keyword) for v in checked.param_violations] == [(422, "limit", "type")]


def test_GEN_13_non_ascii_digits_are_not_an_integer() -> None:
    checked = _check("personio", "GET", "/v2/projects", "limit=%D9%A3")  # Arabic-Indic three
    assert [(v.field, v.rule) for v in checked.param_violations] == [("limit", "GEN-13")]


def test_form_style_arrays_split_on_commas_and_explode_joins_repetitions() -> None:
    personio = _check("personio", "GET", "/v2/projects", "status=ACTIVE,ARCHIVED&status=ACTIVE")
    assert personio.query["status"] == ["ACTIVE"]  # explode: false, the last one wins
    zep = _check("zep", "GET", "/projects", "id[]=1&id[]=2,3")
    assert zep.query["id[]"] == [1, 2, 3]  # explode: true joins them


def test_GEN_7_undocumented_query_parameters_are_kept_and_named() -> None:
    checked = _check("ruddr", "GET", "/projects", "dateOnAfter=2025-01-01&limit=5")
    assert checked.query == {"limit": 5, "dateOnAfter": ["2025-01-01"]}
    assert [(v.field, v.location, v.rule) for v in checked.unknown_params] == [
        ("dateOnAfter", "query", "GEN-7")
    ]


@pytest.mark.parametrize(
    ("authorization", "problem"),
    [("", NO_TOKEN), ("Basic eHg6eXk=", NO_TOKEN), ("Bearer", BAD_HEADER), ("Bearer nope", BAD_TOKEN)],
)
def test_GEN_8_bearer_problems_are_refused_before_anything_else(authorization: str, problem: str) -> None:
    route = OperationTable(load_spec(VENDORS["zep"].spec_path)).route("PATCH", "/projects/1")
    assert route.operation is not None
    headers = {"authorization": authorization, "content-type": "text/plain"}
    checked = check_request(route.operation, route.path_params, "", headers, b"{", Policy(), lambda t: None)
    assert checked.refusal is not None
    assert (checked.refusal.status, checked.refusal.message) == (401, problem)
    assert checked.body_violations == []


def test_GEN_9_a_media_type_the_operation_does_not_take_is_415_naming_what_it_takes() -> None:
    route = OperationTable(load_spec(VENDORS["zep"].spec_path)).route("PATCH", "/projects/1")
    assert route.operation is not None
    headers = {"authorization": "Bearer t", "content-type": "text/plain"}
    checked = check_request(route.operation, route.path_params, "", headers, b"{}", Policy(), Identity)
    assert checked.refusal is not None
    assert checked.refusal.status == 415 and checked.refusal.params["accepted"] == ["application/json"]


@pytest.mark.parametrize(
    ("coding", "said"),
    [
        ({"content-encoding": "gzip"}, "The body is sent with Content-Encoding gzip"),
        ({"transfer-encoding": "gzip, chunked"}, "The body is sent with Transfer-Encoding gzip"),
        ({"content-encoding": "identity", "transfer-encoding": "chunked"}, None),
    ],
)
def test_GEN_9_a_compressed_body_is_415_not_read_as_json(coding: dict[str, str], said: str | None) -> None:
    """Found by a hostile probe: ``Transfer-Encoding: gzip, chunked`` was accepted and its bytes
    read as JSON (gzipped, they were "not valid UTF-8"). No vendor documents request codings."""
    route = OperationTable(load_spec(VENDORS["zep"].spec_path)).route("PATCH", "/projects/1")
    assert route.operation is not None
    headers = {"authorization": "Bearer t", "content-type": "application/json", **coding}
    checked = check_request(route.operation, route.path_params, "", headers, b"{}", Policy(), Identity)
    if said is None:
        assert checked.refusal is None
        return
    assert checked.refusal is not None and checked.refusal.status == 415
    assert checked.refusal.message == f"{said}; this API reads it as sent, unencoded"


PLAIN_PARAMETERS = sorted(
    {
        (vid, p.location, p.name, repr(dict(p.schema))): p
        for vid, vendor in VENDORS.items()
        for op in OperationTable(load_spec(vendor.spec_path))
        for p in (*op.path_params, *op.query_params, *op.header_params)
        if p.plain is not None
    }.items()
)


def test_bare_typed_parameters_exist_in_the_specs() -> None:
    kinds = {p.type for _, p in PLAIN_PARAMETERS}
    assert kinds == {"string", "integer"}


@pytest.mark.parametrize(
    "param", [p for _, p in PLAIN_PARAMETERS], ids=[" ".join(k[:3]) for k, _ in PLAIN_PARAMETERS]
)
@settings(max_examples=200, deadline=None, database=None)
@given(
    value=st.one_of(
        st.integers(), st.integers(-2, 202), st.text(max_size=5), st.booleans(), st.floats(), st.none()
    )
)
def test_GEN_9_a_parameter_told_valid_without_the_validator_is_valid_to_it(param: Any, value: Any) -> None:
    """The shortcut for bare-typed parameters never accepts what the validator refuses; where it
    says no, the validator decides and words the refusal."""
    if param.plain(value):
        assert param.validator.violations(value, 400) == []
