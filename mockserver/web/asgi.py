"""The one ASGI app: session, body limit, faults, dispatch and journal of every call.

A vendor call is routed by the vendor's operation table, checked by ``core.request_check`` and
answered by ``core.pipeline.handle``; the admin API goes through the same router and check.
Only each spec's Swagger UI is left to connexion (``web/docs.py``), off the request path.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import replace
from time import perf_counter
from typing import Any, Final
from urllib.parse import unquote, unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from mockserver.core.faults import parse_fault_header
from mockserver.core.journal import Exchange
from mockserver.core.limits import RateLimiter
from mockserver.core.operations import Route
from mockserver.core.pipeline import handle, refuse
from mockserver.core.request_check import NO_ROUTE, NOT_ALLOWED, Checked, check_request, route_violation
from mockserver.core.schema import warm_up
from mockserver.core.store import Session
from mockserver.core.values import Incoming, Outcome, Reply
from mockserver.core.vendor import Vendor
from mockserver.core.violations import Code, Violation
from mockserver.web.admin import AdminCall, admin_answer
from mockserver.web.dashboard import is_dashboard, serve_dashboard
from mockserver.web.faults import FAULT_HEADER, carry_out
from mockserver.web.responses import encoded
from mockserver.web.runtime import Runtime

log: Final = logging.getLogger("mockserver")
# Final names are C statics to mypyc; any other module global (an imported name too) is a dict
# lookup on every read, and this module reads a dozen on every call
_perf_counter: Final = perf_counter
_FAULT_HEADER: Final = FAULT_HEADER

SESSION_HEADER: Final = "x-mock-session"
SESSION_PREFIX: Final = "/__session/"
_SESSION_PREFIX_BYTES: Final = SESSION_PREFIX.encode()
ADMIN_PREFIX: Final = "/__admin"
_ENCODED_SLASH: Final = b"%2f"
_SEPARATOR: Final = re.compile(r"[/\\]")

Sender = Callable[[Message], Awaitable[None]]
_get: Final = dict.get
"""Request headers by a lower-case name, without ``_Headers.get``'s case folding: a Python call
saved on each of the few lookups every call makes."""


class BodyTooLargeError(Exception):
    pass


class ClientGoneError(Exception):
    """The connection ended before the whole body came: the call is not handled (nothing is
    written on the strength of a request the client never finished) and not journaled."""


class Call:
    """One call's state, from the first byte to its journal entry."""

    __slots__ = (
        "fired",
        "link_prefix",
        "operation",
        "raw_body",
        "raw_path",
        "session",
        "started",
        "vendor",
        "violations",
        "warnings",
    )

    def __init__(
        self, vendor: Vendor, session: Session, link_prefix: str, started: float, raw_path: bytes = b""
    ) -> None:
        self.vendor = vendor
        self.session = session
        self.link_prefix = link_prefix
        self.started = started
        self.raw_path = raw_path
        """The path as sent, percent-encoded, after any session prefix: what a replay must send."""
        self.raw_body = b""
        self.operation: str | None = None
        self.fired: list[str] = []
        self.violations: list[Violation] = []
        self.warnings: list[Violation] = []

    def outcome(self, outcome: Outcome) -> Reply:
        # a call refused before the pipeline (401, 415) keeps the operation its route named
        self.operation = outcome.operation or self.operation
        self.fired = outcome.fired
        self.violations = outcome.violations
        self.warnings = outcome.warnings
        return outcome.reply


class MockASGI:
    def __init__(self, runtime: Runtime, docs: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.rt = runtime
        self.docs = docs
        by_prefix = sorted(runtime.vendors.values(), key=lambda v: len(v.prefix), reverse=True)
        self._by_prefix = [(vendor, vendor.prefix, vendor.prefix + "/") for vendor in by_prefix]
        """Each vendor with its prefix and the prefix of its paths, longest first."""
        self._warm = False
        # read on every call: the (frozen) config is a plain class, and each of its attributes an
        # attribute lookup by name
        self._max_body = runtime.config.max_body_bytes
        self._strict = runtime.config.strict

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # no websockets: the server closes the connection
        started = _perf_counter()
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        path, session_name, link_prefix, raw_path = _session_in_path(scope["path"], raw_path)
        path = self.alias(path)
        headers = _headers(scope)
        gate = self._gate(path, headers, session_name)
        if gate is not None:
            await _send(send, gate, scope["method"])
            return
        session_name = session_name or _header_session(headers)
        if path.startswith(ADMIN_PREFIX) and is_dashboard(path):  # its static files (web/dashboard.py)
            await serve_dashboard(scope, send, path)
            return
        vendor = self.vendor_for(path)
        base = vendor.prefix if vendor is not None else ADMIN_PREFIX  # read once: a class attribute
        if self.is_docs(path, base):
            await self._docs(vendor, scope, receive, send, path, link_prefix)
            return
        # with --rate-limits the limiter answers first, so no early 401/415 on the head alone
        waits = _get(headers, "expect", "").lower() == "100-continue" and self.rt.limiter is None
        if (
            waits
            and vendor is not None
            and await self._refused_on_head(
                vendor, scope, send, path, headers, session_name, link_prefix, started
            )
        ):
            return
        limit = self._max_body
        body: bytes | None
        try:
            body = await _read_body(receive, limit, _get(headers, "content-length"))
        except ClientGoneError:
            log.info("%s %s: the client left before its body was complete", scope["method"], path)
            return
        except BodyTooLargeError:
            body = None
        if vendor is None:  # no session yet: an admin task makes it if it needs it
            if body is None:
                await _send(send, _plain(_too_large(limit)), scope["method"])
            else:
                await self._admin_or_nothing(scope, send, path, headers, body, session_name)
            return
        call = Call(vendor, self.rt.store.session(session_name), link_prefix, started, raw_path)
        if (limiter := self.rt.limiter) is not None and await self._throttled(
            limiter, call, scope, send, path, body
        ):
            return
        if body is None:
            await self._refuse(call, scope, send, path, _too_large(limit))
            return
        call.raw_body = body
        # find, not ``in``: bytes' ``in`` first tries its operand as an integer, and formats (then
        # drops) a TypeError on every call
        unroutable = _unroutable(path, base, raw_path.lower().find(_ENCODED_SLASH) >= 0)
        if unroutable is not None:
            asked = {"method": scope["method"], "path": _sent_path(scope), "allowed": []}
            await self._refuse(call, scope, send, path, replace(unroutable, params=asked))
            return
        relative = path[len(base) :]
        fault_header = _header_text(_get(headers, _FAULT_HEADER))  # its messages quote it
        if fault_header is not None or call.session.faults.active:
            answered = await self._fault(vendor, call, scope, send, path, relative, headers, fault_header)
            if answered:
                return
        status, raw_headers, sent = await self._answer(vendor, call, scope, send, path, relative, headers)
        self._journal(call, scope, path, status, raw_headers, sent)

    # -- vendor calls ---------------------------------------------------------------------------
    async def _answer(
        self,
        vendor: Vendor,
        call: Call,
        scope: Scope,
        send: Sender,
        path: str,
        relative: str,
        headers: dict[str, str],
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        method: str = scope["method"]
        try:
            reply = await self._reply(vendor, call, scope, path, relative, headers)
        except Exception as exc:  # a bug of ours: the vendor's 500, never a framework page
            log.error("unexpected error on %s %s", method, path, exc_info=exc)
            violation = Violation(500, Code.INTERNAL, "internal error")
            reply = call.outcome(refuse(vendor, violation, self.rt.clock.now()))
        return await _send(send, reply, method)

    async def _reply(
        self, vendor: Vendor, call: Call, scope: Scope, path: str, relative: str, headers: dict[str, str]
    ) -> Reply:
        rt = self.rt
        method: str = scope["method"]
        route = rt.tables[vendor.id].route(method, relative)
        if route.operation is None:
            violation = route_violation(route, method, _sent_path(scope))
            reply = call.outcome(refuse(vendor, violation, rt.clock.now()))
            if route.allowed:  # RFC 9110: say what the route supports
                reply.headers = {**reply.headers, "Allow": ", ".join(route.allowed)}
            return reply
        op = route.operation
        call.operation = op.operation_id
        session, body = call.session, call.raw_body
        raw_query: bytes = scope["query_string"]  # typed: mypyc decodes a known bytes in C
        query_string = raw_query.decode("latin-1")
        state = session.states[vendor.id]
        link_base = _origin(scope, headers) + call.link_prefix
        strict = self._strict

        def run() -> Outcome:
            # the check holds no lock: parsing a large body must not stall the session's other calls
            checked = check_request(
                op,
                route.path_params,
                query_string,
                headers,
                body,
                vendor.request_policy,
                lambda token: vendor.identify(token, state),
            )
            if checked.refusal is not None:
                return refuse(vendor, checked.refusal, rt.clock.now())
            incoming = _incoming(method, path, headers, checked, link_base, query_string)
            with session.lock:
                return handle(vendor, op.operation_id, incoming, state, rt.clock.now(), strict)

        if rt.offload.inline(len(body)):  # the usual call: on the loop, unless a worker holds the lock
            return call.outcome(await rt.offload.run_locked(session.lock, len(body), run))
        return call.outcome(await rt.offload.run(len(body), run))

    async def _fault(
        self,
        vendor: Vendor,
        call: Call,
        scope: Scope,
        send: Send,
        path: str,
        relative: str,
        headers: dict[str, str],
        header: str | None,
    ) -> bool:
        """Answer the call as an injected fault says (the header wins over the session's faults);
        False when no fault applies. A fault that cannot apply is answered as the vendor's 400."""
        try:
            if header is not None:
                fault, served, via = parse_fault_header(header), 0, "header"
            else:
                taken = call.session.faults.take_counted(vendor.id, scope["method"], relative)
                if taken is None:
                    return False
                (fault, served), via = taken, "admin"

            async def run_handler(recorder: Send) -> None:
                await self._answer(vendor, call, scope, recorder, path, relative, headers)

            answer = await carry_out(
                fault,
                served,
                vendor=vendor,
                path=relative,
                now=self.rt.clock.now(),
                scope=scope,
                send=send,
                handle=run_handler,
            )
        except ValueError as exc:  # a malformed header, or a fuzz fault for an undocumented status
            field = "X-Mock-Fault" if header is not None else None
            violation = Violation(400, Code.INVALID, str(exc), field=field, location="header")
            await self._refuse(call, scope, send, path, violation)
            return True
        if call.operation is None:  # answered without the handler: the route still names it
            call.operation = self._operation_of(vendor, scope["method"], relative)
        shown = {**fault.as_dict(), "via": via}
        self._journal(call, scope, path, answer.status, answer.headers, bytes(answer.body), shown)
        return True

    async def _throttled(
        self, limiter: RateLimiter, call: Call, scope: Scope, send: Send, path: str, body: bytes | None
    ) -> bool:
        """``--rate-limits``: a call over the vendor's documented limit gets the vendor's 429 and
        nothing else runs for it (no fault, no check, no handler); False when it is within."""
        vendor = call.vendor
        throttled = limiter.admit(call.session, vendor.id)
        if throttled is None:
            return False
        method: str = scope["method"]
        call.raw_body = body or b""
        call.violations = [throttled.violation()]
        call.fired = [vendor.envelope_rule] if vendor.envelope_rule else []
        if _unroutable(path, vendor.prefix, False) is None:  # the journal names the operation
            call.operation = self._operation_of(vendor, method, path[len(vendor.prefix) :])
        reply = vendor.throttled_reply(throttled, self.rt.clock.now())
        status, raw_headers, sent = await _send(send, reply, method)
        self._journal(call, scope, path, status, raw_headers, sent)
        return True

    def _operation_of(self, vendor: Vendor, method: str, relative: str) -> str | None:
        """The operation a call's route names, for the journal of a call no handler answered."""
        routed = self.rt.tables[vendor.id].route(method, relative).operation
        return routed.operation_id if routed is not None else None

    async def _refused_on_head(
        self,
        vendor: Vendor,
        scope: Scope,
        send: Send,
        path: str,
        headers: dict[str, str],
        session_name: str | None,
        link_prefix: str,
        started: float,
    ) -> bool:
        """A client waiting for ``100 Continue`` hears its 401 or 415 before it sends the body
        (uvicorn sends the 100 when the body is first read); False when the head is fine."""
        if _unroutable(path, vendor.prefix, False) is not None:
            return False  # answered as usual, after the body
        route = self.rt.tables[vendor.id].route(scope["method"], path[len(vendor.prefix) :])
        if route.operation is None:
            return False
        session = self.rt.store.session(session_name)
        state = session.states[vendor.id]
        query_string = scope["query_string"].decode("latin-1")
        checked = check_request(
            route.operation,
            route.path_params,
            query_string,
            headers,
            b"",
            vendor.request_policy,
            lambda token: vendor.identify(token, state),
        )
        if checked.refusal is None or checked.refusal.status not in (401, 415):
            return False
        await self._refuse(Call(vendor, session, link_prefix, started), scope, send, path, checked.refusal)
        return True

    # -- the documents and Swagger UI ---------------------------------------------------------
    async def _docs(
        self, vendor: Vendor | None, scope: Scope, receive: Receive, send: Send, path: str, link_prefix: str
    ) -> None:
        """Read-only, and refused in the API's own format: a file Swagger UI does not have is a
        404 (Starlette's static files raise it, or an error for a name no file can have). Under
        ``/__session/NAME/`` the prefix is the ASGI root path: the spec's ``servers``, Swagger UI's
        redirect and its "Try it out" calls stay in the session."""
        method: str = scope["method"]
        if method not in ("GET", "HEAD"):
            violation = Violation(405, Code.METHOD_NOT_ALLOWED, NOT_ALLOWED, rule="GEN-9")
            await _send(send, self._refusal(vendor, violation, {"Allow": "GET, HEAD"}), method)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.docs(dict(scope, path=link_prefix + path, root_path=link_prefix), receive, tracked)
        except (HTTPException, ValueError, OSError) as exc:
            if started:
                raise
            status = exc.status_code if isinstance(exc, HTTPException) else 404
            code = Code.ROUTE_NOT_FOUND if status == 404 else Code.INVALID
            await _send(send, self._refusal(vendor, Violation(status, code, NO_ROUTE, rule="GEN-9")), method)

    def _refusal(
        self, vendor: Vendor | None, violation: Violation, headers: dict[str, str] | None = None
    ) -> Reply:
        reply = _plain(violation) if vendor is None else refuse(vendor, violation, self.rt.clock.now()).reply
        if headers:
            reply.headers = {**reply.headers, **headers}
        return reply

    # -- the admin API and unknown paths --------------------------------------------------------
    async def _admin_or_nothing(
        self, scope: Scope, send: Send, path: str, headers: dict[str, str], body: bytes, session: str | None
    ) -> None:
        method: str = scope["method"]
        rt = self.rt
        admin = path.startswith(ADMIN_PREFIX)
        route = rt.admin_table.route(method, path[len(ADMIN_PREFIX) :]) if admin else Route(None)
        if route.operation is None:
            reply = _plain(route_violation(route))
            if route.allowed:
                reply.headers["Allow"] = ", ".join(route.allowed)
            await _send(send, reply, method)
            return
        op = route.operation
        query_string = scope["query_string"].decode("latin-1")
        checked = check_request(op, route.path_params, query_string, headers, b"", rt.admin_policy, _nobody)
        refusal = checked.refusal or next(iter(checked.param_violations), None)
        if refusal is not None:  # a bad parameter names itself
            await _send(send, _plain(refusal, with_field=True), method)
            return
        admin_call = AdminCall(rt.store, session, body, checked.path_params, checked.query)
        try:
            reply = await admin_answer(rt, op.operation_id, admin_call)
        except Exception as exc:
            log.error("unexpected error on %s %s", method, path, exc_info=exc)
            reply = Reply(500, {"status": 500, "message": "internal error"})
        if method != "GET" and reply.status < 400:  # the session was set up (state, faults)
            admin_call.session.accepted = True
        await _send(send, reply, method)

    # -- helpers ----------------------------------------------------------------------------------
    def vendor_for(self, path: str) -> Vendor | None:
        for vendor, prefix, under in self._by_prefix:
            if path.startswith(under) or path == prefix:
                return vendor
        # off the hot path: a short vendor path (/ruddr/...), or a client that wrote backslashes
        first = "/" + _SEPARATOR.split(path.strip("/\\"), maxsplit=1)[0]
        return next((v for v in self.rt.vendors.values() if first == f"/{v.id}"), None)

    def alias(self, path: str) -> str:
        """``/<vendor>/openapi.json`` and ``/<vendor>/ui/`` wherever the vendor is mounted."""
        if not path.endswith("openapi.json") and "/ui" not in path:
            return path  # every API call: no loop over the vendors
        for vendor in self.rt.vendors.values():
            short = f"/{vendor.id}"
            if vendor.prefix != short and (path == f"{short}/openapi.json" or path.startswith(f"{short}/ui")):
                return vendor.prefix + path[len(short) :]
        return path

    @staticmethod
    def is_docs(path: str, base: str) -> bool:
        """A spec document or Swagger UI: ``<base>/openapi.json|yaml`` and ``<base>/ui...``
        (``base``: the vendor's prefix, or the admin API's)."""
        if not path.startswith(base):
            return False
        rest = path[len(base) :]
        return rest in ("/openapi.json", "/openapi.yaml") or rest == "/ui" or rest.startswith("/ui/")

    def _gate(self, path: str, headers: dict[str, str], session_name: str | None) -> Reply | None:
        """A refusal due before anything else, journalled nowhere: an admin call without the
        admin token, or an empty session name, in ``/__session//...`` or ``X-Mock-Session:`` (a
        harness whose session variable is empty: serving it in the default session, or the
        header's, would share what it meant to isolate)."""
        header = _get(headers, SESSION_HEADER) if session_name is None else None
        if session_name == "" or (header is not None and not header.strip()):
            said = EMPTY_SESSION if session_name == "" else EMPTY_SESSION_HEADER
            empty = Violation(400, Code.INVALID, said, field="session", location="url", rule="GEN-9")
            vendor = self.vendor_for(path)
            return _plain(empty) if vendor is None else refuse(vendor, empty, self.rt.clock.now()).reply
        if path.startswith(ADMIN_PREFIX) and not self.rt.admin_allowed(path, _get(headers, "authorization")):
            refusal = {"status": 401, "message": "The admin API needs 'Authorization: Bearer <admin token>'."}
            return Reply(401, refusal, {"WWW-Authenticate": "Bearer"})
        return None

    async def _refuse(self, call: Call, scope: Scope, send: Send, path: str, violation: Violation) -> None:
        """Answer before any handler runs, in the vendor's envelope, and journal the call."""
        reply = call.outcome(refuse(call.vendor, violation, self.rt.clock.now()))
        status, raw_headers, body = await _send(send, reply, scope["method"])
        self._journal(call, scope, path, status, raw_headers, body)

    def _journal(
        self,
        call: Call,
        scope: Scope,
        path: str,
        status: int,
        raw_headers: list[tuple[bytes, bytes]],
        body: bytes,
        fault: dict[str, Any] | None = None,
    ) -> None:
        if not self._warm:  # once the first call is answered, not during start-up (a target)
            self._warm = True
            warm_up()  # the exact validation engine, so the first invalid call does not wait for it
        if status < 400:
            call.session.accepted = True
        coverage = self.rt.coverage
        for rule_id in call.fired:  # Counter.update's ABC check costs more than the loop
            coverage[rule_id] += 1
        call.session.journal.record(
            Exchange(
                session=call.session.name,
                vendor=call.vendor.id,
                method=scope["method"],
                path=path,
                raw_path=call.raw_path.decode("latin-1") if call.raw_path else None,
                query=scope.get("query_string", b""),
                status=status,
                request_headers=_pairs(scope["headers"]),
                request_body=call.raw_body,
                response_headers=raw_headers,
                response_body=body,
                operation=call.operation,
                rules=call.fired,
                violations=call.violations,
                warnings=call.warnings,
                fault=fault,
                duration_ms=(_perf_counter() - call.started) * 1000,
            )
        )


def _too_large(limit: int) -> Violation:
    return Violation(413, Code.TOO_LARGE, f"Request body exceeds {limit} bytes", rule="GEN-9")


EMPTY_SESSION: Final = (
    "The session name in /__session/NAME/ is empty: name the session, or leave the prefix out."
)
EMPTY_SESSION_HEADER: Final = "The X-Mock-Session header is empty: name the session, or leave the header out."


def _plain(violation: Violation, with_field: bool = False) -> Reply:
    """The admin API's format, ``{"status", "message"}`` (and ``field`` where one is named), also
    used where no API is addressed."""
    shown: dict[str, Any] = {"status": violation.status, "message": violation.message}
    if with_field and violation.field is not None:
        shown["field"] = violation.field
    return Reply(violation.status, shown)


def _nobody(token: str) -> None:
    return None


def _unroutable(path: str, prefix: str, encoded_slash: bool) -> Violation | None:
    """Routing works on the raw path: ``1001%2fmembers`` is one segment, which no route of any
    vendor takes, and a trailing slash names no documented route (no redirect built from the
    client's Host header). A path the vendor was only guessed from (``/zep/api/v2/...``, with a
    backslash) is outside its base path: its 404, never a call cut to length."""
    under = prefix + "/"
    outside = not path.startswith(under) and path != prefix
    # a trailing slash, except on the spec's path "/" (Ruddr's workspace) as clients join it
    trailing = path.endswith("/") and len(path) > 1 and path != under
    if outside or encoded_slash or trailing:
        return Violation(404, Code.ROUTE_NOT_FOUND, NO_ROUTE, rule="GEN-9")
    return None


def _incoming(
    method: str, path: str, headers: dict[str, str], checked: Checked, link_base: str, query_string: str
) -> Incoming:
    return Incoming(
        method=method,
        path=path,
        path_params=checked.path_params,
        query=checked.query,
        headers=headers,
        body=checked.body,
        has_body=checked.has_body,
        body_schema=checked.body_schema,
        param_violations=checked.param_violations,
        body_violations=checked.body_violations,
        identity=checked.identity,
        link_base=link_base,
        query_string=query_string,
        unknown_params=checked.unknown_params,
    )


_ABSENT: Final = object()


class _Headers(dict[str, str]):
    """Request headers by lower-case name (the first of repeated ones, as Starlette answers);
    a lookup by any case works, as on every HTTP framework."""

    def __missing__(self, key: str) -> str:
        lower = key.lower()
        if lower == key:
            raise KeyError(key)
        return self[lower]

    def get(self, key: str, default: Any = None) -> Any:
        # no KeyError raised and caught: most lookups are of headers a call does not carry
        value = dict.get(self, key, _ABSENT)
        if value is _ABSENT:
            lower = key.lower()
            return default if lower == key else dict.get(self, lower, default)
        return value

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (isinstance(key, str) and dict.__contains__(self, key.lower()))


def _pairs(raw: Any) -> list[tuple[bytes, bytes]]:
    """The request's header pairs as the journal keeps them: uvicorn's list of tuples as it is,
    the ``[name, value]`` lists other servers and clients send (ASGI allows either) as tuples."""
    if type(raw) is list:
        for pair in raw:
            if type(pair) is not tuple:
                break
        else:
            return raw
    return [(bytes(pair[0]), bytes(pair[1])) for pair in raw]


_NAMES: Final[dict[bytes, str]] = {}
"""Header names as sent -> their lower-case text: clients send the same few names on every call,
and decoding and folding each one again cost more than the lookup. Bounded: a client that
invents names fills it once, and its later names are decoded as before."""
_MAX_NAMES: Final = 256


def _headers(scope: Scope) -> dict[str, str]:
    found: dict[str, str] = {}  # a plain dict while it is filled: compiled code sets it in C
    raw: Sequence[Sequence[bytes]] = scope["headers"]  # pairs: tuples from uvicorn, lists from some clients
    names = _NAMES
    for pair in raw:
        name: bytes = pair[0]  # typed: mypyc decodes a known bytes in C
        text = names.get(name)
        if text is None:
            text = name.decode("latin-1").lower()
            if len(names) < _MAX_NAMES:
                names[name] = text
        if text not in found:  # the first of repeated headers
            value: bytes = pair[1]
            found[text] = value.decode("latin-1")
    return _Headers(found)


_HOST: Final = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def _origin(scope: Scope, headers: dict[str, str]) -> str:
    """The origin the client called: links the vendor hands out (paging) must lead back to this
    mock. A Host header that is not a plain host[:port] is not echoed into links; the server's
    own address is used then."""
    host = _get(headers, "host", "")
    scheme = scope.get("scheme", "http")
    known = _ORIGINS.get(host)
    if known is not None and known[0] == scheme:
        return known[1]
    if not _HOST.fullmatch(host):
        server = scope.get("server") or ("localhost", None)
        name = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
        return f"{scheme}://{name if server[1] is None else f'{name}:{server[1]}'}"
    origin = f"{scheme}://{host}"
    if len(_ORIGINS) < _MAX_ORIGINS:
        _ORIGINS[host] = (scheme, origin)
    return origin


_ORIGINS: Final[dict[str, tuple[str, str]]] = {}
"""Valid Host header -> (scheme, origin) last built for it: a client calls under one or two
names, and the pattern match was a twentieth of a call. Bounded as ``_NAMES``."""
_MAX_ORIGINS: Final = 64


async def _send(send: Sender, reply: Reply, method: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Send ``reply``; what was sent, for the journal. A HEAD answer has the GET's headers only."""
    status, raw_headers, body = encoded(reply)
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
    return status, raw_headers, body


def _session_in_path(path: str, raw_path: bytes) -> tuple[str, str | None, str, bytes]:
    """``/__session/NAME/<path>`` is ``<path>`` with ``X-Mock-Session: NAME``: a client that cannot
    add headers gets an isolated session from its base URL alone. NAME is cut from the raw path
    and decoded once (``a%2Fb`` is the session ``a/b``, ``a%252Fb`` is ``a%2Fb``); links keep it as
    sent. Returns the path, the session, the link prefix and the raw path after the prefix."""
    prefix = _SESSION_PREFIX_BYTES
    if not raw_path.startswith(prefix):  # also /__sess%69on/: no client writes that
        return path, None, "", raw_path
    raw_name, _, raw_rest = raw_path[len(prefix) :].partition(b"/")
    name = _name_text(unquote_to_bytes(raw_name))
    rest = b"/" + raw_rest
    return unquote(rest.decode("latin-1")), name, (prefix + raw_name).decode("latin-1"), rest


def _sent_path(scope: Scope) -> str:
    """The path as the client sent it (percent-encoded, session prefix included)."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    return raw.decode("latin-1")


def _header_session(headers: dict[str, str]) -> str | None:
    return _header_text(_get(headers, SESSION_HEADER))


def _header_text(value: str | None) -> str | None:
    """A header's text read as the session name is: the server decoded its bytes as Latin-1."""
    if value is None or value.isascii():
        return value
    return _name_text(value.encode("latin-1"))


def _name_text(raw: bytes) -> str:
    """A session name from its bytes, the same from the header and the path: UTF-8, or Latin-1
    when it is not UTF-8 (each byte a character, so two names never fall into one)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


async def _read_body(receive: Receive, limit: int, declared: str | None) -> bytes:
    """The whole body, refused at once when its declared length is over the limit: the client
    hears the 413 before sending it (no ``100 Continue`` is sent for it either)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:  # parser-checked
        raise BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    while True:
        message: MutableMapping[str, Any] = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGoneError
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        if not message.get("more_body", False):
            if not chunks:  # the usual body: one message, nothing to join
                return chunk
            chunks.append(chunk)
            return b"".join(chunks)
        chunks.append(chunk)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
