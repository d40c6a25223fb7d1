"""The general rules (GEN-*) for every vendor, parametrised over the vendor registry: a new
vendor module with its ``Sample`` is covered without new test code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import MockApp, create_app
from mockserver.config import ServerConfig
from mockserver.core.spec import load_spec, operations
from mockserver.core.vendor import Vendor, discover_vendors
from tests.fixtures.mock import FROZEN_NOW, Api

VENDORS = discover_vendors()
IDS = sorted(VENDORS)


def update_method(vendor: Vendor) -> str:
    return next(
        o.method for o in operations(load_spec(vendor.spec_path)) if o.operation_id == "updateProject"
    )


def update(api: Api, vid: str, body: Any = None, *, path: str | None = None, **kw: Any) -> Any:
    vendor = VENDORS[vid]
    return api.call(
        vid,
        update_method(vendor),
        path or vendor.sample.path,
        json=vendor.sample.body if body is None else body,
        **kw,
    )


def update_schema(vendor: Vendor) -> dict[str, Any]:
    spec = load_spec(vendor.spec_path)
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == "updateProject":
                body = op["requestBody"]
                if "$ref" in body:
                    body = spec["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[-1]]
                schema: dict[str, Any] = body["content"]["application/json"]["schema"]
                if "$ref" in schema:
                    schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
                return schema
    raise AssertionError("no updateProject")


def string_fields(vendor: Vendor) -> list[str]:
    """Plain string fields of the update body: sending a number breaks their schema."""
    props = update_schema(vendor).get("properties", {})
    return [
        k for k, p in props.items() if isinstance(p, dict) and p.get("type") == "string" and "enum" not in p
    ]


# -- GEN-1, GEN-4, GEN-11 ----------------------------------------------------------------------------
@pytest.mark.parametrize("vid", IDS)
def test_GEN_1_partial_update_keeps_absent_fields(api: Api, vid: str) -> None:
    vendor = VENDORS[vid]
    before = api.state(vid)["projects"]
    r = update(api, vid)
    assert r.status_code in (200, 204), r.text
    after = api.state(vid)["projects"]
    changed = {rid for rid in before if before[rid] != after.get(rid)}
    assert len(changed) == 1, "exactly the target project changes"
    (rid,) = changed
    untouched = set(before[rid]) - set(vendor.sample.body) - {"updated_at", "modified", "completedOn"}
    moved = {k for k in untouched if before[rid][k] != after[rid].get(k)}
    assert moved <= {"date_start", "start", "end"} or not moved, f"absent fields changed: {moved}"


@pytest.mark.parametrize("vid", IDS)
def test_GEN_4_rejected_update_changes_nothing(api: Api, vid: str) -> None:
    with api.unchanged(vid):
        r = update(api, vid, VENDORS[vid].sample.rejected)
    assert 400 <= r.status_code < 500
    assert "GEN-4" in api.journal()[-1]["rules"]


@pytest.mark.parametrize("vid", IDS)
def test_GEN_11_successful_update_moves_the_timestamp(api: Api, vid: str) -> None:
    before = api.state(vid)["projects"]
    assert update(api, vid).status_code in (200, 204)
    after = api.state(vid)["projects"]
    (rid,) = [r for r in before if before[r] != after[r]]
    stamps = [k for k in ("updated_at", "modified") if k in after[rid]]
    for key in stamps:
        assert str(after[rid][key]).startswith(FROZEN_NOW[:19]), (key, after[rid][key])
    if stamps:
        assert "GEN-11" in api.journal()[-1]["rules"]


# -- GEN-5, GEN-6 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("vid", IDS)
def test_GEN_5_every_violation_in_one_response(api: Api, vid: str) -> None:
    vendor = VENDORS[vid]
    fields = string_fields(vendor)[:3]
    assert len(fields) >= 2
    body = {**vendor.sample.body, **dict.fromkeys(fields, 12345)}
    with api.unchanged(vid):
        r = update(api, vid, body)
    assert r.status_code == vendor.validation_status
    named = [name for name in fields if name in r.text]
    if vendor.reports_all_errors:
        assert named == fields
        assert "GEN-5" in api.journal()[-1]["rules"]
    else:
        assert len(named) >= 1


@pytest.mark.parametrize("vid", IDS)
def test_GEN_6_order_401_then_404_then_schema(api: Api, vid: str) -> None:
    vendor = VENDORS[vid]
    bad = {**vendor.sample.body, string_fields(vendor)[0]: 12345}
    with api.unchanged(vid):
        assert update(api, vid, bad, path=vendor.sample.missing_path, token=None).status_code == 401
        assert update(api, vid, bad, path=vendor.sample.missing_path).status_code == 404
        assert update(api, vid, bad).status_code == vendor.validation_status


# -- GEN-7 -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def strict_app() -> MockApp:
    return create_app(ServerConfig(strict=True, freeze_time=FROZEN_NOW))


@pytest.mark.parametrize("vid", IDS)
def test_GEN_7_undocumented_fields_are_ignored_and_journalled(api: Api, vid: str) -> None:
    body = {**VENDORS[vid].sample.body, "x_not_documented": {"deep": 1}}
    r = update(api, vid, body)
    assert r.status_code in (200, 204), r.text
    entry = api.journal()[-1]
    assert [w["field"] for w in entry["warnings"]] == ["x_not_documented"]
    assert "GEN-7" in entry["rules"]
    assert all("x_not_documented" not in rec for rec in api.state(vid)["projects"].values())


@pytest.mark.parametrize("vid", IDS)
def test_GEN_7_strict_mode_rejects_undocumented_fields(strict_app: MockApp, checkers: Any, vid: str) -> None:
    strict = Api(strict_app, checkers, "strict")
    body = {**VENDORS[vid].sample.body, "x_not_documented": 1}
    with strict.unchanged(vid):
        r = update(strict, vid, body)
    assert r.status_code == VENDORS[vid].validation_status
    assert "x_not_documented" in r.text


def bodiless_list(vendor: Vendor) -> str | None:
    """The path of an operation that takes no body and no path parameter, if the spec has one."""
    spec = load_spec(vendor.spec_path)
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "get" and "{" not in path and "requestBody" not in op:
                return str(path)
    return None


@pytest.mark.parametrize("vid", IDS)
def test_GEN_7_a_body_sent_where_none_is_documented_is_ignored_and_warned_and_strict_refuses_it(
    api: Api, strict_app: MockApp, checkers: Any, vid: str
) -> None:
    """Found by a hostile probe: a DELETE of Personio's members with the members in its body
    removed every member, silently, even with --strict. The body is never read (malformed JSON
    included), as the vendor's server would not read it."""
    path = bodiless_list(VENDORS[vid])
    if path is None:
        pytest.skip(f"every {vid} operation with no path parameter takes a body")
    sent = {"content": b"{not json", "headers": {"Content-Type": "application/json"}}
    assert api.call(vid, "GET", path, **sent).status_code == 200
    (warning,) = api.journal()[-1]["warnings"]
    assert warning["rule"] == "GEN-7" and warning["location"] == "body"
    assert warning["message"] == "This operation takes no request body"
    strict = Api(strict_app, checkers, "strict")
    with strict.unchanged(vid):
        r = strict.call(vid, "GET", path, **sent)
    assert r.status_code == VENDORS[vid].validation_status
    # Symfony words it as a field "body" that "was not expected" (Wethod)
    assert "takes no request body" in r.text or '"field":"body"' in r.text


# -- GEN-8 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("vid", IDS)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer not-a-token", "Basic dGVzdDp0ZXN0", "test-token", "Bearer  "]
)
def test_GEN_8_missing_or_malformed_bearer_gets_401(api: Api, vid: str, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with api.unchanged(vid):
        r = update(api, vid, token=None, headers=headers)
    assert r.status_code == 401
    assert "GEN-8" in api.journal()[-1]["rules"]


# -- GEN-9 -----------------------------------------------------------------------------------------
def _nested(depth: int) -> bytes:
    return b'{"name": ' + b"[" * depth + b"]" * depth + b"}"


BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "malformed-json": (b'{"name": ', "application/json"),
    "array": (b"[1, 2]", "application/json"),
    "string": (b'"text"', "application/json"),
    "number": (b"42", "application/json"),
    "null": (b"null", "application/json"),
    "empty": (b"", "application/json"),
    "whitespace": (b"  \n ", "application/json"),
    "wrong-content-type": (b'{"name": "x"}', "text/plain"),
    "form-content-type": (b"name=x", "application/x-www-form-urlencoded"),
    "deep-nesting": (_nested(5000), "application/json"),
    "moderate-nesting": (_nested(100), "application/json"),
    "invalid-utf8": (b'{"name": "\xff\xfe"}', "application/json"),
    "nan": (b'{"name": NaN}', "application/json"),
    "infinity": (b'{"name": Infinity}', "application/json"),
    "float-overflow": (b'{"name": 1e400}', "application/json"),
    "huge-integer": (b'{"name": ' + b"9" * 5000 + b"}", "application/json"),
    "very-long-string": (json.dumps({"name": "n" * 200_000}).encode(), "application/json"),
    "duplicate-keys": (b'{"name": "a", "name": "b"}', "application/json"),
}


@pytest.mark.parametrize("vid", IDS)
@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_GEN_9_bad_bodies_get_the_vendor_4xx(api: Api, vid: str, case: str) -> None:
    raw, content_type = BAD_BODIES[case]
    vendor = VENDORS[vid]
    if case == "duplicate-keys":  # valid JSON: last key wins, as in every mainstream parser
        return
    with api.unchanged(vid):
        r = api.call(
            vid,
            update_method(vendor),
            vendor.sample.path,
            content=raw,
            headers={"Content-Type": content_type},
        )
    assert 400 <= r.status_code < 500, r.text
    assert "html" not in r.headers.get("content-type", "")


@pytest.mark.parametrize("vid", IDS)
def test_GEN_9_oversized_body_gets_413(api: Api, vid: str) -> None:
    vendor = VENDORS[vid]
    raw = json.dumps({"name": "x", "padding": "p" * (1024 * 1024)}).encode()
    with api.unchanged(vid):
        r = api.call(
            vid,
            update_method(vendor),
            vendor.sample.path,
            content=raw,
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code == 413
    assert "GEN-9" in api.journal()[-1]["rules"]


ODD_IDS = [
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "-1",
    "1.5",
    "9" * 40,
    "null",
    "%F0%9F%98%80",
    "a b",
    "0x10",
    "%2e%2e",
]


@pytest.mark.parametrize("vid", IDS)
@pytest.mark.parametrize("odd", ODD_IDS)
def test_GEN_9_odd_path_ids_get_the_vendor_4xx(api: Api, vid: str, odd: str) -> None:
    vendor = VENDORS[vid]
    path = vendor.sample.missing_path.rsplit("/", 1)[0] + "/" + odd
    with api.unchanged(vid):
        r = api.call(vid, update_method(vendor), path, json=vendor.sample.body, check=False)
    assert 400 <= r.status_code < 500, r.text
    errors = api.checkers[vid].response_errors(
        update_method(vendor), vendor.sample.missing_path, r.status_code, dict(r.headers), r.content
    )
    assert not errors, errors


@pytest.mark.parametrize("vid", IDS)
def test_GEN_9_unknown_route_under_the_prefix_is_a_vendor_404(api: Api, vid: str) -> None:
    vendor = VENDORS[vid]
    for path in ("/no/such/route", "/projects-typo/1"):
        r = api.call(vid, "GET", path, check=False)
        assert r.status_code == 404
        errors = api.checkers[vid].response_errors(
            update_method(vendor), vendor.sample.path, 404, dict(r.headers), r.content
        )
        assert not errors, errors


@pytest.mark.parametrize("vid", IDS)
def test_GEN_9_a_path_written_with_backslashes_is_the_vendors_404(api: Api, vid: str) -> None:
    """Found by a hostile probe: /personio\\v2\\projects\\1001 got the generic {status, message}."""
    vendor = VENDORS[vid]
    path = f"/{vid}" + (vendor.prefix[len(vid) + 1 :] + vendor.sample.path).replace("/", "\\")
    r = api.client.get(path, headers={"Authorization": "Bearer test-token", **vendor.sample_headers})
    assert r.status_code == 404
    errors = api.checkers[vid].response_errors(
        update_method(vendor), vendor.sample.path, 404, dict(r.headers), r.content
    )
    assert not errors, errors


@pytest.mark.parametrize("vid", [v for v in IDS if VENDORS[v].prefix != f"/{v}"])
def test_GEN_9_a_wrong_base_path_is_the_vendors_404_and_writes_nothing(api: Api, vid: str) -> None:
    """Found by a hostile probe: /zep/api/v2/projects/123 and /zep/projects/123 were cut to the
    length of /zep/api/v1 and written through."""
    vendor = VENDORS[vid]
    wrong = [f"/{vid}", f"/{vid}" + vendor.prefix[len(vid) + 1 :].upper(), vendor.prefix + "/v2"]
    headers = {"Authorization": "Bearer test-token", **vendor.sample_headers}
    with api.unchanged(vid):
        for base in wrong:
            path = base + vendor.sample.path
            r = api.client.request(update_method(vendor), path, json=vendor.sample.body, headers=headers)
            assert r.status_code == 404, (path, r.text)
            errors = api.checkers[vid].response_errors(
                update_method(vendor), vendor.sample.path, 404, dict(r.headers), r.content
            )
            assert not errors, errors


# -- GEN-10 ----------------------------------------------------------------------------------------
def _request_examples(vendor: Vendor) -> Iterator[tuple[str, str, str, Any]]:
    spec = load_spec(vendor.spec_path)
    update_id = vendor.sample.path.rsplit("/", 1)[-1]
    for template, item in spec["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "requestBody" not in op:
                continue
            body = op["requestBody"]
            if "$ref" in body:
                body = spec["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[-1]]
            path = template
            for name in [p.strip("{}") for p in template.split("/") if p.startswith("{")]:
                path = path.replace("{" + name + "}", vendor.sample.ids.get(template, update_id))
            for media in body.get("content", {}).values():
                # x-invalid-examples: the bodies that break the schema on purpose
                invalid = media.get("x-invalid-examples") or {}
                for name, entry in {**(media.get("examples") or {}), **invalid}.items():
                    example = entry
                    if "$ref" in entry:
                        example = spec["components"]["examples"][entry["$ref"].rsplit("/", 1)[-1]]
                    yield name, method.upper(), path, example["value"]


@pytest.mark.parametrize("vid", IDS)
def test_GEN_10_every_documented_request_shape_gets_a_conforming_answer(api: Api, vid: str) -> None:
    sent = 0
    for name, method, path, body in _request_examples(VENDORS[vid]):
        r = api.call(vid, method, path, json=body)  # the api fixture checks the spec (GEN-10)
        assert r.status_code < 500, (name, r.text)
        sent += 1
    assert sent >= 2


def test_GEN_10_journal_shows_every_call(api: Api) -> None:
    vid = IDS[0]
    update(api, vid)
    entry = api.journal()[-1]
    assert entry["vendor"] == vid and entry["operation"] == "updateProject"
    assert entry["request"]["headers"]["authorization"] == "[redacted]"


def test_unknown_path_outside_every_prefix_is_a_plain_404(mock_app: MockApp) -> None:
    r = TestClient(mock_app).get("/nothing-here")
    assert r.status_code == 404
    assert r.json()["status"] == 404
