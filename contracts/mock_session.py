"""One isolated session of a running mock, driven through its admin API (what ``mock`` yields).

Everything goes over HTTP, so the same object works on the plugin's in-process server and on a
mock started elsewhere (``--mock-url``). The client under test needs no extra header: its base
URL names the session (``/__session/NAME/<vendor prefix>``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from contracts.client_report import WARNINGS, Problem, client_problems, render
from mockserver.core.vendor import Vendor

__all__ = ["MockSession"]

TEST_TOKEN = "test-token"


class MockSession:
    """A private state of every vendor, its journal and its faults, for one test."""

    def __init__(
        self,
        base_url: str,
        name: str,
        vendors: Mapping[str, Vendor],
        *,
        admin_token: str | None = None,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.vendors = dict(vendors)
        self.token = TEST_TOKEN
        """The built-in token with every permission (INTERFACE.md)."""
        self.check_violations = True
        self.check_warnings = True
        self._admin_url = f"{self.base_url}/__session/{quote(name, safe='')}/__admin"
        self._admin_headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        # Building an httpx client costs ~35 ms (its SSL context): the plugin passes one for all tests.
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)

    # -- what a client needs ------------------------------------------------------------------
    def url(self, vendor: str) -> str:
        """The base URL the client under test uses for ``vendor`` in this session."""
        return f"{self.base_url}/__session/{quote(self.name, safe='')}{self._vendor(vendor).prefix}"

    @property
    def urls(self) -> dict[str, str]:
        return {vid: self.url(vid) for vid in self.vendors}

    @property
    def dashboard_url(self) -> str:
        """This session in the mock's dashboard: its calls, rules, state and faults, in a browser."""
        return f"{self.base_url}/__admin/ui/?session={quote(self.name, safe='')}"

    def headers(self, vendor: str, token: str | None = TEST_TOKEN) -> dict[str, str]:
        """``Authorization`` plus the headers every call of the vendor needs (Wethod's tenant)."""
        headers = dict(self._vendor(vendor).sample_headers)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    # -- state -----------------------------------------------------------------------------------
    def state(self, vendor: str) -> dict[str, Any]:
        """The vendor's whole state: collections of records by id."""
        data: dict[str, Any] = self._call("GET", f"/state/{vendor}").json()
        return data

    def put_state(self, vendor: str, document: Mapping[str, Any]) -> None:
        """Replace the vendor's whole state (checked by the mock; a bad document raises)."""
        self._call("PUT", f"/state/{vendor}", json=document)

    def seed(self, vendor: str, collection: str, *records: Mapping[str, Any]) -> None:
        """Add or replace records (each with its ``id``) in one collection, keeping the rest."""
        document = self.state(vendor)
        for record in records:
            if "id" not in record:
                raise ValueError(f"a {collection} record needs an 'id': {dict(record)}")
            document.setdefault(collection, {})[str(record["id"])] = dict(record)
        self.put_state(vendor, document)

    def record(self, vendor: str, collection: str, record_id: object) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.state(vendor).get(collection, {}).get(str(record_id))
        return found

    def reset(self) -> None:
        """Back to the fixtures; journal and faults cleared."""
        self._call("POST", "/reset")

    # -- journal ---------------------------------------------------------------------------------
    def journal(self, vendor: str | None = None) -> list[dict[str, Any]]:
        """Every call the client made in this session, as the mock saw and answered it."""
        params = {"vendor": vendor} if vendor else None
        entries: list[dict[str, Any]] = self._call("GET", "/requests", params=params).json()["requests"]
        return entries

    def clear_journal(self) -> None:
        self._call("DELETE", "/requests")

    # -- faults ----------------------------------------------------------------------------------
    def fault(
        self,
        vendor: str | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        action: str | None = None,
        latency_ms: int | tuple[int, int] | None = None,
        times: int | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Inject a fault (``POST /__admin/faults``): the next ``times`` matching calls get it.

        ``status=429`` answers the vendor's real 429 (body and retry header); ``action`` is
        ``latency``, ``reset``, ``truncate`` or ``fuzz``; ``path`` is a glob on the vendor's own
        path (``/v2/projects/*``).
        """
        fault: dict[str, Any] = {"vendor": vendor, "method": method, "path": path, "status": status}
        fault |= {"action": action, "times": times, "seed": seed}
        if latency_ms is not None:
            fault["latency_ms"] = list(latency_ms) if isinstance(latency_ms, tuple) else latency_ms
        if body is not None:
            fault["body"] = body
        if headers:
            fault["headers"] = dict(headers)
        sent = {k: v for k, v in fault.items() if v is not None}
        created: dict[str, Any] = self._call("POST", "/faults", json=sent).json()
        return created

    def fuzz_responses(
        self,
        vendor: str | None = None,
        *,
        seed: int = 0,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        times: int | None = None,
    ) -> dict[str, Any]:
        """Answer matching calls with spec-valid adversarial responses, reproducible by ``seed``."""
        return self.fault(
            vendor, method=method, path=path, status=status, action="fuzz", seed=seed, times=times
        )

    def faults(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("GET", "/faults").json()["faults"]
        return found

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # -- the check at the end of a test ----------------------------------------------------------
    def allow_violations(self) -> None:
        """This test sends spec-breaking requests on purpose: do not fail it for them."""
        self.check_violations = False

    def allow_warnings(self) -> None:
        """This test sends undocumented fields or query parameters on purpose (GEN-7): do not fail
        it for them."""
        self.check_warnings = False

    def problems(self) -> list[Problem]:
        """Spec violations and GEN-7 warnings the client drew, as far as this test checks them."""
        spec_paths = {vid: v.spec_path for vid, v in self.vendors.items()}
        found = client_problems(self.journal(), spec_paths)
        return [p for p in found if (self.check_warnings if p.kind in WARNINGS else self.check_violations)]

    def assert_clean(self) -> None:
        """Raise ``AssertionError`` with a readable report if the client broke the spec."""
        __tracebackhide__ = True
        problems = self.problems()
        if problems:
            raise AssertionError(
                f"{render(problems)}\n\nsee this session in the dashboard: {self.dashboard_url}"
            )

    def close(self, *, keep: bool = False) -> None:
        """Forget the session on the server (its memory is freed) and close its own HTTP client.
        ``keep``: leave the session on the server, so :attr:`dashboard_url` still shows it (the
        plugin keeps a failed test's session; ``--max-sessions`` forgets it in time)."""
        try:
            if not keep:
                self.reset()
        finally:
            if self._owns_http:
                self._http.close()

    # -- plumbing --------------------------------------------------------------------------------
    def _vendor(self, vendor: str) -> Vendor:
        try:
            return self.vendors[vendor]
        except KeyError:
            raise KeyError(f"unknown vendor {vendor!r}; served: {sorted(self.vendors)}") from None

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, self._admin_url + path, headers=self._admin_headers, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(
                f"mockserver admin {method} {path} -> {response.status_code}: {_text(response)}"
            )
        return response


def _text(response: httpx.Response) -> str:
    try:
        return json.dumps(response.json())
    except ValueError:
        return response.text[:500]
