"""A ZEP projects client (httpx), as an integration team would write it."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.clients._retry import MAX_ATTEMPTS, Sleep, retry_delay


class ZepError(Exception):
    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None) -> None:
        self.status = status
        self.errors = errors or {}
        super().__init__(f"{status}: {message}")


class ZepValidationError(ZepError):
    """422 with Laravel's ``errors`` by field."""


class ZepClient:
    def __init__(self, base_url: str, token: str, *, sleep: Sleep = time.sleep) -> None:
        self.http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=10,
        )
        self.sleep = sleep

    def update_project(self, project_id: int, **fields: Any) -> dict[str, Any]:
        for attempt in range(MAX_ATTEMPTS):
            response = self.http.patch(f"/projects/{project_id}", json=fields)
            if response.status_code == 429 and attempt + 1 < MAX_ATTEMPTS:
                self.sleep(retry_delay(response.headers, "Retry-After", attempt))
                continue
            break
        body = response.json()
        if response.is_success:
            data: dict[str, Any] = body["data"]
            return data
        if response.status_code == 422:
            raise ZepValidationError(422, body.get("message", ""), body.get("errors"))
        raise ZepError(response.status_code, body.get("message", ""))
