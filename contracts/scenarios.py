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
from mockserver.core.schema import STRICT_DECODER
from mockserver.core.vendor import Vendor

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""What would break a report line or reach the terminal as a control sequence (ESC)."""


class BadAnswerError(Exception):
    """An answer a scenario cannot read (not strict JSON, or without the value it needs): the
    scenario fails with this message, as for any other wrong answer."""


class AdminRefusedError(Exception):
    """The mock's root URL was given, and its admin API answered 401: without the admin API
    nothing runs where the caller meant (the scenarios would hit the root, not the vendor)."""


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
    admin_refusal: str = ""
    """Why the mock's admin API is not used when it answered 401 (no admin token, or a wrong one)."""

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
        admin, refusal = _admin_root(client, root, vendor, admin_token)
        if admin is not None:
            base = root + vendor.prefix  # the mock's root URL is enough: it knows where the vendor lives
        elif refusal and base == root:
            raise AdminRefusedError(refusal)
        headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        return cls(vendor, client, base, token or DEFAULT_TOKEN, admin, headers, refusal)


@dataclass
class _Run:
    target: Target
    session: str = field(default_factory=lambda: f"scenario-{uuid.uuid4().hex[:12]}")
    names: dict[str, Any] = field(default_factory=dict)
    last: str = ""
    """The curl line of the last call sent: what a failure shows to reproduce it."""

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
        self.last = curl(call.method, url, headers, content)
        response = self.target.client.request(call.method, url, content=content, headers=headers)
        return response, self.last

    def check(self, call: Call, response: httpx.Response) -> str:
        answer = answer_of(response)
        if call.status is None:
            if not 200 <= response.status_code < 300:
                return f"expected a 2xx, got {response.status_code}: {excerpt(response)}"
        elif response.status_code != call.status:
            return f"expected {call.status}, got {response.status_code}: {excerpt(response)}"
        if call.expect is not None and not matches(self.fill(call.expect), answer):
            wanted = json.dumps(call.expect, default=repr)[:300]  # repr: ANY is no JSON value
            return f"the answer does not match {wanted}: {excerpt(response)}"
        if call.save:
            document = read_json(response)
            for name, path in call.save.items():
                self.names[name] = _dig(document, path, response)
        return ""

    def state(self) -> Any:
        root = self.target.admin_root
        response = self.target.client.get(
            f"{root}/__admin/state/{self.target.vendor.id}",
            headers={"X-Mock-Session": self.session, **self.target.admin_headers},
        )
        response.raise_for_status()
        return read_json(response)

    def arrange(self, given: Mapping[str, Mapping[str, Any]]) -> None:
        document = _object(self.state(), "the mock's state")
        for collection, records in given.items():
            stored = _object(document.get(collection), f"the mock's state of {collection!r}")
            for record_id, record in records.items():
                old = _object(stored.get(str(record_id), {}), f"the record {collection}/{record_id}")
                stored[str(record_id)] = {**old, **record}
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
        reason = "needs the mock's admin API (fixture state or tokens)"
        if target.admin_refusal:
            reason += f"; {target.admin_refusal}"
        return Outcome(scenario, "skipped", reason)
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
            return Outcome(scenario, "failed", problem, command, answer_of(response))
        if before is not None and attempt.state() != before:
            return Outcome(scenario, "failed", "the rejected request changed the state (GEN-4)", command)
        for call in scenario.then:
            follow, follow_command = attempt.send(call)
            problem = attempt.check(call, follow)
            if problem:
                return Outcome(
                    scenario, "failed", f"then {call.method} {call.path}: {problem}", follow_command
                )
        return Outcome(scenario, "passed", "", command, answer_of(response))
    except httpx.InvalidURL as exc:  # a value saved from an answer does not fit in a URL
        return Outcome(scenario, "failed", f"cannot send the request: {exc}", attempt.last)
    except httpx.HTTPError as exc:
        return Outcome(scenario, "failed", f"transport error: {exc}", attempt.last)
    except BadAnswerError as exc:
        return Outcome(scenario, "failed", str(exc), attempt.last)


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


def read_json(response: httpx.Response) -> Any:
    """The answer's strict JSON (GEN-13: UTF-8, no NaN, no number a double cannot hold), so that
    no answer, however hostile, raises anything but :class:`BadAnswerError`: ``json.loads``
    raises RecursionError on deep nesting, and takes NaN. Unlike a request body, an answer may
    be large (a mock seeded with 100,000 projects, a tenant's unpaged list): no size cap."""
    try:
        return STRICT_DECODER.decode(response.content.decode("utf-8"))
    except RecursionError:
        problem = "nested too deeply to read"
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, an over-long integer, ours
        problem = str(exc)
    raise BadAnswerError(f"{_described(response)} is not JSON ({problem}): {excerpt(response)}")


def answer_of(response: httpx.Response) -> Any:
    """The answer's JSON, or its text when it is none (to match against, to show)."""
    try:
        return read_json(response)
    except BadAnswerError:
        return response.text


def mock_enforces_rate_limits(client: httpx.Client, root: str) -> bool:
    """Whether the mock at ``root`` was started with ``--rate-limits`` (its health answer says)."""
    try:
        document = answer_of(client.get(f"{root}/__admin/health"))
    except (httpx.HTTPError, BadAnswerError):
        return True  # unknown: keep to the limits, as against the real API
    return not isinstance(document, dict) or document.get("rate_limits") is not False


def mock_vendors(health: httpx.Response) -> list[Any]:
    """The vendors a mock's ``/__admin/health`` answer lists; none for any other answer."""
    if health.status_code != 200:
        return []
    document = answer_of(health)
    listed = document.get("vendors") if isinstance(document, dict) else None
    return listed if isinstance(listed, list) else []


def excerpt(response: httpx.Response, limit: int = 300) -> str:
    """The start of the answer's text on one line, control characters escaped."""
    return one_line(response.text[:limit])


def one_line(text: str) -> str:
    """``text`` without line breaks or control characters (escaped): a target's words must stay
    on their report line and cannot drive the terminal."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _described(response: httpx.Response) -> str:
    kind = response.headers.get("Content-Type", "no content type")
    request = response.request
    return one_line(f"the answer to {request.method} {request.url.path} ({response.status_code}, {kind})")


def _admin_root(
    client: httpx.Client, root: str, vendor: Vendor, admin_token: str | None
) -> tuple[str | None, str]:
    """``(root, "")`` when the mock's admin API answers there, knows ``vendor`` and lets us in;
    ``(None, why)`` when that mock's admin API answered 401; else ``(None, "")``, whatever the
    answers (a broken or hostile target simply has no admin API)."""
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    try:
        if vendor.id not in mock_vendors(client.get(f"{root}/__admin/health")):
            return None, ""
        status = client.get(f"{root}/__admin/rules", headers=headers).status_code
    except httpx.HTTPError:
        return None, ""
    if status == 401:  # a protected mock: its health check is open (README), the rest is not
        where = f"the mock's admin API at {root}/__admin answered 401"
        if admin_token:
            return None, f"{where} (it refused the admin token): check --admin-token"
        return None, f"{where} (no admin token): pass --admin-token"
    if admin_token and status != 200:
        return None, ""
    return root, ""


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadAnswerError(f"{what} is not a JSON object: {one_line(json.dumps(value)[:300])}")
    return value


def _dig(value: Any, path: str, response: httpx.Response) -> Any:
    """The value at a dotted path of an answer (``results.0.client.id``)."""
    for part in path.split(".") if path else []:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isascii() and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise BadAnswerError(f"{_described(response)} has no `{path}`: {excerpt(response)}")
    return value
