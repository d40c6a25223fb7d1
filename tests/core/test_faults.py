"""Faults as data: validation, matching, the fault book's order and counts, the header syntax."""

from __future__ import annotations

import re
import threading
from datetime import datetime
from typing import Any

import pytest

from mockserver.core.faults import (
    MAX_FAULTS,
    UNSET,
    Fault,
    FaultBook,
    FaultLimitError,
    fault_from_json,
    fault_violation,
    parse_fault_header,
)
from mockserver.core.vendor import discover_vendors
from mockserver.core.violations import Code


# -- Fault ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Date", "server"])
def test_GEN_9_headers_the_server_stamps_on_every_answer_are_refused(name: str) -> None:
    """Found by a hostile probe: the faulted answer carried two Date (or Server) headers."""
    with pytest.raises(ValueError, match=re.escape(f"headers: {name} is set by the server on every answer")):
        Fault(status=429, headers={name: "x"})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "explode"}, "action must be one of status, latency, reset, truncate, fuzz"),
        ({}, "action 'status' needs a status"),
        ({"status": 99}, "status must be an HTTP status code (200-599)"),
        ({"status": True}, "status must be an HTTP status code"),
        ({"status": 200}, "status 200 has no vendor error body"),
        ({"action": "reset", "status": 500}, "status does not go with action 'reset'"),
        ({"action": "latency"}, "action 'latency' needs latency_ms"),
        ({"action": "latency", "latency_ms": (5, 1)}, "0 <= lo <= hi <= 60000"),
        ({"action": "latency", "latency_ms": (0, 600_000)}, "0 <= lo <= hi <= 60000"),
        ({"action": "latency", "latency_ms": (1.5, 2)}, "latency_ms must be two integers"),
        ({"action": "truncate", "body": {}}, "a canned body goes with action 'status' only"),
        ({"status": 429, "seed": 3}, "seed must be an integer, and goes with action 'fuzz' only"),
        ({"status": 429, "times": 0}, "times must be a positive 64-bit integer"),
        ({"status": 429, "times": 2**63}, "times must be a positive 64-bit integer"),  # a hostile probe's
        ({"status": 429, "method": "PATCH /x"}, "method must be an HTTP method"),
        ({"status": 429, "vendor": ""}, "vendor must be a non-empty string"),
        ({"status": 429, "headers": {"Bad Name": "1"}}, "'Bad Name' is not a valid header name"),
        ({"status": 429, "headers": {"X-A": "1\r\nX-B: 2"}}, "without line breaks"),
        # a hostile probe stored 20,000 headers, and a 900 KB value: no client reads that answer
        ({"status": 429, "headers": {f"X-{i}": "1" for i in range(101)}}, "headers: at most 100, not 101"),
        ({"status": 429, "headers": {"X-Big": "a" * 70_000}}, "headers: at most 65536 bytes in all"),
    ],
)
def test_invalid_faults_say_what_is_wrong(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Fault(**fields)


# What the server cannot carry out is refused when the fault is made, never found mid-answer.
@pytest.mark.parametrize(
    "fields",
    [
        {"status": 100, "body": None},
        {"status": 101, "body": {}},
        {"status": 199, "body": {}},
        {"status": 103},
        {"action": "fuzz", "status": 101},
    ],
)
def test_GEN_9_a_1xx_status_is_refused_in_every_path(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=re.escape("status must be an HTTP status code (200-599)")):
        Fault(**fields)


def test_GEN_9_a_1xx_status_in_the_header_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^X-Mock-Fault: status must be .*a 1xx is an interim answer"):
        parse_fault_header("status=101")


@pytest.mark.parametrize("status", [204, 304])
def test_GEN_9_no_content_statuses_are_answered_without_a_body(status: int) -> None:
    from mockserver.core.values import NO_BODY

    fault = Fault(status=status)
    assert fault.body is NO_BODY and "body" not in fault.as_dict()
    for body in (None, {}, "text"):
        with pytest.raises(ValueError, match=f"status {status} ends at the headers: leave the body out"):
            Fault(status=status, body=body)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("\u00e9\u20ac", "'\u20ac' (U+20AC)"),  # Latin-1 is fine, the euro sign is past it
        ("a\x00b", "'\\x00' (U+0000)"),
        ("a\rb", "'\\r' (U+000D)"),
        ("a\nb", "'\\n' (U+000A)"),
        ("\x7f", "'\\x7f' (U+007F)"),
        ("\ud800", "'\\ud800' (U+D800)"),
    ],
)
def test_GEN_9_a_header_value_the_wire_cannot_carry_is_refused(value: str, shown: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"headers: the value of X-A holds {shown}")) as refused:
        Fault(status=429, headers={"X-A": value})
    str(refused.value).encode("utf-8")  # the message itself can be sent


def test_GEN_9_latin_1_and_tabs_are_fine_in_a_header_value() -> None:
    assert Fault(status=429, headers={"X-A": "caf\u00e9\tbar"}).headers == {"X-A": "caf\u00e9\tbar"}


@pytest.mark.parametrize(
    "name", ["Content-Length", "transfer-encoding", "Connection", "Keep-Alive", "Upgrade", "Trailer", "TE"]
)
def test_GEN_9_framing_and_connection_headers_are_the_servers(name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"headers: {name} is the server's to set")):
        Fault(status=429, headers={name: "5"})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"vendor": "\ud800"}, "vendor holds a lone UTF-16 surrogate"),
        ({"path": "/v2/\udfff"}, "path holds a lone UTF-16 surrogate"),
        ({"method": "P\ud800"}, "method holds a lone UTF-16 surrogate"),
        ({"headers": {"X-A": "\ud800"}}, "headers: the value of X-A holds '\\ud800'"),
        ({"headers": {"X-\ud800": "1"}}, "is not a valid header name"),
        ({"body": {"k": "\ud800"}}, "body holds a lone UTF-16 surrogate"),
        ({"body": {"\ud800": 1}}, "body holds a lone UTF-16 surrogate"),
        ({"body": ["\udc00"]}, "body holds a lone UTF-16 surrogate"),
    ],
)
def test_GEN_13_a_lone_surrogate_in_any_string_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as refused:
        Fault(**{"status": 429, **fields})
    str(refused.value).encode("utf-8")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (float("nan"), "body must be JSON the server can send"),
        ({"x": float("inf")}, "body must be JSON the server can send"),
        ({1, 2}, "body must be JSON the server can send"),
    ],
)
def test_GEN_13_a_canned_body_must_be_json(body: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Fault(status=200, body=body)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"path": "/" + "*" * 5000}, "path must be a glob of at most 2048 characters, not 5001"),
        ({"action": "fuzz", "seed": 2**64}, "seed must fit in 64 bits"),
        ({"vendor": ["x"] * 10_000}, "vendor must be a non-empty string or null, not ['x', 'x'"),
    ],
)
def test_GEN_9_oversized_values_are_refused_and_quoted_short(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as refused:
        Fault(**{"status": 429, **fields})
    assert len(str(refused.value)) < 200


def test_a_fault_normalises_its_method_and_copies_its_headers() -> None:
    headers = {"Retry-After": "5"}
    fault = Fault(method="patch", status=429, headers=headers)
    headers["Retry-After"] = "6"
    assert fault.method == "PATCH" and fault.headers == {"Retry-After": "5"}


def test_a_canned_body_allows_any_status_and_null() -> None:
    assert Fault(status=200, body=None).has_body
    assert not Fault(status=429).has_body and Fault(status=429).body is UNSET
    assert "body" not in Fault(status=429).as_dict()
    assert Fault(status=200, body=None).as_dict()["body"] is None


@pytest.mark.parametrize(
    ("call", "hit"),
    [
        (("personio", "PATCH", "/v2/projects/1001"), True),
        (("personio", "patch", "/v2/projects/1001"), True),
        (("personio", "GET", "/v2/projects/1001"), False),
        (("zep", "PATCH", "/v2/projects/1001"), False),
        (("personio", "PATCH", "/v2/projects"), False),
        (("personio", "PATCH", "/v2/projects/1001/members"), True),  # fnmatch: * crosses /
    ],
)
def test_matching_by_vendor_method_and_glob(call: tuple[str, str, str], hit: bool) -> None:
    fault = Fault(vendor="personio", method="PATCH", path="/v2/projects/*", status=429)
    assert fault.matches(*call) is hit


def test_an_unrestricted_fault_matches_every_call() -> None:
    assert Fault(status=500).matches("zep", "DELETE", "/anything")


# -- FaultBook ---------------------------------------------------------------------------------
def test_the_first_matching_fault_wins_and_times_run_out() -> None:
    book = FaultBook()
    assert not book.active and book.take("zep", "GET", "/projects") is None
    first = book.add(Fault(vendor="zep", status=429, times=2))
    second = book.add(Fault(status=503))
    assert book.active and first.id != second.id and first.id and second.id
    assert book.take("zep", "GET", "/projects") == first
    assert book.list()[0]["remaining"] == 1 and book.list()[0]["served"] == 1
    assert book.take("zep", "GET", "/projects") == first
    assert [f["id"] for f in book.list()] == [second.id], "an exhausted fault is dropped"
    assert book.take("zep", "GET", "/projects") == second
    assert book.take("ruddr", "GET", "/projects") == second, "times=None: until removed"
    assert book.list()[0]["remaining"] is None and book.list()[0]["served"] == 2


def test_take_counted_numbers_the_calls_a_fault_answered() -> None:
    book = FaultBook()
    book.add(Fault(action="fuzz", seed=1))
    assert [book.take_counted("cor", "PUT", "/x")[1] for _ in range(3)] == [0, 1, 2]  # type: ignore[index]


def test_remove_and_clear() -> None:
    book = FaultBook()
    kept = book.add(Fault(status=500))
    gone = book.add(Fault(status=502))
    assert book.remove(gone.id) and not book.remove(gone.id)
    assert [f["id"] for f in book.list()] == [kept.id]
    book.clear()
    assert book.list() == [] and not book.active
    book.add(Fault(status=500))
    assert book.remove(book.list()[0]["id"]) and not book.active


def test_GEN_9_a_book_refuses_faults_over_the_limit_it_is_given() -> None:
    book = FaultBook()
    stored = [book.add(Fault(status=500), limit=MAX_FAULTS) for _ in range(MAX_FAULTS)]
    with pytest.raises(FaultLimitError, match=f"already holds {MAX_FAULTS} faults, the most it may"):
        book.add(Fault(status=500), limit=MAX_FAULTS)
    assert len(book) == MAX_FAULTS
    book.remove(stored[0].id)
    book.add(Fault(status=500), limit=MAX_FAULTS)  # room again
    book.add(Fault(status=500))  # an in-process planner (fuzz_client) sets no limit


def test_GEN_9_concurrent_adds_never_pass_the_limit() -> None:
    book = FaultBook()
    refused: list[FaultLimitError] = []

    def worker() -> None:
        for _ in range(40):
            try:
                book.add(Fault(status=500), limit=MAX_FAULTS)
            except FaultLimitError as exc:
                refused.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(book) == MAX_FAULTS and len(refused) == 8 * 40 - MAX_FAULTS


def test_concurrent_takes_never_exceed_times() -> None:
    book = FaultBook()
    book.add(Fault(status=429, times=50))
    taken: list[Fault | None] = []

    def worker() -> None:
        for _ in range(20):
            taken.append(book.take("zep", "GET", "/p"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(f is not None for f in taken) == 50 and not book.active


# -- the admin API's JSON ------------------------------------------------------------------------
def test_fault_from_json_reads_every_field() -> None:
    fault = fault_from_json(
        {
            "vendor": "zep",
            "method": "get",
            "path": "/projects/*",
            "status": 429,
            "body": {"m": 1},
            "headers": {"Retry-After": "9"},
            "latency_ms": [10, 20],
            "times": 3,
        }
    )
    assert fault == Fault(
        "zep", "GET", "/projects/*", "status", 429, {"m": 1}, {"Retry-After": "9"}, (10, 20), None, 3
    )
    assert fault_from_json({"action": "latency", "latency_ms": 250}).latency_ms == (250, 250)
    assert fault_from_json({"status": 500, "headers": None}).headers == {}


def test_GEN_13_unknown_field_names_are_quoted_safely_and_briefly() -> None:
    data = {"status": 500, **{f"\ud800{n}": 1 for n in range(50)}}
    with pytest.raises(ValueError, match=r"^unknown field\(s\) .* and 45 more; known: ") as refused:
        fault_from_json(data)
    str(refused.value).encode("utf-8")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "the fault must be a JSON object"),
        ({"id": "1", "status": 500}, "id is assigned by the server"),
        ({"status": 500, "colour": 1, "size": 2}, "unknown field(s) colour, size"),
        ({"action": 7}, "action must be one of"),
        (
            {"action": "latency", "latency_ms": [1, 2, 3]},
            "latency_ms must be a whole number of milliseconds or [lo, hi]",
        ),
        ({"status": "429"}, "status must be an HTTP status code"),
        (
            {"action": "latency", "latency_ms": 0.5},
            "must be a whole number of milliseconds or [lo, hi], not 0.5",
        ),
    ],
)
def test_fault_from_json_refuses_bad_input(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        fault_from_json(data)


# -- the X-Mock-Fault header -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("status=429", Fault(status=429)),
        ("status=503", Fault(status=503)),
        ("latency=200", Fault(action="latency", latency_ms=(200, 200))),
        ("latency=100-500", Fault(action="latency", latency_ms=(100, 500))),
        ("reset", Fault(action="reset")),
        ("truncate", Fault(action="truncate")),
        ("fuzz", Fault(action="fuzz")),
        ("fuzz;seed=7", Fault(action="fuzz", seed=7)),
        ("fuzz;seed=7;status=200", Fault(action="fuzz", seed=7, status=200)),
        ("latency=300;status=429", Fault(status=429, latency_ms=(300, 300))),
        (" Status = 429 ; ", Fault(status=429)),
        ("reset;latency=50", Fault(action="reset", latency_ms=(50, 50))),
    ],
)
def test_header_syntax(header: str, expected: Fault) -> None:
    assert parse_fault_header(header) == expected


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "the header is empty"),
        (" ; ", "the header is empty"),
        ("explode", "unknown item 'explode'; expected status=CODE"),
        ("status=429;status=500", "'status' is given twice"),
        ("reset=yes", "'reset' takes no value"),
        ("latency", "'latency' needs a value, e.g. latency=100-500"),
        ("status=", "'status' needs a value"),
        ("status=abc", "status must be an integer, not 'abc'"),
        ("latency=fast", "latency must be milliseconds (200) or a range (100-500), not 'fast'"),
        ("latency=1-2-3", "latency must be milliseconds"),
        ("reset;truncate", "choose one of reset, truncate, fuzz, not reset and truncate"),
        ("truncate;status=500", "status does not go with action 'truncate'"),
        ("seed=4", "seed must be an integer, and goes with action 'fuzz' only"),
        ("status=700", "status must be an HTTP status code (200-599), not 700"),
        ("status=4_29", "status must be an integer, not '4_29'"),
        ("status=+429", "status must be an integer, not '+429'"),
        ("seed=" + "9" * 50, "seed must be an integer of at most 18 digits, not '99999"),
        ("fuzz;seed=" + "9" * 30, "seed must be an integer of at most 18 digits, not '99999"),
        ("status=-" + "9" * 19, "status must be an integer of at most 18 digits, not '-9999"),
        ("latency=5-" + "9" * 19, "latency must be at most 18 digits of milliseconds, not '5-999"),
        ("latency=1_0", "latency must be milliseconds"),
        ("latency=-5", "latency must be milliseconds"),
    ],
)
def test_header_errors_are_precise(header: str, message: str) -> None:
    with pytest.raises(ValueError, match="^X-Mock-Fault: .*" + re.escape(message)):
        parse_fault_header(header)


# -- what vendors answer ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, Code.INVALID),
        (404, Code.NOT_FOUND),
        (429, Code.RATE_LIMITED),
        (500, Code.INTERNAL),
        (503, Code.UNAVAILABLE),
    ],
)
def test_fault_violation_picks_the_closest_code(status: int, code: Code) -> None:
    violation = fault_violation(status)
    assert (violation.status, violation.code) == (status, code) and violation.message


@pytest.mark.parametrize("vendor_id", sorted(discover_vendors()))
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 429, 500, 502, 503])
def test_every_vendor_answers_an_injected_status_with_it(vendor_id: str, status: int) -> None:
    reply = discover_vendors([vendor_id])[vendor_id].fault_reply(status, datetime(2025, 3, 1))
    assert reply.status == status and isinstance(reply.body, dict) and reply.body


def test_a_planned_answer_without_body_renders_as_json() -> None:
    # fuzz_client plans a 204 as a canned answer whose body is NO_BODY; the journal must render it
    import json

    from mockserver.core.values import NO_BODY

    shown = Fault(vendor="personio", status=204, body=NO_BODY).as_dict()
    assert "body" not in shown
    assert json.loads(json.dumps(shown))["status"] == 204
