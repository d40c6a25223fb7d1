"""The correct clients pass under the pytest plugin: every request they send conforms to the
vendor spec (the ``mock`` fixture fails the test otherwise) and they handle the documented
unpleasant answers: business-rule errors, and 429 with the vendor's retry header."""

from __future__ import annotations

import pytest

from contracts import fuzz_client
from contracts.mock_session import MockSession
from mockserver.live import LiveServer
from tests.clients.cor import CorClient, CorError
from tests.clients.personio import DuplicateProjectError, PersonioProjects, RateLimitedError
from tests.clients.ruddr import RuddrClient, RuddrError
from tests.clients.wethod import WethodClient, WhitelistNotEmptyError
from tests.clients.zep import ZepClient, ZepValidationError

RUDDR_PROJECT = "572e66b1-60a6-4935-853f-b59b053112e6"


class Sleeps(list[float]):
    """A ``sleep`` that records instead of waiting: retries are checked, not waited for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_personio_client_updates_and_reads_back(mock: MockSession) -> None:
    client = PersonioProjects(mock.url("personio"), mock.token)
    client.update("1001", name="Website Relaunch 2025", end="2025-09-30")
    project = client.get("1001")
    assert (project.name, project.end) == ("Website Relaunch 2025", "2025-09-30")
    assert mock.record("personio", "projects", "1001")["end"] == {"date": "2025-09-30"}


def test_personio_client_raises_its_own_error_on_a_duplicate_name(mock: MockSession) -> None:
    client = PersonioProjects(mock.url("personio"), mock.token)
    with pytest.raises(DuplicateProjectError, match="Duplicate project name"):
        client.update("1001", name="Internal Tools")
    assert mock.journal("personio")[-1]["rules"][:1] == ["PER-4"]


def test_wethod_client_reports_the_whitelist_precondition(mock: MockSession) -> None:
    client = WethodClient(mock.url("wethod"), mock.token, "acme")
    with pytest.raises(WhitelistNotEmptyError) as caught:
        client.disable_whitelist(42)
    assert caught.value.status == 412
    assert mock.record("wethod", "projects", 42)["is_timesheet_whitelist_enabled"] is True


def test_wethod_client_update_returns_the_project(mock: MockSession) -> None:
    client = WethodClient(mock.url("wethod"), mock.token, "acme")
    project = client.update_project(42, name="Website redesign (phase 2)", probability=90)
    assert (project["name"], project["probability"]) == ("Website redesign (phase 2)", 90)


def test_zep_client_reports_validation_errors_by_field(mock: MockSession) -> None:
    client = ZepClient(mock.url("zep"), mock.token)
    with pytest.raises(ZepValidationError) as caught:
        client.update_project(123, name="Intranet", end_date="2000-01-01")
    assert set(caught.value.errors) == {"name", "end_date"}
    assert client.update_project(123, plan_hours=640)["plan_hours"] == "640.00"


def test_ruddr_client_updates_and_reports_a_date_range_error(mock: MockSession) -> None:
    client = RuddrClient(mock.url("ruddr"), mock.token)
    assert client.update_project(RUDDR_PROJECT, name="Website Redesign 2.0")["name"] == "Website Redesign 2.0"
    with pytest.raises(RuddrError) as caught:
        client.update_project(RUDDR_PROJECT, end="2025-02-28")
    assert caught.value.status == 400


def test_cor_client_reports_an_invalid_date_range(mock: MockSession) -> None:
    client = CorClient(mock.url("cor"), mock.token, "SALESFORCE")
    assert client.upsert_fields("SF-OPP-12345", estimated_time=250)["estimated_time"] == 250
    with pytest.raises(CorError) as caught:
        client.upsert_fields("SF-OPP-12345", end="2025-01-01")
    assert caught.value.error == "InvalidDateRangeError"


COR_1 = {
    "ValidationError": 400,
    "InvalidSourceError": 400,
    "InvalidDateRangeError": 400,
    "ProjectNotFoundError": 404,
    "ClientNotFoundError": 404,
    "DuplicateExternalIdError": 409,
}
"""The status COR-1 gives each documented error name."""


def test_a_cor_client_that_trusts_cor_1_survives_every_documented_answer(mock_server: LiveServer) -> None:
    def update(base_url: str) -> None:
        try:
            CorClient(base_url, "test-token", "SALESFORCE").upsert_fields("SF-OPP-12345", name="Renamed")
        except CorError as error:
            # e.g. a client that reads a 404 as "project or client missing" by its name
            if COR_1.get(error.error, error.status) != error.status:
                raise AssertionError(f"COR answered {error.error} with {error.status}") from error

    report = fuzz_client(update, "cor", operations=["updateProject"], max_examples=40, server=mock_server)
    report.raise_for_failure()


@pytest.mark.parametrize(
    ("vendor", "header"), [("wethod", "x-ratelimit-retry-after"), ("zep", "retry-after"), ("ruddr", None)]
)
def test_clients_wait_as_the_vendor_says_after_a_429(
    mock: MockSession, vendor: str, header: str | None
) -> None:
    mock.fault(vendor, status=429, times=1)
    sleeps = Sleeps()
    update = {
        "wethod": lambda: WethodClient(mock.url("wethod"), mock.token, "acme", sleep=sleeps).update_project(
            42, probability=90
        ),
        "zep": lambda: ZepClient(mock.url("zep"), mock.token, sleep=sleeps).update_project(
            123, plan_hours=640
        ),
        "ruddr": lambda: RuddrClient(mock.url("ruddr"), mock.token, sleep=sleeps).update_project(
            RUDDR_PROJECT, name="Website Redesign 2.0"
        ),
    }[vendor]
    update()
    first, second = mock.journal(vendor)
    assert (first["status"], first["fault"]["status"], second["status"]) == (429, 429, 200)
    told = first["response"]["headers"].get(header) if header else None
    # with a retry header the client waits what it says; without one (Ruddr), the documented 1 s backoff
    assert sleeps == [float(told) if told else 1.0]


def test_a_client_that_keeps_getting_429_gives_up_with_its_own_error(mock: MockSession) -> None:
    mock.fault("personio", status=429)
    client = PersonioProjects(mock.url("personio"), mock.token, sleep=Sleeps())
    with pytest.raises(RateLimitedError):
        client.update("1001", name="Website Relaunch 2025")
    assert len(mock.journal("personio")) == 4
