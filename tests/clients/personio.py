"""A Personio v2 projects client (httpx), as an integration team would write it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.clients._retry import MAX_ATTEMPTS, Sleep, retry_delay


class PersonioError(Exception):
    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        self.status = status
        self.titles = [e.get("title", "") for e in errors]
        super().__init__(f"{status}: {'; '.join(self.titles)}")


class DuplicateProjectError(PersonioError):
    """422 "Duplicate project name." / "Duplicate project code."."""


class RateLimitedError(PersonioError):
    pass


@dataclass
class Project:
    id: str
    name: str
    description: str
    start: str | None
    end: str | None


class PersonioProjects:
    def __init__(self, base_url: str, token: str, *, sleep: Sleep = time.sleep) -> None:
        self.http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        self.sleep = sleep

    def update(self, project_id: str, **fields: Any) -> None:
        self._send("PATCH", f"/v2/projects/{project_id}", json=self.body(fields))

    def body(self, fields: dict[str, Any]) -> dict[str, Any]:
        body = dict(fields)
        for name in ("start", "end"):
            if isinstance(body.get(name), str):
                body[name] = {"date": body[name]}
        return body

    def get(self, project_id: str) -> Project:
        return self.parse(self._send("GET", f"/v2/projects/{project_id}").json())

    def parse(self, data: dict[str, Any]) -> Project:
        return Project(
            id=data["id"],
            name=data["name"],
            description=(data.get("description") or "").strip(),
            start=(data.get("start") or {}).get("date"),
            end=(data.get("end") or {}).get("date"),
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(MAX_ATTEMPTS):
            response = self.http.request(method, path, **kwargs)
            if response.status_code == 429 and attempt + 1 < MAX_ATTEMPTS:
                self.sleep(retry_delay(response.headers, "Retry-After", attempt))
                continue
            break
        if response.is_success:
            return response
        errors = _errors(response)
        if response.status_code == 429:
            raise RateLimitedError(429, errors)
        if response.status_code == 422 and any(e.get("title", "").startswith("Duplicate") for e in errors):
            raise DuplicateProjectError(422, errors)
        raise PersonioError(response.status_code, errors)


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        errors = response.json().get("errors")
    except ValueError:
        return [{"title": response.text[:200]}]
    return errors if isinstance(errors, list) else []
