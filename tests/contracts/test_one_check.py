"""The mock and the validation proxy give the same verdict on the same request (issue 13).

Both run ``core.request_check``; this proves they are wired to it alike, from the outside. Each
request of two corpora (every rule scenario's call, and Schemathesis' negative cases of every
operation) goes to the mock directly and through the proxy with ``--errors`` (the mock as its
upstream), each in a fresh session:
- when the mock refused the request for a reason the check finds (route, credentials, media
  type, parameters, body), the proxy refused it with the same status and the same violations,
  and with the same error body where the mock's answer holds nothing else (the mock also joins
  business-rule findings of the same status into one answer, which the proxy cannot know);
- when the proxy found nothing, the mock did not refuse it for such a reason;
- when the proxy refused and the mock did not, the mock refused with the same status in the
  vendor's own words (Personio's token endpoint answers OAuth errors), or answered an earlier
  phase of GEN-6 (a missing record, a forbidden caller), which only state can tell.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from starlette.testclient import TestClient

from contracts.proxy import ProxyConfig, create_proxy
from contracts.rule_scenarios import Call, scenarios_for
from mockserver.app import MockApp, create_app
from mockserver.config import ServerConfig
from mockserver.core.request_check import BAD_TOKEN
from mockserver.core.vendor import Vendor, discover_vendors

VENDORS = discover_vendors()
CHECK_CODES = {
    "schema",
    "bad_json",
    "unauthorized",
    "route_not_found",
    "method_not_allowed",
    "unsupported_media_type",
}
EARLIER_PHASES = {403, 404}
NEGATIVE_CASES_PER_OPERATION = 12
_sessions = itertools.count(1)

Request = tuple[str, str, dict[str, str], bytes]


@pytest.fixture(scope="module")
def mock() -> MockApp:
    return create_app(ServerConfig(freeze_time="2025-03-01T12:00:00Z"))


def _scenario_requests(vendor: Vendor) -> Iterator[Request]:
    for scenario in scenarios_for(vendor.id):
        call: Call = scenario.call
        if "{" in call.path:  # needs a value saved by a setup call
            continue
        headers = {k: v for k, v in vendor.sample_headers.items() if k not in call.drop_headers}
        if call.token is not None:
            headers["Authorization"] = f"Bearer {call.token}"
        headers.update(call.headers)
        body = (
            call.raw if call.raw is not None else b"" if call.body is None else json.dumps(call.body).encode()
        )
        if body and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        yield call.method, call.path, headers, body


def _negative_requests(vendor: Vendor) -> list[Request]:
    schema = schemathesis.openapi.from_path(str(vendor.spec_path))
    found: list[Request] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)

        @settings(
            max_examples=NEGATIVE_CASES_PER_OPERATION,
            database=None,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def collect(case: Any) -> None:
            # most cases carry a valid token, so the parameters and the body get checked too
            extra = {} if len(found) % 4 == 0 else {"Authorization": "Bearer test-token"}
            kwargs = case.as_transport_kwargs(base_url="http://mock", headers=extra)
            request = httpx.Client().build_request(
                kwargs["method"],
                kwargs["url"],
                params=kwargs.get("params"),
                headers=kwargs.get("headers"),
                json=kwargs.get("json"),
                content=kwargs.get("content") if "json" not in kwargs else None,
                data=kwargs.get("data"),
            )
            url = request.url
            path = url.raw_path.decode("ascii")
            found.append((request.method, path, dict(request.headers), request.read()))

        try:
            collect()
        except (ValueError, TypeError, UnicodeEncodeError):  # a case httpx cannot even send
            continue
    return found


def _from_the_check(violation: dict[str, Any]) -> bool:
    """Whether the request check found this violation, not a handler: the check's schema
    violations name their JSON Schema keyword; a handler's (an invalid cursor, a grant type
    other than client_credentials) do not."""
    return violation["code"] in CHECK_CODES and (
        violation["code"] != "schema" or violation["keyword"] is not None
    )


def _last_entry(client: TestClient, session: str) -> dict[str, Any]:
    entries = client.get("/__admin/requests", headers={"X-Mock-Session": session}).json()["requests"]
    return entries[-1] if entries else {}


def _summary(violations: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(v["status"], v["code"], v["field"], v["rule"], v["message"]) for v in violations}


_RANDOM = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


_TIME = re.compile(rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z")


def _masked(body: bytes) -> Any:
    """The answer without what differs on every call (Personio's trace id, the time), its lists in one
    order: the order of errors in an envelope is not part of the verdict."""
    masked = _TIME.sub(b"<time>", _RANDOM.sub(b"<uuid>", body))
    try:
        return _ordered(json.loads(masked))
    except ValueError:
        return masked


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _ordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_ordered(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _compare(mock: MockApp, vendor: Vendor, requests: list[Request]) -> dict[str, int]:
    counts = dict.fromkeys(
        [
            "same refusal",
            "both passed the check",
            "same status, the vendor's own words",
            "earlier phase on the mock",
            "a token only the upstream can reject",
        ],
        0,
    )
    upstream = httpx.ASGITransport(app=mock)
    config = ProxyConfig(vendor=vendor.id, upstream=f"http://mock{vendor.prefix}", errors=True)
    direct = TestClient(mock)
    with TestClient(create_proxy(config, transport=upstream)) as proxy:
        for method, path, headers, body in requests:
            sent = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")}
            session = f"verdict-{next(_sessions)}"
            ours = direct.request(
                method, vendor.prefix + path, headers={**sent, "X-Mock-Session": session}, content=body
            )
            entry = _last_entry(direct, session)
            theirs = proxy.request(
                method, vendor.prefix + path, headers={**sent, "X-Mock-Session": session + "p"}, content=body
            )
            proxy_entry = proxy.get("/__admin/requests").json()["requests"][-1]
            mock_found = [v for v in entry.get("violations", []) if _from_the_check(v)]
            where = f"{method} {path} {body[:120]!r}: mock {ours.status_code} {entry.get('violations')}, proxy {theirs.status_code} {proxy_entry['violations']}"
            if ours.status_code == 401 and entry["violations"][0]["message"] == BAD_TOKEN:
                counts["a token only the upstream can reject"] += 1
            elif mock_found:
                assert theirs.status_code == ours.status_code, where
                if len(mock_found) == len(entry["violations"]):  # nothing but the check's findings
                    assert _masked(theirs.content) == _masked(ours.content), where
                phase = (
                    {"path", "query", "header"}
                    if mock_found[0]["location"] in ("path", "query", "header")
                    else None
                )
                same_status = [
                    v
                    for v in proxy_entry["violations"]
                    if v["status"] == mock_found[0]["status"] and (phase is None or v["location"] in phase)
                ]
                if vendor.reports_all_errors:
                    assert _summary(mock_found) == _summary(same_status), where
                else:  # COR's envelope holds one error: the same one
                    assert _summary(mock_found) <= _summary(same_status), where
                counts["same refusal"] += 1
            elif not proxy_entry["violations"]:
                counts["both passed the check"] += 1
            elif ours.status_code == theirs.status_code:  # refused by both; the handler words it
                counts["same status, the vendor's own words"] += 1
            else:
                assert ours.status_code in EARLIER_PHASES, where
                counts["earlier phase on the mock"] += 1
    return counts


@pytest.mark.parametrize("vid", sorted(VENDORS))
def test_mock_and_proxy_agree_on_the_rule_scenarios(mock: MockApp, vid: str) -> None:
    vendor = VENDORS[vid]
    requests = list(_scenario_requests(vendor))
    counts = _compare(mock, vendor, requests)
    assert sum(counts.values()) == len(requests) > 0, counts


@pytest.mark.parametrize("vid", sorted(VENDORS))
def test_mock_and_proxy_agree_on_schemathesis_negative_cases(mock: MockApp, vid: str) -> None:
    vendor = VENDORS[vid]
    requests = _negative_requests(vendor)
    assert len(requests) >= NEGATIVE_CASES_PER_OPERATION
    counts = _compare(mock, vendor, requests)
    # every request was compared; most negative cases are refused by the check itself (the rest
    # pass it, reach an earlier phase, or carry a token only the upstream can reject)
    assert sum(counts.values()) == len(requests), counts
    assert counts["same refusal"] >= len(requests) // 3, counts
