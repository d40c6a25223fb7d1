"""Uniqueness holds under concurrent requests on a real server (store transactions + session lock)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from mockserver.core.checks import normalized
from tests.fixtures.live import LiveServer

RACERS = 32


@pytest.mark.parametrize("vid", ["personio", "zep"])
def test_32_concurrent_renames_to_one_name_leave_one_winner(live_server: LiveServer, vid: str) -> None:
    vendor = live_server.app.vendors[vid]
    session = f"race-{uuid.uuid4()}"
    admin = {"X-Mock-Session": session}
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        state = client.get(f"/__admin/state/{vid}", headers=admin).json()
        template = next(iter(state["projects"].values()))
        id_type = type(template["id"])
        ids = [id_type(900_000 + i) for i in range(RACERS)]
        for i, new_id in enumerate(ids):
            state["projects"][str(new_id)] = {
                **template,
                "id": new_id,
                "name": f"Racer {i}",
                "project_code": None,
            }
        assert client.put(f"/__admin/state/{vid}", json=state, headers=admin).status_code == 200

    method = "PATCH"
    headers = {**admin, "Authorization": "Bearer test-token", **vendor.sample_headers}
    path = vendor.sample.path.rsplit("/", 1)[0]

    def rename(project_id: object) -> int:
        with httpx.Client(base_url=live_server.url + vendor.prefix, timeout=30) as c:
            return c.request(
                method, f"{path}/{project_id}", json={"name": "Winner Takes All"}, headers=headers
            ).status_code

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        statuses = list(pool.map(rename, ids))

    winners = [s for s in statuses if s < 300]
    assert len(winners) == 1, statuses
    assert all(s == 422 for s in statuses if s >= 300), statuses
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        projects = client.get(f"/__admin/state/{vid}", headers=admin).json()["projects"]
    holders = [p for p in projects.values() if normalized(p.get("name")) == normalized("Winner Takes All")]
    assert len(holders) == 1
