"""The value types a request turns into: what the web layer hands the core (``Incoming``) and
what the core answers (``Reply``, ``Outcome``). They import nothing above them, so every layer
can use them without an import cycle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, quote, urlencode

from mockserver.core.violations import Violation

if TYPE_CHECKING:
    from mockserver.core.schema import BodySchema


class _NoBody:
    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY: Final[Any] = _NoBody()


@dataclass(frozen=True)
class Identity:
    """Who is calling: built from the vendor's ``tokens`` collection (GEN-8)."""

    token: str
    subject: Any = None
    permissions: frozenset[str] = frozenset()
    record: Mapping[str, Any] = field(default_factory=dict)

    def can(self, permission: str) -> bool:
        return permission in self.permissions


@dataclass(init=False)
class Reply:
    status: int
    body: Any = NO_BODY
    """A JSON value; ``bytes`` are JSON already encoded (no JSON value is ``bytes``), so a
    large answer can be encoded off the event loop."""
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"

    # init=False and __init__ by hand: mypyc compiles this one, not the one dataclasses generates
    # (made once per call, it was a twentieth of the mock's time under load)
    def __init__(
        self,
        status: int,
        body: Any = NO_BODY,
        headers: dict[str, str] | None = None,
        media_type: str = "application/json",
    ) -> None:
        self.status = status
        self.body = body
        self.headers = {} if headers is None else headers
        self.media_type = media_type


@dataclass(init=False)
class Incoming:
    """A routed and checked request, as the web layer (the mock, the proxy, a test) hands it to
    the core."""

    method: str
    path: str
    path_params: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    body_schema: BodySchema | None = None
    param_violations: list[Violation] = field(default_factory=list)
    body_violations: list[Violation] = field(default_factory=list)
    identity: Identity | None = None
    link_base: str = ""
    """Where the client's URL starts, up to ``path``: scheme, Host and the session prefix the
    web layer stripped (``http://h:8000/__session/NAME``), so paging links lead back here."""
    query_string: str = ""
    """The query as the client sent it (``query`` holds the parsed, documented values)."""
    unknown_params: list[Violation] = field(default_factory=list)
    """Query parameters the operation does not document (GEN-7)."""

    # init=False and __init__ by hand: mypyc compiles this one, not the one dataclasses generates
    # (made once per call, it was a twentieth of the mock's time under load)
    def __init__(
        self,
        method: str,
        path: str,
        path_params: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        has_body: bool = False,
        body_schema: BodySchema | None = None,
        param_violations: list[Violation] | None = None,
        body_violations: list[Violation] | None = None,
        identity: Identity | None = None,
        link_base: str = "",
        query_string: str = "",
        unknown_params: list[Violation] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.path_params = {} if path_params is None else path_params
        self.query = {} if query is None else query
        self.headers = {} if headers is None else headers
        self.body = body
        self.has_body = has_body
        self.body_schema = body_schema
        self.param_violations = [] if param_violations is None else param_violations
        self.body_violations = [] if body_violations is None else body_violations
        self.identity = identity
        self.link_base = link_base
        self.query_string = query_string
        self.unknown_params = [] if unknown_params is None else unknown_params

    def link(self, changes: Mapping[str, Any], safe: str = ",") -> str:
        """The URL of this request with the query parameters in ``changes`` set (or removed, for
        None) in place, every other parameter kept as sent: a paging link reproduces the request."""
        pairs = [(k, v) for k, v in parse_qsl(self.query_string, keep_blank_values=True) if k not in changes]
        pairs += [(k, str(v)) for k, v in changes.items() if v is not None]
        query = urlencode(pairs, safe=safe, quote_via=quote)
        return f"{self.link_base}{self.path}" + (f"?{query}" if query else "")


@dataclass(init=False)
class Outcome:
    """A request's answer, with what the journal records of it."""

    reply: Reply
    fired: list[str]
    violations: list[Violation]
    warnings: list[Violation]
    operation: str | None = None

    # init=False and __init__ by hand: mypyc compiles this one, not the one dataclasses generates
    # (made once per call, it was a twentieth of the mock's time under load)
    def __init__(
        self,
        reply: Reply,
        fired: list[str],
        violations: list[Violation],
        warnings: list[Violation],
        operation: str | None = None,
    ) -> None:
        self.reply = reply
        self.fired = fired
        self.violations = violations
        self.warnings = warnings
        self.operation = operation
