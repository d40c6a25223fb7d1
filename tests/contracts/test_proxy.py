"""The validation proxy (``contracts.proxy``): the live mock as its upstream, the proxy in process.

Every vendor: a conforming update passes through and changes the upstream, a mistyped field and
an undocumented one are forwarded and journaled, ``--errors`` answers them as the mock would and
never forwards, an unreachable upstream is a 502 in the vendor's envelope. A deliberately broken
Starlette upstream proves response validation.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from contracts.conformance import SpecChecker
from contracts.proxy import ProxyConfig, create_proxy
from mockserver.cli import main
from mockserver.core.vendor import Vendor, discover_vendors
from mockserver.core.violations import Code, Violation
from mockserver.live import LiveServer
from tests.test_cli import free_port, wait_healthy
from tests.test_general import update_method, update_schema

VENDORS = discover_vendors()
IDS = sorted(VENDORS)


@contextmanager
def proxied(
    vid: str, upstream: str, *, transport: httpx.AsyncBaseTransport | None = None, **options: Any
) -> Iterator[TestClient]:
    proxy = create_proxy(ProxyConfig(vendor=vid, upstream=upstream, **options), transport=transport)
    with TestClient(proxy) as client:  # runs the lifespan, which closes the upstream client
        yield client


def headers(vendor: Vendor, session: str, **extra: str) -> dict[str, str]:
    return {
        "Authorization": "Bearer test-token",
        "Content-Type": "application/json",
        "X-Mock-Session": session,
        **vendor.sample_headers,
        **extra,
    }


def journal(client: TestClient | httpx.Client, session: str | None = None) -> list[dict[str, Any]]:
    sent = {"X-Mock-Session": session} if session else {}
    entries: list[dict[str, Any]] = client.get("/__admin/requests", headers=sent).json()["requests"]
    return entries


def mistyped(vendor: Vendor) -> tuple[str, Any]:
    """A field of the update body and a value of the wrong type: a string for an integer where
    the schema has one, a number for a string otherwise."""
    props = update_schema(vendor).get("properties", {})
    typed = {name: p.get("type") for name, p in props.items() if isinstance(p, dict) and "enum" not in p}
    integer = next((name for name, kind in typed.items() if kind == "integer"), None)
    if integer:
        return integer, "7"
    return next(name for name, kind in typed.items() if kind == "string"), 12345


def session_name() -> str:
    return f"proxy-{uuid.uuid4().hex[:8]}"


def closed_port() -> int:
    return free_port()  # bound once and released: nothing listens there


@pytest.fixture
def upstream(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url) as client:
        yield client


@pytest.mark.parametrize("vid", IDS)
def test_conforming_update_passes_through_and_changes_the_upstream(
    live_server: LiveServer, upstream: httpx.Client, vid: str
) -> None:
    vendor, session = VENDORS[vid], session_name()
    before = upstream.get(f"/__admin/state/{vid}", headers={"X-Mock-Session": session}).json()
    with proxied(vid, live_server.url + vendor.prefix) as client:
        r = client.request(
            update_method(vendor),
            vendor.prefix + vendor.sample.path,
            json=vendor.sample.body,
            headers=headers(vendor, session),
        )
        entries = journal(client)
    assert 200 <= r.status_code < 300, r.text
    assert upstream.get(f"/__admin/state/{vid}", headers={"X-Mock-Session": session}).json() != before
    (entry,) = entries
    assert entry["operation"] == "updateProject"
    assert entry["status"] == r.status_code
    assert entry["violations"] == entry["warnings"] == entry["response_violations"] == []
    assert [e["status"] for e in journal(upstream, session)] == [r.status_code]


@pytest.mark.parametrize("vid", IDS)
def test_nonconforming_request_is_forwarded_and_journaled_with_its_violations(
    live_server: LiveServer, upstream: httpx.Client, vid: str
) -> None:
    vendor, session = VENDORS[vid], session_name()
    field, wrong = mistyped(vendor)
    body = {**vendor.sample.body, field: wrong, "x_not_documented": 1}
    with proxied(vid, live_server.url + vendor.prefix) as client:
        r = client.request(
            update_method(vendor),
            vendor.prefix + vendor.sample.path,
            json=body,
            headers=headers(vendor, session),
        )
        (entry,) = journal(client)
    (seen,) = journal(upstream, session)  # forwarded: the upstream answered it itself
    assert seen["request"]["body"] == body
    assert (entry["status"], seen["status"]) == (r.status_code, r.status_code)
    assert [(v["field"], v["keyword"], v["location"]) for v in entry["violations"]] == [
        (field, "type", "body")
    ]
    assert [(w["field"], w["rule"]) for w in entry["warnings"]] == [("x_not_documented", "GEN-7")]
    assert "GEN-7" in entry["rules"]
    assert entry["response_violations"] == []  # the mock's rejection is in its vendor's spec


@pytest.mark.parametrize("vid", IDS)
def test_errors_mode_answers_as_the_mock_would_and_never_forwards(
    live_server: LiveServer, upstream: httpx.Client, vid: str
) -> None:
    vendor, session = VENDORS[vid], session_name()
    field, wrong = mistyped(vendor)
    body = {**vendor.sample.body, field: wrong}
    method, path = update_method(vendor), vendor.sample.path
    with proxied(vid, live_server.url + vendor.prefix, errors=True) as client:
        r = client.request(method, vendor.prefix + path, json=body, headers=headers(vendor, session))
        (entry,) = journal(client)
    assert journal(upstream, session) == []
    direct = upstream.request(
        method, vendor.prefix + path, json=body, headers=headers(vendor, session_name())
    )
    assert (r.status_code, sorted(r.json())) == (direct.status_code, sorted(direct.json()))
    assert field in r.text
    checker = SpecChecker(vendor.spec_path)
    assert checker.response_errors(method, path, r.status_code, dict(r.headers), r.content) == []
    assert entry["status"] == r.status_code
    assert [v["field"] for v in entry["violations"]] == [field]


@pytest.mark.parametrize("vid", IDS)
def test_unreachable_upstream_is_a_502_in_the_vendor_envelope(vid: str) -> None:
    vendor = VENDORS[vid]
    port = closed_port()
    with proxied(vid, f"http://127.0.0.1:{port}") as client:
        r = client.get(vendor.prefix + vendor.sample.path, headers=headers(vendor, "s"))
        (entry,) = journal(client)
    assert r.status_code == 502
    (problem,) = entry["response_violations"]
    assert problem["code"] == "upstream"
    assert problem["message"].startswith(f"Cannot connect to the upstream http://127.0.0.1:{port}: ")
    assert problem["message"] in r.text or problem["message"].rstrip(".") in r.text
    expected = vendor.format_errors([Violation(502, Code.UPSTREAM, problem["message"])], datetime.now(UTC))
    assert (r.status_code, sorted(r.json())) == (expected.status, sorted(expected.body))


def test_upstream_that_never_answers_is_a_504() -> None:
    vendor = VENDORS["wethod"]
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        upstream = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with proxied("wethod", upstream, timeout=0.3) as client:
            r = client.get(vendor.prefix + vendor.sample.path, headers=headers(vendor, "s"))
    assert r.status_code == 504
    assert r.json()["message"].startswith(
        f"The upstream {upstream} did not answer GET /api/projects/42 within 0.3 s"
    )


def broken_upstream() -> Starlette:
    """An upstream whose answers break the Personio spec, and one that gzips a good answer."""

    async def project(request: Request) -> Response:
        return Response(json.dumps({"id": 1001}), 200, media_type="application/json")

    async def members(request: Request) -> Response:
        body = gzip.compress(b'{"data": []}')
        headers = {"Content-Encoding": "gzip", "Connection": "close, X-Hop", "X-Hop": "1"}
        return Response(body, 200, headers=headers, media_type="application/json")

    async def teapot(request: Request) -> Response:
        return Response(b"", 418)

    return Starlette(
        routes=[
            Route("/v2/projects/1001", project),
            Route("/v2/projects/1001/members", members),
            Route("/v2/projects/1002", teapot, methods=["PATCH"]),
        ]
    )


def test_nonconforming_upstream_response_is_journaled_and_passed_on_unchanged() -> None:
    vendor = VENDORS["personio"]
    transport = httpx.ASGITransport(app=broken_upstream())
    with proxied("personio", "http://upstream.test", transport=transport) as client:
        r = client.get("/personio/v2/projects/1001", headers=headers(vendor, "s"))
        teapot = client.patch("/personio/v2/projects/1002", json={"name": "x"}, headers=headers(vendor, "s"))
        entries = journal(client)
    assert (r.status_code, r.json()) == (200, {"id": 1001})
    missing = {v["field"] for v in entries[0]["response_violations"] if v["keyword"] == "required"}
    assert {"name", "status", "start", "end"} <= missing
    assert all(v["location"] == "response" and v["status"] == 200 for v in entries[0]["response_violations"])
    assert entries[0]["violations"] == []  # the request was fine
    assert teapot.status_code == 418
    # every vendor operation documents a `default` error answer: a bodiless 418 breaks it
    assert [v["message"] for v in entries[1]["response_violations"]] == [
        "The spec documents a body for this status; the response has none"
    ]


def test_decoded_answers_lose_their_encoding_and_hop_by_hop_headers() -> None:
    vendor = VENDORS["personio"]
    transport = httpx.ASGITransport(app=broken_upstream())
    with proxied("personio", "http://upstream.test", transport=transport) as client:
        r = client.get("/personio/v2/projects/1001/members", headers=headers(vendor, "s"))
    assert r.content == b'{"data": []}'
    assert "content-encoding" not in r.headers
    assert "x-hop" not in r.headers
    assert r.headers["content-length"] == str(len(r.content))


def test_secrets_are_redacted_and_hop_by_hop_headers_stay_behind(
    live_server: LiveServer, upstream: httpx.Client
) -> None:
    vendor, session = VENDORS["personio"], session_name()
    sent = headers(vendor, session, Cookie="sid=s3cr3t", Connection="keep-alive, X-Hop", **{"X-Hop": "1"})
    with proxied("personio", live_server.url + "/personio") as client:
        r = client.get("/personio/v2/projects/1001", headers=sent)
        mine = client.get("/__admin/requests").text
    assert r.status_code == 200  # the token reached the upstream unchanged: the mock checks it
    assert "test-token" not in mine and "s3cr3t" not in mine
    assert json.loads(mine)["requests"][0]["request"]["headers"]["authorization"] == "[redacted]"
    (seen,) = journal(upstream, session)
    assert seen["request"]["headers"]["host"] == live_server.url.removeprefix("http://")
    assert "x-hop" not in seen["request"]["headers"]


def test_calls_outside_the_vendor_and_oversized_bodies_are_answered_by_the_proxy() -> None:
    vendor = VENDORS["zep"]
    with proxied("zep", f"http://127.0.0.1:{closed_port()}", max_body_bytes=10) as client:
        outside = client.get("/personio/v2/projects/1001")
        large = client.patch(
            "/zep/api/v1/projects/123", json={"name": "x" * 20}, headers=headers(vendor, "s")
        )
        entries = journal(client)
    assert (outside.status_code, large.status_code) == (404, 413)
    assert [e["violations"][0]["code"] for e in entries] == ["route_not_found", "too_large"]
    assert "under /zep/api/v1/" in entries[0]["violations"][0]["message"]  # ZEP's 404 has fixed words


def test_errors_mode_answers_an_unknown_route_before_missing_credentials() -> None:
    vendor = VENDORS["ruddr"]
    with proxied("ruddr", f"http://127.0.0.1:{closed_port()}", errors=True) as client:
        no_route = client.get(vendor.prefix + "/nope")
        no_token = client.get(vendor.prefix + vendor.sample.path)
    assert no_route.status_code == 404
    assert no_token.status_code == 401


def test_admin_api_health_journal_and_token() -> None:
    with proxied("cor", f"http://127.0.0.1:{closed_port()}", admin_token="adm1n") as client:
        health = client.get("/__admin/health").json()
        client.get("/cor/v2/integrations/projects/X")
        refused = client.get("/__admin/requests")
        allowed = client.get("/__admin/requests", headers={"Authorization": "Bearer adm1n"})
        client.delete("/__admin/requests", headers={"Authorization": "Bearer adm1n"})
        cleared = client.get("/__admin/requests", headers={"Authorization": "Bearer adm1n"})
    assert health["vendors"] == ["cor"] and health["mode"] == "proxy"
    assert refused.status_code == 401
    assert len(allowed.json()["requests"]) == 1
    assert cleared.json() == {"requests": []}


def test_a_bad_upstream_url_is_refused() -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        create_proxy(ProxyConfig(vendor="zep", upstream="ftp://example.com"))


# -- the command line -----------------------------------------------------------------------------
def test_cli_help_and_refusals(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["proxy", "--help"])
    assert exited.value.code == 0
    assert "--upstream" in capsys.readouterr().out
    assert main(["proxy", "--vendor", "zep", "--upstream", "http://x", "--host", "0.0.0.0"]) == 2
    assert main(["proxy", "--vendor", "zep", "--upstream", "not a url"]) == 2
    assert "needs --admin-token" in capsys.readouterr().err


def test_cli_proxy_starts_forwards_and_stops_cleanly() -> None:
    port, dead = free_port(), closed_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "proxy",
            "--vendor",
            "personio",
            "--port",
            str(port),
            "--upstream",
            f"http://127.0.0.1:{dead}/personio",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        assert httpx.get(url + "/personio/v2/projects/1001").status_code == 502
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"{url}/personio -> http://127.0.0.1:{dead}/personio" in out


# -- a hostile upstream, and paths that leave the vendor (found by a hostile probe) ---------------
def hostile_upstream(mode: str) -> httpx.MockTransport:
    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"x" * 65536

    async def trickle() -> AsyncIterator[bytes]:
        while True:
            await asyncio.sleep(0.05)
            yield b" "

    def answer(request: httpx.Request) -> httpx.Response:
        json_type = {"Content-Type": "application/json"}
        if mode == "endless":
            return httpx.Response(200, headers=json_type, content=endless())
        if mode == "bomb":
            bomb = gzip.compress(b" " * 3_000_000)
            return httpx.Response(200, headers={**json_type, "Content-Encoding": "gzip"}, content=bomb)
        if mode == "trickle":
            return httpx.Response(200, headers=json_type, content=trickle())
        if mode == "999":
            return httpx.Response(999, headers=json_type, content=b"{}")
        return httpx.Response(200, headers=[(b"X-Evil", b"a\x01b"), (b"Content-Type", b"application/json")])

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(
    ("mode", "status", "said"),
    [
        ("endless", 502, "with more than 1000000 bytes"),
        ("bomb", 502, "with more than 1000000 bytes"),
        ("trickle", 504, "did not answer GET /v2/projects/1001 within 0.5 s"),
        ("999", 502, "with status 999, which HTTP does not have"),
        ("control", 502, "with a control character in its X-Evil header"),
    ],
)
def test_an_upstream_answer_the_proxy_cannot_pass_on_is_a_502_or_504(
    mode: str, status: int, said: str
) -> None:
    """Each used to end in memory growing without bound, a wait as long as the upstream kept
    trickling, or a dropped connection with a traceback and no journal entry."""
    vendor = VENDORS["personio"]
    options: dict[str, Any] = {"timeout": 0.5, "max_response_bytes": 1_000_000}
    with proxied("personio", "http://upstream.test", transport=hostile_upstream(mode), **options) as client:
        r = client.get("/personio/v2/projects/1001", headers=headers(vendor, "s"))
        (entry,) = journal(client)
    assert r.status_code == status
    assert said in r.json()["errors"][0]["detail"]
    assert entry["status"] == status


@pytest.mark.parametrize(
    "path",
    ["/personio/../__admin/state/personio", "/personio/v2/../../zep/api/v1/projects", "/personio/%2e%2e/x"],
)
def test_a_dot_segment_never_takes_a_call_out_of_the_vendor(path: str) -> None:
    """httpx resolves dot segments: /personio/../__admin/... reached the upstream mock's admin API."""
    seen: list[str] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={})

    vendor = VENDORS["personio"]
    with proxied(
        "personio", "http://upstream.test/personio", transport=httpx.MockTransport(upstream)
    ) as client:
        r = client.get(path, headers=headers(vendor, "s"))
        answer = client.get("/personio/v2/projects/1001", headers=headers(vendor, "s"))
    assert r.status_code == 404
    assert "This proxy forwards Personio calls under /personio/" in r.json()["errors"][0]["detail"]
    assert answer.status_code == 200 and seen == ["/personio/v2/projects/1001"]


def test_an_upstream_answer_that_is_not_strict_json_is_a_response_violation() -> None:
    """Found by a hostile probe: NaN, 1e400 and a lone surrogate passed the response check, which
    named only the fields they made wrong; a strict client (GEN-13) cannot read such an answer."""

    def upstream(request: httpx.Request) -> httpx.Response:
        body = b'{"id": "1001", "name": "\\ud800", "x": NaN, "y": 1e400}'
        return httpx.Response(200, headers={"Content-Type": "application/json"}, content=body)

    vendor = VENDORS["personio"]
    with proxied("personio", "http://upstream.test", transport=httpx.MockTransport(upstream)) as client:
        r = client.get("/personio/v2/projects/1001", headers=headers(vendor, "s"))
        (entry,) = journal(client)
    assert r.status_code == 200  # passed on unchanged: the proxy reports, the client decides
    assert [v["message"] for v in entry["response_violations"]] == [
        "Not strict JSON (GEN-13): name: '\\ud800' holds a lone surrogate",
        "Not strict JSON (GEN-13): x: nan is not a finite number",
        "Not strict JSON (GEN-13): y: inf is not a finite number",
    ]


Call = tuple[str, str, dict[str, str]]
"""Method, path and extra headers of one call through the proxy."""


def through_a_raw_upstream(
    first_answer: bytes, first: Call, second: Call
) -> tuple[httpx.Response, httpx.Response, list[dict[str, Any]]]:
    """Two calls through the proxy, from two clients, to an upstream that answers the first with
    ``first_answer`` (bytes as sent, on a kept-alive connection) and every later one with a 200."""
    vendor = VENDORS["personio"]
    answers, connections = 0, []

    async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal answers
        connections.append((writer, asyncio.current_task()))
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line[15:])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                answers += 1
                if answers == 1:
                    writer.write(first_answer)
                else:
                    body = b'{"success": true, "data": []}'
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                    )
                await writer.drain()

    async def scenario() -> tuple[httpx.Response, httpx.Response, list[dict[str, Any]]]:
        server = await asyncio.start_server(upstream, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        proxy = create_proxy(ProxyConfig(vendor="personio", upstream=f"http://127.0.0.1:{port}"))
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=proxy), base_url="http://proxy"
            ) as c:
                answered = []
                for (method, path, extra), client in ((first, "a"), (second, "b")):
                    body = {"description": "x"} if method == "PATCH" else None
                    sent = {**headers(vendor, client), **extra}
                    answered.append(await c.request(method, path, json=body, headers=sent))
        finally:
            await proxy.aclose()
            server.close()
            for writer, task in connections:
                writer.close()
                if task is not None:
                    await task  # sees the end of its stream and returns
        return answered[0], answered[1], proxy.journal.entries()

    return asyncio.run(scenario())


LIST: Call = ("GET", "/personio/v2/projects", {})


@pytest.mark.parametrize("declared", [b"Content-Length: 5", b"Transfer-Encoding: chunked"])
def test_a_204_that_declares_a_body_harms_no_later_call(declared: bytes) -> None:
    """Found by a hostile upstream: a 204 ends at its head, so the body it declares stayed in the
    pooled connection, and the next call, another client's, got a 502 for 'helloHTTP/1.1 200 OK'."""
    stray = b"5\r\nhello\r\n0\r\n\r\n" if b"chunked" in declared else b"hello"
    update: Call = ("PATCH", "/personio/v2/projects/1001", {})
    answer = b"HTTP/1.1 204 No Content\r\n" + declared + b"\r\n\r\n" + stray
    first, second, entries = through_a_raw_upstream(answer, update, LIST)
    assert first.status_code == 204 and first.content == b""
    assert second.status_code == 200 and second.json() == {"success": True, "data": []}
    (framing,) = entries[0]["response_violations"]
    assert framing["message"].startswith(f"A 204 answer declares a body ({declared.decode().lower()})")
    assert not [v for v in entries[1]["response_violations"] if "204" in v["message"]]


STRAY_ANSWER = (
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"id": "planted"}'
)


@pytest.mark.parametrize(
    ("first", "answer"),
    [
        (("HEAD", "/personio/v2/projects", {}), b"HTTP/1.1 200 OK\r\nContent-Length: 55\r\n\r\n"),
        (
            ("GET", "/personio/v2/projects/1001", {"If-None-Match": '"v1"'}),
            b"HTTP/1.1 304 Not Modified\r\n\r\n",
        ),
        (
            ("GET", "/personio/v2/projects/1001", {}),
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 55\r\n\r\n",
        ),
        (
            ("GET", "/personio/v2/projects/1001", {}),
            b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
        ),
    ],
    ids=["HEAD", "conditional 304", "unasked 304", "chunked 304"],
)
def test_bytes_after_an_answer_that_ends_at_its_head_never_answer_another_call(
    first: Call, answer: bytes
) -> None:
    """Found by a hostile upstream: after an answer to HEAD or a 304, which end at their head,
    the bytes the upstream sent on were read from the pooled connection as the next client's
    answer (a planted 200, or a 502)."""
    earlier, later, _entries = through_a_raw_upstream(answer + STRAY_ANSWER, first, LIST)
    assert earlier.status_code == int(answer.split()[1])
    assert later.status_code == 200 and later.json() == {"success": True, "data": []}
