"""An operation declared as data (:class:`Plan`), and the :class:`Context` its hooks and the
vendor's rules work with.

A plan says what GEN-6 needs to know of one operation: how its target is found (:class:`Target`,
the 404), the permission it needs (the 403), whether it creates, updates or deletes, its writable
fields and its timestamp field. ``core.pipeline.handle`` runs the phases in that order and fires
the mechanism rules (GEN-1, GEN-11) itself; the vendor supplies hooks only for what is its own:
wording, the record a create starts from, how a body's fields are stored, the reply.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NoReturn

from mockserver.core.change import Change
from mockserver.core.rules import Rule, RuleRegistry
from mockserver.core.schema import MAX_VIOLATIONS, pruned, undocumented_field
from mockserver.core.store import Collection, Record, VendorState
from mockserver.core.values import Identity, Incoming, Reply
from mockserver.core.violations import Code, Phase, Rejection, Violation

_UNSET: Final[Any] = object()

Answer = Callable[["Context", Any], Reply]
"""The vendor's reply, given the record the operation found or stored (``None`` where it has
none: lists, token endpoints). An operation whose work is its own (paging, members) does it here,
after the pipeline's locate and permission."""
Guard = Callable[["Context", Record | None], Violation | None]
"""A permission that depends on the record (Wethod's own/other pairs): the 403, or None."""
Build = Callable[["Context", Change], Record]
"""A create's record before the body's fields: defaults and what the server sets (id, created)."""
Apply = Callable[["Context", Record, Change, tuple[str, ...]], Record]
"""A new record: ``base`` (the target, or a create's built record) with the body's writable fields
applied as the vendor stores them (GEN-1). It must not change ``base``."""


def sent(change: Change, writable: tuple[str, ...]) -> dict[str, Any]:
    """The writable fields the body carries, in the plan's order."""
    body = change.body
    return {name: body[name] for name in writable if name in body}


def apply_fields(ctx: Context, base: Record, change: Change, writable: tuple[str, ...]) -> Record:
    """GEN-1 as most vendors store it: the fields sent replace the stored ones, as sent."""
    return {**base, **sent(change, writable)}


@dataclass(frozen=True)
class Target:
    """How an operation finds the record it works on (GEN-6: after the headers, before 403)."""

    collection: str
    missing: Callable[[Context, Any], Violation]
    """The vendor's 404, given the path value."""
    param: str = "id"
    """The path parameter that names the record."""
    key: Callable[[Context, Any], Any] | None = None
    """The record's key for the path value, where it is not the value itself (an integer id, a
    lower-cased uuid, the record an external id maps to)."""


@dataclass(frozen=True)
class Plan:
    """One operation as data. Read in GEN-6's order: ``first``, ``target`` (404), ``permission``
    (403), then for a write the body schema (400/422), the business rules (409/412/422), the new
    record (``new``, ``apply``, ``stamp``) and the effects; then ``fires`` and ``reply``.

    An operation with neither ``creates``, ``writable`` nor ``deletes`` reads: ``reply`` gets
    its target (or None), and does whatever else the operation does."""

    reply: Answer
    target: Target | None = None
    permission: str | Guard | None = None
    """A permission name the caller's token must hold (else the vendor's ``forbidden``), or a
    guard of the vendor's own."""
    creates: str | None = None
    """The collection a create stores into."""
    writable: tuple[str, ...] = ()
    """The body fields a create or update stores; an update is a target with writable fields."""
    deletes: bool = False
    """The target is deleted, after the permission-phase rules (GEN-6)."""
    stamp: str | None = None
    """The field a write sets to now (GEN-11 on an update), as the vendor writes a timestamp."""
    new: Build | None = None
    """A create's record before the body's fields (required on a create)."""
    apply: Apply = apply_fields
    """How the body's writable fields are stored; as sent by default."""
    first: Callable[[Context], object] | None = None
    """Checks of the vendor's own that come before the target (COR reads the source first)."""
    fires: tuple[str, ...] = ()
    """Rules the operation proves once it succeeded, before the reply's own."""

    def __post_init__(self) -> None:
        if self.creates is not None and (self.new is None or self.target is not None):
            raise ValueError("a create names the record it starts from (new), and has no target")
        if (self.writable or self.deletes) and self.target is None and self.creates is None:
            raise ValueError("an update or delete needs a target")
        if self.deletes and self.writes:
            raise ValueError("an operation deletes or writes, not both")

    @property
    def writes(self) -> bool:
        return self.creates is not None or bool(self.writable)

    @property
    def collection(self) -> str:
        """Where the operation creates, or where its target is."""
        if self.creates is not None:
            return self.creates
        if self.target is None:
            raise ValueError("the operation has no collection")
        return self.target.collection


@dataclass(frozen=True)
class Prepared:
    """An operation of one vendor, ready for its requests: the plan, and what the context needs
    of the vendor, gathered once."""

    operation: str
    plan: Plan
    rules: RuleRegistry
    guard: Guard | None
    dynamic_fields: re.Pattern[str] | None
    validation_status: int
    checks: dict[Phase, list[Rule]] = dataclasses.field(default_factory=dict)
    """The operation's check rules by phase, looked up once rather than on every call."""
    watched: dict[Phase, frozenset[str]] = dataclasses.field(default_factory=dict)
    """For a phase whose every check rule names the body fields it looks at (``when``): all of
    them. A body with none of these fields has nothing for the phase to look at."""
    effects: list[Rule] = dataclasses.field(default_factory=list)
    epoch: int = 0
    """The rule registry's epoch these were selected in."""


class Context:
    """What a plan's hooks and a vendor's handlers work with: state, caller, request, clock and
    the rule runner."""

    def __init__(
        self,
        prepared: Prepared,
        state: VendorState,
        incoming: Incoming,
        now: datetime,
        strict: bool = False,
    ) -> None:
        self.prepared = prepared
        self.operation = prepared.operation
        self.rules = prepared.rules
        self.state = state
        self.incoming = incoming
        self.now = now
        self.strict = strict
        self.target: Record | None = None
        """The record the plan's target found, once found."""
        self.fired: list[str] = []
        self.warnings: list[Violation] = []
        self._body: Any = _UNSET
        self._undocumented: list[str] | None = None
        self._warned_body = False

    # -- small helpers -------------------------------------------------------------------
    @property
    def identity(self) -> Identity | None:
        return self.incoming.identity

    @property
    def body(self) -> Any:
        """The body as handlers see it: undocumented fields are gone (GEN-7), at every depth."""
        if self._body is _UNSET:
            schema, raw = self.incoming.body_schema, self.incoming.body
            if schema is None or (isinstance(raw, dict) and not self._undocumented_fields()):
                self._body = raw  # nothing to prune, the usual case: one walk of the body, not two
            else:
                pattern = self.prepared.dynamic_fields
                keep = lambda name: bool(pattern and pattern.fullmatch(name))  # noqa: E731
                self._body = pruned(schema.schema, raw, keep)
        return self._body

    def fire(self, rule_id: str | None) -> None:
        if rule_id and rule_id not in self.fired:
            self.fired.append(rule_id)

    def reject(self, *violations: Violation) -> NoReturn:
        """Stop the request; ``handle`` answers with the vendor's pick of ``violations``."""
        raise Rejection(list(violations))

    def change(self, target: Record | None = None, body: Mapping[str, Any] | None = None) -> Change:
        """The change rules see. A body that is no object is ``{}`` here: permission rules run
        before the schema, which reports it."""
        if body is None:
            whole = self.body
            body = whole if type(whole) is dict or isinstance(whole, Mapping) else {}
        return Change(
            operation=self.operation,
            state=self.state,
            identity=self.identity,
            body=body,
            target=target,
            path=self.incoming.path_params,
            query=self.incoming.query,
            headers=self.incoming.headers,
            now=self.now,
            fire=self.fire,
        )

    def locate(self, collection: str, record_id: Any, not_found: Violation) -> Record:
        """The target record, or the vendor's 404 (GEN-6: after auth and headers, before 403)."""
        record = self.state[collection].get(record_id) if record_id is not None else None
        if record is None:
            self.reject(not_found)
        return record

    # -- the phases ------------------------------------------------------------------------
    def collect(self, phase: Phase, change: Change | None) -> list[Violation]:
        """Every violation the check rules of ``phase`` find, each carrying its rule ID."""
        found: list[Violation] = []
        rules = self.prepared.checks.get(phase)
        if not rules:
            return found
        body: dict[str, Any] | None = None
        if change is not None:  # a dict, as parsed: compiled code walks it without an iterator
            body = change.body if isinstance(change.body, dict) else dict(change.body)
        watched = self.prepared.watched.get(phase)
        if watched is not None and (body is None or not _carries_any(body, watched)):
            return found  # one look for the usual body, not one for each rule
        for rule in rules:
            if rule.when and (body is None or not _carries_any(body, rule.when)):
                continue  # a body without the rule's fields: nothing for it to look at
            assert rule.fn is not None
            for v in rule.fn(change):  # a plain loop: a third of islice's cost on this hot path
                found.append(v if v.rule else v.with_rule(rule.id))
                if len(found) > MAX_VIOLATIONS:  # GEN-5: past the cap, rules stop early
                    return found
        return found

    def checks(self, phase: Phase, change: Change | None) -> None:
        """Run every check rule of ``phase``; reject with all they found (GEN-5)."""
        found = self.collect(phase, change)
        if found:
            self.reject(*found)

    def body_violations(self) -> list[Violation]:
        """The body's schema violations, each tagged with the rule it proves (and GEN-7 in strict
        mode). Unreadable bodies (bad JSON, not an object...) are rejected at once: no rule can
        look at them (GEN-9)."""
        given = self.incoming.body_violations
        found = []
        if given:  # most bodies have none
            bad_input = [self._tag(v) for v in given if v.code is not Code.SCHEMA]
            if bad_input:
                self.fire("GEN-9")
                self.reject(*bad_input)
            found = [self._tag(v) for v in given]
        unknown = self._unknown_fields()
        if unknown and self.strict:
            found.extend(unknown)
        elif unknown and not self._warned_body:  # asking twice must not warn twice
            self.warnings.extend(unknown)
        self._warned_body = True
        return found

    def validate_body(self) -> None:
        found = self.body_violations()
        if found:
            self.reject(*found)

    def admit(self, change: Change) -> None:
        """Permission rules, then schema and business rules (GEN-6).

        Business rules see only the schema-valid fields of the body, so they never trip over a
        wrongly typed value, and their findings join the schema's in one answer where the vendor
        answers both with one status (ZEP's 422, Wethod's and Ruddr's 400); a lower status wins.
        """
        self.checks(Phase.PERMISSION, change)
        schema = self.body_violations()
        found = list(schema)
        if not schema:  # the usual body: every rule sees it whole
            found += self.collect(Phase.SCHEMA, change) + self.collect(Phase.BUSINESS, change)
        elif not any(v.field is None for v in schema):
            valid = _without_fields(change, {v.field.split(".")[0] for v in schema if v.field})
            found += self.collect(Phase.SCHEMA, valid) + self.collect(Phase.BUSINESS, valid)
        if found:
            self.reject(*found)

    def commit(self, change: Change, collection: Collection, new: Record) -> Record:
        """Run the effects on the record to be stored, then store it."""
        change.new = new
        for rule in self.prepared.effects:
            assert rule.fn is not None
            if rule.fn(change):
                self.fire(rule.id)
        return collection.put(change.new)

    def tag_params(self) -> None:
        """Parameter violations; an undocumented query parameter is a warning, or with ``--strict``
        one of them (GEN-7, as for body fields)."""
        unknown = self.incoming.unknown_params
        if not unknown and not self.incoming.param_violations:
            return  # the usual call: nothing to tag, no list to build
        if unknown:
            self.fire("GEN-7")
        found = [self._tag(v) for v in self.incoming.param_violations]
        if self.strict:
            found += unknown
        else:
            self.warnings.extend(unknown)
        if found:
            self.reject(*found)

    def tag(self, violation: Violation) -> Violation:
        """The violation with the ID of the schema rule that claims it, if one does."""
        return self._tag(violation)

    def _tag(self, violation: Violation) -> Violation:
        return self.rules.tagged(violation, self.operation)

    def _undocumented_fields(self) -> list[str]:
        """The body's fields its schema does not document, those it documents by pattern aside."""
        if self._undocumented is None:
            schema, raw = self.incoming.body_schema, self.incoming.body
            pattern = self.prepared.dynamic_fields
            self._undocumented = (
                []
                if schema is None or not isinstance(raw, dict)
                else [n for n in schema.unknown_fields(raw) if not (pattern and pattern.fullmatch(n))]
            )
        return self._undocumented

    def _unknown_fields(self) -> list[Violation]:
        names = self._undocumented_fields()
        if names:
            self.fire("GEN-7")
        return [undocumented_field(name, self.prepared.validation_status) for name in names]


def _carries_any(body: dict[str, Any], names: frozenset[str]) -> bool:
    """``not names.isdisjoint(body)`` as it works (each of the body's few fields looked up in
    ``names``), without a set method called by name."""
    return any(name in names for name in body)  # mypyc compiles any() of a generator to a loop


def _without_fields(change: Change, names: set[str]) -> Change:
    if not names:
        return change
    body = {k: v for k, v in change.body.items() if k not in names}
    return dataclasses.replace(change, body=body, dropped=frozenset(names))
