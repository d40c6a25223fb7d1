"""A COR integrations client (httpx), as an integration team would write it."""

from __future__ import annotations

from typing import Any

import httpx


class CorError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        self.status = status
        self.error = error
        super().__init__(f"{status} {error}: {message}")


class CorClient:
    def __init__(self, base_url: str, token: str, source: str) -> None:
        self.http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        self.source = source

    def upsert_fields(self, external_id: str, **fields: Any) -> dict[str, Any]:
        body = {"metadata": {"source": self.source}, **fields}
        response = self.http.put(f"/v2/integrations/projects/{external_id}", json=body)
        data = response.json()
        if response.is_success:
            project: dict[str, Any] = data
            return project
        raise CorError(response.status_code, data.get("error", ""), data.get("message", ""))
