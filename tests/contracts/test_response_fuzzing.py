"""contracts.fuzz_client: a client that breaks on a documented answer is caught, shrunk and shown."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contracts import FuzzClientReport, fuzz_client
from contracts.response_fuzzing import FuzzClientError
from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.live import LiveServer

AUTH = {"Authorization": "Bearer test-token"}
# one connection pool for every example: a new httpx client per call costs ~40 ms (TLS context)
HTTP = httpx.Client(timeout=10)


class ClientError(Exception):
    """The typed error a careful client raises for an answer it cannot use."""


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(create_app(ServerConfig(vendors=("personio",)))) as running:
        yield running


def project(base_url: str) -> dict[str, Any]:
    response = HTTP.get(f"{base_url}/v2/projects/1001", headers=AUTH)
    if response.status_code != 200:
        raise ClientError(f"Personio answered {response.status_code}")
    body: dict[str, Any] = response.json()
    return body


def shouting_client(base_url: str) -> str:
    """Assumes a description is always there: Personio documents it as nullable."""
    description: str = project(base_url)["description"].upper()
    return description


def start_date_client(base_url: str) -> str:
    """Assumes every project has a start: Personio documents ``start`` as nullable."""
    date: str = project(base_url)["start"]["date"]
    return date


def careful_client(base_url: str) -> tuple[str, str | None]:
    body = project(base_url)
    start = body.get("start") or {}
    return (body.get("description") or "").upper(), start.get("date")


def test_a_client_that_upper_cases_a_nullable_field_fails_with_the_null_shown(server: LiveServer) -> None:
    report = fuzz_client(
        shouting_client,
        "personio",
        operations=["getProject"],
        handled=(ClientError,),
        max_examples=40,
        server=server,
    )
    assert not report.ok
    assert report.failure is not None
    assert isinstance(report.failure.exception, AttributeError)
    (call,) = report.failure.calls
    assert (call.operation, call.status, call.fuzzed) == ("getProject", 200, True)
    assert call.body["description"] is None
    # shrunk: the other nullable fields are back to values, so the null that matters stands out
    assert [name for name, value in call.body.items() if value is None] == ["description"]
    # the examples up to the first failure and the shrinking after it are counted apart
    assert report.examples >= 1 and report.shrink_steps >= 1 and not report.shrink_stopped
    text = str(report)
    assert f"{report.examples} examples, {report.shrink_steps} shrink steps; " in text
    assert '"description": null' in text
    assert "shouting_client" in text  # the client's traceback
    with pytest.raises(FuzzClientError, match="AttributeError"):
        report.raise_for_failure()


def test_a_client_that_reads_a_field_of_a_null_object_is_caught(server: LiveServer) -> None:
    report = fuzz_client(
        start_date_client,
        "personio",
        operations=["getProject"],
        statuses=[200],
        max_examples=30,
        server=server,
    )
    assert report.failure is not None
    assert isinstance(report.failure.exception, TypeError)
    assert report.failure.calls[0].body["start"] is None


def test_a_careful_client_passes(server: LiveServer) -> None:
    report = fuzz_client(careful_client, "personio", handled=(ClientError,), max_examples=30, server=server)
    assert report.ok, str(report)
    assert (report.examples, report.shrink_steps) == (30, 0)
    assert "handled every answer" in str(report)
    report.raise_for_failure()


def test_handled_exceptions_count_as_graceful_and_others_do_not(server: LiveServer) -> None:
    def client(base_url: str) -> None:
        careful_client(base_url)

    unhandled = fuzz_client(client, "personio", operations=["getProject"], max_examples=30, server=server)
    assert unhandled.failure is not None
    assert isinstance(unhandled.failure.exception, ClientError)
    assert unhandled.failure.calls[0].status >= 400  # shrunk to an error answer the client refuses


def test_calls_past_the_plan_and_to_other_routes_are_answered_normally(server: LiveServer) -> None:
    class DoneError(Exception):
        """Ends every example, so the report lists every call the client made."""

    def client(base_url: str) -> None:
        for _ in range(4):
            HTTP.get(f"{base_url}/v2/projects/1001", headers=AUTH)
        HTTP.get(f"{base_url}/v2/projects/1001/members", headers=AUTH)
        raise DoneError

    report = fuzz_client(client, "personio", operations=["getProject"], max_examples=5, server=server)
    assert report.failure is not None
    calls = report.failure.calls
    assert [c.operation for c in calls] == ["getProject"] * 4 + ["listProjectMembers"]
    assert calls[0].fuzzed
    assert not calls[3].fuzzed and calls[3].body["id"] == "1001"  # the fixture project
    assert not calls[4].fuzzed and calls[4].status == 200


def test_the_same_seed_finds_the_same_smallest_case(server: LiveServer) -> None:
    def run() -> FuzzClientReport:
        return fuzz_client(
            start_date_client, "personio", operations=["getProject"], max_examples=20, seed=7, server=server
        )

    first, again = run(), run()
    assert first.failure is not None and again.failure is not None
    assert [c.body for c in first.failure.calls] == [c.body for c in again.failure.calls]


def test_shrinking_stops_at_its_budget_with_the_smallest_failure_found_by_then(server: LiveServer) -> None:
    runs = 0

    def slow_client(base_url: str) -> str:
        nonlocal runs
        runs += 1
        time.sleep(0.25)  # a client whose every run costs real time, as integration clients do
        return shouting_client(base_url)

    started = time.monotonic()
    report = fuzz_client(
        slow_client,
        "personio",
        operations=["getProject"],
        handled=(ClientError,),
        max_examples=40,
        server=server,
        shrink_seconds=1.0,
    )
    elapsed = time.monotonic() - started
    assert report.failure is not None and report.shrink_stopped
    assert isinstance(report.failure.exception, AttributeError)
    assert report.failure.calls[0].body["description"] is None  # a failing case, if not the smallest
    # unbounded, this shrink takes some 60 runs (15 s at this speed); the budget allows about 4
    assert 1 <= report.shrink_steps <= 6 and runs == report.examples + report.shrink_steps
    assert elapsed < report.examples * 0.5 + 1.0 + 5.0
    text = str(report)
    assert "shrink steps (stopped by the 1 s shrink budget)" in text
    assert "Smallest failing case found: the answers to its 1 call(s)" in text
    assert not report.flaky


def test_a_zero_shrink_budget_reports_the_first_failing_example(server: LiveServer) -> None:
    report = fuzz_client(
        shouting_client,
        "personio",
        operations=["getProject"],
        handled=(ClientError,),
        max_examples=40,
        server=server,
        shrink_seconds=0,
    )
    assert report.failure is not None and report.shrink_stopped and report.shrink_steps == 0
    assert report.failure.calls[0].body["description"] is None
    with pytest.raises(ValueError, match="shrink_seconds"):
        fuzz_client(shouting_client, "personio", server=server, shrink_seconds=-1)


def test_unknown_operations_and_statuses_are_refused(server: LiveServer) -> None:
    with pytest.raises(ValueError, match="noSuchOperation"):
        fuzz_client(careful_client, "personio", operations=["noSuchOperation"], server=server)
    with pytest.raises(ValueError, match="statuses"):
        fuzz_client(careful_client, "personio", operations=["getProject"], statuses=[201], server=server)
    with pytest.raises(ValueError, match="does not serve"):
        fuzz_client(careful_client, "zep", server=server)


def test_without_a_server_one_is_started_for_the_call() -> None:
    report = fuzz_client(careful_client, "personio", handled=(ClientError,), max_examples=5)
    assert report.ok, str(report)
