"""The outermost layer: vendor and session of each call, the body limit, injected faults, and the
journal."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.core.faults import parse_fault_header
from mockserver.core.journal import Exchange
from mockserver.core.pipeline import Reply
from mockserver.core.vendor import Vendor
from mockserver.core.violations import Code, Violation
from mockserver.web.faults import FAULT_HEADER, carry_out
from mockserver.web.responses import dumps, to_response
from mockserver.web.state import SCOPE_KEY, RequestState

if TYPE_CHECKING:
    from mockserver.app import MockApp

SESSION_HEADER = "x-mock-session"
SESSION_PREFIX = "/__session/"
ADMIN_PREFIX = "/__admin"


class BodyTooLargeError(Exception):
    pass


class MockMiddleware:
    def __init__(self, app: ASGIApp, *, mock: MockApp) -> None:
        self.app = app
        self.mock = mock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        mock = self.mock
        encoded_slash = _ENCODED_SLASH in (scope.get("raw_path") or b"").lower()
        path, session_name = _session_in_path(scope["path"])
        session_prefix = scope["path"][: len(scope["path"]) - len(path)]
        path = mock.alias(path)
        if path != scope["path"]:
            scope = dict(scope, path=path, raw_path=path.encode())
        scope = _lower_media_type(scope)
        headers = Headers(scope=scope)
        session_name = session_name or headers.get(SESSION_HEADER)
        if path.startswith(ADMIN_PREFIX) and not mock.admin_allowed(path, headers.get("authorization")):
            body = {"status": 401, "message": "The admin API needs 'Authorization: Bearer <admin token>'."}
            await to_response(Reply(401, body, {"WWW-Authenticate": "Bearer"}))(scope, receive, send)
            return
        vendor = mock.vendor_for(path)
        session = mock.store.session(session_name)
        state = RequestState(vendor=vendor, session=session, offload=mock.offload, link_prefix=session_prefix)
        scope[SCOPE_KEY] = state
        try:
            state.raw_body = await _read_body(receive, mock.config.max_body_bytes)
        except BodyTooLargeError:
            limit = mock.config.max_body_bytes
            violation = Violation(413, Code.TOO_LARGE, f"Request body exceeds {limit} bytes", rule="GEN-9")
            await self._refuse(state, scope, receive, send, violation)
            return
        if vendor is not None and not mock.is_static(path):
            unroutable = _unroutable(path, encoded_slash) or _unparseable(mock, vendor, path)
            if unroutable is not None:
                await self._refuse(state, scope, receive, send, unroutable)
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": state.raw_body, "more_body": False}
            return await receive()

        if vendor is None or mock.is_static(path):
            await self.app(scope, replay, send)
            return
        fault_header = headers.get(FAULT_HEADER)
        if (fault_header is not None or session.faults.active) and await self._fault(
            vendor, state, scope, receive, replay, send, fault_header
        ):
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        await self.app(scope, replay, capture)
        self._journal(state, scope, captured["status"], captured["headers"], captured["body"])

    async def _fault(
        self,
        vendor: Vendor,
        state: RequestState,
        scope: Scope,
        receive: Receive,
        replay: Receive,
        send: Send,
        header: str | None,
    ) -> bool:
        """Answer the call as an injected fault says (the header wins over the session's faults);
        False when no fault applies. A fault that cannot apply is answered as the vendor's 400."""
        path = scope["path"]
        relative = path[len(vendor.prefix) :] if path.startswith(vendor.prefix) else path
        try:
            if header is not None:
                fault, served, via = parse_fault_header(header), 0, "header"
            else:
                taken = state.session.faults.take_counted(vendor.id, scope["method"], relative)
                if taken is None:
                    return False
                (fault, served), via = taken, "admin"
            answer = await carry_out(
                fault,
                served,
                vendor=vendor,
                path=relative,
                now=self.mock.clock.now(),
                scope=scope,
                receive=receive,
                send=send,
                handle=lambda recorder: self.app(scope, replay, recorder),
            )
        except ValueError as exc:  # a malformed header, or a fuzz fault for an undocumented status
            field = "X-Mock-Fault" if header is not None else None
            violation = Violation(400, Code.INVALID, str(exc), field=field, location="header")
            await self._refuse(state, scope, receive, send, violation)
            return True
        shown = {**fault.as_dict(), "via": via}
        self._journal(state, scope, answer.status, answer.headers, answer.body, shown)
        return True

    async def _refuse(
        self, state: RequestState, scope: Scope, receive: Receive, send: Send, violation: Violation
    ) -> None:
        """Answer before any handler runs, in the vendor's envelope, and journal the call."""
        vendor = state.vendor
        state.violations = [violation]
        state.fired = [r for r in (violation.rule, vendor and vendor.envelope_rule) if r]
        reply = self.mock.error_reply(vendor, [violation])
        await to_response(reply)(scope, receive, send)
        self._journal(state, scope, reply.status, [], dumps(reply.body))

    def _journal(
        self,
        state: RequestState,
        scope: Scope,
        status: int,
        raw_headers: Any,
        body: Any,
        fault: dict[str, Any] | None = None,
    ) -> None:
        if state.vendor is None:
            return
        self.mock.count_rules(state.fired)
        state.session.journal.record(
            Exchange(
                session=state.session.name,
                vendor=state.vendor.id,
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b""),
                status=status,
                request_headers=scope["headers"],
                request_body=state.raw_body,
                response_headers=raw_headers if isinstance(raw_headers, list) else [],
                response_body=bytes(body or b""),
                operation=state.operation,
                rules=state.fired,
                violations=state.violations,
                warnings=state.warnings,
                fault=fault,
            )
        )


_ENCODED_SLASH = b"%2f"
_NO_ROUTE = "The requested route does not exist."


def _unroutable(path: str, encoded_slash: bool) -> Violation | None:
    """Routing works on the raw path: ``1001%2fmembers`` is one segment, which no route of any
    vendor takes, and a trailing slash names no documented route (no redirect built from the
    client's Host header)."""
    if encoded_slash or (path.endswith("/") and len(path) > 1):
        return Violation(404, Code.ROUTE_NOT_FOUND, _NO_ROUTE, rule="GEN-9")
    return None


def _unparseable(mock: MockApp, vendor: Vendor, path: str) -> Violation | None:
    name = mock.unparseable_id(vendor, path)
    if name is None:
        return None
    message = f"Path parameter '{name}' is too long to be an id"
    return Violation(404, Code.ROUTE_NOT_FOUND, message, field=name, location="path", rule="GEN-13")


def _lower_media_type(scope: Scope) -> Scope:
    """Media types are case-insensitive (RFC 9110 8.3.1), and so is the mock (GEN-13):
    ``APPLICATION/JSON ; charset=UTF-8`` reaches the validators as ``application/json;charset=UTF-8``."""
    headers = scope["headers"]
    for i, (name, value) in enumerate(headers):
        if name == b"content-type":
            media, sep, params = value.partition(b";")
            # RFC 9110 8.3.1 allows whitespace before the ';' of a parameter, too
            normal = media.strip().lower()
            if normal != media:
                fixed = list(headers)
                fixed[i] = (name, normal + sep + params.lstrip())
                return dict(scope, headers=fixed)
            break
    return scope


def _session_in_path(path: str) -> tuple[str, str | None]:
    """``/__session/NAME/<path>`` is ``<path>`` with ``X-Mock-Session: NAME``: a client that cannot
    add headers gets an isolated session from its base URL alone."""
    if not path.startswith(SESSION_PREFIX):
        return path, None
    name, _, rest = path[len(SESSION_PREFIX) :].partition("/")
    return "/" + rest, unquote(name) or None


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message: MutableMapping[str, Any] = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)
