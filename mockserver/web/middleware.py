"""The outermost layer: vendor and session of each call, the body limit, and the journal."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.core.journal import redact_headers
from mockserver.core.violations import Code, Violation
from mockserver.web.responses import to_response
from mockserver.web.state import SCOPE_KEY, RequestState

if TYPE_CHECKING:
    from mockserver.app import MockApp

SESSION_HEADER = "x-mock-session"


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
        path = mock.alias(scope["path"])
        if path != scope["path"]:
            scope = dict(scope, path=path, raw_path=path.encode())
        headers = Headers(scope=scope)
        vendor = mock.vendor_for(path)
        session = mock.store.session(headers.get(SESSION_HEADER))
        state = RequestState(vendor=vendor, session=session)
        scope[SCOPE_KEY] = state
        try:
            state.raw_body = await _read_body(receive, mock.config.max_body_bytes)
        except BodyTooLargeError:
            limit = mock.config.max_body_bytes
            violation = Violation(413, Code.TOO_LARGE, f"Request body exceeds {limit} bytes", rule="GEN-9")
            state.violations = [violation]
            state.fired = ["GEN-9"]
            reply = mock.error_reply(vendor, [violation])
            await to_response(reply)(scope, receive, send)
            self._journal(state, scope, reply.status, {}, reply.body)
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

    def _journal(self, state: RequestState, scope: Scope, status: int, raw_headers: Any, body: Any) -> None:
        if state.vendor is None:
            return
        self.mock.count_rules(state.fired)
        response_headers = (
            {k.decode("latin-1"): v.decode("latin-1") for k, v in raw_headers}
            if isinstance(raw_headers, list)
            else {}
        )
        state.session.journal.record(
            {
                "time": datetime.now().astimezone().isoformat(),
                "session": state.session.name,
                "vendor": state.vendor.id,
                "operation": state.operation,
                "method": scope["method"],
                "path": scope["path"],
                "query": scope.get("query_string", b"").decode("latin-1"),
                "status": status,
                "request": {
                    "headers": redact_headers(dict(Headers(scope=scope).items())),
                    "body": _decode(state.raw_body),
                },
                "response": {"headers": redact_headers(response_headers), "body": _decode(body)},
                "rules": list(state.fired),
                "violations": [v.as_dict() for v in state.violations],
                "warnings": [v.as_dict() for v in state.warnings],
            }
        )


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


def _decode(raw: Any) -> Any:
    if raw is None or isinstance(raw, dict | list):
        return raw
    data = bytes(raw)
    if not data:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return data.decode("utf-8", errors="replace")[:10_000]
