"""One request through the rules: the order of GEN-6, transactions of GEN-4, errors of GEN-5.

The web layer hands over an :class:`Incoming` (already routed, authenticated and schema-checked,
with every violation collected rather than raised); :func:`handle` runs the vendor's handler in a
transaction and always answers with a :class:`Reply` in the vendor's own format.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn

from mockserver.core.change import Change
from mockserver.core.general import GENERAL
from mockserver.core.rules import Kind
from mockserver.core.schema import MAX_VIOLATIONS, capped, pruned, undocumented_field
from mockserver.core.store import Collection, Record, StorageError, UnstorableError, VendorState
from mockserver.core.values import NO_BODY, Identity, Incoming, Outcome, Reply
from mockserver.core.vendor import Vendor
from mockserver.core.violations import Code, Phase, Rejection, Violation

_UNSET: Any = object()


class Context:
    """What a vendor handler works with: state, caller, request, clock and the rule runner."""

    def __init__(
        self,
        vendor: Vendor,
        operation: str,
        state: VendorState,
        incoming: Incoming,
        now: datetime,
        strict: bool = False,
    ) -> None:
        self.vendor = vendor
        self.operation = operation
        self.state = state
        self.incoming = incoming
        self.now = now
        self.strict = strict
        self.fired: list[str] = []
        self.warnings: list[Violation] = []
        self._body: Any = _UNSET
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
            pattern = self.vendor.dynamic_fields
            self._body = (
                raw
                if schema is None
                else pruned(schema.schema, raw, lambda name: bool(pattern and pattern.fullmatch(name)))
            )
        return self._body

    def fire(self, rule_id: str | None) -> None:
        if rule_id and rule_id not in self.fired:
            self.fired.append(rule_id)

    def reject(self, *violations: Violation) -> NoReturn:
        """Stop the request; :func:`handle` answers with the vendor's pick of ``violations``."""
        raise Rejection(list(violations))

    def change(self, target: Record | None = None, body: Mapping[str, Any] | None = None) -> Change:
        return Change(
            operation=self.operation,
            state=self.state,
            identity=self.identity,
            body=self.body if body is None else body,
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
        for rule in self.vendor.rules.checks(phase, self.operation):
            assert rule.fn is not None
            room = MAX_VIOLATIONS + 1 - len(found)  # GEN-5: past the cap, rules stop early
            if room <= 0:
                break
            produced = itertools.islice(rule.fn(change), room)
            found.extend(v if v.rule else v.with_rule(rule.id) for v in produced)
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
        incoming = self.incoming
        bad_input = [self._tag(v) for v in incoming.body_violations if v.code is not Code.SCHEMA]
        if bad_input:
            self.fire("GEN-9")
            self.reject(*bad_input)
        found = [self._tag(v) for v in incoming.body_violations]
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
        """Permission, then schema and business rules (GEN-6).

        Business rules see only the schema-valid fields of the body, so they never trip over a
        wrongly typed value, and their findings join the schema's in one answer where the vendor
        answers both with one status (ZEP's 422, Wethod's and Ruddr's 400); a lower status wins.
        """
        self.checks(Phase.PERMISSION, change)
        schema = self.body_violations()
        found = list(schema)
        if not any(v.field is None for v in schema):
            valid = _without_fields(change, {v.field.split(".")[0] for v in schema if v.field})
            found += self.collect(Phase.SCHEMA, valid) + self.collect(Phase.BUSINESS, valid)
        if found:
            self.reject(*found)

    def commit(self, change: Change, collection: Collection, new: Record) -> Record:
        """Run the effects on the record to be stored, then store it."""
        change.new = new
        for rule in self.vendor.rules.effects(self.operation):
            assert rule.fn is not None
            if rule.fn(change):
                self.fire(rule.id)
        return collection.put(change.new)

    def tag_params(self) -> None:
        """Parameter violations; an undocumented query parameter is a warning, or with ``--strict``
        one of them (GEN-7, as for body fields)."""
        unknown = self.incoming.unknown_params
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
        return self.vendor.rules.tagged(violation, self.operation)

    def _unknown_fields(self) -> list[Violation]:
        schema = self.incoming.body_schema
        if schema is None or not isinstance(self.incoming.body, dict):
            return []
        pattern = self.vendor.dynamic_fields
        names = [
            n for n in schema.unknown_fields(self.incoming.body) if not (pattern and pattern.fullmatch(n))
        ]
        if names:
            self.fire("GEN-7")
        return [undocumented_field(name, self.vendor.validation_status) for name in names]


def _without_fields(change: Change, names: set[str]) -> Change:
    if not names:
        return change
    body = {k: v for k, v in change.body.items() if k not in names}
    return dataclasses.replace(change, body=body, dropped=frozenset(names))


def handle(
    vendor: Vendor,
    operation: str,
    incoming: Incoming,
    state: VendorState,
    now: datetime,
    strict: bool = False,
) -> Outcome:
    ctx = Context(vendor, operation, state, incoming, now, strict)
    handler = vendor.operations()[operation]
    violations: list[Violation] = []
    try:
        with state.transaction():
            ctx.tag_params()
            ctx.checks(Phase.HEADERS, ctx.change())
            reply = handler(ctx)
    except (Rejection, UnstorableError, StorageError) as stop:
        violations = capped(vendor.answer(_stopped_by(stop)))
        for rule_id in [v.rule for v in violations if v.rule] + ["GEN-4", "GEN-6", vendor.envelope_rule]:
            ctx.fire(rule_id)
        if len(violations) > 1:
            ctx.fire("GEN-5")
        reply = vendor.format_errors(violations, now)
    return Outcome(reply, ctx.fired, violations, ctx.warnings, operation)


def refuse(vendor: Vendor, violation: Violation, now: datetime) -> Outcome:
    """A call answered before any rule can run: no route (404, 405), no token (401), a media
    type the operation does not take (415), a body over the limit (413). Nothing was read or
    written, so only the violation's rule and the envelope's fire."""
    fired = [r for r in (violation.rule, vendor.envelope_rule) if r]
    return Outcome(vendor.format_errors([violation], now), fired, [violation], [])


def _stopped_by(stop: Exception) -> list[Violation]:
    if isinstance(stop, Rejection):
        return stop.violations
    if isinstance(stop, UnstorableError):  # a computed value JSON cannot carry (GEN-13)
        message = "The request would store a value that cannot be sent back as JSON: " + str(stop)
        return [Violation(400, Code.INVALID, message, rule="GEN-13")]
    # the write could not be saved (disk full, session evicted mid-request): nothing changed
    return [Violation(503, Code.UNAVAILABLE, f"The change could not be saved: {stop}", rule="GEN-4")]


def error_reply(vendor: Vendor, violations: Sequence[Violation], now: datetime) -> Reply:
    """For problems found before a handler runs (401, 404 route, 405, 413, 415)."""
    return vendor.format_errors(list(violations), now)


def known_rule_ids(vendors: Mapping[str, Vendor]) -> list[str]:
    ids = [r.id for r in GENERAL]
    for vendor in vendors.values():
        ids.extend(r.id for r in vendor.rules)
    return ids


__all__ = [
    "NO_BODY",
    "Context",
    "Incoming",
    "Kind",
    "Outcome",
    "Reply",
    "error_reply",
    "handle",
    "known_rule_ids",
    "refuse",
]
