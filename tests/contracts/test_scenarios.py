"""Every vendor's rule scenarios pass against the mock, every answer conforms to the vendor's spec
(GEN-10, checked by openapi-core), and every rule has at least one scenario."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx
import pytest
from starlette.testclient import TestClient

from contracts.conformance import SpecChecker
from contracts.rule_scenarios import Call, Scenario, scenarios_for
from contracts.scenarios import AdminRefusedError, Target, run
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


def _answering(status: int, body: bytes, content_type: str = "application/json") -> httpx.Client:
    """A client whose every request gets this one answer (no network)."""
    answer = httpx.Response(status, content=body, headers={"Content-Type": content_type})
    return httpx.Client(transport=httpx.MockTransport(lambda _request: answer))


SAVE_CLIENT = Scenario(
    "RUD-1", "saves a nested value", Call("GET", "/projects", status=200, save={"c": "results.0.client.id"})
)


@pytest.mark.parametrize(
    "body",
    [
        b"[1]",
        b'"results"',
        b"{}",
        b'{"results": []}',
        b'{"results": [[]]}',
        b'{"results": [{"client": null}]}',
        b'{"results": [{"client": "id"}]}',
    ],
)
def test_a_scenario_fails_naming_the_path_when_the_answer_lacks_the_value_to_save(body: bytes) -> None:
    target = Target(VENDORS["ruddr"], _answering(200, body), "http://target/api")
    outcome = run(target, SAVE_CLIENT)
    assert outcome.status == "failed"
    assert outcome.reason.startswith("the answer to GET /api/projects (200, application/json) has no")
    assert "`results.0.client.id`" in outcome.reason
    assert outcome.curl.startswith("curl -s -X GET http://target/api/projects")


@pytest.mark.parametrize(
    "state",
    [b"[]", b'{"projects": []}', b'{"projects": {"1": 7}}', b"[" * 100 + b"]" * 100, b'{"a": NaN}'],
)
def test_arranging_fails_the_scenario_when_the_admin_state_is_not_a_document_of_records(
    state: bytes,
) -> None:
    """A target that passes for the mock (its health lists the vendor) but answers garbage."""
    scenario = Scenario("GEN-1", "given a record", Call("GET", "/x"), given={"projects": {1: {"name": "a"}}})
    target = Target(VENDORS["personio"], _answering(200, state), "http://t/p", admin_root="http://t")
    outcome = run(target, scenario)
    assert outcome.status == "failed"
    assert "is not a JSON object" in outcome.reason or "is not JSON" in outcome.reason


@pytest.mark.parametrize(
    "health",
    [b"[" * 50_000 + b"]" * 50_000, b"[]", b'"personio"', b'{"vendors": "personio"}', b'{"vendors": NaN}'],
)
def test_a_target_whose_admin_health_is_garbage_is_not_taken_for_the_mock(health: bytes) -> None:
    target = Target.connect(VENDORS["personio"], "http://t/personio", client=_answering(200, health))
    assert target.admin_root is None


def test_a_target_that_drops_the_admin_probe_is_not_taken_for_the_mock() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/__admin/rules":
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return httpx.Response(200, json={"vendors": ["personio"]})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    assert Target.connect(VENDORS["personio"], "http://t/personio", client=client).admin_root is None


def _protected_mock() -> httpx.Client:
    """A Personio mock whose admin API wants a token: health answers, the rest is 401."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/__admin/health":
            return httpx.Response(200, json={"status": "ok", "vendors": ["personio"]})
        return httpx.Response(401, json={"status": 401})

    return httpx.Client(transport=httpx.MockTransport(answer))


def test_a_token_protected_mocks_root_url_is_refused_and_its_vendor_url_skips_naming_the_401() -> None:
    with pytest.raises(AdminRefusedError, match=r"^the mock's admin API at http://t/__admin answered 401"):
        Target.connect(VENDORS["personio"], "http://t", client=_protected_mock())
    target = Target.connect(
        VENDORS["personio"], "http://t/personio", client=_protected_mock(), admin_token="x"
    )
    assert (target.admin_root, target.base_url) == (None, "http://t/personio")
    needs_admin = next(s for s in scenarios_for("personio") if s.needs_admin)
    outcome = run(target, needs_admin)
    assert outcome.status == "skipped"
    assert outcome.reason == (
        "needs the mock's admin API (fixture state or tokens); the mock's admin API at http://t/__admin"
        " answered 401 (it refused the admin token): check --admin-token"
    )
