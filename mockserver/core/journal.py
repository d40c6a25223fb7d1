"""The request journal: a bounded record of every vendor call in a session."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from typing import Any

SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key"})


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Never keep credentials in the journal: users paste journals into bug reports."""
    return {k: ("[redacted]" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


class Journal:
    """A ring buffer: memory stays flat however long the server runs."""

    def __init__(self, size: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=max(size, 1))
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            entry["id"] = next(self._ids)
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
