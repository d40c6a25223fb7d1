"""``core.rules``: a check rule declared to run only ``when`` the body carries some fields finds
nothing, and fires nothing, in a body without them; the pipeline skips it then without a loss."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.strategies import valid_bodies
from mockserver.core.change import Change
from mockserver.core.operations import OperationTable
from mockserver.core.rules import Kind, Rule
from mockserver.core.spec import load_spec
from mockserver.core.store import Store
from mockserver.core.vendor import Vendor, discover_vendors

VENDORS = discover_vendors()
DEPTH = int(os.environ.get("CONTRACT_DEPTH", "10"))
JSON = "application/json"


def _triggered(vendor: Vendor, operation: str) -> list[Rule]:
    return [r for r in vendor.rules if r.kind is Kind.CHECK and r.when and r.applies_to(operation)]


def _with_bodies(vendor: Vendor) -> set[str]:
    return {op.operation_id for op in OperationTable(load_spec(vendor.spec_path)) if JSON in op.bodies}


CASES = [
    (vid, operation)
    for vid, vendor in sorted(VENDORS.items())
    for operation in sorted(_with_bodies(vendor))
    if _triggered(vendor, operation) and operation in vendor.operations()
]


def test_every_vendor_declares_when_its_field_rules_run() -> None:
    assert {vid for vid, _ in CASES} == set(VENDORS)


@pytest.mark.parametrize(("vid", "operation"), CASES)
def test_GEN_6_a_rule_skipped_for_a_body_without_its_fields_would_have_found_nothing(
    vid: str, operation: str
) -> None:
    vendor = VENDORS[vid]
    state = Store({vid: vendor.collections}, {vid: vendor.load_fixtures()}).session().states[vid]
    target = vendor.operations()[operation].target
    records: list[Any] = [None] if target is None else list(state[target.collection])[:3]
    rules = _triggered(vendor, operation)

    @settings(max_examples=DEPTH * 3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(body=valid_bodies(vendor, operation), record=st.sampled_from(records))
    def prop(body: Any, record: Any) -> None:
        if not isinstance(body, dict):
            return
        for rule in rules:
            fired: list[str] = []
            without = {k: v for k, v in body.items() if k not in rule.when}
            change = Change(operation, state, None, without, record, fire=fired.append)
            assert rule.fn is not None
            found = list(rule.fn(change))
            assert not found and not fired, f"{rule.id} acts on {without} without {sorted(rule.when)}"

    prop()
