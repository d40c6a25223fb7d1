"""The validation proxy: a client's calls forwarded to the real API, both directions checked.

Prism's shape: mock and proxy share one pipeline (route, check security, validate input, mock or
forward, validate output). The shared parts are the core's: the operation table (the router),
the request check, the response check, the violation record, the vendor's error formatter and
the journal; only "mock" becomes "forward" here, so the two cannot disagree on a request. The
proxy listens under the same vendor prefix as the mock (``/personio/v2/...``), so a client
switches between them by port alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import json
import os
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from mockserver.config import (
    DEFAULT_HOST,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_PROXY_PORT,
)
from mockserver.core.journal import Exchange, Journal
from mockserver.core.operations import OperationTable
from mockserver.core.request_check import check_request, route_violation
from mockserver.core.response_check import response_violations
from mockserver.core.schema import undocumented_field
from mockserver.core.spec import load_spec
from mockserver.core.values import NO_BODY, Identity, Reply
from mockserver.core.vendor import Vendor, discover_vendors
from mockserver.core.violations import Code, Violation

__all__ = ["HOP_BY_HOP", "ProxyConfig", "ValidationProxy", "create_proxy"]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""RFC 9110 7.6.1: headers about one connection, never forwarded (plus those ``Connection`` names)."""

_NOT_FORWARDED = frozenset({"host", "content-length", "expect"})
"""httpx sets the upstream's ``Host`` and the length itself, and does not speak 100-continue."""

_CONDITIONAL = frozenset(
    {b"if-none-match", b"if-modified-since", b"if-match", b"if-unmodified-since", b"if-range"}
)
"""Request headers an upstream may answer with a 304, which ends at its head (RFC 9110 13.1)."""

_NOT_RETURNED_RAW = frozenset({b"content-length", b"content-encoding"})
"""httpx hands over the decoded body: its length and encoding are no longer the upstream's."""

_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
"""What no header value may hold (RFC 9110 5.5): uvicorn refuses to send it."""
_ROUTE_CODES = frozenset({Code.ROUTE_NOT_FOUND, Code.METHOD_NOT_ALLOWED})
_PARAMETER_LOCATIONS = frozenset({"path", "query", "header"})


@dataclass(frozen=True)
class ProxyConfig:
    vendor: str
    """The vendor whose spec both directions are checked against."""
    upstream: str
    """The base URL the client would otherwise use: ``https://api.personio.de`` for the real
    API, ``http://127.0.0.1:4010/personio`` for the mock."""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PROXY_PORT
    errors: bool = False
    """Answer a non-conforming request with the vendor's error instead of forwarding it."""
    journal_size: int = 1000
    timeout: float = 30.0
    """Seconds for the upstream's whole answer (and for each of connect, write and read) before
    the client gets a 504."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """An upstream answer larger than this (decoded) is a 502: the proxy holds each answer whole."""
    admin_token: str | None = None
    """Required on ``/__admin/requests`` when set (mandatory off loopback, as for ``serve``)."""


class _TooLargeError(Exception):
    pass


@dataclass(frozen=True)
class RequestCheck:
    """What the spec says about one request: its operation, every violation, undocumented fields."""

    operation: str | None
    """The operationId, or ``None`` when no operation of the spec has this method and path."""
    violations: list[Violation]
    """Route, security, parameter and body problems, each tagged with the rule that claims it."""
    undocumented: list[Violation]
    """Body fields and query parameters the operation does not document (GEN-7 warnings)."""


class ValidationProxy:
    """An ASGI app: ``uvicorn.run(create_proxy(config))``. Every call lands in :attr:`journal`."""

    def __init__(
        self, config: ProxyConfig, vendor: Vendor, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self.vendor = vendor
        self.table = OperationTable(load_spec(vendor.spec_path))
        self.upstream = config.upstream.rstrip("/")
        self.journal = Journal(config.journal_size)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._calls: dict[httpx.AsyncClient, int] = {}
        """Calls under way per client: a retired client is closed when its last one ends."""
        self.app = Router(
            routes=[
                Route("/__admin/health", self._health, methods=["GET"]),
                Route("/__admin/requests", self._requests, methods=["GET", "DELETE"]),
            ],
            default=self._forward,
            lifespan=self._lifespan,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    # -- admin -------------------------------------------------------------------------------
    async def _health(self, request: Request) -> Response:
        body = {
            "status": "ok",
            "mode": "proxy",
            "vendors": [self.vendor.id],
            "upstream": self.upstream,
            "errors": self.config.errors,
        }
        return _json(body)

    async def _requests(self, request: Request) -> Response:
        expected = self.config.admin_token
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if expected and not (
            scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())
        ):
            message = "The admin API needs 'Authorization: Bearer <admin token>'."
            return _json({"status": 401, "message": message}, 401, {"WWW-Authenticate": "Bearer"})
        if request.method == "DELETE":
            self.journal.clear()
            return _json({"message": "journal cleared"})
        return _json({"requests": self.journal.entries()})

    # -- the pipeline ------------------------------------------------------------------------
    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # websockets: none of the vendor APIs has one
            return
        request = Request(scope, receive)
        try:
            body = await _read_body(request, self.config.max_body_bytes)
        except _TooLargeError:
            body = b""
            limit = self.config.max_body_bytes
            outcome = self._refused(Violation(413, Code.TOO_LARGE, f"Request body exceeds {limit} bytes"))
        else:
            outcome = await self._handle(request, body)
        content, raw_headers = _render(outcome.reply)
        response = Response(content, outcome.reply.status)
        response.raw_headers.extend(raw_headers)
        await response(scope, receive, send)
        check = outcome.check
        warnings = check.undocumented
        rules = [v.rule for v in (*check.violations, *warnings) if v.rule]
        self.journal.record(
            Exchange(
                session="proxy",
                vendor=self.vendor.id,
                method=request.method,
                path=scope["path"],
                query=scope.get("query_string", b""),
                status=outcome.reply.status,
                request_headers=scope["headers"],
                request_body=body,
                response_headers=response.raw_headers,
                response_body=content,
                operation=check.operation,
                rules=list(dict.fromkeys(rules)),
                violations=check.violations,
                warnings=warnings,
                response_violations=outcome.response_violations,
            )
        )

    async def _handle(self, request: Request, body: bytes) -> _Outcome:
        """Route, validate the request, forward it (or refuse it with ``--errors``), validate the answer."""
        rest = self._vendor_path(request.scope)
        if rest is None:
            prefix = self.vendor.prefix
            message = f"This proxy forwards {self.vendor.title} calls under {prefix}/, not {request.url.path}"
            return self._refused(Violation(404, Code.ROUTE_NOT_FOUND, message, location="path"))
        query = request.scope.get("query_string", b"").decode("latin-1")
        target = rest + (f"?{query}" if query else "")
        raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
        check = self._check(
            request.method, unquote(rest), query, request.scope["headers"], body, raw_path.decode("latin-1")
        )
        if self.config.errors and check.violations:
            return _Outcome(check, self._error(_answered(self.vendor, check.violations)))
        reply, found = await self._call(request, target, body)
        return _Outcome(check, reply, found)

    def _refused(self, violation: Violation) -> _Outcome:
        """Answered by the proxy before any validation: too large, or outside the vendor."""
        return _Outcome(RequestCheck(None, [violation], []), self._error([violation]))

    def _vendor_path(self, scope: Scope) -> str | None:
        """The vendor-relative path (still percent-encoded), or None outside the vendor prefix. A
        dot segment is outside too: httpx resolves ``/personio/../__admin`` to ``/__admin``."""
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        path, prefix = raw.decode("latin-1").split("?", 1)[0], self.vendor.prefix
        if path != prefix and not path.startswith(prefix + "/"):
            return None
        if any(unquote(segment) in (".", "..") for segment in path.split("/")):
            return None
        return path[len(prefix) :]

    def _check(
        self,
        method: str,
        path: str,
        query: str,
        raw_headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
        sent_path: str = "",
    ) -> RequestCheck:
        """The mock's own check (``core.request_check``), with any bearer token taken as valid:
        only the upstream knows its tokens."""
        route = self.table.route(method, path)
        op = route.operation
        if op is None:
            return RequestCheck(None, [route_violation(route, method, sent_path)], [])
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in reversed(raw_headers)}
        checked = check_request(op, route.path_params, query, headers, body, self.vendor.request_policy, _any)
        if checked.refusal is not None:
            return RequestCheck(op.operation_id, [checked.refusal], [])
        found = [*checked.param_violations, *checked.body_violations]
        tagged = [self.vendor.rules.tagged(v, op.operation_id) for v in found]
        return RequestCheck(
            op.operation_id, tagged, [*checked.unknown_params, *self._unknown_fields(checked)]
        )

    def _unknown_fields(self, checked: Any) -> list[Violation]:
        schema, pattern = checked.body_schema, self.vendor.dynamic_fields
        if schema is None or not isinstance(checked.body, dict):
            return []
        names = [n for n in schema.unknown_fields(checked.body) if not (pattern and pattern.fullmatch(n))]
        return [undocumented_field(name, self.vendor.validation_status) for name in names]

    def _error(self, violations: Sequence[Violation]) -> Reply:
        return self.vendor.format_errors(list(violations), datetime.now(UTC))

    async def _call(self, request: Request, target: str, body: bytes) -> tuple[Reply, list[Violation]]:
        """Forward; the answer (or the vendor's 502/504) and where the answer breaks the spec."""
        method = request.method
        client = self._http()
        self._calls[client] = self._calls.get(client, 0) + 1
        try:
            return await self._exchange(client, method, target, body, request)
        finally:
            self._calls[client] -= 1
            if not self._calls[client]:
                del self._calls[client]
                if client is not self._client:
                    await client.aclose()

    async def _exchange(
        self, client: httpx.AsyncClient, method: str, target: str, body: bytes, request: Request
    ) -> tuple[Reply, list[Violation]]:
        where = f"{method} {target.split('?', 1)[0]}"
        forwarded = _forwarded(request.headers.raw)
        # An answer that ends at its head (to HEAD, a 304) cannot say whether bytes follow it in
        # the connection: such calls go on a connection of their own, closed after the answer.
        closing = method == "HEAD" or any(k.lower() in _CONDITIONAL for k, _ in forwarded)
        if closing:
            forwarded.append((b"connection", b"close"))
        sent = client.build_request(method, self.upstream + target, headers=forwarded, content=body or None)
        try:
            async with asyncio.timeout(self.config.timeout):  # the whole answer, not each read
                answer = await client.send(sent, stream=True)
                try:
                    problem = _unsendable(answer)
                    content = b"" if problem else await _read_capped(answer, self.config.max_response_bytes)
                finally:
                    await answer.aclose()
        except _TooLargeError:
            size = self.config.max_response_bytes
            return self._upstream_failed(
                502, f"The upstream {self.upstream} answered {where} with more than {size} bytes"
            )
        except (httpx.TimeoutException, TimeoutError) as exc:
            limit = f"{self.config.timeout:g} s"
            message = (
                f"The upstream {self.upstream} did not answer {where} within {limit} ({type(exc).__name__})"
            )
            return self._upstream_failed(504, message)
        except httpx.ConnectError as exc:
            return self._upstream_failed(
                502, f"Cannot connect to the upstream {self.upstream}: {_reason(exc)}"
            )
        except httpx.HTTPError as exc:  # reset, TLS, a broken HTTP answer
            return self._upstream_failed(
                502, f"The upstream {self.upstream} failed on {where}: {_reason(exc)}"
            )
        if problem:
            return self._upstream_failed(502, f"The upstream {self.upstream} answered {where} {problem}")
        route = self.table.route(method, unquote(target.split("?", 1)[0]))
        found = (
            response_violations(route.operation, answer.status_code, dict(answer.headers), content)
            if route.operation is not None
            else []  # a request on no route: that is the request's violation
        )
        framing = _framing_problem(answer)
        if framing is not None or (answer.status_code == 304 and not closing):
            # Bytes may wait where the next answer on this connection would be read (a declared
            # body, or whatever follows a 304 nobody asked for): no later call may use the
            # client's pooled connections. It is closed once the calls under way on it end; the
            # next call starts a new one.
            self._client = None
        if framing is not None:
            found.append(Violation(answer.status_code, Code.INVALID, framing, location="response"))
        headers = tuple((k, v) for k, v in _kept(answer.headers.raw) if k.lower() not in _NOT_RETURNED_RAW)
        return Reply(answer.status_code, _Raw(content, headers)), found

    def _upstream_failed(self, status: int, message: str) -> tuple[Reply, list[Violation]]:
        violation = Violation(status, Code.UPSTREAM, message, location="upstream")
        return self._error([violation]), [violation]

    def _http(self) -> httpx.AsyncClient:
        # Created on first use inside the server's event loop; one pooled keep-alive client.
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport, timeout=httpx.Timeout(self.config.timeout), follow_redirects=False
            )
        return self._client

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: object) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        for retired in list(self._calls):
            await retired.aclose()
        self._calls.clear()


@dataclass(frozen=True)
class _Outcome:
    check: RequestCheck
    reply: Reply
    response_violations: list[Violation] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class _Raw:
    """An upstream answer passed through untouched, with the headers it came with."""

    content: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ()


def _render(reply: Reply) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """A reply's bytes and headers: upstream answers as they came, the proxy's own as JSON."""
    if isinstance(reply.body, _Raw):
        return reply.body.content, list(reply.body.headers)
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
    if reply.body is NO_BODY:
        return b"", headers
    content = json.dumps(reply.body, ensure_ascii=False, separators=(",", ":")).encode()
    return content, [*headers, (b"content-type", reply.media_type.encode("latin-1"))]


def _kept(raw: Sequence[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``raw`` without hop-by-hop headers, including those the ``Connection`` header names."""
    named = {
        token.strip().lower()
        for name, value in raw
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    return [
        (k, v) for k, v in raw if k.lower().decode("latin-1") not in HOP_BY_HOP and k.lower() not in named
    ]


def _forwarded(raw: Sequence[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The client's headers as the upstream gets them: ``Authorization`` unchanged."""
    return [(k, v) for k, v in _kept(raw) if k.lower().decode("latin-1") not in _NOT_FORWARDED]


def _reason(exc: BaseException) -> str:
    """The innermost cause in words: "Connection refused", not httpx's "All connection attempts
    failed"."""
    inner = exc
    for _ in range(8):
        nxt = inner.__cause__ or inner.__context__
        if nxt is None:
            break
        inner = nxt
    if isinstance(inner, OSError) and inner.errno and inner.errno > 0:
        return os.strerror(inner.errno)
    return str(inner) or str(exc) or type(exc).__name__


def _any(token: str) -> Identity:
    return Identity(token=token, subject=None, permissions=frozenset(), record={})


def _answered(vendor: Vendor, violations: Sequence[Violation]) -> list[Violation]:
    """What ``--errors`` answers, in the mock's order (GEN-6): an unknown route, then missing
    credentials, then the parameters, then the body, each of the lowest status (GEN-5)."""
    for picked in (
        [v for v in violations if v.code in _ROUTE_CODES],
        [v for v in violations if v.code is Code.UNAUTHORIZED],
        [v for v in violations if v.location in _PARAMETER_LOCATIONS],
    ):
        if picked:
            return vendor.answer(picked)
    return vendor.answer(list(violations))


def _unsendable(answer: httpx.Response) -> str | None:
    """Why the upstream's answer cannot be passed on as HTTP/1.1, if it cannot."""
    if not 100 <= answer.status_code <= 599:
        return f"with status {answer.status_code}, which HTTP does not have"
    for name, value in answer.headers.raw:
        if _CONTROL.search(value):
            return f"with a control character in its {name.decode('latin-1')} header"
    return None


def _framing_problem(answer: httpx.Response) -> str | None:
    """A 204 that declares a body: RFC 9110 8.6 and RFC 9112 6.1 forbid Content-Length and
    Transfer-Encoding on it. The answer ends at its head, so the bytes of that body stay in the
    connection as the start of the next answer read there."""
    if answer.status_code != 204:
        return None
    declared = [
        f"{name}: {answer.headers[name]}"
        for name in ("content-length", "transfer-encoding")
        if name in answer.headers
    ]
    if not declared or declared == ["content-length: 0"]:
        return None
    return (
        f"A 204 answer declares a body ({', '.join(declared)}), which RFC 9110 forbids: a 204 ends "
        "at its head. The proxy passed on the 204 without a body and closed the connection, whose "
        "next answer would have started with those bytes."
    )


async def _read_capped(answer: httpx.Response, limit: int) -> bytes:
    """The decoded body, or :class:`_TooLargeError` past ``limit`` bytes (a gzip bomb, an endless
    stream): the proxy holds each answer whole, to check it."""
    declared = answer.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit and "content-encoding" not in answer.headers:
        raise _TooLargeError
    return await _gathered(answer.aiter_bytes(), limit)


async def _read_body(request: Request, limit: int) -> bytes:
    return await _gathered(request.stream(), limit)


async def _gathered(stream: AsyncIterator[bytes], limit: int) -> bytes:
    """The chunks of ``stream`` joined, or :class:`_TooLargeError` past ``limit`` bytes."""
    chunks, size = [], 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise _TooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status, headers=dict(headers or {}), media_type="application/json")


def create_proxy(
    config: ProxyConfig, *, transport: httpx.AsyncBaseTransport | None = None
) -> ValidationProxy:
    """The proxy for ``config.vendor``; a ValueError names an unknown vendor or a bad upstream URL.

    ``transport`` replaces httpx's network transport (``httpx.ASGITransport`` serves an upstream
    in process).
    """
    try:
        upstream = httpx.URL(config.upstream)
    except httpx.InvalidURL as exc:
        raise ValueError(f"--upstream {config.upstream!r} is not a URL: {exc}") from None
    if upstream.scheme not in ("http", "https") or not upstream.host:
        raise ValueError(
            f"--upstream must be an http:// or https:// URL with a host, not {config.upstream!r}"
        )
    if upstream.query or upstream.fragment:
        raise ValueError(f"--upstream is a base URL: no query or fragment ({config.upstream!r})")
    vendor = discover_vendors([config.vendor])[config.vendor]
    return ValidationProxy(config, vendor, transport=transport)
