"""Rules: small functions registered under their catalog ID (RULES.md).

Four kinds:
- ``check``: looks at a :class:`Change` in one :class:`Phase` and yields violations;
- ``effect``: runs after every check passed and changes the new record or other state;
- ``schema``: the spec's schema enforces it; the registration tags matching schema
  violations with the rule ID (types, enums and lengths are never re-checked by hand);
- ``mechanism``: enforced by the core pipeline itself (auth, transactions, error order...).

A registry refuses a second rule with the same ID, and an ID outside its prefix (``ZEP-<n>``), so
a copy-paste slip fails at import. It also refuses a rule its provenance table does not cover
(GEN-12): every rule says whether it follows a vendor page (``doc``, with the URL) or is our
``decision`` or ``inferred`` reading, and why.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockserver.core.violations import Code, Phase, Violation

if TYPE_CHECKING:
    from mockserver.core.change import Change

WRONG_TYPE_RULE = "GEN-9"
"""Names a wrongly typed value (a string for a number...) that no vendor rule claims: the body is
not of the documented shape. A vendor's catch-all rule says how its errors look, not what was wrong."""

CheckFn = Callable[["Change"], Iterable[Violation]]
EffectFn = Callable[["Change"], bool]
"""Returns whether it acted (the rule then counts as fired)."""


class Kind(enum.StrEnum):
    CHECK = "check"
    EFFECT = "effect"
    SCHEMA = "schema"
    MECHANISM = "mechanism"


class Basis(enum.StrEnum):
    """What a rule rests on (GEN-12)."""

    DOC = "doc"
    """The vendor documents the behaviour: the source names the page(s)."""
    DECISION = "decision"
    """The vendor is silent or contradicts itself: this is the behaviour we chose."""
    INFERRED = "inferred"
    """No vendor page states it: our best reading of the vendor's framework or of its clients."""


@dataclass(frozen=True)
class Provenance:
    """Where a rule comes from: a basis, the pages it follows, and one line of why (or, for a
    documented rule, which part of it is our decision)."""

    basis: Basis
    urls: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if self.basis is Basis.DOC and not self.urls:
            raise ValueError("a documented rule names the page it follows")
        if self.basis is not Basis.DOC and not self.note:
            raise ValueError(f"a {self.basis} rule says why in one line")
        if "\n" in self.note:
            raise ValueError("the note is one line")
        for url in self.urls:
            if not url.startswith("https://") or any(c.isspace() for c in url):
                raise ValueError(f"not a page URL: {url!r}")

    @property
    def source(self) -> str:
        """One line: the pages first for a documented rule, the reason first otherwise."""
        pages = "; ".join(self.urls)
        if self.basis is Basis.DOC:
            return f"{pages} ({self.note})" if self.note else pages
        return f"{self.note} (see {pages})" if pages else self.note


def doc(*urls: str, note: str = "") -> Provenance:
    return Provenance(Basis.DOC, urls, note)


def decision(why: str, *urls: str) -> Provenance:
    return Provenance(Basis.DECISION, urls, why)


def inferred(why: str, *urls: str) -> Provenance:
    return Provenance(Basis.INFERRED, urls, why)


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
    """For schema rules: claims what no other rule claims (a vendor's catch-all envelope rule),
    except a wrongly typed value, which is :data:`WRONG_TYPE_RULE`'s."""
    when: frozenset[str] = frozenset()
    """For check rules: the body fields the rule looks at; it runs only when the body carries one
    of them (empty: always). A rule that reads the stored record alone must leave it empty."""
    provenance: Provenance = field(kw_only=True)

    @property
    def basis(self) -> Basis:
        return self.provenance.basis

    @property
    def source(self) -> str:
        return self.provenance.source

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
    """The rules of one vendor (or of the core, ``vendor=None``), each with its entry in
    ``provenance``: registering a rule the table does not cover raises at import."""

    vendor: str | None
    prefix: str
    """Every rule ID here is ``<prefix>-<number>``: the vendor's own (``ZEP``), ``GEN`` for the
    core's. Tests and tools read the prefixes from the registries, so a new vendor adds its own."""
    provenance: Mapping[str, Provenance]
    _rules: dict[str, Rule] = field(default_factory=dict)
    _selections: dict[tuple[Any, ...], list[Rule]] = field(default_factory=dict)
    epoch: int = 0
    """Changes whenever a rule is added or replaced: what was selected from an older epoch is stale."""

    def add(self, rule: Rule) -> Rule:
        if rule.id in self._rules:
            raise ValueError(f"rule {rule.id} is registered twice")
        head, _, number = rule.id.partition("-")
        if head != self.prefix or not number.isdigit():
            raise ValueError(f"rule {rule.id} is not {self.prefix}-<number>, as the registry's rules are")
        self._rules[rule.id] = rule
        self._changed()
        return rule

    def replace(self, rule: Rule) -> Rule:
        """Put ``rule`` in place of the registered rule with its ID, and return that one (a test
        breaks a rule on purpose, then puts it back)."""
        old = self._rules[rule.id]
        self._rules[rule.id] = rule
        self._changed()
        return old

    def _changed(self) -> None:
        self._selections.clear()
        self.epoch += 1

    def source_of(self, rule_id: str) -> Provenance:
        try:
            return self.provenance[rule_id]
        except KeyError:
            raise ValueError(f"rule {rule_id} has no entry in its registry's provenance table") from None

    def complete(self) -> RuleRegistry:
        """Once every rule is registered: the table holds no entry for a rule that does not exist
        (a renamed or dropped rule would otherwise keep a stale source)."""
        stale = sorted(set(self.provenance) - set(self._rules))
        if stale:
            raise ValueError(f"provenance for rules never registered: {', '.join(stale)}")
        return self

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
        when: Iterable[str] = (),
    ) -> Callable[[CheckFn], CheckFn]:
        """A check rule; ``schema_fields``/``schema_keywords`` also claim the schema violations
        that enforce the part of the rule the spec can say (e.g. a length next to uniqueness).
        ``when``: the body fields that make the rule run (a body without them is not looked at;
        ``tests/core/test_rules.py`` proves the rule finds nothing then)."""

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
                    when=frozenset(when),
                    provenance=self.source_of(rule_id),
                )
            )
            return fn

        return register

    def effect(self, rule_id: str, summary: str, *, on: Iterable[str] = ()) -> Callable[[EffectFn], EffectFn]:
        def register(fn: EffectFn) -> EffectFn:
            self.add(
                Rule(
                    rule_id,
                    Kind.EFFECT,
                    summary,
                    self.vendor,
                    frozenset(on),
                    None,
                    fn,
                    provenance=self.source_of(rule_id),
                )
            )
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
                provenance=self.source_of(rule_id),
            )
        )

    def mechanism(self, rule_id: str, summary: str, *, on: Iterable[str] = ()) -> Rule:
        origin = self.source_of(rule_id)
        return self.add(Rule(rule_id, Kind.MECHANISM, summary, self.vendor, frozenset(on), provenance=origin))

    def checks(self, phase: Phase, operation: str) -> list[Rule]:
        key = ("check", phase, operation)
        chosen = self._selections.get(key)  # looked up before a selector is even built: hot path
        if chosen is not None:
            return chosen
        return self._select(
            key, lambda r: r.kind is Kind.CHECK and r.phase is phase and r.applies_to(operation)
        )

    def effects(self, operation: str) -> list[Rule]:
        key = ("effect", operation)
        chosen = self._selections.get(key)
        if chosen is not None:
            return chosen
        return self._select(key, lambda r: r.kind is Kind.EFFECT and r.applies_to(operation))

    def tagged(self, violation: Violation, operation: str) -> Violation:
        """The violation with the ID of the schema rule that claims it, if one does (and it has
        no rule yet): the mock and the validation proxy word it the same way."""
        if violation.rule:
            return violation
        rule = self.schema_rule_for(violation, operation)
        if rule is None and _wrongly_typed(violation):
            return violation.with_rule(WRONG_TYPE_RULE)
        return violation if rule is None else violation.with_rule(rule.id)

    def schema_rule_for(self, violation: Violation, operation: str) -> Rule | None:
        candidates = [
            r
            for r in self._rules.values()
            if (r.kind is Kind.SCHEMA or r.fields or r.keywords)
            and r.applies_to(operation)
            and not (r.fallback and _wrongly_typed(violation))
        ]
        for r in sorted(candidates, key=lambda rule: rule.fallback):
            if r.matches(violation):
                return r
        return None


def _wrongly_typed(violation: Violation) -> bool:
    return violation.code is Code.SCHEMA and violation.keyword == "type"
