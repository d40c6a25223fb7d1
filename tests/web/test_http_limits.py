"""GEN-9 at the HTTP layer (mockserver/web/http.py): the request head is bounded in bytes, header
count and time, connections are capped, and `mockserver serve`, `mockserver proxy` and
`LiveServer` all run with these limits.

Raw sockets, because the clients under test (httpx, requests) refuse to send most of this. Each
test starts its own `LiveServer` with small limits (a 1 s head timeout), so all of them together
take a few seconds.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from contracts.conformance import SpecChecker
from mockserver.cli import _http_limits, _parser
from mockserver.config import DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS, ServerConfig
from mockserver.core.vendor import discover_vendors
from mockserver.listen import run
from mockserver.live import LiveServer
from mockserver.web.http import LINGER_SECONDS, HttpLimits, LimitedConfig, LimitedHttpProtocol
from tests.test_cli import free_port, wait_healthy
from tests.test_general import update_method

HEALTH = b"GET /__admin/health HTTP/1.1\r\nHost: mock\r\n"


@contextmanager
def live(**settings: Any) -> Iterator[LiveServer]:
    with LiveServer(config=ServerConfig(vendors=("personio",), **settings)) as server:
        yield server


def port_of(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (a timeout fails the test: the server kept it open)."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def exchange(port: int, data: bytes) -> bytes:
    """Send ``data`` whole, then read until the server closes."""
    with connect(port) as sock:
        sock.sendall(data)
        return read_all(sock)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def body_of(answer: bytes) -> Any:
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


def headers(count: int) -> bytes:
    return b"".join(b"X-H%d: v\r\n" % i for i in range(count))


# -- the head's size ---------------------------------------------------------------------------
def test_GEN_9_header_block_over_the_limit_gets_431_and_the_connection_closes() -> None:
    with live(max_header_bytes=8192) as server:
        answer = exchange(port_of(server), HEALTH + b"X-Big: " + b"a" * 20_000 + b"\r\n\r\n")
    assert status_of(answer) == 431
    assert b"\r\nconnection: close\r\n" in answer
    assert body_of(answer) == {"status": 431, "message": "The request line and headers exceed 8192 bytes."}


def test_GEN_9_a_head_of_exactly_the_limit_is_served() -> None:
    limit = 4096
    head = HEALTH + b"Connection: close\r\nX-Pad: "
    head += b"a" * (limit - len(head) - 4) + b"\r\n\r\n"
    assert len(head) == limit
    with live(max_header_bytes=limit) as server:
        assert status_of(exchange(port_of(server), head)) == 200
        assert status_of(exchange(port_of(server), head[:-4] + b"a\r\n\r\n")) == 431


def test_GEN_9_an_endless_header_line_is_never_held_in_memory() -> None:
    """32 MiB of one header line (a 200 MiB one used to be read whole and answered): the server
    keeps at most the limit of it. The client sends from one reused 64 KiB buffer, so what
    tracemalloc sees at its peak is the server's."""
    chunk = b"a" * 65536
    with live() as server, connect(port_of(server)) as sock:
        tracemalloc.start()
        try:
            sock.sendall(HEALTH + b"X-Big: ")
            try:
                for _ in range(32 * 2**20 // len(chunk)):
                    sock.sendall(chunk)
            except OSError:
                pass  # the server answered, drained for a while, and closed
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 4 * DEFAULT_MAX_HEADER_BYTES + 2**20, f"{peak} bytes at the peak"


def test_GEN_9_an_endless_header_line_gets_431() -> None:
    with live() as server, connect(port_of(server)) as sock:
        sock.sendall(HEALTH + b"X-Big: " + b"a" * (2 * DEFAULT_MAX_HEADER_BYTES))
        answer = sock.recv(65536)  # before the line ends: the limit is enough to answer
    assert status_of(answer) == 431


def test_GEN_9_a_long_url_counts_towards_the_head() -> None:
    with live(max_header_bytes=4096) as server:
        answer = exchange(port_of(server), b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: mock\r\n\r\n")
    assert status_of(answer) == 431


# -- the number of headers ---------------------------------------------------------------------
def test_GEN_9_more_headers_than_the_limit_get_431() -> None:
    with live() as server:
        answer = exchange(port_of(server), HEALTH + headers(DEFAULT_MAX_HEADERS) + b"\r\n")
    assert status_of(answer) == 431  # Host plus 100 more
    assert body_of(answer)["message"] == f"More than {DEFAULT_MAX_HEADERS} request headers."


@pytest.mark.parametrize("vendor", sorted(discover_vendors()))
def test_GEN_9_a_vendor_paths_431_comes_in_the_vendors_envelope(vendor: str) -> None:
    # found by scripts/fuzz --hostile over HTTP: the layer's own {status, message} broke GEN-9
    found = discover_vendors([vendor])[vendor]
    method = update_method(found)
    request = f"{method} {found.prefix}{found.sample.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
    with LiveServer(config=ServerConfig(vendors=(vendor,))) as server:
        answer = exchange(port_of(server), request + headers(DEFAULT_MAX_HEADERS) + b"\r\n")
    assert status_of(answer) == 431
    head, _, body = answer.partition(b"\r\n\r\n")
    checker = SpecChecker(discover_vendors([vendor])[vendor].spec_path)
    shown = dict(line.decode("latin-1").split(": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
    problems = checker.response_errors(method, found.sample.path, 431, shown, body)
    assert not problems, problems  # the layer's own {status, message} fails Wethod's, COR's, Personio's
    # the headers are too large, not the body: Wethod said "The request body is too large."
    assert b"body" not in body.lower() and b"payload" not in body.lower(), body


def test_GEN_9_exactly_the_header_limit_is_served() -> None:
    with live() as server:
        count = DEFAULT_MAX_HEADERS - 2  # Host and Connection
        answer = exchange(port_of(server), HEALTH + b"Connection: close\r\n" + headers(count) + b"\r\n")
    assert status_of(answer) == 200


def test_GEN_9_fifty_thousand_headers_are_refused_without_reaching_the_app() -> None:
    with live(max_header_bytes=2**20) as server:  # the count, not the size, refuses them
        answer = exchange(port_of(server), HEALTH + headers(50_000) + b"\r\n")
        assert status_of(answer) == 431
        assert server.app.store.session().journal.entries() == []


def test_GEN_9_a_refused_head_leaves_the_next_connection_unaffected() -> None:
    with live(max_headers=5) as server:
        assert status_of(exchange(port_of(server), HEALTH + headers(10) + b"\r\n")) == 431
        assert httpx.get(server.url + "/__admin/health").status_code == 200


def test_GEN_9_kept_alive_and_pipelined_requests_are_served_within_the_limits() -> None:
    with live(max_header_bytes=2048, max_headers=10) as server, connect(port_of(server)) as sock:
        for _ in range(3):  # one connection, one request after the other
            sock.sendall(HEALTH + b"\r\n")
            assert status_of(sock.recv(65536)) == 200
        sock.sendall(HEALTH + b"\r\n" + HEALTH + b"Connection: close\r\n\r\n")
        assert read_all(sock).count(b"HTTP/1.1 200 OK") == 2


# -- time --------------------------------------------------------------------------------------
def test_GEN_9_a_head_not_complete_in_time_gets_408() -> None:
    with live(head_timeout=1) as server, connect(port_of(server)) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: mo")
        answer = read_all(sock)
    assert status_of(answer) == 408
    assert 0.9 < time.monotonic() - started < 3


def test_GEN_9_an_idle_connection_is_closed_after_the_head_timeout() -> None:
    with live(head_timeout=1) as server, connect(port_of(server)) as sock:
        started = time.monotonic()
        assert read_all(sock) == b""  # nothing asked, nothing answered
    assert 0.9 < time.monotonic() - started < 3


def test_GEN_9_the_head_timeout_does_not_cut_a_slow_answer() -> None:
    """Only the head is timed: a latency fault longer than the head timeout is answered."""
    with live(head_timeout=1) as server, connect(port_of(server)) as sock:
        sock.sendall(
            b"GET /personio/v2/projects HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer test-token\r\n"
            b"X-Mock-Fault: latency=1500\r\nConnection: close\r\n\r\n"
        )
        assert status_of(read_all(sock)) == 200


def test_GEN_9_slow_loris_connections_are_closed_and_a_normal_client_is_served() -> None:
    """50 clients send a head one byte every 0.2 s with a cap of 20 connections: 20 more get a
    503 at once, the 10 beyond twice the cap are closed without one (a flood: descriptors come
    first), the 20 others get a 408 after the 1 s head timeout, and a normal client is served as
    soon as they are gone."""
    with live(head_timeout=1, max_connections=20) as server:
        port = port_of(server)
        slow = [connect(port) for _ in range(50)]
        answers = dict.fromkeys(slow, b"")
        open_ = set(slow)
        served_at = None
        started = time.monotonic()
        trickle = iter(HEALTH * 10)
        while open_ and time.monotonic() - started < 5:
            byte = bytes([next(trickle)])
            for sock in list(open_):
                with contextlib.suppress(OSError):  # closed by the server while we were sending
                    sock.send(byte)
            readable, _, _ = select.select(list(open_), [], [], 0.2)
            for sock in readable:
                try:
                    chunk = sock.recv(65536)
                except OSError:
                    chunk = b""
                answers[sock] += chunk
                if not chunk:  # closed by the server: close our end too, as a client would
                    open_.discard(sock)
                    sock.close()
            if served_at is None:
                try:
                    if httpx.get(server.url + "/__admin/health", timeout=1).status_code == 200:
                        served_at = time.monotonic() - started
                except httpx.TransportError:
                    pass
        elapsed = time.monotonic() - started
        for sock in slow:
            sock.close()
        statuses = sorted(status_of(answer) for answer in answers.values())
        connections = server.server.server_state.connections
        deadline = time.monotonic() + 2
        while len(connections) > 1 and time.monotonic() < deadline:  # closes reach the server
            time.sleep(0.05)
        left = len(connections)
    assert not open_, f"{len(open_)} slow connections still open after {elapsed:.1f} s"
    assert statuses == [0] * 10 + [408] * 20 + [503] * 20
    assert served_at is not None and served_at < 2.5, served_at
    assert left <= 1  # the normal client's kept-alive connection at most


# -- the connection cap ------------------------------------------------------------------------
def test_GEN_9_a_connection_over_the_cap_gets_503_and_is_closed() -> None:
    with live(max_connections=3) as server:
        held = [connect(port_of(server)) for _ in range(3)]
        time.sleep(0.1)  # accepted
        try:
            answer = exchange(port_of(server), HEALTH + b"\r\n")
        finally:
            for sock in held:
                sock.close()
        assert status_of(answer) == 503
        assert b"\r\nconnection: close\r\n" in answer and b"\r\nretry-after: 1\r\n" in answer
        time.sleep(0.2)
        assert httpx.get(server.url + "/__admin/health").status_code == 200  # freed again


def test_GEN_9_a_refused_connection_is_released_after_the_linger() -> None:
    with live(max_connections=1) as server, connect(port_of(server)), connect(port_of(server)) as refused:
        assert status_of(refused.recv(65536)) == 503
        connections = server.server.server_state.connections
        assert len(connections) == 2  # draining, so the client reads the 503 rather than an RST
        time.sleep(LINGER_SECONDS + 0.3)
        assert len(connections) == 1  # closed by the server, though the client never closed it


# -- every server runs with them ---------------------------------------------------------------
def test_GEN_9_serve_and_proxy_flags_reach_the_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: list[uvicorn.Config] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: started.append(self.config))
    flags = ["--max-header-bytes", "4096", "--max-headers", "20", "--head-timeout", "2.5"]
    flags += ["--max-connections", "50", "--body-timeout", "7"]
    expected = HttpLimits(
        max_head_bytes=4096, max_headers=20, head_timeout=2.5, max_connections=50, body_timeout=7.0
    )
    serve = _parser().parse_args(["serve", *flags])
    proxy = _parser().parse_args(["proxy", "--vendor", "zep", "--upstream", "http://127.0.0.1:1", *flags])
    for args in (serve, proxy):
        assert _http_limits(args) == expected
        run(object(), [], _http_limits(args))  # the listening sockets: none, run is stubbed
    for config in started:
        assert isinstance(config, LimitedConfig) and config.http is LimitedHttpProtocol
        assert config.limits == expected
        assert config.limit_concurrency == 51


def test_GEN_9_live_server_runs_with_the_apps_limits() -> None:
    with live(max_header_bytes=3000, max_connections=7) as server:
        config = server.server.config
        assert isinstance(config, LimitedConfig) and config.http is LimitedHttpProtocol
        assert config.limits == HttpLimits(3000, DEFAULT_MAX_HEADERS, 10.0, 7)


def test_GEN_9_the_connection_cap_fits_the_descriptor_limit() -> None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        pytest.skip("no descriptor limit")
    config = LimitedConfig(object(), HttpLimits(max_connections=10**9))
    assert config.limits.max_connections * 2 < soft
    assert config.limit_concurrency == config.limits.max_connections + 1


@pytest.mark.parametrize("command", ["serve", "proxy"])
def test_GEN_9_the_command_line_servers_refuse_and_time_out(command: str) -> None:
    port = free_port()
    args = ["--port", str(port), "--head-timeout", "1", "--max-header-bytes", "4096"]
    if command == "proxy":
        args += ["--vendor", "personio", "--upstream", "http://127.0.0.1:9"]
    else:
        args += ["--vendor", "personio"]
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", command, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        assert status_of(exchange(port, HEALTH + b"X-Big: " + b"a" * 5000 + b"\r\n\r\n")) == 431
        with connect(port) as sock:
            started = time.monotonic()
            assert read_all(sock) == b""
            assert time.monotonic() - started < 3
    finally:
        process.terminate()
        process.communicate(timeout=15)


# -- requests the parser rejects, and bodies that never fully arrive ------------------------------
PATCH_HEAD = (
    b"PATCH /personio/v2/projects/1001 HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer test-token\r\n"
    b"Content-Type: application/json\r\n"
)


def description(server: LiveServer) -> Any:
    return httpx.get(f"{server.url}/__admin/state/personio").json()["projects"]["1001"]["description"]


def message_of(answer: bytes) -> str:
    """The text of a refusal: Personio's ``errors[0].detail`` on its paths, else ``message``."""
    shown = body_of(answer)
    return str(shown["errors"][0]["detail"] if "errors" in shown else shown["message"])


def journal_size(server: LiveServer) -> int:
    return len(httpx.get(f"{server.url}/__admin/requests").json()["requests"])


def test_GEN_4_a_body_cut_short_by_the_client_is_never_handled() -> None:
    """The head announces 129 bytes, 29 come, the client leaves: nothing is written, nothing is
    journaled (the call was never whole)."""
    with live() as server:
        before, seen = description(server), journal_size(server)
        with connect(port_of(server)) as sock:
            sock.sendall(PATCH_HEAD + b'Content-Length: 129\r\n\r\n{"description":"probe-valid"}')
            time.sleep(0.3)
        time.sleep(0.3)
        assert description(server) == before != "probe-valid"
        assert journal_size(server) == seen


def test_GEN_9_a_broken_chunk_gets_the_vendors_400_and_changes_nothing() -> None:
    chunked = PATCH_HEAD + b'Transfer-Encoding: chunked\r\n\r\n1a\r\n{"description":"smuggled"}XX0\r\n\r\n'
    with live() as server:
        before = description(server)
        answer = exchange(port_of(server), chunked)
        time.sleep(0.2)
        assert description(server) == before != "smuggled"
    assert status_of(answer) == 400
    assert b"\r\nconnection: close\r\n" in answer
    assert b"content-type: application/problem+json" in answer  # Personio's envelope (GEN-9)
    assert message_of(answer) == "The request is not valid HTTP/1.1: Expected LF after chunk data."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"patch /personio/v2/projects/1001 HTTP/1.1\r\nHost: mock\r\n\r\n", "Invalid method encountered"),
        (PATCH_HEAD + b"Content-Length: abc\r\n\r\n", "Invalid character in Content-Length"),
        (PATCH_HEAD + b"X-Note: a\x00b\r\n\r\n", "Invalid header value char"),
        (b"GET /personio/v2/projects/\xff HTTP/1.1\r\nHost: mock\r\n\r\n", "Invalid char in url path"),
        (b"FOO http://mock/personio/v2/projects/1001 HTTP/1.1\r\n\r\n", "Invalid method encountered"),
    ],
    ids=["lower-case method", "content-length", "nul in a header", "raw byte in the path", "absolute form"],
)
def test_GEN_9_what_the_parser_rejects_is_answered_as_json_with_its_reason(raw: bytes, reason: str) -> None:
    with live() as server:
        answer = exchange(port_of(server), raw)
    assert status_of(answer) == 400
    assert b"content-type: application/problem+json" in answer  # Personio's, even with no URL parsed
    assert message_of(answer) == f"The request is not valid HTTP/1.1: {reason}."


@pytest.mark.parametrize("target", [b"x:443", b"http://", b"http://mock?a"])
def test_GEN_9_a_target_uvicorn_cannot_take_apart_is_named(target: bytes) -> None:
    """Found by a hostile probe: the parser's reason was only 'User callback error'."""
    method = b"CONNECT" if target == b"x:443" else b"GET"
    with live() as server:
        answer = exchange(port_of(server), method + b" " + target + b" HTTP/1.1\r\nHost: mock\r\n\r\n")
    assert status_of(answer) == 400
    shown = target.decode()
    assert message_of(answer) == (
        f"The request is not valid HTTP/1.1: its request target '{shown}' is not a path or an absolute URL with one."
    )


def test_GEN_9_two_host_headers_are_a_400_and_never_reach_the_app() -> None:
    """Found by a hostile probe: the first Host won silently; RFC 9112 3.2 says 400."""
    head = b"GET /personio/v2/projects HTTP/1.1\r\nHost: a.test\r\nAuthorization: Bearer test-token\r\n"
    with live() as server:
        answer = exchange(port_of(server), head + b"host: b.test\r\n\r\n")
        assert journal_size(server) == 0
        kept = exchange(port_of(server), head + b"Connection: close\r\n\r\n")
    assert status_of(answer) == 400
    assert b"content-type: application/problem+json" in answer  # Personio's envelope
    assert message_of(answer) == "A request may carry one Host header, not several."
    assert status_of(kept) == 200


def test_GEN_9_an_http_1_1_request_without_host_is_a_400_and_http_1_0_is_served() -> None:
    """RFC 9112 3.2: a server must answer an HTTP/1.1 request without Host with 400, as the
    vendors' servers do; a client that forgets it must not pass against the mock alone."""
    call = b"GET /personio/v2/projects/1001 HTTP/1.%d\r\nAuthorization: Bearer test-token\r\n"
    with live() as server:
        missing = exchange(port_of(server), call % 1 + b"Connection: close\r\n\r\n")
        assert journal_size(server) == 0
        old = exchange(port_of(server), call % 0 + b"\r\n")
    assert status_of(missing) == 400
    assert message_of(missing) == "An HTTP/1.1 request must carry a Host header."
    assert old.startswith(b"HTTP/1.1 200 ")


def test_GEN_9_a_refused_absolute_target_is_answered_in_its_vendors_envelope() -> None:
    """Found by a hostile probe: a %2F in the authority was decoded before the path was cut
    from the target, so the refusal missed the vendor and came in the admin API's format."""
    with live() as server:
        answer = exchange(
            port_of(server), b"GET http://a%2Fb/personio/v2/projects HTTP/1.1\r\nHost: mock\r\n\r\n"
        )
    assert status_of(answer) == 400
    assert b"content-type: application/problem+json" in answer


@pytest.mark.parametrize(
    ("target", "origin"),
    [
        (b"http://api.example.test:8443/personio/v2/projects?limit=1", "http://api.example.test:8443"),
        (b"HTTP://user:secret@api.example.test/personio/v2/projects?limit=1", "http://api.example.test"),
    ],
)
def test_an_absolute_form_targets_authority_replaces_host_in_paging_links(target: bytes, origin: str) -> None:
    """RFC 9112 section 3.2.2: Host is ignored for an absolute-form target; links once named the
    Host header's server instead of the one the client called (and never carry userinfo)."""
    head = b"GET " + target + b" HTTP/1.1\r\nHost: elsewhere.test\r\nAuthorization: Bearer test-token\r\n"
    with live() as server:
        answer = exchange(port_of(server), head + b"Connection: close\r\n\r\n")
    assert status_of(answer) == 200
    following = body_of(answer)["_meta"]["links"]["next"]["href"]
    assert following.startswith(f"{origin}/personio/v2/projects?"), following


def test_an_https_absolute_form_target_keeps_its_scheme_in_paging_links() -> None:
    """Left by a hostile probe: the links said http:// for a target the client wrote https://."""
    target = b"https://api.example.test/personio/v2/projects?limit=1"
    head = b"GET " + target + b" HTTP/1.1\r\nHost: elsewhere.test\r\nAuthorization: Bearer test-token\r\n"
    with live() as server:
        answer = exchange(port_of(server), head + b"Connection: close\r\n\r\n")
    assert status_of(answer) == 200
    following = body_of(answer)["_meta"]["links"]["next"]["href"]
    assert following.startswith("https://api.example.test/personio/v2/projects?"), following


@pytest.mark.parametrize("scheme", [b"ftp", b"FILE", b"gopher"])
def test_GEN_9_an_absolute_target_of_another_scheme_is_a_400_that_never_reaches_the_app(
    scheme: bytes,
) -> None:
    """Left by a hostile probe: ``GET ftp://host/path`` was served as if it were the path."""
    head = b"GET " + scheme + b"://mock/personio/v2/projects HTTP/1.1\r\nHost: mock\r\n"
    with live() as server:
        answer = exchange(port_of(server), head + b"Authorization: Bearer test-token\r\n\r\n")
        assert journal_size(server) == 0
    assert status_of(answer) == 400
    assert b"content-type: application/problem+json" in answer  # Personio's envelope
    shown = scheme.decode().lower()
    assert message_of(answer) == (
        f"The request is not valid HTTP/1.1: its target's scheme '{shown}' is not http or https."
    )


def test_GEN_9_a_whole_request_is_answered_before_the_refusal_of_the_garbage_after_it() -> None:
    """Pipelined in one write: the PATCH was whole, so it is handled and its answer comes first;
    then the 400 for what follows, and the close."""
    valid = PATCH_HEAD + b'Content-Length: 22\r\n\r\n{"description":"both"}'
    with live() as server:
        answer = exchange(port_of(server), valid + b"GARBAGE\r\n\r\n")
        assert description(server) == "both"
    first, _, rest = answer.partition(b"HTTP/1.1 400 ")
    assert status_of(first) == 204
    assert rest and b"\r\nconnection: close\r\n" in rest
    assert message_of(b"HTTP/1.1 400 " + rest).startswith("The request is not valid HTTP/1.1")


def test_GEN_9_a_websocket_upgrade_is_answered_as_plain_http() -> None:
    upgrade = (
        b"GET /personio/v2/projects/1001 HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer test-token\r\n"
        b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    with live() as server, connect(port_of(server)) as sock:
        sock.sendall(upgrade)
        answer = sock.recv(65536)
    assert status_of(answer) == 200
    assert body_of(answer)["id"] == "1001"


def test_GEN_9_a_body_declared_over_the_limit_is_refused_before_it_is_sent() -> None:
    """The 413 comes on the head alone; with Expect: 100-continue the client is never told to go
    on (it used to get 100 Continue, then a wait for 2 MiB it had not sent)."""
    with live() as server:
        for expect in (b"", b"Expect: 100-continue\r\n"):
            with connect(port_of(server), timeout=3) as sock:
                sock.sendall(PATCH_HEAD + expect + b"Content-Length: 2097152\r\n\r\n")
                answer = sock.recv(65536)
            assert status_of(answer) == 413, answer
            assert message_of(answer) == "Request body exceeds 1048576 bytes"
        assert journal_size(server) == 2  # journaled in the vendor's format, like any 413


def test_GEN_9_a_broken_request_queued_behind_a_whole_one_is_refused_after_its_answer() -> None:
    """Pipelined: a GET, then a PATCH whose chunk is broken. The GET is answered, then the 400,
    and the PATCH is never handled (the 400 used to go first, and the GET's answer then raised
    on a half-closed socket)."""
    get = b"GET /personio/v2/projects/1001 HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer test-token\r\n\r\n"
    cut = PATCH_HEAD + b'Transfer-Encoding: chunked\r\n\r\n16\r\n{"description":"queued"}XX'
    too_many = (
        b"GET /personio/v2/projects/1001 HTTP/1.1\r\nHost: mock\r\n" + headers(DEFAULT_MAX_HEADERS) + b"\r\n"
    )
    with live() as server:
        before, seen = description(server), journal_size(server)
        queued = exchange(port_of(server), get + cut)
        oversized = exchange(port_of(server), get + too_many)
        time.sleep(0.2)
        assert description(server) == before
        assert journal_size(server) == seen + 2  # the two GETs
    for answer, status in ((queued, 400), (oversized, 431)):
        first, _, rest = answer.partition(b"HTTP/1.1 %d " % status)
        assert status_of(first) == 200 and b'"id":"1001"' in first
        assert b"\r\nconnection: close\r\n" in rest


def test_GEN_9_a_body_that_trickles_in_gets_408_and_is_never_handled() -> None:
    """Found by a hostile probe: a head announcing 129 bytes, then a byte now and then, held its
    connection for ever (with --max-connections of them, every one)."""
    with live(body_timeout=1) as server, connect(port_of(server)) as sock:
        before, seen = description(server), journal_size(server)
        sock.sendall(PATCH_HEAD + b'Content-Length: 129\r\n\r\n{"description":"trickled"')
        started = time.monotonic()
        answer = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                answer += chunk
                sock.sendall(b" ")  # a byte per answer read: the client never stops
        assert time.monotonic() - started < 3
        assert status_of(answer) == 408
        assert message_of(answer) == "The request body took over 1 s."
        assert description(server) == before and journal_size(server) == seen


def test_GEN_9_the_body_timeout_leaves_a_body_that_arrives_in_time() -> None:
    with live(body_timeout=1) as server, connect(port_of(server)) as sock:
        sock.sendall(PATCH_HEAD + b'Content-Length: 22\r\n\r\n{"description"')
        time.sleep(0.5)
        sock.sendall(b':"late"}')
        assert status_of(sock.recv(65536)) == 204
        time.sleep(1.0)  # the timer of the finished body fires into nothing
        assert description(server) == "late"


def test_GEN_8_a_client_waiting_for_100_continue_hears_its_401_before_sending_the_body() -> None:
    """Found by a hostile probe: the mock sent 100 Continue to a bad token and waited for the
    body; the token is known from the head."""
    bad = PATCH_HEAD.replace(b"Bearer test-token", b"Bearer nope")
    with live() as server:
        before = description(server)
        with connect(port_of(server), timeout=3) as sock:
            sock.sendall(bad + b"Expect: 100-continue\r\nContent-Length: 22\r\n\r\n")
            refused = sock.recv(65536)
        with connect(port_of(server), timeout=3) as sock:
            sock.sendall(PATCH_HEAD + b"Expect: 100-continue\r\nContent-Length: 22\r\n\r\n")
            go_on = sock.recv(65536)
            sock.sendall(b'{"description":"sent"}')
            done = sock.recv(65536)
        assert description(server) == "sent" != before
    assert status_of(refused) == 401 and b"100 Continue" not in refused
    assert go_on.startswith(b"HTTP/1.1 100 Continue")
    assert status_of(done) == 204
