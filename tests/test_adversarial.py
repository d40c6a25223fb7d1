"""mockserver.adversarial: generated replies are valid for the spec, hostile, and reproducible."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from contracts.conformance import SpecChecker
from mockserver.adversarial import FuzzedResponse, documented_statuses, fuzzed_reply, response_strategy
from mockserver.adversarial._values import compile_schema
from mockserver.core.spec import SpecOperation, load_spec, operations
from mockserver.core.values import NO_BODY, Reply
from mockserver.core.vendor import discover_vendors

ROOT = Path(__file__).resolve().parents[1]
VENDORS = discover_vendors()
SEEDS = (0, 1, 2)
CASES = range(6)


def concrete(op: SpecOperation) -> str:
    path = op.path
    for name in op.path_params:
        path = path.replace("{" + name + "}", "1")
    return path


def encoded(reply: Reply | FuzzedResponse) -> tuple[dict[str, str], bytes]:
    headers = dict(reply.headers)
    if reply.body is NO_BODY:
        return headers, b""
    headers["Content-Type"] = reply.media_type or "application/json"
    return headers, json.dumps(reply.body, ensure_ascii=False).encode()


def digest(reply: Reply) -> str:
    headers, body = encoded(reply)
    return hashlib.sha256(repr((reply.status, sorted(headers.items()), body)).encode()).hexdigest()


@pytest.mark.parametrize("vendor_id", sorted(VENDORS))
def test_every_reply_of_every_operation_conforms_to_the_spec(vendor_id: str) -> None:
    vendor = VENDORS[vendor_id]
    checker = SpecChecker(vendor.spec_path)
    problems = []
    for op in operations(load_spec(vendor.spec_path)):
        path = concrete(op)
        for seed in SEEDS:
            for case in CASES:
                reply = fuzzed_reply(vendor, op.method, path, seed=seed, case=case, status=None)
                headers, body = encoded(reply)
                for error in checker.response_errors(op.method, path, reply.status, headers, body):
                    problems.append(f"{op.operation_id} seed={seed} case={case} {reply.status}: {error}")
    assert problems == []


@pytest.mark.parametrize("vendor_id", sorted(VENDORS))
def test_every_documented_status_is_generated(vendor_id: str) -> None:
    vendor = VENDORS[vendor_id]
    for op in operations(load_spec(vendor.spec_path)):
        statuses = documented_statuses(vendor, op.operation_id)
        seen = {
            fuzzed_reply(vendor, op.method, concrete(op), seed=0, case=c, status=None).status
            for c in range(60)
        }
        assert seen == set(statuses), op.operation_id


def test_the_same_seed_and_case_give_the_same_reply() -> None:
    vendor = VENDORS["zep"]
    for case in range(10):
        first = fuzzed_reply(vendor, "GET", "/projects/7", seed=5, case=case, status=None)
        assert fuzzed_reply(vendor, "GET", "/projects/7", seed=5, case=case, status=None) == first


def test_the_public_functions_take_a_vendor_or_its_id() -> None:
    """Found by an interface audit: the README's ``fuzzed_reply(vendor, ...)`` raised
    AttributeError for ``"personio"``, while ``fuzz_client`` and ``mock.fault`` take the id."""
    by_id = fuzzed_reply("zep", "GET", "/projects/7", seed=5, case=3, status=None)
    assert by_id == fuzzed_reply(VENDORS["zep"], "GET", "/projects/7", seed=5, case=3, status=None)

    @given(response=response_strategy("personio", "getProject", 200))
    @settings(max_examples=3, database=None)
    def drawn(response: FuzzedResponse) -> None:
        assert response.reply().status == 200

    drawn()
    with pytest.raises(ValueError, match=r"unknown vendor\(s\) \['nope'\]"):
        fuzzed_reply("nope", "GET", "/x", seed=0, case=0, status=None)


def test_different_cases_and_seeds_give_different_replies() -> None:
    vendor = VENDORS["personio"]
    by_case = {
        digest(fuzzed_reply(vendor, "GET", "/v2/projects/1", seed=0, case=c, status=200)) for c in range(40)
    }
    by_seed = {
        digest(fuzzed_reply(vendor, "GET", "/v2/projects/1", seed=s, case=0, status=200)) for s in range(40)
    }
    assert len(by_case) == 40
    assert len(by_seed) == 40


_IN_ANOTHER_PROCESS = """
import hashlib, json, sys
from mockserver.adversarial import fuzzed_reply
from mockserver.core.vendor import discover_vendors
vendor = discover_vendors([sys.argv[1]])[sys.argv[1]]
for case in range(int(sys.argv[4])):
    reply = fuzzed_reply(vendor, "GET", sys.argv[2], seed=int(sys.argv[3]), case=case, status=None)
    print(reply.status, json.dumps(reply.body if reply.status != 204 else None, sort_keys=True))
"""


def test_a_seed_gives_the_same_replies_in_another_process_with_other_imports() -> None:
    """Hypothesis' @seed would not: it mixes literals of the loaded local modules into its data."""
    vendor, path, seed, count = VENDORS["ruddr"], "/projects/1", 11, 8
    here = [fuzzed_reply(vendor, "GET", path, seed=seed, case=c, status=None) for c in range(count)]
    expected = [f"{r.status} {json.dumps(r.body if r.status != 204 else None, sort_keys=True)}" for r in here]
    result = subprocess.run(
        [sys.executable, "-c", _IN_ANOTHER_PROCESS, vendor.id, path, str(seed), str(count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONHASHSEED": "123", "PATH": ""},
    )
    assert result.stdout.splitlines() == expected


def deref(spec: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def object_success(spec: Mapping[str, Any], op: SpecOperation) -> tuple[int, dict[str, Any]] | None:
    """The first 2xx status of ``op`` whose JSON body is an object with properties, and its schema."""
    responses = {str(k): v for k, v in spec["paths"][op.path][op.method.lower()]["responses"].items()}
    for status in sorted(s for s in responses if s.startswith("2")):
        content = (deref(spec, responses[status]).get("content") or {}).get("application/json")
        schema = deref(spec, content["schema"]) if content else {}
        if schema.get("type") == "object" and "properties" in schema:
            return int(status), schema
    return None


def hostility(
    spec: Mapping[str, Any], schema: Mapping[str, Any], bodies: list[Any], where: str
) -> Iterator[str]:
    """What the schema allows but the bodies never show, at every depth of nested objects."""
    required = set(schema.get("required", []))
    for name, ref in schema["properties"].items():
        prop = deref(spec, ref)
        values = [b[name] for b in bodies if name in b]
        if prop.get("nullable") and "enum" not in prop and None not in values:
            yield f"{where}.{name} is never null"
        longest = prop.get("maxLength") if "pattern" not in prop else None
        if longest is not None and not any(isinstance(v, str) and len(v) == longest for v in values):
            yield f"{where}.{name} is never {longest} characters long"
        if name not in required and len(values) == len(bodies):
            yield f"{where}.{name} is never missing"
        if prop.get("type") == "object" and "properties" in prop:
            yield from hostility(spec, prop, [v for v in values if isinstance(v, dict)], f"{where}.{name}")


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


@pytest.mark.parametrize("vendor_id", sorted(VENDORS))
def test_nulls_max_lengths_and_missing_fields_appear_where_the_schema_allows(vendor_id: str) -> None:
    vendor = VENDORS[vendor_id]
    spec = load_spec(vendor.spec_path)
    checked, problems = 0, []
    for op in operations(spec):
        found = object_success(spec, op)
        if found is None or (op.method != "GET" and vendor_id != "cor"):  # COR has no GET
            continue
        status, schema = found
        bodies = [
            fuzzed_reply(vendor, op.method, concrete(op), seed=3, case=c, status=status).body
            for c in range(90)
        ]
        problems.extend(hostility(spec, schema, bodies, op.operation_id))
        texts = list(strings_in(bodies))
        if not any(ord(ch) > 0xFFFF for text in texts for ch in text):
            problems.append(f"{op.operation_id}: no non-BMP character")
        if not any(0x0590 <= ord(ch) <= 0x06FF for text in texts for ch in text):
            problems.append(f"{op.operation_id}: no right-to-left text")
        checked += 1
    assert checked, "no operation answers a single object"
    assert problems == []


def test_a_204_has_no_body() -> None:
    reply = fuzzed_reply(VENDORS["personio"], "PATCH", "/v2/projects/1", seed=0, case=0, status=204)
    assert (reply.status, reply.body) == (204, NO_BODY)


def test_documented_headers_are_generated_and_required_ones_always(tmp_path: Path) -> None:
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things/{id}": {
                "get": {
                    "operationId": "getThing",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {
                                "X-Rate-Remaining": {
                                    "required": True,
                                    "schema": {"type": "integer", "minimum": 0},
                                },
                                "X-Trace": {"schema": {"type": "string", "maxLength": 12}},
                            },
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            }
        },
    }
    path = tmp_path / "thing.yaml"
    path.write_text(json.dumps(spec), encoding="utf-8")

    class Things(type(discover_vendors()["personio"])):  # type: ignore[misc]
        """A vendor whose spec is the one above (a real Vendor: the toolkit checks its type)."""

        @property
        def spec_path(self) -> Path:
            return path

    vendor = Things()
    replies = [fuzzed_reply(vendor, "GET", "/things/x", seed=0, case=c, status=None) for c in range(30)]
    assert all(int(r.headers["X-Rate-Remaining"]) >= 0 for r in replies)
    traces = [r.headers["X-Trace"] for r in replies if "X-Trace" in r.headers]
    assert 0 < len(traces) < len(replies)
    assert all(len(t) <= 12 and t.isascii() for t in traces)


def test_an_unknown_route_or_an_undocumented_status_is_refused() -> None:
    vendor = VENDORS["personio"]
    with pytest.raises(LookupError):
        fuzzed_reply(vendor, "GET", "/v2/nothing-here", seed=0, case=0, status=None)
    with pytest.raises(ValueError, match="201"):
        fuzzed_reply(vendor, "GET", "/v2/projects/1", seed=0, case=0, status=201)


def test_an_error_status_the_operation_does_not_list_comes_from_its_default_response() -> None:
    vendor = VENDORS["wethod"]
    checker = SpecChecker(vendor.spec_path)
    for case in range(10):
        reply = fuzzed_reply(vendor, "GET", "/api/projects/42", seed=0, case=case, status=429)
        headers, body = encoded(reply)
        assert reply.status == 429
        assert checker.response_errors("GET", "/api/projects/42", 429, headers, body) == []


def test_a_literal_path_segment_wins_over_a_parameter() -> None:
    vendor = VENDORS["personio"]
    reply = fuzzed_reply(vendor, "GET", "/v2/projects/1001/members", seed=0, case=0, status=200)
    assert isinstance(reply.body, dict)
    checker = SpecChecker(vendor.spec_path)
    headers, body = encoded(reply)
    assert checker.response_errors("GET", "/v2/projects/1001/members", 200, headers, body) == []


_WETHOD_CHECKER = SpecChecker(VENDORS["wethod"].spec_path)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(response_strategy(VENDORS["wethod"], "updateProject"))
def test_the_hypothesis_strategy_draws_conforming_replies(response: FuzzedResponse) -> None:
    headers, body = encoded(response)
    assert _WETHOD_CHECKER.response_errors("PATCH", "/api/projects/42", response.status, headers, body) == []


# -- what the vendor could send: error names with their status, real dates ----------------------
COR_1 = {
    "ValidationError": 400,
    "InvalidSourceError": 400,
    "InvalidDateRangeError": 400,
    "ProjectNotFoundError": 404,
    "ClientNotFoundError": 404,
    "DuplicateExternalIdError": 409,
}
WET_2 = {400: "invalid_data", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}
WET_2[412] = "precondition_failure"


def error_replies(vendor_id: str, statuses: tuple[int, ...] = ()) -> Iterator[tuple[str, int, Any]]:
    """(operationId, status, body) of error replies: every documented error status, and ``statuses``."""
    vendor = VENDORS[vendor_id]
    for op in operations(load_spec(vendor.spec_path)):
        wanted = {s for s in documented_statuses(vendor, op.operation_id) if s >= 400} | set(statuses)
        for status in sorted(wanted):
            for case in range(12):
                reply = fuzzed_reply(vendor, op.method, concrete(op), seed=0, case=case, status=status)
                yield op.operation_id, status, reply.body


def test_cor_error_names_come_only_with_the_status_cor_1_gives_them() -> None:
    seen: dict[int, set[str]] = {}
    for operation, status, body in error_replies("cor", (403, 500, 502, 503)):
        name = body["error"]
        assert COR_1.get(name, status) == status, f"{operation}: {name} with {status}"
        seen.setdefault(status, set()).add(name)
    assert seen[400] == {"ValidationError", "InvalidSourceError", "InvalidDateRangeError"}
    assert {"ProjectNotFoundError", "ClientNotFoundError"} <= seen[404]
    assert (seen[401], seen[409], seen[429]) == (
        {"Unauthorized"},
        {"DuplicateExternalIdError"},
        {"TooManyRequestsError"},
    )
    # statuses only `default` stands for take the name its examples pair with them
    assert (seen[403], seen[500], seen[502], seen[503]) == (
        {"Unauthorized"},
        {"InternalServerError"},
        {"ServiceUnavailableError"},
        {"ServiceUnavailableError"},
    )


def test_create_client_never_answers_a_date_range_error() -> None:
    vendor = VENDORS["cor"]
    names = {
        fuzzed_reply(vendor, "POST", "/v2/integrations/clients", seed=0, case=c, status=400).body["error"]
        for c in range(30)
    }
    assert names == {"ValidationError", "InvalidSourceError"}


def test_wethod_keys_come_with_the_status_wet_2_gives_them() -> None:
    for operation, status, body in error_replies("wethod"):
        assert body["key"] == WET_2[status], f"{operation} {status}"


def test_ruddr_error_bodies_carry_their_own_status() -> None:
    # the spec's examples show `status` equal to the HTTP status; `default` follows them too
    for operation, status, body in error_replies("ruddr", (403, 500, 503)):
        assert body["status"] == status, operation


_DATE_LIKE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[T ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?"
)


@pytest.mark.parametrize("vendor_id", sorted(VENDORS))
def test_dates_and_times_are_real(vendor_id: str) -> None:
    vendor = VENDORS[vendor_id]
    checked, problems = 0, []
    for op in operations(load_spec(vendor.spec_path)):
        for case in range(40):
            reply = fuzzed_reply(vendor, op.method, concrete(op), seed=4, case=case, status=None)
            for text in strings_in(reply.body):
                shape = _DATE_LIKE.fullmatch(text)
                if shape is None:
                    continue
                checked += 1
                try:
                    dt.date.fromisoformat(shape["date"])
                    if shape["time"]:
                        dt.time.fromisoformat(shape["time"])
                except ValueError:
                    problems.append(f"{op.operation_id} case={case}: {text}")
    assert checked > 0
    assert problems == []


def test_a_date_pattern_gets_real_dates_and_keeps_its_literal_time() -> None:
    draw = compile_schema({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} 00:00:00$"})
    values = [draw(random.Random(n)) for n in range(200)]
    assert all(v.endswith(" 00:00:00") for v in values)
    assert len({dt.date.fromisoformat(v[:10]) for v in values}) > 50  # varied, and every one real


def test_a_pattern_keeps_to_the_length_its_schema_allows() -> None:
    """rstr repeats ``+`` and ``*`` up to 100 times: Ruddr's slug pattern alone gives thousands
    of characters, under a maxLength of 255 one time in twenty."""
    slug = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    draw = compile_schema({"type": "string", "maxLength": 255, "pattern": slug})
    values = [draw(random.Random(n)) for n in range(100)]
    assert all(re.search(slug, v) and len(v) <= 255 for v in values)
    assert any(len(v) == 255 for v in values)
    decimal = r"^-?[0-9]+\.[0-9]{2}$"  # no prefix of a longer one matches: drawn again
    draw = compile_schema({"type": "string", "minLength": 5, "maxLength": 12, "pattern": decimal})
    values = [draw(random.Random(n)) for n in range(100)]
    fitting = [v for v in values if re.search(decimal, v) and 5 <= len(v) <= 12]
    assert len(fitting) > 60  # 81 of 100; the caller draws the rest again with the whole body


def test_an_all_of_draws_only_the_values_every_enum_allows() -> None:
    draw = compile_schema(
        {"allOf": [{"enum": ["a", "b", "c"]}, {"properties": {}}, {"enum": ["c", "b", "z"]}]}
    )
    assert {draw(random.Random(n)) for n in range(50)} == {"b", "c"}
    with pytest.raises(ValueError, match="no value"):
        compile_schema({"allOf": [{"enum": ["a"]}, {"enum": ["b"]}]})
