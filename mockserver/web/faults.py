"""Carrying out an injected fault (``mockserver.core.faults``) on one ASGI call.

``status`` and ``fuzz`` answer without running the handler, so the state stays as it was;
``latency`` waits and then answers normally; ``truncate`` runs the handler (the write happens)
and sends only part of its answer; ``reset`` drops the connection before the handler runs.

Dropping a connection is not part of ASGI. Under uvicorn (``mockserver serve``, ``LiveServer``)
the server's ``send`` is a method of its per-request cycle, which holds the connection's asyncio
transport: ``reset`` sets ``SO_LINGER`` to zero and aborts it, so the kernel sends a TCP RST and
the client reads no response at all (httpx ``ReadError``/``RemoteProtocolError``, requests
``ConnectionError``); ``truncate`` closes it after the partial body (httpx
``RemoteProtocolError``, requests ``ChunkedEncodingError``). Either way the cycle is marked
disconnected before the app returns, so uvicorn logs nothing. Without a transport (the in-process
test client, another server) the fault raises :class:`InjectedDisconnect` instead, which the
caller of an in-process client receives and a real server answers by closing the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.types import Message, Scope, Send

from mockserver.core.faults import Fault
from mockserver.core.values import Reply
from mockserver.core.vendor import Vendor
from mockserver.web.responses import encoded

__all__ = [
    "FAULT_HEADER",
    "Answer",
    "FaultNotApplicableError",
    "InjectedDisconnect",
    "carry_out",
]

FAULT_HEADER = "x-mock-fault"
_RESET_LINGER = struct.pack("ii", 1, 0)  # on, 0 s: close() sends RST instead of FIN


class FaultNotApplicableError(ValueError):
    """A valid fault that cannot answer this call (the mock answers the vendor's 400)."""


class InjectedDisconnect(ConnectionError):  # noqa: N818 - named for what the client sees
    """A reset or truncate fault where no transport can be reached (in-process clients)."""


@dataclass
class Answer:
    """What went over the wire, for the journal (status 0: no response at all)."""

    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)


class _Recorder:
    """A ``send`` that records the response and passes it on (unless ``send`` is None)."""

    def __init__(self, send: Send | None) -> None:
        self.send = send
        self.answer = Answer(500)

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.answer.status = message["status"]
            self.answer.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.answer.body.extend(message.get("body", b""))
        if self.send is not None:
            await self.send(message)


async def carry_out(
    fault: Fault,
    served: int,
    *,
    vendor: Vendor,
    path: str,
    now: datetime,
    scope: Scope,
    send: Send,
    handle: Callable[[Send], Awaitable[None]],
) -> Answer:
    """Answer one call as ``fault`` says; ``path`` is vendor-relative, ``served`` the number of
    calls the fault answered before, ``handle(send)`` runs the normal handler. ``send`` must be the
    server's own: reset and truncate reach the connection through it. (It is not kept in the
    scope: the scope would hold the server's cycle and the cycle the scope, one garbage cycle per
    request for the collector to find.)"""
    if fault.latency_ms is not None:
        low, high = fault.latency_ms
        await asyncio.sleep((low if low == high else random.randint(low, high)) / 1000)
    if fault.action == "reset":
        await _drop(send, reset=True)
        return Answer()
    reply = _reply(fault, served, vendor, scope["method"], path, now)
    recorder = _Recorder(None if fault.action == "truncate" else send)
    if reply is not None:
        status, headers, body = encoded(reply)
        await recorder({"type": "http.response.start", "status": status, "headers": headers})
        await recorder({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
    else:
        await handle(recorder)
    if fault.action == "truncate":
        return await _truncate(recorder.answer, send)
    return recorder.answer


def _reply(fault: Fault, served: int, vendor: Vendor, method: str, path: str, now: datetime) -> Reply | None:
    if fault.action == "status":
        assert fault.status is not None  # Fault refuses a status action without one
        if not fault.has_body:
            reply = vendor.fault_reply(fault.status, now)
            reply.headers = _merged(reply.headers, fault.headers)
            return reply
        # a canned answer: status, body and headers as given, in the vendor's error media type
        media_type = vendor.fault_reply(fault.status, now).media_type if fault.status >= 400 else None
        return Reply(fault.status, fault.body, dict(fault.headers), media_type or "application/json")
    if fault.action == "fuzz":
        from mockserver.adversarial import fuzzed_reply  # Hypothesis: only when asked for

        try:
            reply = fuzzed_reply(vendor, method, path, seed=fault.seed or 0, case=served, status=fault.status)
        except (ValueError, LookupError) as exc:  # e.g. a status the operation does not document
            raise FaultNotApplicableError(f"cannot fuzz {method} {path}: {exc}") from exc
        reply.headers = _merged(reply.headers, fault.headers)
        return reply
    return None


def _merged(headers: Mapping[str, str], overrides: Mapping[str, str]) -> dict[str, str]:
    """``overrides`` win whatever their case: ``retry-after`` replaces the vendor's ``Retry-After``
    instead of going out as a second one."""
    replaced = {name.lower() for name in overrides}
    return {**{k: v for k, v in headers.items() if k.lower() not in replaced}, **overrides}


async def _truncate(answer: Answer, send: Send) -> Answer:
    """The full status and headers (Content-Length of the whole body), half the body, then close."""
    body = bytes(answer.body)
    if not body:  # nothing to cut (a 204): the client gets no response, after the write happened
        await _drop(send, reset=False)
        return Answer()
    headers = answer.headers
    if not any(name.lower() == b"content-length" for name, _ in headers):
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    sent = body[: len(body) // 2]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": sent, "more_body": True})
    await _drop(send, reset=False)
    return Answer(answer.status, headers, bytearray(sent))


def _cycle(send: Send) -> Any:
    """The server's per-request cycle, whose method ``send`` is (uvicorn)."""
    return getattr(send, "__self__", None)


def _transport(cycle: Any) -> Any:
    """The connection's asyncio transport, where the server lets us reach it (uvicorn)."""
    transport = getattr(cycle, "transport", None)
    return transport if callable(getattr(transport, "abort", None)) else None


async def _drop(send: Send, *, reset: bool) -> None:
    """Close the connection (``reset``: with an RST, discarding anything unsent), and tell the
    server this request's client is gone, so it neither answers a 500 nor logs an incomplete
    response when the app returns."""
    cycle = _cycle(send)
    transport = _transport(cycle)
    if transport is None:
        raise InjectedDisconnect("injected fault: the connection was " + ("reset" if reset else "cut"))
    if reset:
        sock = transport.get_extra_info("socket")
        with contextlib.suppress(OSError, AttributeError):  # the abort alone still closes it
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_LINGER)
        transport.abort()
    else:
        transport.close()  # flushes what was written (the partial body), then FIN
    # uvicorn marks a lost connection's newest request disconnected, which is not this one when
    # the client pipelined another behind it: it then answered this one a 500 on the closed
    # transport (a RuntimeError in an unretrieved task) or logged it unfinished (found by a
    # hostile probe). The flag is the one uvicorn's own connection_lost sets.
    if isinstance(getattr(cycle, "disconnected", None), bool):
        cycle.disconnected = True
