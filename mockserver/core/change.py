"""What a rule sees: the stored record, the patch, and the merged state (GEN-1, GEN-2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mockserver.core.store import Record, VendorState
from mockserver.core.values import Identity


def _fire_nothing(_rule: str) -> None:
    return None


@dataclass(init=False)
class Change:
    """A create or update about to happen.

    ``target`` is the stored record (``None`` on create); ``body`` the request body as sent.
    :meth:`value` answers with the merged state, so cross-field rules see the patch applied to
    what is stored (GEN-2). ``new`` is the record that will be stored, set before effects run.
    """

    operation: str
    state: VendorState
    identity: Identity | None
    body: Mapping[str, Any]
    target: Record | None = None
    path: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    now: datetime | None = None
    new: Record | None = None
    dropped: frozenset[str] = frozenset()
    """Body fields that were sent but failed the schema; business rules do not see them."""
    extra: dict[str, Any] = field(default_factory=dict)
    fire: Callable[[str], None] = field(default=_fire_nothing)
    """Records that a rule acted (the journal and ``/__admin/rules`` coverage show it)."""

    # init=False and __init__ by hand: mypyc compiles this one, not the one dataclasses generates
    # (made once per call, it was a twentieth of the mock's time under load)
    def __init__(
        self,
        operation: str,
        state: VendorState,
        identity: Identity | None,
        body: Mapping[str, Any],
        target: Record | None = None,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        now: datetime | None = None,
        new: Record | None = None,
        dropped: frozenset[str] = frozenset(),
        extra: dict[str, Any] | None = None,
        fire: Callable[[str], None] = _fire_nothing,
    ) -> None:
        self.operation = operation
        self.state = state
        self.identity = identity
        self.body = body
        self.target = target
        self.path = {} if path is None else path
        self.query = {} if query is None else query
        self.headers = {} if headers is None else headers
        self.now = now
        self.new = new
        self.dropped = dropped
        self.extra = {} if extra is None else extra
        self.fire = fire

    def touches(self, name: str) -> bool:
        return name in self.body

    def value(self, name: str, default: Any = None) -> Any:
        if name in self.body:
            return self.body[name]
        if self.target is not None:
            return self.target.get(name, default)
        return default

    @property
    def target_id(self) -> str | None:
        return None if self.target is None else str(self.target.get("id"))
