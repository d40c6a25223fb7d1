"""A Ruddr projects client (requests), as an integration team would write it."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.clients._retry import MAX_ATTEMPTS, Sleep, retry_delay


class RuddrError(Exception):
    def __init__(self, status: int, message: str, errors: list[str] | None = None) -> None:
        self.status = status
        self.errors = errors or []
        super().__init__(f"{status}: {message}")


class RuddrClient:
    def __init__(self, base_url: str, token: str, *, sleep: Sleep = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.sleep = sleep

    def update_project(self, project_id: str, **fields: Any) -> dict[str, Any]:
        for attempt in range(MAX_ATTEMPTS):
            response = self.http.patch(f"{self.base_url}/projects/{project_id}", json=fields, timeout=10)
            # Ruddr documents no retry header: exponential backoff, 1 s, 2 s, 4 s, 8 s
            if response.status_code == 429 and attempt + 1 < MAX_ATTEMPTS:
                self.sleep(retry_delay(response.headers, "Retry-After", attempt))
                continue
            break
        body = response.json()
        if not response.ok:
            raise RuddrError(response.status_code, body.get("message", ""), body.get("errors"))
        data: dict[str, Any] = body
        return data
