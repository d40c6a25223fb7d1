"""Every vendor's rule scenarios pass against the mock, every answer conforms to the vendor's spec
(GEN-10, checked by openapi-core), and every rule has at least one scenario."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx
import pytest
from starlette.testclient import TestClient

from contracts.conformance import SpecChecker
from contracts.rule_scenarios import scenarios_for
from contracts.scenarios import Target, run
from mockserver.app import MockApp
from mockserver.core.vendor import Vendor, discover_vendors

VENDORS = discover_vendors()
CASES = [(vid, i) for vid in sorted(VENDORS) for i in range(len(scenarios_for(vid)))]


def case_id(case: tuple[str, int]) -> str:
    vid, i = case
    scenario = scenarios_for(vid)[i]
    return f"{scenario.rule}-{i}-{scenario.title[:40]}"


@pytest.fixture(scope="module")
def client(mock_app: MockApp) -> TestClient:
    return TestClient(mock_app)


def spec_check(vendor: Vendor, checker: SpecChecker, found: list[str]) -> Callable[[httpx.Response], None]:
    """A response hook: each answer on the vendor's paths that breaks its spec goes to ``found``.
    Calls no operation documents (an unknown route, a method the path lacks) have nothing to
    conform to; the vendor tests check their envelope."""

    def check(response: httpx.Response) -> None:
        request = response.request
        path = request.url.raw_path.decode()
        if not path.startswith(vendor.prefix + "/"):
            return  # the admin API
        route = path.removeprefix(vendor.prefix)
        response.read()
        headers = dict(request.headers)
        errors = checker.response_errors(
            request.method,
            route,
            response.status_code,
            dict(response.headers),
            response.content,
            request_headers=headers,
            request_body=request.content,
        )
        if errors and checker.check_request(request.method, route, headers, request.content).operation:
            found.append(f"{request.method} {route} -> {response.status_code}: " + "; ".join(errors))

    return check


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_scenario_passes_against_the_mock(
    client: TestClient, checkers: Mapping[str, SpecChecker], case: tuple[str, int]
) -> None:
    vid, i = case
    vendor = VENDORS[vid]
    found: list[str] = []
    client.event_hooks = {"response": [spec_check(vendor, checkers[vid], found)]}
    target = Target.connect(vendor, f"http://testserver{vendor.prefix}", client=client)
    assert target.admin_root is not None
    outcome = run(target, scenarios_for(vid)[i])
    assert outcome.status == "passed", f"{outcome.reason}\n{outcome.curl}"
    assert not found, "GEN-10: answers break the spec:\n" + "\n".join(found)


@pytest.mark.parametrize("vid", sorted(VENDORS))
def test_every_vendor_rule_has_a_scenario(vid: str) -> None:
    covered = {s.rule for s in scenarios_for(vid)}
    assert {r.id for r in VENDORS[vid].rules} - covered == set()
