"""Every vendor's rule scenarios pass against the mock, and every rule has at least one."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from contracts.rule_scenarios import scenarios_for
from contracts.scenarios import Target, run
from mockserver.app import MockApp
from mockserver.core.vendor import discover_vendors

VENDORS = discover_vendors()
CASES = [(vid, i) for vid in sorted(VENDORS) for i in range(len(scenarios_for(vid)))]


def case_id(case: tuple[str, int]) -> str:
    vid, i = case
    scenario = scenarios_for(vid)[i]
    return f"{scenario.rule}-{i}-{scenario.title[:40]}"


@pytest.fixture(scope="module")
def client(mock_app: MockApp) -> TestClient:
    return TestClient(mock_app)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_scenario_passes_against_the_mock(client: TestClient, case: tuple[str, int]) -> None:
    vid, i = case
    vendor = VENDORS[vid]
    target = Target.connect(vendor, f"http://testserver{vendor.prefix}", client=client)
    assert target.admin_root is not None
    outcome = run(target, scenarios_for(vid)[i])
    assert outcome.status == "passed", f"{outcome.reason}\n{outcome.curl}"


@pytest.mark.parametrize("vid", sorted(VENDORS))
def test_every_vendor_rule_has_a_scenario(vid: str) -> None:
    covered = {s.rule for s in scenarios_for(vid)}
    assert {r.id for r in VENDORS[vid].rules} - covered == set()
