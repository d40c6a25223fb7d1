"""Uniqueness and preconditions hold under concurrent requests on a real server: names, codes,
keys and external ids each have exactly one winner among 64 racers, and a whitelist never ends
disabled while it still has people."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mockserver.core.checks import normalized
from tests.fixtures.live import LiveServer

RACERS = 64
Call = tuple[str, str, Any]


def fresh_session(server: LiveServer, vid: str, copies: int, field: str | None) -> tuple[str, list[Any]]:
    """A private session whose state holds ``copies`` clones of a fixture project."""
    session = f"race-{uuid.uuid4()}"
    with httpx.Client(base_url=server.url, timeout=30) as client:
        state = client.get(f"/__admin/state/{vid}", headers={"X-Mock-Session": session}).json()
        template = next(iter(state["projects"].values()))
        ids = [_new_id(template["id"], i) for i in range(copies)]
        for i, new_id in enumerate(ids):
            clone = {**template, "id": new_id, "name": f"Racer {i}"}
            if field:
                clone[field] = f"racer-{i}"
            state["projects"][str(new_id)] = clone
        response = client.put(f"/__admin/state/{vid}", json=state, headers={"X-Mock-Session": session})
        assert response.status_code == 200, response.text
    return session, ids


def _new_id(like: Any, i: int) -> Any:
    if isinstance(like, str) and len(like) == 36:  # a UUID (Ruddr)
        return f"00000000-0000-4000-8000-{900_000 + i:012d}"
    return type(like)(900_000 + i)


def race(server: LiveServer, vid: str, session: str, calls: Sequence[Call]) -> list[int]:
    vendor = server.app.vendors[vid]
    headers = {"X-Mock-Session": session, "Authorization": "Bearer test-token", **vendor.sample_headers}

    def send(call: Call) -> int:
        method, path, body = call
        with httpx.Client(base_url=server.url + vendor.prefix, timeout=30) as client:
            return client.request(method, path, json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def state(server: LiveServer, vid: str, session: str) -> dict[str, Any]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        document: dict[str, Any] = client.get(
            f"/__admin/state/{vid}", headers={"X-Mock-Session": session}
        ).json()
        return document


@pytest.mark.parametrize(
    ("vid", "field", "value", "loser"),
    [
        ("personio", "name", "Winner Takes All", 422),
        ("zep", "name", "Winner Takes All", 422),
        ("personio", "project_code", "ONE-CODE", 422),
        ("ruddr", "key", "one-key", 409),
    ],
)
def test_64_concurrent_writes_of_one_unique_value_leave_one_winner(
    live_server: LiveServer, vid: str, field: str, value: str, loser: int
) -> None:
    session, ids = fresh_session(live_server, vid, RACERS, None if field == "name" else field)
    base = live_server.app.vendors[vid].sample.path.rsplit("/", 1)[0]
    statuses = race(live_server, vid, session, [("PATCH", f"{base}/{i}", {field: value}) for i in ids])
    assert sum(s < 300 for s in statuses) == 1, statuses
    assert all(s == loser for s in statuses if s >= 300), statuses
    holders = [
        p
        for p in state(live_server, vid, session)["projects"].values()
        if normalized(p.get(field)) == normalized(value)
    ]
    assert len(holders) == 1


def test_64_concurrent_creates_of_one_external_id_leave_one_project(live_server: LiveServer) -> None:
    session = f"race-{uuid.uuid4()}"
    body = {"metadata": {"source": "JIRA"}, "id": "RACE-1", "name": "Raced project"}
    statuses = race(live_server, "cor", session, [("POST", "/v2/integrations/projects", body)] * RACERS)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == RACERS - 1, statuses
    projects = state(live_server, "cor", session)["projects"].values()
    assert sum(p.get("external_id") == "RACE-1" and p.get("source") == "JIRA" for p in projects) == 1


def test_concurrent_whitelist_removal_and_disable_never_leave_a_disabled_whitelist_with_people(
    live_server: LiveServer,
) -> None:
    for _round in range(5):
        session = f"race-{uuid.uuid4()}"
        entries = [
            e["id"]
            for e in state(live_server, "wethod", session)["whitelists"].values()
            if e["project_id"] == 42
        ]
        assert entries
        calls: list[Call] = [("DELETE", f"/api/timesheet-whitelists/{e}", None) for e in entries]
        calls += [("PATCH", "/api/projects/42", {"is_timesheet_whitelist_enabled": False})] * 16
        statuses = race(live_server, "wethod", session, calls)
        assert set(statuses) <= {200, 412}, statuses
        final = state(live_server, "wethod", session)
        left = [e for e in final["whitelists"].values() if e["project_id"] == 42]
        enabled = final["projects"]["42"]["is_timesheet_whitelist_enabled"]
        assert left == []  # every removal acknowledged
        assert enabled or not left
        if 200 in statuses[len(entries) :]:
            assert enabled is False
