"""One request through the rules: the order of GEN-6, transactions of GEN-4, errors of GEN-5.

The web layer hands over an :class:`Incoming` (already routed, authenticated and schema-checked,
with every violation collected rather than raised); :func:`handle` runs the operation's
:class:`~mockserver.core.plans.Plan` in a transaction and always answers with a :class:`Reply`
in the vendor's own format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

from mockserver.core.general import GENERAL
from mockserver.core.plans import Context, Guard, Plan, Prepared, Target
from mockserver.core.rules import Kind, Rule
from mockserver.core.schema import capped
from mockserver.core.store import Record, StorageError, UnstorableError, VendorState
from mockserver.core.values import NO_BODY, Incoming, Outcome, Reply
from mockserver.core.vendor import Vendor
from mockserver.core.violations import Code, Phase, Rejection, Violation


def handle(
    vendor: Vendor,
    operation: str,
    incoming: Incoming,
    state: VendorState,
    now: datetime,
    strict: bool = False,
) -> Outcome:
    ctx = Context(prepare(vendor, operation), state, incoming, now, strict)
    violations: list[Violation] = []
    try:
        with state.transaction():
            ctx.tag_params()
            if ctx.prepared.checks[Phase.HEADERS]:  # only tenant headers have rules here
                ctx.checks(Phase.HEADERS, ctx.change())
            reply = _perform(vendor, ctx, ctx.prepared)
    except (Rejection, UnstorableError, StorageError) as stop:
        violations = capped(vendor.answer(_stopped_by(stop)))
        for rule_id in [v.rule for v in violations if v.rule] + ["GEN-4", "GEN-6", vendor.envelope_rule]:
            ctx.fire(rule_id)
        if len(violations) > 1:
            ctx.fire("GEN-5")
        reply = vendor.format_errors(violations, now)
    return Outcome(reply, ctx.fired, violations, ctx.warnings, operation)


def _perform(vendor: Vendor, ctx: Context, prepared: Prepared) -> Reply:
    """GEN-6 after the headers, as the operation's plan declares it."""
    plan = prepared.plan
    if plan.first is not None:
        plan.first(ctx)
    target = ctx.target = None if plan.target is None else _locate(ctx, plan.target)  # 404
    if prepared.guard is not None:  # 403
        denied = prepared.guard(ctx, target)
        if denied is not None:
            ctx.reject(denied)
    record = target
    if plan.writes:
        record = _write(vendor, ctx, plan, target)
    elif plan.deletes:
        assert target is not None  # a delete has a target (Plan)
        ctx.checks(Phase.PERMISSION, ctx.change(target))
        collection = ctx.state[plan.collection]
        collection.delete(target[collection.spec.id_field])
    for rule_id in plan.fires:
        ctx.fire(rule_id)
    return plan.reply(ctx, record)


def _locate(ctx: Context, target: Target) -> Record:
    value = ctx.incoming.path_params.get(target.param)
    key = value if target.key is None else target.key(ctx, value)
    record = ctx.state[target.collection].get(key) if key is not None else None
    if record is None:
        ctx.reject(target.missing(ctx, value))
    return record


def _write(vendor: Vendor, ctx: Context, plan: Plan, target: Record | None) -> Record:
    """A create or an update: permission rules (403), the body's schema (400/422) and business
    rules (409/412/422), listed in the vendor's order; then the new record, its effects, the store."""
    change = ctx.change(target)
    try:
        ctx.admit(change)
    except Rejection as stop:
        stop.violations = vendor.order_errors(change, stop.violations)
        raise
    if target is None:
        assert plan.new is not None  # a create names its new record (Plan)
        new = plan.apply(ctx, plan.new(ctx, change), change, plan.writable)
    else:
        new = plan.apply(ctx, target, change, plan.writable)
        ctx.fire("GEN-1")
    if plan.stamp is not None:
        new = {**new, plan.stamp: vendor.timestamp(ctx.now)}
        if target is not None:
            ctx.fire("GEN-11")
    return ctx.commit(change, ctx.state[plan.collection], new)


def prepare(vendor: Vendor, operation: str) -> Prepared:
    """The operation's plan with what its requests need of the vendor, gathered once."""
    ready = _PREPARED.get(vendor)
    if ready is None:
        ready = _PREPARED[vendor] = {}
    prepared = ready.get(operation)
    if prepared is None or prepared.epoch != vendor.rules.epoch:
        plan = vendor.operations()[operation]
        checks = {phase: vendor.rules.checks(phase, operation) for phase in Phase}
        prepared = ready[operation] = Prepared(
            operation,
            plan,
            vendor.rules,
            _guard(vendor, plan.permission),
            vendor.dynamic_fields,
            vendor.validation_status,
            checks,
            {phase: _watched(rules) for phase, rules in checks.items() if all(r.when for r in rules)},
            vendor.rules.effects(operation),
            vendor.rules.epoch,
        )
    return prepared


_PREPARED: Final[dict[Vendor, dict[str, Prepared]]] = {}


def _watched(rules: list[Rule]) -> frozenset[str]:
    return frozenset({name for rule in rules for name in rule.when})


def _guard(vendor: Vendor, permission: str | Guard | None) -> Guard | None:
    if permission is None or callable(permission):
        return permission
    refusal = vendor.forbidden

    def holds(ctx: Context, _target: Record | None) -> Violation | None:
        identity = ctx.identity
        return None if identity is not None and identity.can(permission) else refusal

    return holds


def context(vendor: Vendor, operation: str, state: VendorState, incoming: Incoming, now: datetime) -> Context:
    """A context outside a request (a vendor's render probe renders with it)."""
    return Context(prepare(vendor, operation), state, incoming, now)


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
    "Plan",
    "Reply",
    "context",
    "error_reply",
    "handle",
    "known_rule_ids",
    "prepare",
    "refuse",
]
