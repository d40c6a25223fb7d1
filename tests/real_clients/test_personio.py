"""Personio clients from PyPI, unchanged but for their base URL, against a named session of the
mock (issue 15): dlt-source-personio's REST client gets a token from ``/v2/auth/token`` and pages
a filtered project list by ``_meta.links.next.href``; personio-client gets its tokens.

Each client runs in its own virtualenv under ``.bench/real-clients/`` (see ``venvs.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from contracts.mock_session import MockSession
from tests.real_clients.clients import DLT_PERSONIO, PERSONIO_CLIENT
from tests.real_clients.venvs import DRIVERS, run_client

FULL = ("papi-client-full", "papi-secret-full")
PAGE = 50  # what dlt-source-personio asks for (its V2_MAX_PAGE_LIMIT)


def _projects(count: int) -> list[dict[str, Any]]:
    """Top-level projects 2001...; every fifth archived, so the status filter has work to do."""
    return [
        {
            "id": str(2000 + n),
            "name": f"Synced project {n}",
            "status": "ARCHIVED" if n % 5 == 0 else "ACTIVE",
            "project_code": f"SYNC-{n}",
            "description": None,
            "cost_center": None,
            "assigned_to_all": False,
            "parent_project": None,
            "start": None,
            "end": None,
            "billable": False,
            "client_name": None,
            "project_type": None,
            "created_at": "2025-01-06T09:00:00Z",
            "updated_at": "2025-01-06T09:00:00Z",
        }
        for n in range(1, count + 1)
    ]


def test_PER_14_GEN_8_dlt_source_personio_pages_a_filtered_list_of_a_named_session(
    mock: MockSession, tmp_path: Path
) -> None:
    python = DLT_PERSONIO.python_bin()
    mock.seed("personio", "projects", *_projects(130))
    projects = mock.state("personio")["projects"]
    active = sorted((pid for pid, p in projects.items() if p["status"] == "ACTIVE"), key=int)
    assert len(active) > 2 * PAGE and len(active) < len(projects)

    credentials = {"PERSONIO_CLIENT_ID": FULL[0], "PERSONIO_CLIENT_SECRET": FULL[1]}
    out = run_client(
        [python, DRIVERS / "run_dlt_personio.py", mock.url("personio"), "status=ACTIVE"],
        tmp_path,
        env={**credentials, "RUNTIME__DLTHUB_TELEMETRY": "false"},
    )
    pages = json.loads(out)

    assert [pid for page in pages for pid in page] == active  # every active project once, in order
    assert [len(page) for page in pages] == [PAGE, PAGE, len(active) - 2 * PAGE]
    # the token and every page came to this session: the next links kept /__session/NAME
    calls = mock.journal("personio")
    assert [(e["operation"], e["status"]) for e in calls] == [("createAccessToken", 200)] + [
        ("listProjects", 200)
    ] * len(pages)
    assert all("status=ACTIVE" in e["query"] for e in calls[1:])  # the links kept the filter
    assert all("cursor=" in e["query"] for e in calls[2:])


def test_GEN_8_personio_client_gets_its_tokens_from_the_named_session(
    mock: MockSession, tmp_path: Path
) -> None:
    python = PERSONIO_CLIENT.python_bin()

    def token(*args: str) -> dict[str, Any]:
        out = run_client([python, DRIVERS / "run_personio_client.py", mock.url("personio"), *args], tmp_path)
        found: dict[str, Any] = json.loads(out)
        return found

    full = token(*FULL)
    assert (full["token_type"], full["expires_in"]) == ("Bearer", 86400)
    assert full["scope"] == "projects:read projects:write"
    narrowed = token(*FULL, "projects:read")
    assert narrowed["scope"] == "projects:read"
    wrong = token(FULL[0], "not-the-secret")
    assert wrong["status"] == 400
    assert wrong["message"].startswith("unauthorized_client: ")  # it read the documented OAuth error

    def bearer(answer: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {answer['access_token']}"}

    listed = httpx.get(mock.url("personio") + "/v2/projects", headers=bearer(full), timeout=10)
    assert listed.status_code == 200
    renamed = httpx.patch(
        mock.url("personio") + "/v2/projects/1001",
        json={"name": "Read only"},
        headers=bearer(narrowed),
        timeout=10,
    )
    assert renamed.status_code == 403  # the narrowed scope holds (PER-13)
    # a token lives in the session that issued it: the default session does not know it
    elsewhere = httpx.get(mock.base_url + "/personio/v2/projects", headers=bearer(full), timeout=10)
    assert elsewhere.status_code == 401
