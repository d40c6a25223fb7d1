"""tap-ruddr from PyPI against a named session of the mock (issue 15): its projects stream pages
by ``startingAfter``/``hasMore`` and emits every project once; the pytest plugin's report names
the ``dateOnAfter`` it sends, which Ruddr's list does not document (GEN-7).

The tap runs in its own virtualenv under ``.bench/real-clients/`` (see ``venvs.py``); its one
change is the base URL (``drivers/run_tap_ruddr.py``).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from contracts.mock_session import MockSession
from tests.real_clients.clients import TAP_RUDDR, tap_catalog, tap_ruddr_sync

PAGE = 10  # Ruddr's default limit; the tap sends none


def _projects(mock: MockSession, count: int) -> list[dict[str, Any]]:
    """Copies of a fixture project with their own id, name, key and code, one second apart."""
    template = next(iter(mock.state("ruddr")["projects"].values()))
    return [
        template
        | {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"tap-ruddr-{n}")),
            "name": f"Synced project {n}",
            "key": f"synced-{n}",
            "code": f"SYNC-{n}",
            "createdAt": f"2025-06-01T00:00:{n:02d}.000Z",
        }
        for n in range(count)
    ]


@pytest.fixture(scope="module", autouse=True)
def _tap_installed() -> None:
    """Install the tap and discover its catalog before the first test (skips if offline)."""
    TAP_RUDDR.python_bin()
    tap_catalog()


# The tap's dateOnAfter draws a GEN-7 warning on every page: the next test shows that report.
@pytest.mark.mockserver(warnings=False)
def test_RUD_13_tap_ruddr_syncs_every_project_of_the_session_page_by_page(
    mock: MockSession, tmp_path: Path
) -> None:
    mock.seed("ruddr", "projects", *_projects(mock, 18))
    expected = set(mock.state("ruddr")["projects"])
    assert len(expected) == 23

    messages = tap_ruddr_sync(mock.url("ruddr"), mock.token, tmp_path)

    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert {m["stream"] for m in messages if m["type"] in ("SCHEMA", "RECORD")} == {"projects"}
    assert len(records) == len(expected)
    assert {r["id"] for r in records} == expected
    calls = mock.journal("ruddr")
    assert [(e["operation"], e["status"]) for e in calls] == [("listProjects", 200)] * 3  # 10 + 10 + 3
    assert "startingAfter" not in calls[0]["query"]
    assert all("startingAfter=" in e["query"] for e in calls[1:])


def test_GEN_7_the_plugin_reports_the_dateOnAfter_tap_ruddr_sends(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from tests.real_clients.clients import tap_ruddr_sync

        def test_tap_ruddr(mock, tmp_path):
            messages = tap_ruddr_sync(mock.url("ruddr"), mock.token, tmp_path)
            assert sum(m["type"] == "RECORD" for m in messages) == 5  # the fixtures' projects
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:randomly")
    result.assert_outcomes(failed=1)  # by the plugin's check alone: the sync itself passed
    result.stdout.fnmatch_lines(
        [
            "*mockserver: the client sent 1 request(s) that break the vendor spec",
            "*1. GET /ruddr/api/workspace/projects?dateOnAfter=2024-01-01T00%3A00%3A00Z -> 200 (listProjects)",
            "*undocumented query parameter (GEN-7): dateOnAfter: 'dateOnAfter' is not a documented query"
            " parameter of this operation ?GEN-7?",
            "*spec: specs/ruddr.yaml#/paths/~1projects/get/parameters",
            "*documented here: clientId, code, endingBefore, limit, *",
        ]
    )
    result.stdout.no_fnmatch_line("*assert sum*")
