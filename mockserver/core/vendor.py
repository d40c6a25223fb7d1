"""The one protocol every vendor module implements, and their discovery.

The core never names a vendor: it imports every module of :mod:`mockserver.vendors`, and each
module exposes ``VENDOR``. A sixth vendor is ``specs/<id>.yaml``, a module and a fixture file.
"""

from __future__ import annotations

import abc
import importlib
import importlib.resources
import json
import pkgutil
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Final

from mypy_extensions import mypyc_attr

from mockserver.core.change import Change
from mockserver.core.faults import fault_violation
from mockserver.core.limits import RateLimit, Throttled
from mockserver.core.plans import Plan
from mockserver.core.records import schema_of, typed
from mockserver.core.renders import Rendering, rendering_problems
from mockserver.core.request_check import Policy
from mockserver.core.rules import RuleRegistry
from mockserver.core.spec import SPECS_DIR
from mockserver.core.store import CollectionSpec, VendorState
from mockserver.core.values import Identity, Reply
from mockserver.core.violations import Code, Violation, pick_answer

FIXTURES_DIR = Path(str(importlib.resources.files("mockserver"))) / "fixtures"
"""Found by the package, not ``__file__``: a module mypyc compiles reads ``__file__`` otherwise."""


@dataclass(frozen=True)
class Sample:
    """Requests that work against the built-in fixtures: for docs, generic tests and benchmarks."""

    path: str
    """The update operation's path (vendor-relative) for a fixture project."""
    body: Mapping[str, Any]
    """A valid update of that project."""
    rejected: Mapping[str, Any]
    """An update of the same project that a business rule rejects."""
    missing_path: str
    """The update path for an id that does not exist."""
    ids: Mapping[str, str] = field(default_factory=dict)
    """Path template -> fixture id, for operations other than the project ones (whitelists...)."""


def token_schema(subject: Mapping[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The record schema of a ``tokens`` collection, as :meth:`Vendor.identify` reads it."""
    permissions = typed("array", items=typed("string"))  # a frozenset of them: hashable names
    subject = typed("string", "null") if subject is None else subject
    return schema_of(("token",), token=typed("string"), subject=subject, permissions=permissions, **extra)


@mypyc_attr(allow_interpreted_subclasses=True)  # a vendor built outside the compiled ones (tests)
class Vendor(abc.ABC):
    """Everything vendor-specific: spec, mount prefix, state shape, rules, errors, handlers."""

    id: ClassVar[str]
    title: ClassVar[str]
    prefix: ClassVar[str]
    """Where the vendor's own paths are mounted, e.g. ``/ruddr/api/workspace``."""
    collections: ClassVar[Mapping[str, CollectionSpec]]
    rules: ClassVar[RuleRegistry]
    sample: ClassVar[Sample]
    fuzz_exclusions: ClassVar[Mapping[str, str]] = {}
    """Schemathesis checks that misread a documented behaviour of this vendor: name -> why."""
    envelope_rule: ClassVar[str | None] = None
    """The rule that documents the vendor's error envelope; it fires with every error answered."""
    reports_all_errors: ClassVar[bool] = True
    """False where the vendor's envelope carries one error only (COR)."""
    validation_status: ClassVar[int] = 400
    """Status of a schema violation in the body (ZEP answers 422, the others 400)."""
    query_status: ClassVar[int] = 400
    """Status of an invalid query parameter (Personio documents 422)."""
    sample_headers: ClassVar[Mapping[str, str]] = {}
    """Headers a valid call needs besides the token (Wethod's tenant headers); tests and docs use them."""
    dynamic_fields: ClassVar[re.Pattern[str] | None] = None
    """Body fields that are documented by pattern rather than by name (Wethod ``metadata_<N>``)."""
    forbidden: ClassVar[Violation] = Violation(403, Code.FORBIDDEN, "The token does not allow this call.")
    """The 403 of a token without the permission a plan names (GEN-6), in the vendor's words."""
    rate_limit: ClassVar[RateLimit | None] = None
    """The rate limit the vendor documents for these endpoints, enforced with ``--rate-limits``;
    None where it documents none (a limit known only from a community SDK is not documented)."""

    @property
    def spec_path(self) -> Path:
        return SPECS_DIR / f"{self.id}.yaml"

    @property
    def fixture_path(self) -> Path:
        return FIXTURES_DIR / f"{self.id}.json"

    def load_fixtures(self, directory: Path | None = None) -> Any:
        """The fixture document as parsed; the store checks its shape (it may be no object)."""
        path = (directory / f"{self.id}.json") if directory else self.fixture_path
        if directory and not path.exists():
            path = self.fixture_path
        elif directory and not path.resolve().is_relative_to(directory.resolve()):
            # a link pointing elsewhere would read files the user never meant to serve
            raise ValueError(f"fixture file {path} resolves outside {directory}")
        return json.loads(path.read_text(encoding="utf-8"))

    @abc.abstractmethod
    def operations(self) -> Mapping[str, Plan]:
        """The plan of every operationId of the vendor's spec (``core.pipeline`` reads it once)."""

    def order_errors(self, change: Change, violations: list[Violation]) -> list[Violation]:
        """The order in which the envelope lists a write's rejected fields: as the checks found
        them, unless the vendor documents or shows another (the body's order, its own)."""
        return violations

    def timestamp(self, now: datetime) -> str:
        """``now`` as the vendor writes a plan's ``stamp`` field; ISO 8601 UTC with milliseconds
        unless it writes another form."""
        n = now  # by hand: strftime costs several µs; %, compiled, a third of an f-string's specs
        fields = (n.year, n.month, n.day, n.hour, n.minute, n.second, n.microsecond // 1000)
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % fields  # noqa: UP031

    @property
    def request_policy(self) -> Policy:
        """What ``core.request_check`` needs to know of the vendor (made once per vendor: a
        cached_property would be recomputed on every read once mypyc compiles this module)."""
        policy = _POLICIES.get(self)
        if policy is None:
            policy = _POLICIES[self] = Policy(self.query_status, self.validation_status, self.decode_body)
        return policy

    def decode_body(self, body: Any) -> Any:
        """The parsed body as the vendor reads it, before any validation: the identity, unless a
        vendor documents a conversion (Ruddr's empty strings become null, RUD-11)."""
        return body

    def answer(self, violations: Sequence[Violation]) -> list[Violation]:
        """Which of a rejection's violations one response reports (GEN-5): by default all those
        of the lowest status; a vendor whose envelope holds one error reports the first."""
        chosen = pick_answer(list(violations))
        return chosen if self.reports_all_errors else chosen[:1]

    @abc.abstractmethod
    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        """Render violations (all of one status) in the vendor's documented error envelope."""

    def fault_reply(self, status: int, now: datetime) -> Reply:
        """The answer to an injected error ``status`` (``mockserver.core.faults``): by default the
        vendor's envelope around the closest violation; vendors override it where they document
        more (a 429's retry header, a literal body)."""
        return self.format_errors([fault_violation(status)], now)

    def throttled_reply(self, throttled: Throttled, now: datetime) -> Reply:
        """The answer to a call over :attr:`rate_limit` (``--rate-limits``): the vendor's 429, with
        ``Retry-After`` saying the whole seconds until a call is accepted again. A vendor whose
        429 says more about the window (ZEP's ``X-RateLimit-*``) overrides it."""
        reply = self.fault_reply(429, now)
        kept = {name: value for name, value in reply.headers.items() if name.lower() != "retry-after"}
        reply.headers = {**kept, "Retry-After": str(throttled.retry_after)}
        return reply

    def renders(self, state: VendorState) -> Iterable[Rendering]:
        """Every value the vendor's reads would answer for the records of ``state``; the store
        runs them (:meth:`render_problems`) on a state document before adopting it."""
        return ()

    def render_problems(self, state: VendorState, limit: int) -> list[str]:
        """A record the store accepts must be renderable by every read: each rendering runs,
        is strict JSON (GEN-13) and fits its schema in the spec (at most ``limit`` problems)."""
        return rendering_problems(self.renders(state), self.spec_path, limit)

    def identify(self, token: str, state: VendorState) -> Identity | None:
        """Tokens live in the vendor's ``tokens`` collection (GEN-8)."""
        record = state["tokens"].get(token)
        if record is None:
            return None
        held = _IDENTITIES.get(token)
        if held is not None and held.record is record:  # the same stored token record: reuse
            return held
        if len(_IDENTITIES) >= _IDENTITIES_KEPT:  # minted tokens must not grow it without bound
            _IDENTITIES.clear()
        identity = _IDENTITIES[token] = Identity(
            token=token,
            subject=record.get("subject"),
            permissions=frozenset(record.get("permissions", ())),
            record=record,
        )
        return identity


_IDENTITIES: Final[dict[str, Identity]] = {}
"""Identities by token, kept while their token record is the one stored (a record is replaced,
never changed in place, so a changed token is a new record): built once, not on every call."""
_IDENTITIES_KEPT: Final = 1024


_POLICIES: Final[dict[Vendor, Policy]] = {}


def discover_vendors(names: Sequence[str] | None = None) -> dict[str, Vendor]:
    """Every vendor module in :mod:`mockserver.vendors` (or just ``names``), by id.

    A vendor's module is named after its id, so asking for some imports only those: startup
    time is a target, and each module reads its spec.
    """
    from mockserver import vendors

    available = sorted(i.name for i in pkgutil.iter_modules(vendors.__path__) if not i.name.startswith("_"))
    if names:
        unknown = sorted(set(names) - set(available))
        if unknown:
            raise ValueError(f"unknown vendor(s) {unknown}; available: {available}")
        available = [n for n in available if n in names]
    found: dict[str, Vendor] = {}
    for name in available:
        vendor: Vendor = importlib.import_module(f"{vendors.__name__}.{name}").VENDOR
        found[vendor.id] = vendor
    return found


def as_vendor(vendor: Vendor | str) -> Vendor:
    """``vendor`` itself, or the vendor of that id: the toolkit's public functions take either
    (ValueError for an unknown id, naming the available ones)."""
    return discover_vendors([vendor])[vendor] if isinstance(vendor, str) else vendor
