"""The HTTP/1.1 connection layer: what one client can make the server hold is bounded (GEN-9).

uvicorn's httptools protocol buffers a request head without limit (a 200 MiB header line, 50,000
headers) and waits for it without a deadline (slow clients keep their sockets for ever), and it
accepts connections until the process runs out of file descriptors. :class:`LimitedHttpProtocol`
is that protocol with five limits (:class:`HttpLimits`):

- the request line and headers of one request: at most ``max_head_bytes`` (431 beyond it; the
  parser is never fed more, so memory stays bounded however long the line);
- at most ``max_headers`` headers (431);
- the head must arrive within ``head_timeout`` seconds of when the server starts waiting for it
  (the connection opening, or the previous answer): 408 if part of it came, else a silent close;
- at most ``max_connections`` open connections: one more gets a 503 and is closed;
- the body must arrive within ``body_timeout`` seconds of its head (408, and it is never handled):
  else a client sending a byte a second keeps its connection, and enough of them every one.

uvicorn already does the rest: ``timeout_keep_alive`` (5 s) closes idle keep-alive connections
after a response, and ``limit_concurrency`` answers 503 once requests still running (say of
clients that left during a latency fault) outnumber ``max_connections``.

An absolute-form target (``GET http://host/path``) replaces ``Host`` with its authority, as RFC
9112 §3.2.2 says, so links built from ``Host`` lead where the client called; a request with two
``Host`` headers, or an HTTP/1.1 request with none, is a 400 (§3.2).

Bytes the parser rejects get a 400 naming its reason (uvicorn answers them in plain text), after
the answer to a request that was whole before them; a request whose body they cut is never handed
to the app as complete.

Refusals answer ``{"status", "message"}`` like the admin API, or in the vendor's envelope through
the app's :data:`Refusal`, with ``Connection: close``. Then the
server stops writing (FIN) but reads and discards for up to :data:`LINGER_SECONDS`, because
closing a socket with unread input makes the kernel send an RST, which can destroy the answer
before the client reads it.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from httptools import HttpParserCallbackError
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver.config import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEAD_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_MAX_HEADERS,
    ServerConfig,
)

__all__ = [
    "LINGER_SECONDS",
    "HttpLimits",
    "LimitedConfig",
    "LimitedHttpProtocol",
    "Refusal",
    "connection_cap",
]

LINGER_SECONDS = 1.0
"""How long a refused connection is drained before it is closed."""
_RESERVED_FDS = 32
"""Descriptors kept for everything but connections: the listening socket, SQLite, logs."""


@dataclass(frozen=True)
class HttpLimits:
    max_head_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_headers: int = DEFAULT_MAX_HEADERS
    head_timeout: float = DEFAULT_HEAD_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    body_timeout: float = DEFAULT_BODY_TIMEOUT

    @classmethod
    def of(cls, config: ServerConfig) -> HttpLimits:
        return cls(
            config.max_header_bytes,
            config.max_headers,
            config.head_timeout,
            config.max_connections,
            config.body_timeout,
        )


def connection_cap(requested: int) -> int:
    """``requested``, lowered so that the connections served plus as many being refused fit in
    the process's descriptor limit (``ulimit -n``)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return requested
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return requested
    return max(1, min(requested, (soft - _RESERVED_FDS) // 2))


Refusal = Callable[[str, int, str], tuple[bytes, Sequence[tuple[bytes, bytes]]]]
"""(path, status, message) -> (body, headers): how the app words a refusal of this layer, so a
431 for a vendor path comes in that vendor's envelope (GEN-9)."""


class LimitedConfig(Config):
    """``uvicorn.Config`` for a server within ``limits``: every server of the project
    (``mockserver serve``, ``mockserver proxy``, ``LiveServer``) starts with one. Its protocol,
    :class:`LimitedHttpProtocol`, reads the limits and ``refusal`` from it (uvicorn hands each
    connection its server's config)."""

    def __init__(self, app: Any, limits: HttpLimits, refusal: Refusal | None = None, **settings: Any) -> None:
        self.limits = replace(limits, max_connections=connection_cap(limits.max_connections))
        self.refusal = refusal
        # uvicorn 503s when connections *or* running tasks reach limit_concurrency (the
        # connection counting itself); connections are already capped on arrival, so this bounds
        # left-behind tasks. ws "none": an Upgrade header is ignored and the request answered as
        # plain HTTP (no framework handshake page, no 500 from an app that speaks no WebSocket)
        settings.update(
            http=LimitedHttpProtocol, ws="none", limit_concurrency=self.limits.max_connections + 1
        )
        super().__init__(app, **settings)


_BASE = HttpToolsProtocol
"""Called by name in the per-request callbacks below: ``super()`` costs about 40 ns more a call
(100 against 60, timeit), and they run about ten times a request."""


class LimitedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol within :class:`HttpLimits`, those of its server's
    :class:`LimitedConfig` (the defaults under a plain ``uvicorn.Config``)."""

    def __init__(self, config: Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.limits: HttpLimits = config.limits if isinstance(config, LimitedConfig) else HttpLimits()
        self.refusal: Refusal | None = config.refusal if isinstance(config, LimitedConfig) else None
        self._in_head = True
        """Waiting for (the rest of) a request head."""
        self._head_bytes = 0
        self._head_start = b""
        """The first bytes of the current head: the request line, when the parser refused it
        before it had the URL (a bad method, a bad byte in the target)."""
        self._header_count = 0
        self._head_refusal: tuple[HTTPStatus, str] | None = None
        """Why the head just parsed is refused (too many headers, two Host headers): answered
        once the parser returns; the app never sees the request."""
        self._hosts = 0
        self._refused = False
        self._deferred: tuple[HTTPStatus, str] | None = None
        """A refusal that waits for the answer being written (a pipelined request came first)."""
        self._head_deadline: float | None = None
        """When the head now awaited is due (loop time); None while none is awaited."""
        self._head_timer: asyncio.TimerHandle | None = None
        """Fires at or before the deadline. Moving the deadline leaves it running: a call_later
        and a cancel on every request cost more than the rest of this layer's work."""
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_pending = False
        """A head is in and its body is not: timed once a read ends with it still pending (most
        requests come whole in one read and never start a timer)."""

    # -- the connection ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        open_now = len(self.connections)
        if open_now > self.limits.max_connections:
            if open_now > 2 * self.limits.max_connections:
                self._refused = True
                transport.close()  # a flood: not even a lingering answer, descriptors come first
                return
            self._refuse(HTTPStatus.SERVICE_UNAVAILABLE, "Too many open connections; retry later.")
            return
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        self._cancel_body_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # draining before the close
        while data:
            # Within a head the parser gets at most what is left of the limit: httptools keeps
            # an incomplete header line in memory whole. (A pipelined head that starts in the
            # same read as the previous body is counted from the next read: one read at most.)
            room = self.limits.max_head_bytes - self._head_bytes
            if self._in_head and len(data) > room:
                piece, data = data[:room], data[room:]
            else:
                piece, data = data, b""
            if self._in_head:
                if not self._head_bytes:
                    self._head_start = piece[:1024]
                self._head_bytes += len(piece)
            _BASE.data_received(self, piece)
            if self._refused or self.transport.is_closing():
                return  # a malformed request was refused (send_400_response)
            if self._body_pending and self._body_timer is None:  # not in this read: timed from now
                self._arm_body_timer()
            if self._head_refusal is not None:
                self._refuse(*self._head_refusal)
                return
            if self._in_head and self._head_bytes >= self.limits.max_head_bytes:
                limit = self.limits.max_head_bytes
                message = f"The request line and headers exceed {limit} bytes."
                self._refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, message)
                return

    # -- parser callbacks -------------------------------------------------------------------
    def on_message_begin(self) -> None:
        _BASE.on_message_begin(self)
        self._header_count = self._hosts = 0
        # A running timer keeps its deadline (from the connection or the previous answer); a
        # pipelined head, read while the previous request is answered, starts its own.
        if self._head_deadline is None:
            self._arm_head_timer()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            limit = self.limits.max_headers
            refusal = (HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"More than {limit} request headers.")
            self._head_refusal = refusal  # not kept
            return
        if len(name) == 4 and name.lower() == b"host":
            self._hosts += 1
        _BASE.on_header(self, name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        if self._hosts != 1 and self._head_refusal is None:  # RFC 9112 3.2
            if self._hosts > 1:  # which one the client meant is unknowable
                message = "A request may carry one Host header, not several."
                self._head_refusal = (HTTPStatus.BAD_REQUEST, message)
            elif self.parser.get_http_version() == "1.1":  # a vendor's server refuses it too
                message = "An HTTP/1.1 request must carry a Host header."
                self._head_refusal = (HTTPStatus.BAD_REQUEST, message)
        if self.url[:1] != b"/" and self._head_refusal is None:
            self._host_from_target()
        if self._head_refusal is not None:
            return  # no request cycle: the app never sees this request
        _BASE.on_headers_complete(self)
        self._body_pending = True

    def _host_from_target(self) -> None:
        """RFC 9112 §3.2.2: with an absolute-form target (``GET http://host/path``) the server
        must ignore ``Host`` and use the target's authority, so links the app builds from
        ``Host`` (paging) lead where the client called, with its scheme. Userinfo is never part
        of it. Another scheme (``ftp://``) names a server this is not: 400, as nginx answers."""
        scheme, sep, rest = self.url.partition(b"://")
        if not sep:
            return  # not absolute-form (``*``, or a target the parser refuses)
        scheme = scheme.lower()
        if scheme not in (b"http", b"https"):
            shown = scheme[:20].decode("latin-1")
            message = f"its target's scheme {shown!r} is not http or https"
            self._head_refusal = (HTTPStatus.BAD_REQUEST, f"The request is not valid HTTP/1.1: {message}.")
            return
        self.scope["scheme"] = scheme.decode()
        authority = re.split(rb"[/?#]", rest, maxsplit=1)[0].rpartition(b"@")[2]
        self.headers[:] = [(b"host", authority), *((n, v) for n, v in self.headers if n != b"host")]

    def on_body(self, body: bytes) -> None:
        if self._head_refusal is None:
            _BASE.on_body(self, body)

    def on_message_complete(self) -> None:
        self._body_pending = False
        self._cancel_body_timer()
        self._in_head, self._head_bytes = True, 0
        if self._head_refusal is None:
            _BASE.on_message_complete(self)

    def on_response_complete(self) -> None:
        last = not self.pipeline  # else uvicorn starts the next request it holds
        _BASE.on_response_complete(self)
        if self._deferred is not None and last:  # the last answer due is out
            self._write_refusal(*self._deferred)
            return
        # The next head is due within the limit; this also ends a connection still sending the
        # body of a request answered early (a 413), which uvicorn's keep-alive timer, cancelled
        # by every byte received, does not.
        self._arm_head_timer()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes the parser rejects, which it words in plain text. Called
        from its ``except`` clause, so the parser's own reason is at hand."""
        reason = sys.exc_info()[1]
        if isinstance(reason, HttpParserCallbackError):
            # uvicorn's own callback failed, on a target it cannot take apart (CONNECT's
            # host:port, http:// with no host, an absolute URL with no path): the parser says
            # only "User callback error", so the target is named instead
            target = self._refused_target()
            message = f"its request target {target!r} is not a path or an absolute URL with one"
            self._refuse(HTTPStatus.BAD_REQUEST, f"The request is not valid HTTP/1.1: {message}.")
            return
        detail = f": {str(reason).rstrip('.')}." if reason is not None and str(reason) else "."
        self._refuse(HTTPStatus.BAD_REQUEST, f"The request is not valid HTTP/1.1{detail}")

    # -- limits -----------------------------------------------------------------------------
    def _arm_head_timer(self) -> None:
        self._head_deadline = self.loop.time() + self.limits.head_timeout
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.head_timeout, self._head_timer_fired)

    def _cancel_head_timer(self) -> None:
        self._head_deadline = None  # a running timer finds nothing due

    def _stop_head_timer(self) -> None:
        self._head_deadline = None
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timer_fired(self) -> None:
        self._head_timer = None
        if self._head_deadline is None:
            return
        left = self._head_deadline - self.loop.time()
        if left > 0:  # the deadline moved since the timer was set
            self._head_timer = self.loop.call_later(left, self._head_timer_fired)
            return
        self._head_deadline = None
        self._head_timed_out()

    def _arm_body_timer(self) -> None:
        self._cancel_body_timer()
        self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_timed_out, self.cycle)

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_timed_out(self, cycle: Any) -> None:
        self._body_timer = None
        if cycle is not self.cycle or not cycle.more_body or self._refused or self.transport.is_closing():
            return
        if any(entry[0] is cycle for entry in self.pipeline):  # unread while an earlier one is answered
            self._arm_body_timer()
            return
        self._refuse(
            HTTPStatus.REQUEST_TIMEOUT, f"The request body took over {self.limits.body_timeout:g} s."
        )

    def _busy(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _head_timed_out(self) -> None:
        if self._busy() or self._refused or self.transport.is_closing():
            return  # the app is answering: not the head's time any more
        if self._in_head and self._head_bytes:
            message = f"The request head took over {self.limits.head_timeout:g} s."
            self._refuse(HTTPStatus.REQUEST_TIMEOUT, message)
        else:
            self.transport.close()  # idle, or still sending a body already answered

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        """Answer ``status`` with ``Connection: close``, then drain and close. Reading stops here:
        no request after the refused one is handled."""
        self._refused = True
        self._stop_head_timer()
        cycle = self.cycle
        if self._busy() and cycle is not None:
            if cycle.more_body and cycle.response_started:  # answered early (a 413): no interleaving
                self.transport.close()
                return
            if cycle.more_body:  # the refusal cuts this request's body: it is never handled
                cycle.disconnected = True
                cycle.message_event.set()
                queued = [entry for entry in self.pipeline if entry[0] is cycle]
                for entry in queued:
                    self.pipeline.remove(entry)
                if not queued:  # it was the one running, so every earlier answer is out
                    self._write_refusal(status, message)
                    return
            self._deferred = (status, message)  # after the answers to the whole requests before
            return
        self._write_refusal(status, message)

    def _refused_target(self) -> str:
        """The request target of the request refused, as sent (at most 200 characters)."""
        url: bytes = getattr(self, "url", b"")  # set by uvicorn once a request begins
        if not url:  # refused before the parser had it: read the request line
            parts = self._head_start.split(b"\r\n", 1)[0].split(b" ")
            url = parts[1] if len(parts) > 2 else b""
        return url[:200].decode("latin-1")

    def _refused_path(self) -> str:
        """The path of the request refused, to word the refusal as its API does."""
        target = self._refused_target().partition("?")[0]
        if "://" in target:  # the absolute form: http://host/path (the host may hold a %2F)
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        return unquote(target)

    def _write_refusal(self, status: HTTPStatus, message: str) -> None:
        transport = self.transport
        body = json.dumps({"status": int(status), "message": message}).encode()
        headers: Sequence[tuple[bytes, bytes]] = [(b"content-type", b"application/json")]
        path = self._refused_path()
        if path and self.refusal is not None:
            body, headers = self.refusal(path, int(status), message)
        lines = [f"HTTP/1.1 {int(status)} {status.phrase}\r\n".encode()]
        lines.extend(name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers)
        lines.extend(name + b": " + value + b"\r\n" for name, value in headers)
        lines.append(b"content-length: %d\r\n" % len(body))
        if status == HTTPStatus.SERVICE_UNAVAILABLE:
            lines.append(b"retry-after: 1\r\n")
        lines.append(b"connection: close\r\n\r\n")
        transport.write(b"".join([*lines, body]))
        if transport.can_write_eof():
            transport.write_eof()
            # the client's close ends it sooner (uvicorn's eof_received lets the transport close)
            self.loop.call_later(LINGER_SECONDS, transport.close)
        else:
            transport.close()
