"""A Wethod projects client (requests), as an integration team would write it."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.clients._retry import MAX_ATTEMPTS, Sleep, retry_delay

API_VERSION = "2024-06-15"


class WethodError(Exception):
    def __init__(
        self, status: int, key: str, message: str, failures: list[dict[str, Any]] | None = None
    ) -> None:
        self.status = status
        self.key = key
        self.failures = failures or []
        super().__init__(f"{status} {key}: {message}")


class WhitelistNotEmptyError(WethodError):
    """412 precondition_failure: the timesheet whitelist still has people (WET-9)."""


class RateLimitedError(WethodError):
    pass


class WethodClient:
    def __init__(self, base_url: str, token: str, company: str, *, sleep: Sleep = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.headers.update(
            {"Authorization": f"Bearer {token}", "Wethod-Company": company, "Wethod-Version": API_VERSION}
        )
        self.sleep = sleep

    def update_project(self, project_id: int, **fields: Any) -> dict[str, Any]:
        return self._send("PATCH", f"/api/projects/{project_id}", json=self.body(fields))

    def body(self, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(fields)

    def disable_whitelist(self, project_id: int) -> dict[str, Any]:
        return self.update_project(project_id, is_timesheet_whitelist_enabled=False)

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in range(MAX_ATTEMPTS):
            response = self.http.request(method, self.base_url + path, timeout=10, **kwargs)
            if response.status_code == 429 and attempt + 1 < MAX_ATTEMPTS:
                self.sleep(retry_delay(response.headers, "x-ratelimit-retry-after", attempt))
                continue
            break
        if response.ok:
            data: dict[str, Any] = response.json()
            return data
        error = response.json()
        kind = {412: WhitelistNotEmptyError, 429: RateLimitedError}.get(response.status_code, WethodError)
        raise kind(
            response.status_code, error.get("key", ""), error.get("message", ""), error.get("failures")
        )
