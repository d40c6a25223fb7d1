"""The web layer's one ASGI app (mockserver/web/asgi.py), as uvicorn serves it.

What the other suites cannot see: the memory a call leaves behind. A call that leaves a reference
cycle is freed by the cyclic garbage collector, not when the call ends; at thousands of calls a
second the collector then runs over and over on the event loop, and every request it interrupts
waits (it was a sixth of the server's time and most of its p99, issue 13's bench).
"""

from __future__ import annotations

import asyncio
import gc
import http.client
import json
from collections import Counter
from collections.abc import Iterator

import pytest

from mockserver.config import ServerConfig
from mockserver.live import LiveServer, create_app_quietly

TOKEN = {"Authorization": "Bearer test-token", "Content-Type": "application/json"}
CALLS: list[tuple[str, str, bytes | None, dict[str, str]]] = [
    ("PATCH", "/personio/v2/projects/1001", b'{"description": "x"}', TOKEN),  # 204
    ("PATCH", "/personio/v2/projects/1001", b'{"name": "Internal Tools"}', TOKEN),  # PER-4 422
    ("PATCH", "/personio/v2/projects/1001", b'{"name": ', TOKEN),  # malformed JSON
    ("PATCH", "/personio/v2/projects/1001", b"{}", {}),  # no token
    ("GET", "/personio/v2/projects", None, TOKEN),
    ("GET", "/personio/v2/nowhere", None, TOKEN),
    ("PATCH", "/personio/v2/projects/1001", b'{"description": "x"}', {**TOKEN, "X-Mock-Fault": "status=503"}),
    ("GET", "/s/garbage/personio/v2/projects/1001", None, TOKEN),  # a named session
    ("GET", "/__admin/health", None, {}),
]


@pytest.fixture
def server() -> Iterator[LiveServer]:
    with LiveServer(config=ServerConfig(vendors=("personio",))) as live:
        yield live


def serve_calls(server: LiveServer, rounds: int) -> Counter[int]:
    """Every call of ``CALLS``, ``rounds`` times, over one keep-alive connection."""
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    statuses: Counter[int] = Counter()
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        for _ in range(rounds):
            for method, path, body, headers in CALLS:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                statuses[response.status] += 1
    finally:
        connection.close()
    return statuses


def test_calls_leave_no_reference_cycles(server: LiveServer) -> None:
    serve_calls(server, 2)  # first calls build caches (the session, lazily made objects)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # unreachable objects go to gc.garbage instead of being freed
    try:
        statuses = serve_calls(server, 50)
        gc.collect()
        leftovers = Counter(type(o).__qualname__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert set(statuses) == {200, 204, 400, 401, 404, 422, 503}, statuses
    # 450 calls: one cycle per call (a scope that holds the server's send, which holds the scope
    # through uvicorn's cycle) would be thousands of objects; a handful is the client's own
    assert sum(leftovers.values()) < 50, json.dumps(leftovers.most_common(10))
    assert "RequestResponseCycle" not in leftovers


def test_header_pairs_may_be_lists_as_the_asgi_spec_allows() -> None:
    """ASGI gives headers as an iterable of ``[name, value]`` pairs: uvicorn sends tuples, other
    servers and in-process clients lists. The compiled path reads either."""
    app = create_app_quietly(ServerConfig(vendors=("personio",)))
    body = b'{"description": "x"}'
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "server": ("127.0.0.1", 4010),
        "path": "/personio/v2/projects/1001",
        "raw_path": b"/personio/v2/projects/1001",
        "query_string": b"",
        "headers": [
            [b"host", b"127.0.0.1:4010"],
            [b"authorization", b"Bearer test-token"],
            [b"content-type", b"application/json"],
            [b"content-length", str(len(body)).encode()],
        ],
    }
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 204


def test_header_names_read_through_the_bounded_cache_as_without_it() -> None:
    """Header names are decoded once into a shared cache: a client that invents names fills it
    to its bound and no further, and every name still reads as it did without the cache."""
    from mockserver.web import asgi

    raw = [(f"X-Invented-{n}".encode(), f"v{n}".encode()) for n in range(asgi._MAX_NAMES * 3)]
    raw.append((b"Content-TYPE", b"application/json"))
    found = asgi._headers({"headers": raw})
    assert len(asgi._NAMES) <= asgi._MAX_NAMES
    assert found == {name.decode().lower(): value.decode() for name, value in raw}
    assert found.get("Content-Type") == "application/json"  # any case, as before


def test_link_origins_read_through_the_bounded_cache_as_without_it() -> None:
    """The origin links are built from is cached per Host header: the scheme still counts, a
    Host that is no plain host[:port] is never echoed, and the cache stays within its bound."""
    from mockserver.web import asgi

    server = {"server": ("127.0.0.1", 4010)}
    for n in range(asgi._MAX_ORIGINS * 3):
        host = f"host-{n}.example:8080"
        assert asgi._origin({"scheme": "http", **server}, {"host": host}) == f"http://{host}"
    assert len(asgi._ORIGINS) <= asgi._MAX_ORIGINS
    assert asgi._origin({"scheme": "https", **server}, {"host": "host-0.example:8080"}) == (
        "https://host-0.example:8080"
    )
    assert asgi._origin({"scheme": "http", **server}, {"host": "host-0.example:8080"}) == (
        "http://host-0.example:8080"
    )
    assert asgi._origin({"scheme": "http", **server}, {"host": "evil.example/<script>"}) == (
        "http://127.0.0.1:4010"
    )
