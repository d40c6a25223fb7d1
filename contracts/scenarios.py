"""Runs a vendor's rule scenarios (:mod:`contracts.rule_scenarios`) against the mock or any other base URL.

Against the mock (its ``/__admin`` API answers), each scenario gets a private session
(``X-Mock-Session``), ``given`` records are put in through the admin API, and a rejected call is
checked to leave the state exactly as it was. Against another target, only scenarios that arrange
their own state through the vendor's API run; the others are skipped with the reason.
"""

from __future__ import annotations

import json
import re
import shlex
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from contracts.rule_scenarios import DEFAULT_TOKEN, Call, Scenario, matches, scenarios_for
from mockserver.core.vendor import Vendor

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass
class Outcome:
    scenario: Scenario
    status: str  # "passed", "failed" or "skipped"
    reason: str = ""
    curl: str = ""
    answer: Any = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass
class Target:
    """Where scenarios run: a vendor's base URL (what a client would configure)."""

    vendor: Vendor
    client: httpx.Client
    base_url: str
    token: str = DEFAULT_TOKEN
    admin_root: str | None = None
    """The mock's root URL when its admin API answers, else ``None``."""
    admin_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def connect(
        cls,
        vendor: Vendor,
        base_url: str,
        token: str | None = None,
        client: httpx.Client | None = None,
        admin_token: str | None = None,
    ) -> Target:
        client = client or httpx.Client(timeout=30)
        base = base_url.rstrip("/")
        root = base.removesuffix(vendor.prefix)
        admin: str | None = None
        try:
            health = client.get(f"{root}/__admin/health")
            if health.status_code == 200 and vendor.id in health.json().get("vendors", []):
                admin = root
        except (httpx.HTTPError, ValueError):
            admin = None
        if admin is not None:
            base = root + vendor.prefix  # the mock's root URL is enough: it knows where the vendor lives
            if admin_token:
                probe = client.get(
                    f"{root}/__admin/rules", headers={"Authorization": f"Bearer {admin_token}"}
                )
                admin = admin if probe.status_code == 200 else None
            elif client.get(f"{root}/__admin/rules").status_code == 401:
                admin = None  # a protected admin API: scenarios run as against any other target
        headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        return cls(vendor, client, base, token or DEFAULT_TOKEN, admin, headers)


@dataclass
class _Run:
    target: Target
    session: str = field(default_factory=lambda: f"scenario-{uuid.uuid4().hex[:12]}")
    names: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names["run"] = self.session[-8:]  # keeps names and codes unique on a real tenant

    def headers(self, call: Call) -> dict[str, str]:
        headers = {k: v for k, v in self.target.vendor.sample_headers.items() if k not in call.drop_headers}
        if call.token is not None:
            token = self.target.token if call.token == DEFAULT_TOKEN else call.token
            headers["Authorization"] = f"Bearer {token}"
        if self.target.admin_root:
            headers["X-Mock-Session"] = self.session
        headers.update(call.headers)
        return headers

    def fill(self, value: Any) -> Any:
        whole = PLACEHOLDER.fullmatch(value) if isinstance(value, str) else None
        if whole and whole.group(1) in self.names:  # "{project}" alone keeps the saved type (an int id)
            return self.names[whole.group(1)]
        if isinstance(value, str):
            return PLACEHOLDER.sub(lambda m: str(self.names.get(m.group(1), m.group(0))), value)
        if isinstance(value, Mapping):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        return value

    def send(self, call: Call) -> tuple[httpx.Response, str]:
        headers = self.headers(call)
        content = call.raw
        if content is None and call.body is not None:
            content = json.dumps(self.fill(call.body)).encode()
            headers.setdefault("Content-Type", "application/json")
        url = self.target.base_url + self.fill(call.path)
        response = self.target.client.request(call.method, url, content=content, headers=headers)
        return response, curl(call.method, url, headers, content)

    def check(self, call: Call, response: httpx.Response) -> str:
        answer = _json(response)
        if call.status is None:
            if not 200 <= response.status_code < 300:
                return f"expected a 2xx, got {response.status_code}: {response.text[:300]}"
        elif response.status_code != call.status:
            return f"expected {call.status}, got {response.status_code}: {response.text[:300]}"
        if call.expect is not None and not matches(self.fill(call.expect), answer):
            return f"the answer does not match {json.dumps(call.expect)[:300]}: {response.text[:300]}"
        for name, path in call.save.items():
            self.names[name] = _dig(answer, path)
        return ""

    def state(self) -> Any:
        root = self.target.admin_root
        response = self.target.client.get(
            f"{root}/__admin/state/{self.target.vendor.id}",
            headers={"X-Mock-Session": self.session, **self.target.admin_headers},
        )
        response.raise_for_status()
        return response.json()

    def arrange(self, given: Mapping[str, Mapping[str, Any]]) -> None:
        document = self.state()
        for collection, records in given.items():
            for record_id, record in records.items():
                merged = {**document[collection].get(str(record_id), {}), **record}
                document[collection][str(record_id)] = merged
        response = self.target.client.put(
            f"{self.target.admin_root}/__admin/state/{self.target.vendor.id}",
            content=json.dumps(document).encode(),
            headers={
                "X-Mock-Session": self.session,
                "Content-Type": "application/json",
                **self.target.admin_headers,
            },
        )
        response.raise_for_status()


def run(target: Target, scenario: Scenario) -> Outcome:
    if scenario.needs_admin and target.admin_root is None:
        return Outcome(scenario, "skipped", "needs the mock's admin API (fixture state or tokens)")
    attempt = _Run(target)
    try:
        if scenario.given:
            attempt.arrange(scenario.given)
        for call in scenario.setup:
            response, command = attempt.send(call)
            problem = attempt.check(call, response)
            if problem:
                return Outcome(scenario, "failed", f"setup {call.method} {call.path}: {problem}", command)
        before = attempt.state() if target.admin_root and scenario.must_leave_state_unchanged else None
        response, command = attempt.send(scenario.call)
        problem = attempt.check(scenario.call, response)
        if problem:
            return Outcome(scenario, "failed", problem, command, _json(response))
        if before is not None and attempt.state() != before:
            return Outcome(scenario, "failed", "the rejected request changed the state (GEN-4)", command)
        for call in scenario.then:
            follow, follow_command = attempt.send(call)
            problem = attempt.check(call, follow)
            if problem:
                return Outcome(
                    scenario, "failed", f"then {call.method} {call.path}: {problem}", follow_command
                )
        return Outcome(scenario, "passed", "", command, _json(response))
    except httpx.HTTPError as exc:
        return Outcome(scenario, "failed", f"transport error: {exc}")


def run_all(target: Target, scenarios: tuple[Scenario, ...] | None = None) -> Iterator[Outcome]:
    for scenario in scenarios_for(target.vendor.id) if scenarios is None else scenarios:
        yield run(target, scenario)


def curl(method: str, url: str, headers: Mapping[str, str], content: bytes | None) -> str:
    """The request as a copy-paste curl line (the token is shown: it is the user's own)."""
    parts = ["curl", "-s", "-X", method, shlex.quote(url)]
    for name, value in headers.items():
        if name != "X-Mock-Session":
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if content is not None:
        parts += ["-d", shlex.quote(content.decode("utf-8", errors="replace"))]
    return " ".join(parts)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _dig(value: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value
