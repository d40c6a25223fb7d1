"""The request journal: a bounded record of every vendor call in a session.

Entries are stored raw (bytes, header tuples, violation objects) and rendered to JSON only when
someone reads the journal, so recording costs the hot path almost nothing.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mockserver.core.violations import Violation

SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key", "set-cookie"})
Headers = Sequence[tuple[bytes, bytes]]


def redact_headers(headers: Headers) -> dict[str, str]:
    """Never keep credentials in the journal: users paste journals into bug reports."""
    shown = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        shown[name] = "[redacted]" if name in SECRET_HEADERS else raw_value.decode("latin-1")
    return shown


def decode_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", errors="replace")[:10_000]


def _message(headers: Headers, body: bytes) -> dict[str, Any]:
    return {"headers": redact_headers(headers), "body": decode_body(body)}


@dataclass(slots=True)
class Exchange:
    """One call as it happened; :meth:`render` makes the JSON the admin API returns."""

    session: str
    vendor: str
    method: str
    path: str
    query: bytes
    status: int
    request_headers: Headers
    request_body: bytes
    response_headers: Headers
    response_body: bytes
    operation: str | None = None
    rules: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
    response_violations: list[Violation] = field(default_factory=list)
    """Where the answer broke the spec: filled by the validation proxy (the mock's own answers are
    proven by the test suite instead of being checked per request)."""
    fault: dict[str, Any] | None = None
    """The injected fault that produced this answer (``mockserver.core.faults``), if any."""
    time: float = field(default_factory=lambda: datetime.now(UTC).timestamp())
    id: int = 0

    def render(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "id": self.id,
            "time": datetime.fromtimestamp(self.time, UTC).isoformat(),
            "session": self.session,
            "vendor": self.vendor,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "query": self.query.decode("latin-1"),
            "status": self.status,
            "request": {
                "headers": redact_headers(self.request_headers),
                "body": decode_body(self.request_body),
            },
            "response": {
                "headers": redact_headers(self.response_headers),
                "body": decode_body(self.response_body),
            },
            "rules": list(self.rules),
            "violations": [v.as_dict() for v in self.violations],
            "warnings": [v.as_dict() for v in self.warnings],
            "response_violations": [v.as_dict() for v in self.response_violations],
        }
        if self.fault is not None:  # only on injected answers, so they cannot pass for real ones
            rendered["fault"] = self.fault
        return rendered


class Journal:
    """A ring buffer: memory stays flat however long the server runs."""

    def __init__(self, size: int) -> None:
        self._entries: deque[Exchange] = deque(maxlen=max(size, 1))
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            exchange.id = next(self._ids)
            self._entries.append(exchange)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            kept = list(self._entries)
        return [e.render() for e in kept]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
