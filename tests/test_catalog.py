"""The rule IDs registered in code are exactly the IDs of the catalog in ../shared/RULES.md."""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from contracts.rule_scenarios import scenarios_for
from mockserver.core.general import GENERAL
from mockserver.core.pipeline import known_rule_ids
from mockserver.core.rules import Basis, Provenance, RuleRegistry, decision, doc, inferred
from mockserver.core.vendor import discover_vendors

CATALOG = Path(__file__).resolve().parents[2] / "shared" / "RULES.md"
# any prefix: a catalog row whose vendor registers nothing must fail the comparison, not be skipped
ROW = re.compile(r"^\| ([A-Z]+-\d+) \|", re.MULTILINE)


@pytest.fixture(scope="module")
def catalog_ids() -> list[str]:
    if not CATALOG.exists():
        pytest.skip(f"the rule catalog is not beside this checkout ({CATALOG})")
    return ROW.findall(CATALOG.read_text(encoding="utf-8"))


def test_code_registers_exactly_the_catalog(catalog_ids: list[str]) -> None:
    registered = known_rule_ids(discover_vendors())
    assert sorted(set(registered)) == sorted(set(catalog_ids))


def test_every_rule_is_named_by_a_test(catalog_ids: list[str]) -> None:
    """RULES.md: a rule's proofs carry its ID, so ``scripts/test -k PER-4`` runs them: a test's name
    (``PER_4``), or a rule scenario of it, whose test id starts with the rule (test_scenarios.py)."""
    prefixes = "|".join(registry.prefix for registry in _registries())
    in_name = re.compile(rf"({prefixes})_(\d+)(?!\d)")
    named = {scenario.rule for vendor_id in discover_vendors() for scenario in scenarios_for(vendor_id)}
    for path in Path(__file__).parent.rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                named.update(f"{prefix}-{number}" for prefix, number in in_name.findall(node.name))
    assert sorted(set(catalog_ids) - named) == []


def test_no_rule_is_registered_twice() -> None:
    counts = Counter(known_rule_ids(discover_vendors()))
    assert [rule for rule, n in counts.items() if n > 1] == []


def test_every_vendor_rule_belongs_to_its_vendor() -> None:
    for vendor_id, vendor in discover_vendors().items():
        assert {rule.vendor for rule in vendor.rules} == {vendor_id}
    prefixes = [registry.prefix for registry in _registries()]
    assert sorted(prefixes) == sorted(set(prefixes)), "two registries share a prefix: an ID must name one"
    assert GENERAL.prefix == "GEN"


def test_a_registry_refuses_an_id_outside_its_prefix() -> None:
    registry = RuleRegistry(vendor="acme", prefix="ACME", provenance={"ZEP-1": decision("a slip")})
    with pytest.raises(ValueError, match="ZEP-1 is not ACME-<number>"):
        registry.mechanism("ZEP-1", "copied from another vendor")


# -- GEN-12: every rule names its source -----------------------------------------------------------
TAG = re.compile(r"^\| ([A-Z]+-\d+) \| .*\[([^\]]+)\] \|$", re.MULTILINE)
CHANGED_BASIS = {  # rules whose basis differs from the catalog's first tag, and why
    "WET-12": Basis.INFERRED,  # "[doc via clients]": a third-party CLI, not a Wethod page
    "COR-1": Basis.INFERRED,  # "[doc names; envelope and statuses inferred]": the envelope is the rule
}


def _registries() -> list[RuleRegistry]:
    return [GENERAL, *(v.rules for v in discover_vendors().values())]


def test_GEN_12_every_registry_has_exactly_its_rules_provenance() -> None:
    for registry in _registries():
        registry.complete()  # no entry for a rule that is not registered
        for rule in registry:
            assert rule.provenance is registry.provenance[rule.id]


def test_GEN_12_every_rule_has_a_basis_and_a_source() -> None:
    for registry in _registries():
        for rule in registry:
            assert rule.basis in set(Basis), rule.id
            assert rule.source.strip() and "\n" not in rule.source, rule.id
            if rule.basis is Basis.DOC:
                assert rule.provenance.urls, rule.id
                assert all(url in rule.source for url in rule.provenance.urls), rule.id


def test_GEN_12_the_basis_follows_the_catalogs_tag(catalog_ids: list[str]) -> None:
    tags = dict(TAG.findall(CATALOG.read_text(encoding="utf-8")))
    assert set(tags) == set(catalog_ids)
    rules = {rule.id: rule for registry in _registries() for rule in registry}
    for rule_id, tag in tags.items():
        first = re.split(r"[ ;,]", tag, maxsplit=1)[0]
        expected = CHANGED_BASIS.get(rule_id, Basis(first))
        assert rules[rule_id].basis is expected, f"{rule_id}: catalog says [{tag}]"


def test_GEN_12_a_rule_without_provenance_fails_at_registration() -> None:
    registry = RuleRegistry(vendor="acme", prefix="ACME", provenance={"ACME-1": decision("a test")})
    registry.mechanism("ACME-1", "covered")
    with pytest.raises(ValueError, match="ACME-2 has no entry"):
        registry.mechanism("ACME-2", "not covered")
    stale = RuleRegistry(
        vendor="acme", prefix="ACME", provenance={"ACME-1": decision("a test"), "ACME-9": decision("gone")}
    )
    stale.mechanism("ACME-1", "covered")
    with pytest.raises(ValueError, match="never registered: ACME-9"):
        stale.complete()


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (doc, "names the page"),
        (lambda: doc("docs.example.com/page"), "not a page URL"),
        (lambda: decision(""), "says why"),
        (lambda: inferred("two\nlines"), "one line"),
    ],
)
def test_GEN_12_provenance_refuses_an_empty_source(make: Callable[[], Provenance], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        make()
