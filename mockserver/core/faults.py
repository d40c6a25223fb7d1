"""Fault injection: the unpleasant answers a client must survive, as data.

A :class:`Fault` says which calls it hits (vendor, method, a glob on the vendor-relative path)
and what happens to them: a documented error status in the vendor's own envelope, latency, a
connection reset, a truncated body, or a spec-valid adversarial answer (``fuzz``). A session's
faults live in its :class:`FaultBook` (set through ``/__admin/faults``); one request can carry
its own in the ``X-Mock-Fault`` header (:func:`parse_fault_header`). The web layer carries them
out (``mockserver.web.faults``); nothing here knows about sockets or a framework.

Faults are test set-up, not state: ``--store sqlite:`` does not save them, and a session reset
clears them.

A fault is checked whole when it is made, so that what is stored can always be carried out: a
status the server can send as a final answer (200-599; 204 and 304 without a body), headers that
fit on the wire and leave the framing to the server, JSON that UTF-8 can carry. The admin API
stores at most :data:`MAX_FAULTS` per session, since every call of the session looks through them.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from mockserver.config import DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS
from mockserver.core.strict import has_lone_surrogate
from mockserver.core.values import NO_BODY
from mockserver.core.violations import Code, Violation

__all__ = [
    "ACTIONS",
    "MAX_FAULTS",
    "MAX_LATENCY_MS",
    "RETRY_AFTER_SECONDS",
    "UNSET",
    "Fault",
    "FaultBook",
    "FaultError",
    "FaultLimitError",
    "fault_from_json",
    "fault_violation",
    "parse_fault_header",
]

ACTIONS = ("status", "latency", "reset", "truncate", "fuzz")
MAX_LATENCY_MS = 60_000
"""A fault never holds a connection (and the test waiting on it) longer than a minute."""
MAX_FAULTS = 100
"""Faults one session holds through the admin API: each call of the session is matched against
them in order, so thousands would slow every call down."""
MAX_PATH_LENGTH = 2048
RETRY_AFTER_SECONDS = 1
"""What an injected 429 tells the client to wait where the vendor documents no wait (ZEP's says
its documented 60 s block, ``Vendor.rate_limit``); a fault's own ``headers`` override either."""

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_HEADER_VALUE_BAD = re.compile("[^\t\x20-\x7e\x80-\xff]")
"""What a header value cannot hold: control characters (NUL, CR, LF, ...) and anything past
Latin-1, the only characters the server can encode (uvicorn refuses the controls mid-answer)."""
_SERVER_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "trailer", "te"}
)
"""Headers that frame the answer or manage the connection: the server's to set (RFC 9110 7.6.1);
a fault that changed them would break the framing of every later answer on the connection."""
_STAMPED = frozenset({"date", "server"})
"""Headers the server puts on every answer (uvicorn's defaults): a fault's own would be a second
one beside them, not a replacement."""
_NO_CONTENT = (204, 304)
"""Statuses that end at the headers: a client reads no body after them."""
_METHOD = re.compile(r"^[A-Za-z]+$")
_DIGITS = re.compile(r"-?[0-9]{1,18}")
_TOO_MANY_DIGITS = re.compile(r"-?[0-9]{19,}")
"""An integer all the same: its message says the limit, not that it is no integer."""
_FIELDS = ("vendor", "method", "path", "action", "status", "body", "headers", "latency_ms", "seed", "times")


class FaultError(ValueError):
    """A fault that cannot be stored: the message for the person who wrote it, and the field it is
    about (``None`` when no one field is to blame), so a form can point at it."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""``Fault.body`` when the fault brings no canned body (``None`` is a canned JSON ``null``)."""


@dataclass(frozen=True)
class Fault:
    """One injected behaviour and the calls it applies to. Invalid combinations raise ValueError
    with a message meant for the person who wrote the fault."""

    vendor: str | None = None
    """``None``: any vendor."""
    method: str | None = None
    """``None``: any method; compared upper-case."""
    path: str | None = None
    """An ``fnmatch`` glob on the vendor-relative path (``/v2/projects/*``); ``None``: any path."""
    action: str = "status"
    """One of :data:`ACTIONS`."""
    status: int | None = None
    """``status``: the status to answer (required); ``fuzz``: the documented status to generate."""
    body: Any = UNSET
    """``status``: answer exactly this JSON body (a canned answer) instead of the vendor's."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra response headers (they win over the vendor's, e.g. a longer ``Retry-After``)."""
    latency_ms: tuple[int, int] | None = None
    """Wait this long before answering: ``(n, n)`` fixed, ``(lo, hi)`` uniformly random."""
    seed: int | None = None
    """``fuzz``: the seed that makes the generated answers reproducible."""
    times: int | None = None
    """How many matching calls it applies to; ``None``: until removed."""
    id: str = ""
    """Assigned by :meth:`FaultBook.add`."""
    pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    """``path`` compiled, once per fault (a process-wide cache would grow with every glob posted)."""

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem is not None:
            raise problem
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())
        object.__setattr__(self, "headers", dict(self.headers))  # a private copy: the fault is frozen
        if self.latency_ms is not None:
            object.__setattr__(self, "latency_ms", tuple(self.latency_ms))
        # fnmatch semantics: `*` also crosses `/` (set either way: mypyc, which compiles this
        # module, gives an init=False field no default)
        pattern = None if self.path is None else re.compile(fnmatch.translate(self.path))
        object.__setattr__(self, "pattern", pattern)
        if self.action == "status" and self.status in _NO_CONTENT and not self.has_body:
            object.__setattr__(self, "body", NO_BODY)  # answered as it is: status and headers

    @property
    def has_body(self) -> bool:
        return self.body is not UNSET

    def matches(self, vendor: str, method: str, path: str) -> bool:
        return (
            (self.vendor is None or self.vendor == vendor)
            and (self.method is None or self.method == method.upper())
            and (self.pattern is None or self.pattern.fullmatch(path) is not None)
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; ``body`` only when the fault has one (a planned 204 has ``NO_BODY``)."""
        shown: dict[str, Any] = {
            "id": self.id,
            "vendor": self.vendor,
            "method": self.method,
            "path": self.path,
            "action": self.action,
            "status": self.status,
            "headers": dict(self.headers),
            "latency_ms": list(self.latency_ms) if self.latency_ms is not None else None,
            "seed": self.seed,
            "times": self.times,
        }
        if self.has_body and self.body is not NO_BODY:
            shown["body"] = self.body
        return shown


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _problem(fault: Fault) -> FaultError | None:
    action, status = fault.action, fault.status
    if action not in ACTIONS:
        return FaultError("action", f"action must be one of {', '.join(ACTIONS)}, not {_excerpt(action)}")
    for name in ("vendor", "method", "path"):
        value = getattr(fault, name)
        if value is not None and (not isinstance(value, str) or not value):
            return FaultError(name, f"{name} must be a non-empty string or null, not {_excerpt(value)}")
        if value is not None and has_lone_surrogate(value):
            return FaultError(
                name, f"{name} holds a lone UTF-16 surrogate, which no request can carry: {_excerpt(value)}"
            )
    if fault.method is not None and not _METHOD.fullmatch(fault.method):
        return FaultError(
            "method", f"method must be an HTTP method such as PATCH, not {_excerpt(fault.method)}"
        )
    if fault.path is not None and len(fault.path) > MAX_PATH_LENGTH:
        return FaultError(
            "path", f"path must be a glob of at most {MAX_PATH_LENGTH} characters, not {len(fault.path)}"
        )
    if status is not None and (not _is_int(status) or not 200 <= status <= 599):
        interim = _is_int(status) and 100 <= status <= 199
        why = " (a 1xx is an interim answer: the server's to send, never a final one)" if interim else ""
        return FaultError(
            "status", f"status must be an HTTP status code (200-599), not {_excerpt(status)}{why}"
        )
    if action == "status" and status is None:
        return FaultError("status", "action 'status' needs a status, e.g. 429")
    return _body_problem(fault) or _rest_problem(fault)


def _body_problem(fault: Fault) -> FaultError | None:
    status = fault.status
    if fault.action != "status" or status is None:
        return None
    if status in _NO_CONTENT:
        if fault.has_body and fault.body is not NO_BODY:
            return FaultError(
                "body", f"status {status} ends at the headers: leave the body out (a client reads none)"
            )
        return None
    if not fault.has_body and status < 400:
        return FaultError(
            "body",
            f"status {status} has no vendor error body: give a canned body, or a status from 400 to 599",
        )
    if fault.has_body and fault.body is not NO_BODY:
        try:
            json.dumps(fault.body, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except UnicodeEncodeError:
            return FaultError("body", "body holds a lone UTF-16 surrogate, which JSON text cannot carry")
        except (ValueError, TypeError, RecursionError) as exc:
            return FaultError("body", f"body must be JSON the server can send ({exc})")
    return None


def _rest_problem(fault: Fault) -> FaultError | None:
    action, status = fault.action, fault.status
    if action in ("latency", "reset", "truncate") and status is not None:
        return FaultError(
            "status",
            f"status does not go with action {_excerpt(action)} (use action 'status' with latency_ms)",
        )
    if action != "status" and fault.has_body:
        return FaultError("body", f"a canned body goes with action 'status' only, not {_excerpt(action)}")
    if fault.seed is not None and (action != "fuzz" or not _is_int(fault.seed)):
        return FaultError("seed", "seed must be an integer, and goes with action 'fuzz' only")
    if fault.seed is not None and not -(2**63) <= fault.seed < 2**63:
        return FaultError("seed", f"seed must fit in 64 bits, not {fault.seed}")
    if fault.times is not None and (not _is_int(fault.times) or not 1 <= fault.times < 2**63):
        return FaultError(
            "times",
            f"times must be a positive 64-bit integer or null (until removed), not {_excerpt(fault.times)}",
        )
    return _latency_problem(fault) or _headers_problem(fault.headers)


def _latency_problem(fault: Fault) -> FaultError | None:
    latency = fault.latency_ms
    if latency is None:
        return (
            FaultError("latency_ms", "action 'latency' needs latency_ms")
            if fault.action == "latency"
            else None
        )
    if not isinstance(latency, tuple | list) or len(latency) != 2 or not all(_is_int(v) for v in latency):
        return FaultError("latency_ms", f"latency_ms must be two integers (lo, hi), not {_excerpt(latency)}")
    low, high = latency
    if not 0 <= low <= high <= MAX_LATENCY_MS:
        return FaultError(
            "latency_ms", f"latency_ms must satisfy 0 <= lo <= hi <= {MAX_LATENCY_MS}, not {low}-{high}"
        )
    return None


def _headers_problem(headers: Any) -> FaultError | None:
    if not isinstance(headers, Mapping):
        return FaultError(
            "headers", f"headers must be an object of header names to strings, not {_excerpt(headers)}"
        )
    if len(headers) > DEFAULT_MAX_HEADERS:  # what the server accepts of a request, at most
        return FaultError("headers", f"headers: at most {DEFAULT_MAX_HEADERS}, not {len(headers)}")
    size = sum(len(str(name)) + len(str(value)) + 4 for name, value in headers.items())
    if size > DEFAULT_MAX_HEADER_BYTES:
        return FaultError("headers", f"headers: at most {DEFAULT_MAX_HEADER_BYTES} bytes in all, not {size}")
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            return FaultError("headers", f"headers: {_excerpt(name)} is not a valid header name")
        if name.lower() in _SERVER_HEADERS:
            return FaultError(
                "headers",
                f"headers: {name} is the server's to set (it frames the answer or manages the"
                " connection); use action 'truncate' for a cut body, 'reset' for a dropped connection",
            )
        if name.lower() in _STAMPED:
            return FaultError(
                "headers",
                f"headers: {name} is set by the server on every answer; a fault's would be sent"
                " beside it as a second one, not instead of it",
            )
        if not isinstance(value, str):
            return FaultError(
                "headers", f"headers: the value of {name} must be a string, not {_excerpt(value)}"
            )
        bad = _HEADER_VALUE_BAD.search(value)
        if bad:
            char = bad.group()
            return FaultError(
                "headers",
                f"headers: the value of {name} holds {char!r} (U+{ord(char):04X}), which a header"
                " cannot carry: Latin-1 text without line breaks or control characters only",
            )
    return None


# -- the JSON of POST /__admin/faults ----------------------------------------------------------
def fault_from_json(data: Any) -> Fault:
    """A fault from the admin API's JSON body; ValueError names the field that is wrong."""
    if not isinstance(data, Mapping):
        raise FaultError(None, "the fault must be a JSON object")
    if "id" in data:
        raise FaultError("id", "id is assigned by the server; leave it out")
    unknown = sorted(_shown(str(name))[:40] for name in set(data) - set(_FIELDS))
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise FaultError(
            None, f"unknown field(s) {', '.join(unknown[:5])}{more}; known: {', '.join(_FIELDS)}"
        )
    values = {name: data[name] for name in _FIELDS if name in data and name != "latency_ms"}
    if "action" in values and not isinstance(values["action"], str):
        raise FaultError(
            "action", f"action must be one of {', '.join(ACTIONS)}, not {_excerpt(values['action'])}"
        )
    if "headers" in values and values["headers"] is None:
        values["headers"] = {}
    latency = data.get("latency_ms")
    if _is_int(latency):
        values["latency_ms"] = (latency, latency)
    elif isinstance(latency, list) and len(latency) == 2:
        values["latency_ms"] = tuple(latency)
    elif latency is not None:
        raise FaultError(
            "latency_ms",
            f"latency_ms must be a whole number of milliseconds or [lo, hi], not {_excerpt(latency)}",
        )
    return Fault(**values)


def _shown(text: str) -> str:
    """``text`` for a message, a lone surrogate escaped: the message must itself be JSON."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# -- the X-Mock-Fault header -------------------------------------------------------------------
_FLAGS = ("reset", "truncate", "fuzz")
_VALUED = ("status", "latency", "seed")
_HEADER_SYNTAX = "status=CODE, latency=MS or latency=LO-HI, reset, truncate, fuzz, seed=N"


def parse_fault_header(value: str) -> Fault:
    """``X-Mock-Fault: status=429``, ``latency=100-500``, ``fuzz;seed=7;status=200``: ``;``-separated
    items. ValueError says precisely what is wrong (the mock answers it as the vendor's 400)."""
    try:
        return _parse_header(value)
    except ValueError as exc:
        raise ValueError(f"X-Mock-Fault: {exc}") from None


def _parse_header(value: str) -> Fault:
    seen: dict[str, str] = {}
    for item in (part.strip() for part in value.split(";")):
        if not item:
            continue
        name, equals, raw = (s.strip() for s in item.partition("="))
        name = name.lower()
        if name not in _FLAGS and name not in _VALUED:
            raise ValueError(f"unknown item {_excerpt(item)}; expected {_HEADER_SYNTAX}")
        if name in seen:
            raise ValueError(f"{name!r} is given twice")
        if name in _FLAGS and equals:
            raise ValueError(f"{name!r} takes no value")
        if name in _VALUED and not raw:
            raise ValueError(
                f"{_excerpt(name)} needs a value, e.g. {name}={'100-500' if name == 'latency' else 429}"
            )
        seen[name] = raw
    if not seen:
        raise ValueError(f"the header is empty; expected {_HEADER_SYNTAX}")
    flags = [name for name in _FLAGS if name in seen]
    if len(flags) > 1:
        raise ValueError(f"choose one of reset, truncate, fuzz, not {' and '.join(flags)}")
    action = flags[0] if flags else ("status" if "status" in seen else "latency")
    return Fault(
        action=action,
        status=_integer("status", seen["status"]) if "status" in seen else None,
        latency_ms=_latency(seen["latency"]) if "latency" in seen else None,
        seed=_integer("seed", seen["seed"]) if "seed" in seen else None,
    )


def _integer(name: str, raw: str) -> int:
    # ASCII digits only: int() would also take "4_29", " 429" and other scripts' digits
    if not _DIGITS.fullmatch(raw):
        if _TOO_MANY_DIGITS.fullmatch(raw):
            raise ValueError(f"{name} must be an integer of at most 18 digits, not {_excerpt(raw)}")
        raise ValueError(f"{name} must be an integer, not {_excerpt(raw)}")
    return int(raw)


def _latency(raw: str) -> tuple[int, int]:
    low, dash, high = raw.partition("-")
    parts = (low, high) if dash else (raw, raw)
    if not all(_DIGITS.fullmatch(part) and not part.startswith("-") for part in parts):
        if any(_TOO_MANY_DIGITS.fullmatch(part) for part in parts):
            raise ValueError(f"latency must be at most 18 digits of milliseconds, not {_excerpt(raw)}")
        raise ValueError(f"latency must be milliseconds (200) or a range (100-500), not {_excerpt(raw)}")
    return int(parts[0]), int(parts[1])


def _excerpt(value: Any) -> str:
    """``repr(value)``, cut short: a message quotes the input, never the whole of it (and the
    repr escapes a lone surrogate, so the message stays JSON)."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:60] + "..."


# -- a session's faults ------------------------------------------------------------------------
@dataclass
class _Entry:
    fault: Fault
    remaining: int | None
    served: int = 0


class FaultLimitError(ValueError):
    """The session already holds as many faults as it may."""


class FaultBook:
    """A session's faults in insertion order; thread-safe.

    ``active`` is false while the book is empty, so a call without faults costs the middleware
    one attribute read.
    """

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.active = False

    def add(self, fault: Fault, *, limit: int | None = None) -> Fault:
        """Store ``fault`` last; returns it with its id. With ``limit`` (the admin API's
        :data:`MAX_FAULTS`) a book already that full refuses it with :class:`FaultLimitError`."""
        with self._lock:
            if limit is not None and len(self._entries) >= limit:
                raise FaultLimitError(
                    f"this session already holds {len(self._entries)} faults, the most it may"
                    f" ({limit}); remove some (DELETE /__admin/faults/ID or DELETE /__admin/faults)"
                )
            stored = Fault(**{**_fields(fault), "id": str(next(self._ids))})
            self._entries.append(_Entry(stored, stored.times))
            self.active = True
        return stored

    def __len__(self) -> int:
        return len(self._entries)

    def list(self) -> list[dict[str, Any]]:
        """JSON-ready, each with ``remaining`` (``None``: until removed) and ``served`` calls."""
        with self._lock:
            return [
                {**e.fault.as_dict(), "remaining": e.remaining, "served": e.served} for e in self._entries
            ]

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            kept = [e for e in self._entries if e.fault.id != fault_id]
            removed = len(kept) != len(self._entries)
            self._entries = kept
            self.active = bool(kept)
        return removed

    def clear(self) -> None:
        with self._lock:
            self._entries = []
            self.active = False

    def take(self, vendor: str, method: str, path: str) -> Fault | None:
        """The first fault matching this call, in insertion order; it consumes one of its
        ``times`` and is dropped once exhausted."""
        taken = self.take_counted(vendor, method, path)
        return taken[0] if taken is not None else None

    def take_counted(self, vendor: str, method: str, path: str) -> tuple[Fault, int] | None:
        """:meth:`take`, plus how many calls the fault answered before this one (a ``fuzz``
        fault generates a different answer for each)."""
        with self._lock:
            for entry in self._entries:
                if entry.fault.matches(vendor, method, path):
                    served = entry.served
                    entry.served += 1
                    if entry.remaining is not None:
                        entry.remaining -= 1
                        if entry.remaining == 0:
                            self._entries.remove(entry)
                            self.active = bool(self._entries)
                    return entry.fault, served
        return None


def _fields(fault: Fault) -> dict[str, Any]:
    return {name: getattr(fault, name) for name in (*_FIELDS, "id")}


# -- what a vendor answers to an injected status -----------------------------------------------
_CODES = {
    400: Code.INVALID,
    401: Code.UNAUTHORIZED,
    403: Code.FORBIDDEN,
    404: Code.NOT_FOUND,
    405: Code.METHOD_NOT_ALLOWED,
    409: Code.CONFLICT,
    412: Code.PRECONDITION,
    413: Code.TOO_LARGE,
    415: Code.UNSUPPORTED_MEDIA_TYPE,
    422: Code.INVALID,
    429: Code.RATE_LIMITED,
    500: Code.INTERNAL,
}


def fault_violation(status: int) -> Violation:
    """The violation a vendor's formatter renders for an injected ``status``: the code closest to
    it and the HTTP reason phrase, which formatters replace with the vendor's wording."""
    code = _CODES.get(status, Code.UNAVAILABLE if status >= 500 else Code.INVALID)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return Violation(status, code, phrase)
