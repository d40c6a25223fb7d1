"""The clients of this package with one planted bug each, as integrators really ship them."""

from __future__ import annotations

from typing import Any

from tests.clients.personio import PersonioProjects, Project
from tests.clients.wethod import WethodClient, WethodError
from tests.clients.zep import ZepClient


class WethodProbabilityAsString(WethodClient):
    """Sends ``probability`` as the string a CRM export delivers ("90"): WET-12 says integer."""

    def body(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {k: str(v) if k == "probability" else v for k, v in fields.items()}


class PersonioCamelCaseCode(PersonioProjects):
    """Sends ``projectCode``: an undocumented field, silently ignored by Personio (GEN-7)."""

    def body(self, fields: dict[str, Any]) -> dict[str, Any]:
        body = super().body(fields)
        if "project_code" in body:
            body["projectCode"] = body.pop("project_code")
        return body


class WethodIgnores412(WethodClient):
    """Treats every answer as a project: a 412 comes back as an error body, read as a project."""

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(method, self.base_url + path, timeout=10, **kwargs)
        data: dict[str, Any] = response.json()
        return data


class PersonioIgnores422(PersonioProjects):
    """``raise_for_status`` and nothing else: a duplicate name surfaces as a bare HTTP error."""

    def update(self, project_id: str, **fields: Any) -> None:
        self.http.patch(f"/v2/projects/{project_id}", json=self.body(fields)).raise_for_status()


class ZepIgnores429(ZepClient):
    """No 429 handling at all: the rate limit surfaces as a KeyError on ``data``."""

    def update_project(self, project_id: int, **fields: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.http.patch(f"/projects/{project_id}", json=fields).json()["data"]
        return data


class PersonioNullDescription(PersonioProjects):
    """Assumes ``description`` is always a string; the spec says it is nullable."""

    def parse(self, data: dict[str, Any]) -> Project:
        return Project(
            id=data["id"],
            name=data["name"],
            description=data["description"].strip(),
            start=(data.get("start") or {}).get("date"),
            end=(data.get("end") or {}).get("date"),
        )


class WethodNoRetry(WethodClient):
    """Knows what a 429 is but gives up at once instead of waiting ``x-ratelimit-retry-after``."""

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(method, self.base_url + path, timeout=10, **kwargs)
        if response.status_code == 429:
            raise WethodError(429, "rate_limited", "try again later")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data
