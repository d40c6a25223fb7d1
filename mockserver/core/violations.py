"""The one structured record that flows from validators and rules to a vendor's formatter."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class Phase(enum.IntEnum):
    """Order in which checks run (GEN-6). The first phase that finds a violation answers."""

    AUTH = 10
    HEADERS = 20
    TARGET = 30
    PERMISSION = 40
    SCHEMA = 50
    BUSINESS = 60


class Code(enum.StrEnum):
    """Machine-readable kinds of violation; formatters choose wording and envelope from these."""

    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    ROUTE_NOT_FOUND = "route_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    BAD_JSON = "bad_json"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    TOO_LARGE = "too_large"
    """413: the body is over the limit."""
    HEADERS_TOO_LARGE = "headers_too_large"
    """431: the request line and headers are over the limit, in bytes or in number."""
    SCHEMA = "schema"
    UNKNOWN_FIELD = "unknown_field"
    DUPLICATE = "duplicate"
    REFERENCE = "reference"
    DATE_RANGE = "date_range"
    PRECONDITION = "precondition"
    CONFLICT = "conflict"
    INVALID = "invalid"
    TOO_MANY = "too_many"
    """GEN-5's last entry when a request holds more problems than one answer reports."""
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal"
    UNAVAILABLE = "unavailable"
    """A 5xx other than 500 (502, 503): a gateway or a server that is down, not a crash."""
    UPSTREAM = "upstream"
    """The validation proxy could not reach the upstream API, or it did not answer in time."""


@dataclass(init=False)
class Violation:
    """One problem with a request; treated as immutable (no code assigns to a field after
    ``__init__``: ``with_rule`` and ``dataclasses.replace`` make a new one).

    ``field`` is a dotted path into the body (``start.date``), or a parameter/header name when
    ``location`` says so. ``keyword`` is the JSON Schema keyword for schema violations.
    ``params`` carries the data a formatter needs to word the message in the vendor's dialect.
    """

    status: int
    code: Code
    message: str
    field: str | None = None
    rule: str | None = None
    location: str = "body"
    keyword: str | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    # __init__ by hand, not frozen: mypyc compiles this one, while a frozen dataclass's generated
    # one stays interpreted and sets each of the eight fields through object.__setattr__ (about
    # 1 µs, twice on every rejected call)
    def __init__(
        self,
        status: int,
        code: Code,
        message: str,
        field: str | None = None,
        rule: str | None = None,
        location: str = "body",
        keyword: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.rule = rule
        self.location = location
        self.keyword = keyword
        self.params = {} if params is None else params

    def with_rule(self, rule_id: str) -> Violation:
        # built directly: dataclasses.replace introspects the fields on every call
        v = self
        return Violation(v.status, v.code, v.message, v.field, rule_id, v.location, v.keyword, v.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": str(self.code),
            "message": self.message,
            "field": self.field,
            "rule": self.rule,
            "location": self.location,
            "keyword": self.keyword,
        }


class Rejection(Exception):  # noqa: N818 - it is a control-flow signal, not an error of ours
    """Raised inside a request to stop it with the given violations (nothing is committed)."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(violations[0].message if violations else "rejected")
        self.violations = violations


def pick_answer(violations: list[Violation]) -> list[Violation]:
    """Choose what one response reports when a phase found several problems (GEN-5).

    The lowest status wins (a 400 is the client's to fix before a 409/412/422 matters), and
    every violation that shares that status is reported together.
    """
    status = min(v.status for v in violations)
    return [v for v in violations if v.status == status]
