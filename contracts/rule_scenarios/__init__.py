"""Executable rule scenarios: each catalog rule, as data, runnable against any base URL.

The module named after a vendor's id (``contracts/rule_scenarios/<id>.py``) lists its
``SCENARIOS``; :func:`scenarios_for` finds them. :mod:`contracts.scenarios` runs them against the
mock (arranging ``given`` state through the admin API, one private session per scenario) or
against another target (arranging state through the vendor's own API with ``setup`` calls and
skipping, with a reason, what needs admin powers). They are the toolkit's oracle of the rules, so
the runtime package does not ship them and they never read the wording from the vendor modules.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TOKEN = "test-token"


@dataclass(frozen=True)
class Call:
    """One HTTP request, vendor-relative (``/v2/projects/1001``), with what must come back."""

    method: str
    path: str
    body: Any = None
    token: str | None = DEFAULT_TOKEN
    headers: Mapping[str, str] = field(default_factory=dict)
    drop_headers: tuple[str, ...] = ()
    """Headers the vendor normally needs (``Vendor.sample_headers``) to leave out of this call."""
    status: int | None = None
    """The expected status; ``None`` accepts any 2xx (setup calls)."""
    expect: Any = None
    """A subset of the expected JSON body: dicts match key by key, lists item by item."""
    raw: bytes | None = None
    """A raw body to send instead of ``body`` (malformed JSON and the like)."""
    save: Mapping[str, str] = field(default_factory=dict)
    """Names for values of the answer (name -> dotted path, e.g. ``{"project": "id"}``); later
    calls use them as ``{project}`` in their path and string body values."""


@dataclass(frozen=True)
class Scenario:
    """A rule, shown by one request (after optional arrangement) and its documented answer."""

    rule: str
    title: str
    call: Call
    given: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    """Records to put into collections (by id) before the call: needs the admin API."""
    setup: tuple[Call, ...] = ()
    """Vendor API calls that arrange state portably (run before ``call``)."""
    then: tuple[Call, ...] = ()
    """Follow-up calls whose answers prove the effect (e.g. a read showing the change)."""
    unchanged: bool | None = None
    """Whether the state must be exactly as before (default: when ``call`` is rejected)."""
    admin_only: bool = False
    """Needs the mock's fixtures beyond ``test-token`` (narrower tokens, fixture ids)."""

    @property
    def expects_rejection(self) -> bool:
        return self.call.status is not None and self.call.status >= 400

    @property
    def needs_admin(self) -> bool:
        return bool(self.given) or self.admin_only

    @property
    def must_leave_state_unchanged(self) -> bool:
        return self.expects_rejection if self.unchanged is None else self.unchanged


class _Anything:
    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Anything()
"""In an ``expect``: the key must be there, with any value."""


def matches(expected: Any, actual: Any) -> bool:
    """Subset match: every key of an expected dict, every item of an expected list."""
    if expected is ANY:
        return True
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and matches(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)


@functools.cache
def scenarios_for(vendor_id: str) -> tuple[Scenario, ...]:
    """The scenarios of the vendor ``vendor_id``; none when it has no module here yet (the
    scenario tests then name every rule left without one)."""
    name = f"{__name__}.{vendor_id}"
    if importlib.util.find_spec(name) is None:
        return ()
    scenarios: tuple[Scenario, ...] = importlib.import_module(name).SCENARIOS
    return scenarios
