"""Sending raw requests: in process through the ASGI app, or over HTTP to a mock on loopback.

Neither transport normalises anything: the request target goes out as written (``..``,
``%2f``, invalid percent-encoding), headers keep their order, case and duplicates. In process,
the scope is built as uvicorn builds it (``path`` is the percent-decoded target, ``raw_path``
the bytes), so an in-process finding is one a real socket would meet.
"""

from __future__ import annotations

import asyncio
import http.client
import logging
import shlex
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from mockserver.config import is_loopback

__all__ = ["Answer", "InProcessTransport", "LoopbackTransport", "Request", "Transport", "curl"]


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    """Path and query exactly as sent (ASCII, percent-encoded where needed)."""
    headers: tuple[tuple[str, str], ...] = ()
    """In order, duplicates kept; values are latin-1 text (one character per byte)."""
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)


@dataclass(frozen=True)
class Answer:
    status: int
    """0: no answer at all (see ``error``)."""
    headers: tuple[tuple[str, str], ...]
    body: bytes
    seconds: float
    error: str | None = None
    """Why there is no (complete) answer: the app raised, the connection dropped, a timeout."""
    server_log: tuple[str, ...] = ()
    """In process: the errors the mock logged while answering (the exception behind a 500)."""
    cpu_seconds: float | None = None
    """In process: the CPU time this process spent on the request (the mock's work, all threads),
    which a busy machine does not inflate as it does ``seconds``."""

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)


class Transport(Protocol):
    def send(self, request: Request) -> Answer: ...

    def close(self) -> None: ...


class _LogCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        self.lines.append(f"{type(exc).__name__}: {exc}"[:300] if exc else record.getMessage()[:300])


class InProcessTransport:
    """Calls an ASGI app directly, on one private event loop; the mock's error log is caught per
    request instead of being printed (a hostile run provokes thousands of tracebacks)."""

    def __init__(self, app: Any, *, timeout: float = 120.0, logger: str = "mockserver") -> None:
        self.app = app
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._catcher = _LogCatcher()
        self._logger = logging.getLogger(logger)
        self._propagate = self._logger.propagate
        self._logger.addHandler(self._catcher)
        self._logger.propagate = False

    def close(self) -> None:
        self._logger.removeHandler(self._catcher)
        self._logger.propagate = self._propagate
        self._loop.close()

    def send(self, request: Request) -> Answer:
        self._catcher.lines.clear()
        out: dict[str, Any] = {"status": 0, "headers": [], "body": bytearray()}
        started, cpu = time.monotonic(), time.process_time()
        error = None
        try:
            self._loop.run_until_complete(asyncio.wait_for(self._call(request, out), self.timeout))
        except TimeoutError:
            error = f"no answer within {self.timeout:.0f} s"
        except Exception as exc:  # the app raised past its own error handling
            error = f"the app raised {type(exc).__name__}: {str(exc)[:200]}"
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in out["headers"])
        return Answer(
            out["status"],
            headers,
            bytes(out["body"]),
            time.monotonic() - started,
            error,
            tuple(self._catcher.lines),
            time.process_time() - cpu,
        )

    async def _call(self, request: Request, out: dict[str, Any]) -> None:
        raw_path, _, query = request.target.encode("ascii").partition(b"?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": unquote(raw_path.decode("ascii")),  # as uvicorn does
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in request.headers],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 4010),
            "state": {},
        }
        delivered = False

        async def receive() -> MutableMapping[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": request.body, "more_body": False}
            await asyncio.sleep(self.timeout)  # a client that waits for its answer
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
                out["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                out["body"].extend(message.get("body", b""))

        await self.app(scope, receive, send)


class LoopbackTransport:
    """HTTP/1.1 to a mock on this machine (127.0.0.0/8, ::1, localhost only), one keep-alive
    connection, reopened after any error."""

    def __init__(self, base_url: str, *, timeout: float = 120.0) -> None:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        if parts.scheme != "http" or not is_loopback(host):
            raise ValueError(f"the hostile fuzzer only talks to http:// on loopback, not {base_url!r}")
        self.host, self.port = host, parts.port or 80
        self.root = parts.path.rstrip("/")
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def send(self, request: Request) -> Answer:
        started = time.monotonic()
        try:
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            connection = self._connection
            connection.putrequest(request.method, self.root + request.target, skip_accept_encoding=True)
            for name, value in request.headers:
                connection.putheader(name, value.encode("latin-1"))
            if request.body or request.method in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(request.body)))
            connection.endheaders(request.body or None)
            response = connection.getresponse()
            body = response.read()
            headers = tuple((n, v) for n, v in response.getheaders())
            if response.will_close:
                self.close()
            return Answer(response.status, headers, body, time.monotonic() - started)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Answer(0, (), b"", time.monotonic() - started, f"{type(exc).__name__}: {exc}"[:300])


def _quote(text: str) -> str:
    """Shell quoting that keeps every byte: bash's $'...' for anything outside printable ASCII."""
    if all(32 <= ord(c) < 127 for c in text):
        return shlex.quote(text)
    escaped = "".join(
        c if 32 <= ord(c) < 127 and c not in "\\'" else (f"\\{c}" if c in "\\'" else f"\\x{ord(c):02x}")
        for c in text
    )
    return f"$'{escaped}'"


def curl(request: Request, base_url: str, *, body_file: str | None = None, inline_limit: int = 2048) -> str:
    """A curl line sending these exact bytes to ``base_url`` (``--path-as-is`` keeps ``..``)."""
    parts = [
        "curl",
        "-sS",
        "--path-as-is",
        "-X",
        request.method,
        _quote(base_url.rstrip("/") + request.target),
    ]
    for name, value in request.headers:
        parts += ["-H", _quote(f"{name};" if value == "" else f"{name}: {value}")]
    if request.body or request.method in ("POST", "PUT", "PATCH"):
        if request.header("content-type") is None:
            parts += ["-H", "'Content-Type:'"]  # else curl adds a form media type of its own
        if len(request.body) <= inline_limit and b"\x00" not in request.body:  # bash strings stop at NUL
            parts += ["--data-binary", _quote(request.body.decode("latin-1"))]
        else:
            parts += ["--data-binary", f"@{body_file or 'body.bin'}"]
    return " ".join(parts)
