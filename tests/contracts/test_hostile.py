"""contracts.hostile: the generators make every mutation they name, the strict reading and the
invariant checks catch a planted broken server, and a tiny bounded run against the mock works.

The mock's own hostile-input bugs are fixed elsewhere: no test here asserts that the real mock
has no findings (yet); the planted servers prove that the checks would see them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import pytest

from contracts._hostile_admin import FAULT_BASES, fault_problem, mutate_state
from contracts._hostile_bodies import BODY_KINDS, UNREPRESENTABLE, BodyContext, Mutation, mutate_body
from contracts._hostile_json import Pairs, Raw, encode
from contracts._hostile_requests import Param, header_variant, path_variant, query_variant
from contracts._hostile_values import NUMBERS, OVERLONG
from contracts.hostile import (
    HostileReport,
    HostileRunner,
    InProcessTransport,
    LoopbackTransport,
    Request,
    curl,
    make_case,
    report_text,
    strict_json,
    strict_json_problem,
)
from mockserver.app import MockApp, create_app
from mockserver.config import ServerConfig
from mockserver.core.vendor import Vendor, discover_vendors
from mockserver.live import LiveServer

BASE = {"name": "Website", "probability": 90, "tags": ["a", "b"], "start": {"date": "2025-01-01"}}
CONTEXT = BodyContext(
    properties={
        "name": {"type": "string", "maxLength": 10},
        "amount": {"type": "number"},
        "ids": {"type": "array"},
    },
    limit=64 * 1024,
)


def draws(kind: str, count: int = 300, base: Any = BASE, ctx: BodyContext = CONTEXT) -> list[Mutation]:
    return [mutate_body(random.Random(i), base, ctx, kind) for i in range(count)]


def first(kind: str, found: Callable[[Mutation], bool]) -> Mutation:
    lazily = (mutate_body(random.Random(i), BASE, CONTEXT, kind) for i in range(300))
    match = next((m for m in lazily if found(m)), None)
    assert match is not None, f"no {kind} draw in 300 seeds did it"
    return match


# -- strict reading (GEN-13) -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (b'{"a": NaN}', "NaN literal"),
        (b'{"a": -Infinity}', "-Infinity literal"),
        (b'{"a": 1e400}', "number outside the double range"),
        (b'{"a": ' + b"9" * 5000 + b"}", "number outside the double range"),
        (b'{"a": ' + b"9" * 400 + b"}", "number outside the double range"),
        (b'{"a": "x\\ud800y"}', "lone surrogate"),
        (b'{"\\udc00": 1}', "lone surrogate"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),
        (b'{"a": "\xc0\xaf"}', "not UTF-8"),
        (b'\xef\xbb\xbf{"a": 1}', "byte order mark"),
        (b'{"a": 1, "a": 2}', "duplicate key"),
        (b'{"a": 1,}', "malformed JSON"),
    ],
)
def test_GEN_13_strict_reading_refuses(text: bytes, kind: str) -> None:
    problem = strict_json_problem(text)
    assert problem is not None and problem.kind == kind


def test_GEN_13_strict_reading_accepts_what_json_allows() -> None:
    text = b'{"a": "\\ud83d\\ude00", "b": -0, "c": 1e308, "d": "\\ufffe", "e": "\\u0000", "f": 18446744073709551616}'
    assert strict_json(text)["a"] == "\U0001f600"


# -- the body generators -----------------------------------------------------------------------
def test_every_body_kind_makes_bytes_and_a_recipe() -> None:
    for kind in BODY_KINDS:
        for mutation in draws(kind, 15):
            assert mutation.kind == kind and isinstance(mutation.body, bytes) and mutation.recipe


def test_GEN_13_a_lone_surrogate_escape_in_a_string_must_be_refused() -> None:
    mutation = first("lone_surrogate", lambda m: b'"a\\ud800b"' in m.body)
    assert mutation.reject and "GEN-13" in mutation.reject
    assert strict_json_problem(mutation.body) is not None
    assert json.loads(mutation.body)  # the escape itself is well-formed JSON syntax


def test_a_lone_surrogate_in_a_key_and_a_valid_pair() -> None:
    key = first("lone_surrogate_key", lambda m: b"\\ud800" in m.body)
    assert any(not _utf8(k) for k in json.loads(key.body)) and key.reject
    pair = first("paired_surrogate", lambda m: b"\\ud83d\\ude00" in m.body)
    assert pair.reject is None and strict_json(pair.body)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def test_overlong_and_invalid_utf8_bytes() -> None:
    for seq in OVERLONG:
        mutation = first("overlong_utf8", lambda m, seq=seq: seq in m.body)
        with pytest.raises(UnicodeDecodeError):
            mutation.body.decode("utf-8")
        assert mutation.reject
    cesu = first("raw_surrogate", lambda m: b"\xed\xa0\x80" in m.body)
    assert strict_json_problem(cesu.body) is not None
    assert first("invalid_utf8", lambda m: b"\xff" in m.body).reject


def test_every_number_literal_is_drawn_and_out_of_range_ones_must_be_refused() -> None:
    mutations = draws("number_extreme", 1500)
    for literal, reject in NUMBERS:
        drawn = [m for m in mutations if literal in m.body]
        assert drawn, f"{literal[:20]!r} never drawn"
        if literal == b"1e400":
            assert all(m.reject for m in drawn) and all(strict_json_problem(m.body) for m in drawn)
        if reject is None:
            assert any(m.reject is None for m in drawn)
    assert any(b"NaN" in m.body for m in mutations)
    assert any(len(m.body) > 5000 for m in mutations)  # the 5,000-digit integer


def test_every_number_at_once_reaches_the_extremes() -> None:
    mutation = draws("numbers_everywhere", 1)[0]
    value = json.loads(mutation.body)
    assert abs(value["probability"]) > 1e307 and abs(value["amount"]) > 1e307  # "amount" is added
    assert mutation.reject is None


def test_bom_nul_and_not_an_object() -> None:
    assert first("bom", lambda m: m.body.startswith(b"\xef\xbb\xbf{")).reject is None
    assert first("nul", lambda m: m.body == b"\x00").reject
    assert first("nul", lambda m: b"\\u0000" in m.body).reject is None
    assert first("not_an_object", lambda m: m.body == b"[]").reject


def test_duplicate_keys_keep_both() -> None:
    mutation = first("duplicate_keys", lambda m: b"repeated" not in m.recipe.encode())
    pairs = json.loads(mutation.body, object_pairs_hook=lambda items: items)
    names = [k for k, _ in pairs]
    assert len(names) != len(set(names))
    problem = strict_json_problem(mutation.body)
    assert problem is not None and problem.kind == "duplicate key"


def test_deep_and_wide_structures() -> None:
    deep = first("deep_nesting", lambda m: b"[" * 1000 in m.body or b'{"a":' * 1000 in m.body)
    assert len(deep.body) <= CONTEXT.limit
    wide = first("wide_object", lambda m: m.body.count(b'"k') >= 1000)
    assert len(json.loads(wide.body)) >= 1000 or "object of" in wide.recipe


def test_huge_arrays_aim_just_under_and_just_over_the_limit() -> None:
    mutations = draws("huge_array", 200)
    over = [m for m in mutations if len(m.body) > CONTEXT.limit]
    under = [m for m in mutations if CONTEXT.limit - 64 <= len(m.body) <= CONTEXT.limit]
    assert over and under
    assert all(m.reject and "GEN-9" in m.reject for m in over)
    assert any(len(m.body) <= CONTEXT.limit + 64 for m in over)  # just over, not only far over
    assert all(m.reject is None for m in under)


def test_wrong_types_change_the_json_type() -> None:
    for mutation in draws("wrong_type", 100):
        value = json.loads(mutation.body)
        changed = [
            k for k in {*BASE, *value} if k in BASE and k in value and type(BASE[k]) is not type(value[k])
        ]
        added = [k for k in value if k not in BASE]
        assert changed or added, mutation.recipe


def test_markers_write_what_json_dumps_cannot() -> None:
    body = encode(Pairs((("a", Raw(b"1e400")), (Raw(b'"\\ud800"'), [Raw(b"NaN")]), ("a", "\ud800"))))
    assert body == b'{"a":1e400,"\\ud800":[NaN],"a":"\\ud800"}'


# -- paths, queries, headers -------------------------------------------------------------------
def variants(make: Callable[[random.Random], Any], count: int = 600) -> list[Any]:
    return [make(random.Random(i)) for i in range(count)]


def test_hostile_path_ids() -> None:
    param = Param("id", "integer", "1001")
    seen = variants(lambda rng: path_variant(rng, param, ("members",)))
    texts = {v.text for v in seen}
    assert {"9" * 5000, "..", "%C2%B2", "%D9%A3", "%EF%BC%93", "", "1001/"} <= texts
    slash = next(v for v in seen if v.text == "1001%2fmembers")
    assert slash.reject  # an id that smuggles a sub-route must not reach it
    digits = next(v for v in seen if v.text == "%C2%B2")
    assert digits.reject and "GEN-13" in digits.reject
    assert next(v for v in seen if v.text == "1001/").reject is None  # either answer may be right


def test_hostile_queries() -> None:
    params = [Param("limit", "integer"), Param("cursor", "string")]
    seen = variants(lambda rng: query_variant(rng, params))
    assert any(v.text == "limit=%C2%B2" and v.reject for v in seen)
    assert any(v.text.startswith("cursor=%C2%B2") and v.reject is None for v in seen)
    assert any(v.text.count("limit=1") == 1000 for v in seen)  # repeated
    assert any(v.text.startswith(("foo=", "%00=")) for v in seen)  # unknown


def test_hostile_headers() -> None:
    headers = [("Authorization", "Bearer test-token"), ("Content-Type", "application/json")]
    seen = variants(
        lambda rng: header_variant(rng, headers, has_body=True, vendor_headers=["Wethod-Company"])
    )
    upper = next(v for v in seen if ("Content-Type", "APPLICATION/JSON") in v.headers)
    assert upper.forbid == (415,)
    assert any(not any(n == "Content-Type" for n, _ in v.headers) for v in seen)
    assert any([n for n, _ in v.headers].count("Content-Type") == 2 for v in seen)
    assert any(("Authorization", "Basic dGVzdDp0ZXN0") in v.headers and v.reject for v in seen)
    assert any(len(value) >= 8000 for v in seen for _, value in v.headers)


def test_GEN_13_a_form_only_operation_is_sent_spellings_of_a_form_never_told_json_is_fine() -> None:
    """Found by a hostile run: COR's refresh-token endpoint takes only a form, and its 415 for
    ``APPLICATION/JSON`` was reported as a refused spelling of what it takes."""
    headers = [("Authorization", "Bearer test-token"), ("Content-Type", "application/x-www-form-urlencoded")]
    seen = variants(
        lambda rng: header_variant(rng, headers, has_body=True, vendor_headers=[], takes_json=False)
    )
    spelled = [v for v in seen if v.forbid == (415,)]
    assert spelled
    for variant in spelled:
        (media,) = [value for name, value in variant.headers if name == "Content-Type"]
        assert media.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


# -- admin documents and faults ----------------------------------------------------------------
def test_fault_rules() -> None:
    assert all(fault_problem(base, None) is None for base in FAULT_BASES)
    assert fault_problem({"status": 503, "headers": {"X-A": "a\x00b"}}, None)
    assert fault_problem({"status": 503, "headers": {"Content-Length": "0"}}, None)
    assert fault_problem({"status": 100, "body": {}}, None)
    assert fault_problem({"status": 503, "path": "\ud800"}, None)
    assert fault_problem({"action": "latency", "latency_ms": [500, 100]}, None)


def test_state_mutations_reach_record_fields_and_ids() -> None:
    document = {"projects": {"2": {"id": 2, "pm_id": 11, "name": "x"}}, "people": {"11": {"id": 11}}}
    recipes = [mutate_state(random.Random(i), document, 64 * 1024).recipe for i in range(400)]
    assert any(r.startswith("$.projects['2'].pm_id = [") for r in recipes)  # e.g. pm_id: [1]
    assert any("moved to id" in r for r in recipes)


# -- the invariant checks against planted broken servers ---------------------------------------
class FakeMock:
    """The admin API's few routes the runner uses, and ZEP answering as ``bug`` says."""

    def __init__(self, bug: str | None) -> None:
        self.bug = bug
        self.state = self.fresh()

    @staticmethod
    def fresh() -> dict[str, Any]:
        return {"projects": {"123": {"id": 123, "name": "Relaunch"}}}

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        path, method = scope["path"], scope["method"]
        status, body = 404, b'{"message": "Not found."}'
        if path.startswith("/__admin/state/") and method == "PUT":
            status, body = 400, b'{"status": 400, "message": "refused"}'
        elif path.startswith("/__admin/state/"):
            status, body = 200, json.dumps(self.state).encode()
        elif path == "/__admin/reset":
            self.state, status, body = self.fresh(), 200, b'{"message": "reset"}'
        elif path == "/__admin/requests":
            status, body = 200, b'{"requests": []}'
        elif path == "/__admin/faults":
            status, body = (
                (200, b'{"faults": []}') if method != "POST" else (400, b'{"status": 400, "message": "no"}')
            )
        elif path.startswith("/zep/") and method != "GET":
            status, body = self.vendor_write()
        elif path.startswith("/zep/") and self.bug == "breaks_reads" and self.state != self.fresh():
            status, body = 500, b'{"message": "Server Error"}'
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def vendor_write(self) -> tuple[int, bytes]:
        if self.bug == "500":
            return 500, b'{"message": "Server Error"}'
        if self.bug == "nan":
            return 422, b'{"message": "The given data was invalid.", "errors": {"plan_hours": [NaN]}}'
        if self.bug in ("state_on_422", "breaks_reads"):
            self.state["projects"]["123"]["name"] = "changed"
        return (
            422,
            b'{"message": "The given data was invalid.", "errors": {"name": ["The name is invalid."]}}',
        )


@pytest.fixture(scope="module")
def zep() -> dict[str, Vendor]:
    return discover_vendors(["zep"])


def fake_run(zep: dict[str, Vendor], bug: str | None, requests: int = 40) -> HostileReport:
    transport = InProcessTransport(FakeMock(bug))
    try:
        return HostileRunner(transport, zep, sweep_every=10).run("zep", requests=requests, seed=3)
    finally:
        transport.close()


def categories(report: HostileReport) -> set[str]:
    return {f.category for f in report.findings.values()}


def test_a_server_that_answers_as_documented_has_no_findings(zep: dict[str, Vendor]) -> None:
    report = fake_run(zep, None)
    assert report.cases == 40 and not report.findings, report_text(report, "http://127.0.0.1:4010")


def test_a_planted_500_is_found_with_a_reproduction(zep: dict[str, Vendor]) -> None:
    report = fake_run(zep, "500")
    assert "server_error" in categories(report)
    finding = next(f for f in report.findings.values() if f.category == "server_error")
    text = report_text(report, "http://127.0.0.1:4010")
    assert f"--case {finding.case.index}" in text and "curl -sS --path-as-is" in text


def test_GEN_13_a_planted_NaN_answer_is_not_strict_json(zep: dict[str, Vendor]) -> None:
    report = fake_run(zep, "nan")
    assert any(f.category == "strict_json" and f.signature == "NaN literal" for f in report.findings.values())


def test_GEN_4_a_planted_change_on_a_rejection_is_found(zep: dict[str, Vendor]) -> None:
    report = fake_run(zep, "state_on_422")
    state = [f for f in report.findings.values() if f.category == "state"]
    assert state and state[0].signature == "a refusal changed projects"


def test_a_planted_read_broken_by_a_write_is_pinned_on_the_write(zep: dict[str, Vendor]) -> None:
    report = fake_run(zep, "breaks_reads")
    broken = [f for f in report.findings.values() if f.category == "broken_session"]
    assert broken and all(f.case.request.method != "GET" for f in broken)


# -- a tiny bounded run against the mock -------------------------------------------------------
@pytest.fixture(scope="module")
def mock() -> Iterator[tuple[MockApp, HostileRunner]]:
    app = create_app(ServerConfig(vendors=("personio", "zep")))
    transport = InProcessTransport(app)
    try:
        yield app, HostileRunner(transport, app.vendors)
    finally:
        transport.close()


def test_a_bounded_hostile_run_over_two_vendors(mock: tuple[MockApp, HostileRunner]) -> None:
    _, runner = mock
    reports = [runner.run(vendor, requests=100, seed=11) for vendor in ("personio", "zep")]
    for report in reports:
        assert report.cases + report.skipped == 100 and report.calls > report.cases
        assert {"path_id", "query", "header", "fault_field"} <= set(report.kinds)
        assert sum(report.statuses.values()) == report.cases
        for finding in report.findings.values():  # every finding can be sent again
            assert finding.case.vendor == report.vendor and finding.message
    assert runner.plans["personio"].reads  # the session's reads were known to the sweep


def test_cases_are_reproducible_from_seed_and_index(mock: tuple[MockApp, HostileRunner]) -> None:
    _, runner = mock
    plan = runner.plans["personio"]
    assert [make_case(plan, 5, i) for i in range(50)] == [make_case(plan, 5, i) for i in range(50)]
    assert make_case(plan, 5, 7) != make_case(plan, 6, 7)


def test_curl_keeps_every_byte() -> None:
    request = Request(
        "PATCH", "/zep/api/v1/projects/123", (("Content-Type", "application/json"),), b'{"a":"\xed\xa0\x80"}'
    )
    line = curl(request, "http://127.0.0.1:4010")
    assert '--data-binary $\'{"a":"\\xed\\xa0\\x80"}\'' in line and "--path-as-is" in line
    assert Mutation("k", "r", b"").value is UNREPRESENTABLE


def test_the_same_run_over_http_to_a_mock_on_loopback() -> None:
    app = create_app(ServerConfig(vendors=("zep",)))
    with LiveServer(app) as server:
        transport = LoopbackTransport(server.url)
        try:
            report = HostileRunner(transport, app.vendors).run("zep", requests=30, seed=2)
        finally:
            transport.close()
    assert report.cases == 30 and sum(report.statuses.values()) == 30 and report.calls > 30


def test_only_loopback_is_a_target() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LoopbackTransport("http://example.com:4010")
