"""Rules: small functions registered under their catalog ID (RULES.md).

Four kinds:
- ``check``: looks at a :class:`Change` in one :class:`Phase` and yields violations;
- ``effect``: runs after every check passed and changes the new record or other state;
- ``schema``: the spec's schema enforces it; the registration tags matching schema
  violations with the rule ID (types, enums and lengths are never re-checked by hand);
- ``mechanism``: enforced by the core pipeline itself (auth, transactions, error order...).

A registry refuses a second rule with the same ID, so a copy-paste slip fails at import.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockserver.core.violations import Code, Phase, Violation

if TYPE_CHECKING:
    from mockserver.core.change import Change

CheckFn = Callable[["Change"], Iterable[Violation]]
EffectFn = Callable[["Change"], bool]
"""Returns whether it acted (the rule then counts as fired)."""


class Kind(enum.StrEnum):
    CHECK = "check"
    EFFECT = "effect"
    SCHEMA = "schema"
    MECHANISM = "mechanism"


@dataclass(frozen=True)
class Rule:
    id: str
    kind: Kind
    summary: str
    vendor: str | None = None
    operations: frozenset[str] = frozenset()
    """operationIds the rule applies to; empty means every operation."""
    phase: Phase | None = None
    fn: Callable[..., Any] | None = None
    fields: frozenset[str] = frozenset()
    keywords: frozenset[str] = frozenset()
    codes: frozenset[Code] = frozenset({Code.SCHEMA})
    fallback: bool = False
    """For schema rules: claims what no other rule claims (a vendor's catch-all envelope rule)."""

    def applies_to(self, operation: str) -> bool:
        return not self.operations or operation in self.operations

    def matches(self, violation: Violation) -> bool:
        """For schema rules: does this schema violation belong to the rule?"""
        field_ok = (
            not self.fields
            or (violation.field or "") in self.fields
            or any((violation.field or "").startswith(f + ".") for f in self.fields)
        )
        keyword_ok = (
            not self.keywords or violation.keyword in self.keywords or violation.code is not Code.SCHEMA
        )
        return violation.code in self.codes and field_ok and keyword_ok


@dataclass
class RuleRegistry:
    """The rules of one vendor (or of the core, ``vendor=None``)."""

    vendor: str | None = None
    _rules: dict[str, Rule] = field(default_factory=dict)
    _selections: dict[tuple[Any, ...], list[Rule]] = field(default_factory=dict)

    def add(self, rule: Rule) -> Rule:
        if rule.id in self._rules:
            raise ValueError(f"rule {rule.id} is registered twice")
        self._rules[rule.id] = rule
        self._selections.clear()
        return rule

    def _select(self, key: tuple[Any, ...], keep: Callable[[Rule], bool]) -> list[Rule]:
        """Rules of one phase/operation, computed once: the per-request path only looks them up."""
        chosen = self._selections.get(key)
        if chosen is None:
            chosen = self._selections[key] = [r for r in self._rules.values() if keep(r)]
        return chosen

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def get(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def check(
        self,
        rule_id: str,
        summary: str,
        *,
        phase: Phase = Phase.BUSINESS,
        on: Iterable[str] = (),
        schema_fields: Iterable[str] = (),
        schema_keywords: Iterable[str] = (),
    ) -> Callable[[CheckFn], CheckFn]:
        """A check rule; ``schema_fields``/``schema_keywords`` also claim the schema violations
        that enforce the part of the rule the spec can say (e.g. a length next to uniqueness)."""

        def register(fn: CheckFn) -> CheckFn:
            self.add(
                Rule(
                    rule_id,
                    Kind.CHECK,
                    summary,
                    self.vendor,
                    frozenset(on),
                    phase,
                    fn,
                    frozenset(schema_fields),
                    frozenset(schema_keywords),
                )
            )
            return fn

        return register

    def effect(self, rule_id: str, summary: str, *, on: Iterable[str] = ()) -> Callable[[EffectFn], EffectFn]:
        def register(fn: EffectFn) -> EffectFn:
            self.add(Rule(rule_id, Kind.EFFECT, summary, self.vendor, frozenset(on), None, fn))
            return fn

        return register

    def schema(
        self,
        rule_id: str,
        summary: str,
        *,
        fields: Iterable[str] = (),
        keywords: Iterable[str] = (),
        on: Iterable[str] = (),
        codes: Iterable[Code] = (Code.SCHEMA,),
        fallback: bool = False,
    ) -> Rule:
        return self.add(
            Rule(
                rule_id,
                Kind.SCHEMA,
                summary,
                self.vendor,
                frozenset(on),
                Phase.SCHEMA,
                None,
                frozenset(fields),
                frozenset(keywords),
                frozenset(codes),
                fallback,
            )
        )

    def mechanism(self, rule_id: str, summary: str, *, on: Iterable[str] = ()) -> Rule:
        return self.add(Rule(rule_id, Kind.MECHANISM, summary, self.vendor, frozenset(on)))

    def checks(self, phase: Phase, operation: str) -> list[Rule]:
        return self._select(
            ("check", phase, operation),
            lambda r: r.kind is Kind.CHECK and r.phase is phase and r.applies_to(operation),
        )

    def effects(self, operation: str) -> list[Rule]:
        return self._select(
            ("effect", operation), lambda r: r.kind is Kind.EFFECT and r.applies_to(operation)
        )

    def tagged(self, violation: Violation, operation: str) -> Violation:
        """The violation with the ID of the schema rule that claims it, if one does (and it has
        no rule yet): the mock and the validation proxy word it the same way."""
        if violation.rule:
            return violation
        rule = self.schema_rule_for(violation, operation)
        return violation if rule is None else violation.with_rule(rule.id)

    def schema_rule_for(self, violation: Violation, operation: str) -> Rule | None:
        candidates = [
            r
            for r in self._rules.values()
            if (r.kind is Kind.SCHEMA or r.fields or r.keywords) and r.applies_to(operation)
        ]
        for r in sorted(candidates, key=lambda rule: rule.fallback):
            if r.matches(violation):
                return r
        return None
