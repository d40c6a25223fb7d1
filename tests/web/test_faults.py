"""Fault injection over HTTP: the admin API, each action, the header, and GEN-10 for the answers.

Reset and truncate need a real socket, so those tests run against the live server with httpx and
requests, as a client under test would.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.core.faults import MAX_FAULTS
from mockserver.core.spec import load_spec, operations
from mockserver.core.vendor import Vendor
from mockserver.live import LiveServer
from mockserver.web.faults import InjectedDisconnect
from tests.fixtures.mock import Api

VENDORS = ("cor", "personio", "ruddr", "wethod", "zep")
# The header a vendor's 429 tells the client how long to wait in (shared/vendors/*.md): Wethod's
# community SDKs read x-ratelimit-retry-after; ZEP is Laravel (its throttle sends Retry-After);
# COR and Personio document none, Retry-After is inferred; Ruddr documents backoff, no header.
RETRY_HEADERS = {
    "wethod": "x-ratelimit-retry-after",
    "zep": "retry-after",
    "cor": "retry-after",
    "personio": "retry-after",
    "ruddr": None,
}
DEFAULT_STATUSES = ("429", "500", "502", "503")
"""Statuses no operation lists but every vendor answers, in the envelope of its `default`."""


def _concrete(vendor: Vendor, template: str) -> str:
    """A path of the operation that the fixtures know (an id the sample uses)."""
    sample_id = vendor.sample.ids.get(template, vendor.sample.path.rsplit("/", 1)[-1])
    return re.sub(r"\{[^}]+\}", sample_id, template)


def _raw(
    api: Api, vendor_id: str, method: str, path: str, json: Any = None, **headers: str
) -> httpx.Response:
    """A vendor call that may answer 5xx (``Api.call`` treats those as the mock's bugs)."""
    sent = {**api.headers(vendor_id), **headers}
    prefix = api.app.vendors[vendor_id].prefix
    return api.client.request(method, prefix + path, json=json, headers=sent)


def _method(vendor_id: str) -> str:
    return "PUT" if vendor_id == "cor" else "PATCH"


def _update(api: Api, vendor_id: str, **headers: str) -> httpx.Response:
    vendor = api.app.vendors[vendor_id]
    return _raw(api, vendor_id, _method(vendor_id), vendor.sample.path, dict(vendor.sample.body), **headers)


def _add(api: Api, **fault: Any) -> dict[str, Any]:
    r = api.admin("POST", "/faults", json=fault)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


# -- the admin API -----------------------------------------------------------------------------
def test_faults_round_trip_through_the_admin_api(api: Api) -> None:
    first = _add(api, vendor="personio", method="patch", path="/v2/projects/*", status=429, times=2)
    assert first["id"] and first["method"] == "PATCH" and first["remaining"] == 2
    second = _add(api, action="latency", latency_ms=[10, 20])
    listed = api.admin("GET", "/faults").json()["faults"]
    assert [f["id"] for f in listed] == [first["id"], second["id"]]
    assert listed[1]["latency_ms"] == [10, 20] and listed[1]["vendor"] is None
    assert api.admin("DELETE", f"/faults/{first['id']}").status_code == 200
    assert api.admin("DELETE", f"/faults/{first['id']}").status_code == 404
    assert api.admin("DELETE", "/faults").status_code == 200
    assert api.admin("GET", "/faults").json() == {"faults": []}


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"status": 429, "vendor": "nope"}, "unknown vendor 'nope'"),
        ({"action": "status"}, "needs a status"),
        ({"status": 429, "colour": "red"}, "unknown field(s) colour"),
        ({"action": "latency", "latency_ms": [500, 100]}, "0 <= lo <= hi"),
        ({"action": "latency", "latency_ms": "slow"}, "latency_ms must be"),
        ({"status": 429, "times": 0}, "times must be a positive 64-bit integer"),
        ({"action": "reset", "status": 500}, "status does not go with action 'reset'"),
        ({"id": "7", "status": 429}, "id is assigned by the server"),
    ],
)
def test_a_bad_fault_is_refused_with_a_precise_message(api: Api, fault: dict[str, Any], message: str) -> None:
    r = api.admin("POST", "/faults", json=fault)
    assert r.status_code == 400
    assert message in r.json()["message"]
    assert api.admin("GET", "/faults").json() == {"faults": []}


# Everything a stored fault needs is checked at POST time: what is refused is never stored (GEN-4).
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"status": 101, "body": {}}', "status must be an HTTP status code (200-599), not 101"),
        (b'{"action": "fuzz", "status": 100}', "status must be an HTTP status code (200-599), not 100"),
        (b'{"status": 204, "body": {}}', "status 204 ends at the headers: leave the body out"),
        (
            b'{"status": 429, "headers": {"X-A": "\\u20ac"}}',
            "headers: the value of X-A holds '\u20ac' (U+20AC)",
        ),
        (b'{"status": 429, "headers": {"X-A": "a\\u0000b"}}', "headers: the value of X-A holds '\\x00'"),
        (b'{"status": 429, "headers": {"X-A": "a\\r\\nb"}}', "headers: the value of X-A holds '\\r'"),
        (b'{"status": 429, "headers": {"Content-Length": "5"}}', "headers: Content-Length is the server's"),
        (
            b'{"status": 429, "headers": {"Transfer-Encoding": "chunked"}}',
            "Transfer-Encoding is the server's",
        ),
        (b'{"status": 429, "headers": {"Connection": "close"}}', "headers: Connection is the server's"),
    ],
)
def test_GEN_4_a_fault_the_server_cannot_carry_out_is_a_400_and_stores_nothing(
    api: Api, raw: bytes, message: str
) -> None:
    r = api.admin("POST", "/faults", content=raw, headers={"Content-Type": "application/json"})
    # `field` names the part to blame when there is one (the dashboard's form points at it)
    assert r.status_code == 400 and {"status", "message"} <= set(r.json()) <= {"status", "message", "field"}
    assert r.json()["status"] == 400 and message in r.json()["message"]
    assert api.admin("GET", "/faults").json() == {"faults": []}


@pytest.mark.parametrize(
    "raw",
    [
        b'{"status": 429, "path": "/\\ud800"}',
        b'{"status": 429, "vendor": "\\udfff"}',
        b'{"status": 429, "headers": {"X-A": "\\ud800"}}',
        b'{"status": 429, "headers": {"\\ud800": "1"}}',
        b'{"status": 418, "body": {"\\ud800": "\\udc01"}}',
        b'{"status": 429, "\\ud800": 1}',
    ],
)
def test_GEN_13_a_fault_with_a_lone_surrogate_is_a_400_and_stores_nothing(api: Api, raw: bytes) -> None:
    r = api.admin("POST", "/faults", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["status"] == 400 and "surrogate" in r.json()["message"]
    assert api.admin("GET", "/faults").status_code == 200
    assert api.admin("GET", "/faults").json() == {"faults": []}


def test_GEN_9_a_session_holds_at_most_MAX_FAULTS_faults(api: Api) -> None:
    for _ in range(MAX_FAULTS):
        _add(api, vendor="zep", path="/nowhere", status=500)
    r = api.admin("POST", "/faults", json={"status": 500})
    assert r.status_code == 400
    assert r.json() == {
        "status": 400,
        "message": f"this session already holds {MAX_FAULTS} faults, the most it may ({MAX_FAULTS});"
        " remove some (DELETE /__admin/faults/ID or DELETE /__admin/faults)",
    }
    assert len(api.admin("GET", "/faults").json()["faults"]) == MAX_FAULTS
    other = api.admin("POST", "/faults", json={"status": 500}, headers={"X-Mock-Session": api.session + "-2"})
    assert other.status_code == 201  # the limit is per session
    assert api.call("zep", "GET", "/projects/123").status_code == 200  # none of them matches


@pytest.mark.parametrize("vendor_id", ["zep", "personio"])
def test_GEN_9_a_1xx_in_the_header_is_the_vendors_400(api: Api, vendor_id: str) -> None:
    with api.unchanged(vendor_id):
        r = _update(api, vendor_id, **{"X-Mock-Fault": "status=101"})
    assert r.status_code == 400 and "X-Mock-Fault: status must be an HTTP status code (200-599)" in r.text


def test_malformed_json_is_refused(api: Api) -> None:
    r = api.admin("POST", "/faults", content=b"{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "malformed JSON" in r.json()["message"]


def test_reset_clears_the_faults(api: Api) -> None:
    _add(api, status=503)
    assert api.admin("POST", "/reset").status_code == 200
    assert api.admin("GET", "/faults").json() == {"faults": []}
    assert _update(api, "zep").status_code == 200


# -- status ------------------------------------------------------------------------------------
@pytest.mark.parametrize("vendor_id", VENDORS)
def test_a_429_carries_the_vendors_retry_header_and_changes_nothing(api: Api, vendor_id: str) -> None:
    _add(api, vendor=vendor_id, status=429, times=1)
    with api.unchanged(vendor_id):
        r = _update(api, vendor_id)
    assert r.status_code == 429
    header = RETRY_HEADERS[vendor_id]
    if header is not None:
        assert int(r.headers[header]) >= 0
    else:
        assert not {"retry-after", "x-ratelimit-retry-after"} & set(r.headers)
    assert _update(api, vendor_id).status_code < 300, "times=1: the second call is answered normally"
    faulted, real = api.journal()
    assert (
        faulted["status"] == 429 and faulted["fault"]["status"] == 429 and faulted["fault"]["via"] == "admin"
    )
    assert "fault" not in real


def test_documented_429_bodies() -> None:
    from mockserver.core.vendor import discover_vendors

    vendors = discover_vendors(["ruddr", "zep"])
    now = __import__("datetime").datetime(2025, 3, 1)
    # Ruddr's errors guide gives the literal; ZEP's is Laravel's ThrottleRequestsException text.
    assert vendors["ruddr"].fault_reply(429, now).body == {"status": 429, "message": "Too many requests"}
    assert vendors["zep"].fault_reply(429, now).body == {"message": "Too Many Attempts."}


@pytest.mark.parametrize("vendor_id", VENDORS)
def test_every_injected_status_conforms_to_the_spec_GEN_10(api: Api, vendor_id: str) -> None:
    vendor = api.app.vendors[vendor_id]
    checked = 0
    for op in operations(load_spec(vendor.spec_path)):
        statuses = {s for s in op.statuses if s.isdigit() and int(s) >= 400} | set(DEFAULT_STATUSES)
        path = _concrete(vendor, op.path)
        for status in sorted(statuses):
            r = _raw(api, vendor_id, op.method, path, **{"X-Mock-Fault": f"status={status}"})
            assert r.status_code == int(status)
            errors = api.checkers[vendor_id].response_errors(
                op.method, path, r.status_code, dict(r.headers), r.content
            )
            assert not errors, f"{op.method} {op.path} {status}:\n" + "\n".join(errors)
            checked += 1
    assert checked >= 10


def test_a_canned_answer_is_sent_as_given(api: Api) -> None:
    body = {"anything": ["the", "test", "wants"]}
    _add(api, vendor="ruddr", status=418, body=body, headers={"X-Trace": "t-1"})
    r = api.call("ruddr", "GET", "/projects", check=False)
    assert (r.status_code, r.json(), r.headers["x-trace"]) == (418, body, "t-1")


def test_zeps_injected_429_says_its_documented_60_s_block_and_a_faults_header_shortens_it(api: Api) -> None:
    # developer.zep.de's authentication page: over the limit, "further requests are blocked for 60 seconds"
    _add(api, vendor="zep", status=429, times=1)
    _add(api, vendor="zep", status=429, headers={"Retry-After": "1"}, times=1)
    documented, shortened = _update(api, "zep"), _update(api, "zep")
    frozen = int(api.app.clock.now().timestamp())
    assert (documented.headers["retry-after"], documented.headers["x-ratelimit-reset"]) == (
        "60",
        str(frozen + 60),
    )
    assert shortened.headers.get_list("retry-after") == ["1"]


def test_fault_headers_win_over_the_vendors(api: Api) -> None:
    _add(api, vendor="zep", status=429, headers={"Retry-After": "30"})
    assert _update(api, "zep").headers["retry-after"] == "30"


def test_fault_headers_win_over_the_vendors_whatever_their_case(api: Api) -> None:
    _add(api, vendor="zep", status=429, headers={"retry-AFTER": "30"})
    assert _update(api, "zep").headers.get_list("retry-after") == ["30"]  # not a second one


def test_matching_by_vendor_method_and_path_glob(api: Api) -> None:
    _add(api, vendor="personio", method="GET", path="/v2/projects/*/members", status=503)
    assert _raw(api, "personio", "GET", "/v2/projects/1001/members").status_code == 503
    assert api.call("personio", "GET", "/v2/projects/1001").status_code == 200
    assert _raw(api, "personio", "POST", "/v2/projects/1001/members", {}).status_code != 503
    assert api.call("zep", "GET", "/projects/123").status_code == 200
    assert api.admin("GET", "/faults").json()["faults"][0]["served"] == 1


def test_the_header_wins_over_stored_faults_and_leaves_them_alone(api: Api) -> None:
    _add(api, vendor="zep", status=500, times=1)
    r = _update(api, "zep", **{"X-Mock-Fault": "status=503"})
    assert r.status_code == 503
    assert api.journal()[-1]["fault"]["via"] == "header"
    assert api.admin("GET", "/faults").json()["faults"][0]["remaining"] == 1


@pytest.mark.parametrize("vendor_id", VENDORS)
def test_a_malformed_header_is_the_vendors_400(api: Api, vendor_id: str) -> None:
    with api.unchanged(vendor_id):
        r = _update(api, vendor_id, **{"X-Mock-Fault": "status=teapot"})
    assert r.status_code == 400
    assert "X-Mock-Fault: status must be an integer, not 'teapot'" in r.text
    assert not api.checkers[vendor_id].response_errors(
        _method(vendor_id), api.app.vendors[vendor_id].sample.path, 400, dict(r.headers), r.content
    )


def test_a_header_in_utf_8_is_quoted_as_sent(api: Api) -> None:
    """Found by a hostile probe: the header's bytes were read as Latin-1, so a UTF-8 digit came
    back garbled in the message ('\u00d9\u00a1' for '\u0661'); it is read as session names are."""
    with api.unchanged("personio"):
        r = _update(api, "personio", **{"X-Mock-Fault": "status=\u0661".encode()})
    assert r.status_code == 400
    assert "X-Mock-Fault: status must be an integer, not '\u0661'" in r.json()["errors"][0]["detail"]


# -- latency -----------------------------------------------------------------------------------
def test_latency_delays_the_normal_answer(api: Api) -> None:
    started = time.monotonic()
    r = api.call("personio", "GET", "/v2/projects/1001", headers={"X-Mock-Fault": "latency=150"})
    assert r.status_code == 200 and time.monotonic() - started >= 0.15
    assert api.journal()[-1]["fault"]["latency_ms"] == [150, 150]


def test_latency_combines_with_a_status(api: Api) -> None:
    _add(api, vendor="wethod", status=429, latency_ms=[100, 120], times=1)
    started = time.monotonic()
    r = _update(api, "wethod")
    assert r.status_code == 429 and time.monotonic() - started >= 0.1


# -- reset and truncate, over a real socket ----------------------------------------------------
@pytest.fixture
def server_log(live_server: LiveServer) -> Iterator[list[logging.LogRecord]]:
    """What uvicorn logs meanwhile (its loggers do not propagate to pytest's caplog)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def _live(live_server: LiveServer, vendor_id: str, session: str) -> tuple[str, dict[str, str]]:
    vendor = live_server.app.vendors[vendor_id]
    headers = {"Authorization": "Bearer test-token", "X-Mock-Session": session, **vendor.sample_headers}
    return live_server.url + vendor.prefix, headers


def test_reset_drops_the_connection_before_the_handler(
    live_server: LiveServer, server_log: list[logging.LogRecord]
) -> None:
    base, headers = _live(live_server, "zep", "fault-reset")
    body = {"name": "Never stored"}
    with httpx.Client(base_url=base, headers=headers) as client:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            client.patch("/projects/123", json=body, headers={"X-Mock-Fault": "reset"})
        with pytest.raises(requests.ConnectionError):
            requests.patch(
                f"{base}/projects/123", json=body, headers={**headers, "X-Mock-Fault": "reset"}, timeout=5
            )
        after = client.get("/projects/123")  # the server is fine, the state untouched
    assert after.status_code == 200 and after.json()["data"]["name"] != body["name"]
    journal = httpx.get(f"{live_server.url}/__admin/requests", headers=headers).json()["requests"]
    assert [(e["status"], e.get("fault", {}).get("action")) for e in journal] == [
        (0, "reset"),
        (0, "reset"),
        (200, None),
    ]
    assert server_log == []


def test_truncate_sends_part_of_the_body_after_the_write(
    live_server: LiveServer, server_log: list[logging.LogRecord]
) -> None:
    base, headers = _live(live_server, "zep", "fault-truncate")
    with httpx.Client(base_url=base, headers=headers) as client:
        with pytest.raises(httpx.RemoteProtocolError, match=r"without sending complete message body"):
            client.patch(
                "/projects/123", json={"name": "Stored anyway"}, headers={"X-Mock-Fault": "truncate"}
            )
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(f"{base}/projects/123", headers={**headers, "X-Mock-Fault": "truncate"}, timeout=5)
        after = client.get("/projects/123")
    assert after.json()["data"]["name"] == "Stored anyway"  # the handler ran; only the answer was cut
    entry = httpx.get(f"{live_server.url}/__admin/requests", headers=headers).json()["requests"][0]
    assert entry["status"] == 200 and entry["fault"]["action"] == "truncate"
    assert server_log == []


@pytest.mark.parametrize("action", ["reset", "truncate"])
def test_a_fault_that_drops_a_connection_with_a_pipelined_request_behind_it(
    live_server: LiveServer, server_log: list[logging.LogRecord], action: str
) -> None:
    """Found by a hostile probe: uvicorn marked only the pipelined request disconnected, so it
    answered the faulted one a 500 on the closed connection (a RuntimeError in a task nobody
    awaited) or logged it unfinished, and its journal entry came 2 s late."""
    session = f"pipelined-{action}"
    body = b'{"name": "Pipelined"}'
    head = f"Host: x\r\nAuthorization: Bearer test-token\r\nX-Mock-Session: {session}\r\n"
    faulted = f"PATCH /zep/api/v1/projects/123 HTTP/1.1\r\n{head}X-Mock-Fault: {action}\r\n"
    faulted += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    behind = f"GET /zep/api/v1/projects/123 HTTP/1.1\r\n{head}Connection: close\r\n\r\n"
    asyncio_log = logging.getLogger("asyncio")
    handler = logging.Handler(logging.WARNING)
    handler.emit = server_log.append  # type: ignore[method-assign]
    asyncio_log.addHandler(handler)
    try:
        port = int(live_server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(faulted.encode() + body + behind.encode())
            with contextlib.suppress(ConnectionError):
                while sock.recv(65536):
                    pass
        admin = {"X-Mock-Session": session}
        journal = httpx.get(f"{live_server.url}/__admin/requests", headers=admin, timeout=1).json()[
            "requests"
        ]
        gc.collect()  # an unretrieved task exception is logged when the task is collected
    finally:
        asyncio_log.removeHandler(handler)
    assert [e.get("fault", {}).get("action") for e in journal] == [action]
    assert server_log == []


def test_truncating_an_empty_body_drops_the_connection(live_server: LiveServer) -> None:
    base, headers = _live(live_server, "personio", "fault-truncate-204")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        httpx.patch(
            f"{base}/v2/projects/1001",
            json={"name": "Renamed"},
            headers={**headers, "X-Mock-Fault": "truncate"},
        )


@pytest.mark.parametrize("status", [204, 304])
def test_GEN_9_a_bodiless_status_keeps_the_connection_usable(live_server: LiveServer, status: int) -> None:
    """A canned 204 with a body went out with bytes no client reads, breaking the connection."""
    base, headers = _live(live_server, "zep", f"fault-{status}")
    fault = {"vendor": "zep", "status": status, "headers": {"X-Trace": "t"}, "times": 1}
    assert httpx.post(f"{live_server.url}/__admin/faults", json=fault, headers=headers).status_code == 201
    with httpx.Client(base_url=base, headers=headers) as client:  # one kept-alive connection
        first = client.get("/projects/123")
        assert (first.status_code, first.content, first.headers["x-trace"]) == (status, b"", "t")
        assert client.get("/projects/123").status_code == 200


def test_in_process_a_dropped_connection_raises(api: Api) -> None:
    with pytest.raises(InjectedDisconnect):
        api.call("zep", "GET", "/projects/123", headers={"X-Mock-Fault": "reset"})


# -- fuzz (the generator is mockserver.adversarial) ---------------------------------------------
def test_fuzz_answers_conform_and_are_reproducible(api: Api) -> None:
    path = "/v2/projects/1001"
    answers = []
    for _ in range(2):
        r = api.call("personio", "GET", path, headers={"X-Mock-Fault": "fuzz;seed=7"}, check=False)
        errors = api.checkers["personio"].response_errors(
            "GET", path, r.status_code, dict(r.headers), r.content
        )
        assert not errors, "\n".join(errors)
        answers.append((r.status_code, r.content))
    assert answers[0] == answers[1]
    assert api.journal()[-1]["fault"]["action"] == "fuzz"


def test_fuzz_responses_mode_answers_every_call_of_every_session_reproducibly(api: Api) -> None:
    # `serve --fuzz-responses SEED`: each session starts with a fuzz fault, and gets it back on reset
    def answers(session: str) -> list[tuple[int, bytes]]:
        client = TestClient(create_app(ServerConfig(vendors=("personio",), fuzz_responses=7)))
        headers = {"Authorization": "Bearer test-token", "X-Mock-Session": session}
        got = []
        for _ in range(3):
            r = client.get("/personio/v2/projects/1001", headers=headers)
            errors = api.checkers["personio"].response_errors(
                "GET", "/v2/projects/1001", r.status_code, dict(r.headers), r.content
            )
            assert not errors, "\n".join(errors)
            got.append((r.status_code, r.content))
        client.post("/__admin/reset", headers={"X-Mock-Session": session})
        journal = client.get("/__admin/faults", headers={"X-Mock-Session": session}).json()["faults"]
        assert [f["action"] for f in journal] == ["fuzz"]  # a reset brings the mode back
        return got

    first = answers("a")
    assert answers("b") == first  # the same seed, the same answers, in a fresh app and session
    assert len(set(first)) > 1  # each call is the next case
