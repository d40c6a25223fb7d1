"""The request journal: a bounded record of every vendor call in a session.

Entries are stored raw (bytes, header tuples, violation objects) and rendered to JSON only when
someone reads the journal, so recording costs the hot path almost nothing.

Bounded three ways: at most ``size`` entries, at most ``body_bytes`` of each request and response
body (the entry says ``body_truncated`` and the original ``body_size``), and at most
``budget_bytes`` for all entries together, counted as bodies plus headers plus a fixed overhead;
the oldest entries go first. The journals of one store share a :class:`JournalPool`, which
bounds them all together: a thousand sessions of refused calls cannot hold a thousand budgets.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from mypy_extensions import mypyc_attr

from mockserver.core.strict import strict_json_text
from mockserver.core.violations import Violation

SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key", "set-cookie"})
SECRET_FIELDS = frozenset({"client_secret", "refresh_token", "access_token", "id_token", "password"})
"""Body fields (JSON, or a form) that carry credentials: the token endpoints' requests and answers."""
Headers = Sequence[tuple[bytes, bytes]]
DEFAULT_BODY_BYTES = 64 * 1024
DEFAULT_BUDGET_BYTES = 8 * 1024 * 1024
DEFAULT_POOL_BYTES = 256 * 1024 * 1024
ENTRY_OVERHEAD = 1024
"""Bytes an entry costs besides its bodies and headers (objects, violations), for the budget."""
_LONE_SURROGATE = re.compile(f"[{chr(0xD800)}-{chr(0xDFFF)}]")  # mypyc takes no surrogate literal
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def redact_headers(headers: Headers) -> dict[str, str]:
    """Never keep credentials in the journal: users paste journals into bug reports."""
    shown = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        shown[name] = "[redacted]" if name in SECRET_HEADERS else raw_value.decode("latin-1")
    return shown


def decode_body(raw: bytes) -> Any:
    """JSON as parsed, anything else as text: always strict JSON once rendered, and UTF-8 can
    carry it (a ``\\ud800`` escape parses to a lone surrogate, shown as U+FFFD; a body with NaN
    or a number a double cannot hold is shown as its text)."""
    if not raw:
        return None
    try:
        # strict UTF-8 first: json.loads(bytes) decodes with "surrogatepass", so CESU-8 bytes
        # (ED A0 80) would come back as lone surrogates
        text = raw.decode("utf-8")
        value = json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", errors="replace")
    if _SURROGATE_ESCAPE.search(raw):  # the only way a lone surrogate gets past json.loads
        value = _without_surrogates(value)
    if strict_json_text(value) is None:  # e.g. an integer a double cannot hold: its text
        return text
    return value


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"{text} does not fit a double")
    return number


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def _headers_size(headers: Headers) -> int:
    size = 0
    for name, value in headers:  # a plain loop: half a generator's cost, on every call
        size += len(name) + len(value)
    return size


def _now() -> float:
    return time.time()  # what datetime.now(UTC).timestamp() gives, at a tenth of its cost


@dataclass(slots=True, init=False)
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
    duration_ms: float | None = None
    """From the request's arrival to its entry, where the server measured it."""
    time: float = field(default_factory=_now)
    id: int = 0
    request_body_size: int | None = None
    """Set by :meth:`Journal.record` when it kept only part of the body: the original size."""
    response_body_size: int | None = None
    cost: int = 0
    """What the entry counts against its journal's budget (set by :meth:`Journal.record`)."""
    raw_path: str | None = None
    """The path as sent (percent-encoded), where it differs from ``path`` decoded."""

    # init=False and __init__ by hand: mypyc compiles this one, not the one dataclasses generates
    # (made once per call, it was a twentieth of the mock's time under load)
    def __init__(
        self,
        session: str,
        vendor: str,
        method: str,
        path: str,
        query: bytes,
        status: int,
        request_headers: Headers,
        request_body: bytes,
        response_headers: Headers,
        response_body: bytes,
        operation: str | None = None,
        rules: list[str] | None = None,
        violations: list[Violation] | None = None,
        warnings: list[Violation] | None = None,
        response_violations: list[Violation] | None = None,
        fault: dict[str, Any] | None = None,
        duration_ms: float | None = None,
        time: float | None = None,
        id: int = 0,
        request_body_size: int | None = None,
        response_body_size: int | None = None,
        cost: int = 0,
        raw_path: str | None = None,
    ) -> None:
        self.session = session
        self.vendor = vendor
        self.method = method
        self.path = path
        self.query = query
        self.status = status
        self.request_headers = request_headers
        self.request_body = request_body
        self.response_headers = response_headers
        self.response_body = response_body
        self.operation = operation
        self.rules = [] if rules is None else rules
        self.violations = [] if violations is None else violations
        self.warnings = [] if warnings is None else warnings
        self.response_violations = [] if response_violations is None else response_violations
        self.fault = fault
        self.duration_ms = duration_ms
        self.time = _now() if time is None else time
        self.id = id
        self.request_body_size = request_body_size
        self.response_body_size = response_body_size
        self.cost = cost
        self.raw_path = raw_path

    def render(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "id": self.id,
            "time": datetime.fromtimestamp(self.time, UTC).isoformat(),
            "session": self.session,
            "vendor": self.vendor,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            **({} if self.raw_path is None or self.raw_path == self.path else {"raw_path": self.raw_path}),
            "query": redact_form(self.query.decode("latin-1")),
            "status": self.status,
            **({} if self.duration_ms is None else {"duration_ms": round(self.duration_ms, 3)}),
            "request": _message(self.request_headers, self.request_body, self.request_body_size),
            "response": _message(self.response_headers, self.response_body, self.response_body_size),
            "rules": list(self.rules),
            "violations": [v.as_dict() for v in self.violations],
            "warnings": [v.as_dict() for v in self.warnings],
            "response_violations": [v.as_dict() for v in self.response_violations],
        }
        if self.fault is not None:  # only on injected answers, so they cannot pass for real ones
            rendered["fault"] = self.fault
        return rendered


def redact_body(value: Any) -> Any:
    """``value`` (a decoded body) with every credential field's value redacted, in JSON objects
    at any depth and in a form body's text."""
    if isinstance(value, dict):
        return {
            k: "[redacted]" if k.lower() in SECRET_FIELDS and v is not None else redact_body(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_body(item) for item in value]
    if isinstance(value, str):
        return _redact_text(value)
    return value


def _redact_text(text: str) -> str:
    """A body kept as text (one the server could not read as JSON or a form, or one the journal
    cut): every value a secret field name introduces is redacted, as JSON (``"client_secret":
    "..."``, an unclosed string included), as a multipart part, or as a form pair."""
    if _SECRET_NAME.search(text):
        text = _JSON_SECRET.sub(lambda m: f"{m[1]}[redacted]{m[3]}", text)
        text = _PART_SECRET.sub(lambda m: f"{m[1]}[redacted]", text)
    return redact_form(text)  # form names are read decoded (client%5Fsecret)


_NAMES = "|".join(sorted(SECRET_FIELDS))
_SECRET_NAME = re.compile(_NAMES, re.IGNORECASE)
_JSON_SECRET = re.compile(rf'("(?:{_NAMES})"\s*:\s*")((?:[^"\\]|\\.)*)("?)', re.IGNORECASE)
_PART_SECRET = re.compile(
    rf'(name="?(?:{_NAMES})"?[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n)([^\r\n]*)', re.IGNORECASE
)


_PAIR = re.compile(r"([^&;=]*)=([^&;]*)")


def redact_form(text: str) -> str:
    """A query string or form body with every credential field's value redacted, and the rest
    as sent. Pairs split on ``;`` as well as ``&``, and names are read decoded
    (``client%5Fsecret``), so that a form the server could not parse keeps no secret either."""
    if "=" not in text:
        return text

    def swap(pair: re.Match[str]) -> str:
        name = unquote_plus(pair.group(1)).strip().lower()
        return f"{pair.group(1)}=[redacted]" if name in SECRET_FIELDS else pair.group(0)

    return _PAIR.sub(swap, text)


def _message(headers: Headers, body: bytes, size: int | None) -> dict[str, Any]:
    shown = {"headers": redact_headers(headers), "body": redact_body(decode_body(body))}
    if size is not None:  # a cut body reads as text: say so, and how long it was
        shown.update(body_truncated=True, body_size=size)
    return shown


class JournalPool:
    """What the journals of one store hold together. Past ``limit`` bytes, ``shed`` (the store's)
    is called with the journal that went over, to empty others until the pool is back under."""

    def __init__(self, limit: int = DEFAULT_POOL_BYTES) -> None:
        self.limit = limit
        self.held = 0
        self.shed: Callable[[Journal], None] | None = None
        self._lock = threading.Lock()

    def add(self, change: int) -> bool:
        """Count ``change`` bytes more (or fewer); True when the pool is over its limit."""
        with self._lock:
            self.held += change
            return self.held > self.limit


@mypyc_attr(native_class=False)  # tests observe its methods by replacing them on an instance
class Journal:
    """A ring buffer: memory stays flat however long the server runs, whatever the bodies."""

    def __init__(
        self,
        size: int,
        body_bytes: int = DEFAULT_BODY_BYTES,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
        pool: JournalPool | None = None,
    ) -> None:
        self._entries: deque[Exchange] = deque(maxlen=max(size, 1))
        self._body_bytes = max(body_bytes, 0)
        self._budget = budget_bytes
        self._pool = pool
        self._held = 0
        """The cost of the entries kept."""
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._last_id = 0
        self.fired: Counter[str] = Counter()
        """How often each rule fired in this session's calls: kept when the journal is cleared or
        its entries fall out, so the dashboard's per-session coverage counts every call."""

    def record(self, exchange: Exchange) -> None:
        limit = self._body_bytes
        if len(exchange.request_body) > limit:
            exchange.request_body_size = len(exchange.request_body)
            exchange.request_body = exchange.request_body[:limit]
        if len(exchange.response_body) > limit:
            exchange.response_body_size = len(exchange.response_body)
            exchange.response_body = exchange.response_body[:limit]
        exchange.cost = (
            len(exchange.request_body)
            + len(exchange.response_body)
            + _headers_size(exchange.request_headers)
            + _headers_size(exchange.response_headers)
            + ENTRY_OVERHEAD
        )
        with self._lock:
            exchange.id = self._last_id = next(self._ids)
            fired = self.fired
            for rule_id in exchange.rules:  # Counter.update's ABC check costs more than the loop
                fired[rule_id] += 1
            entries = self._entries
            before = self._held
            if len(entries) == entries.maxlen:
                self._held -= entries[0].cost  # about to fall out of the ring
            entries.append(exchange)
            self._held += exchange.cost
            while self._held > self._budget and len(entries) > 1:  # the newest always stays
                self._held -= entries.popleft().cost
            pool, change = self._pool, self._held - before
        # outside this journal's lock: shedding takes the others' locks
        if pool is not None and pool.add(change) and pool.shed is not None:
            pool.shed(self)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            kept = list(self._entries)
        return [e.render() for e in kept]

    def since(self, after: int, limit: int) -> list[dict[str, Any]]:
        """The entries with an id above ``after``, oldest first, at most ``limit`` (the newest):
        a poller renders only what is new, not the whole ring."""
        with self._lock:
            # ids grow along the ring: walk back from the newest until the first one seen (a
            # loop: mypyc fails on a lambda in a method of this non-native class)
            kept: list[Exchange] = []
            for entry in reversed(self._entries):
                if entry.id <= after or len(kept) >= limit:
                    break
                kept.append(entry)
        return [e.render() for e in reversed(kept)]

    @property
    def last_id(self) -> int:
        """The id of the latest entry recorded (0 before the first), even if it was cleared since."""
        return self._last_id

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            pool, held, self._held = self._pool, self._held, 0
        if pool is not None:
            pool.add(-held)

    def leave_pool(self) -> None:
        """Stop counting against the pool (the session is gone; a call still finishing may record
        into it, which the pool must not count as held for good)."""
        with self._lock:
            pool, self._pool = self._pool, None
            held = self._held
        if pool is not None:
            pool.add(-held)

    @property
    def held_bytes(self) -> int:
        """What the entries kept count against the budget."""
        return self._held
