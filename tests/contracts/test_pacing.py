"""``mockserver verify`` keeps to a vendor's documented rate limit (``contracts.pacing``)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from contracts.fuzzing import config_for
from contracts.pacing import pacer, schemathesis_rate
from contracts.scenarios import mock_enforces_rate_limits
from contracts.verify import verify
from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.core.vendor import discover_vendors
from mockserver.live import LiveServer

VENDORS = discover_vendors(["ruddr", "zep"])


class FakeTime:
    """A clock that only sleeping moves."""

    def __init__(self) -> None:
        self.now = 10.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pacer_lets_ruddrs_burst_through_then_waits_for_the_bucket() -> None:
    fake = FakeTime()
    pace = pacer(
        VENDORS["ruddr"].rate_limit or pytest.fail("Ruddr documents a limit"), fake.sleep, fake.clock
    )
    call = httpx.Request("GET", "http://127.0.0.1:1/ruddr/api/workspace/projects")
    for _ in range(60):
        pace(call)
    assert fake.slept == []
    for _ in range(20):
        pace(call)
    assert sum(fake.slept) == pytest.approx(1.0)  # 20 more a second


def test_the_pacer_never_holds_the_mocks_admin_calls() -> None:
    fake = FakeTime()
    pace = pacer(
        VENDORS["ruddr"].rate_limit or pytest.fail("Ruddr documents a limit"), fake.sleep, fake.clock
    )
    for _ in range(500):
        pace(httpx.Request("GET", "http://127.0.0.1:1/__admin/state/ruddr"))
    assert fake.slept == []


def test_zeps_block_is_never_met_by_a_paced_run() -> None:
    fake = FakeTime()
    pace = pacer(VENDORS["zep"].rate_limit or pytest.fail("ZEP documents a limit"), fake.sleep, fake.clock)
    call = httpx.Request("GET", "http://127.0.0.1:1/zep/api/v1/projects")
    for _ in range(1001):
        pace(call)
    assert fake.slept == [pytest.approx(300)]  # the window's 5 minutes, and no 60 s block on top


def test_schemathesis_is_given_the_same_average_rate() -> None:
    assert [schemathesis_rate(v.rate_limit) for v in VENDORS.values() if v.rate_limit] == ["20/s", "200/m"]


def test_a_paced_schemathesis_run_is_given_the_vendors_rate_and_an_unpaced_one_none() -> None:
    ruddr = VENDORS["ruddr"]
    paced = config_for(ruddr, token="t", max_examples=1, seed=1, session=None, rate_limit="20/s")
    assert paced.projects.default.rate_limit is not None
    assert (
        config_for(ruddr, token="t", max_examples=1, seed=1, session=None).projects.default.rate_limit is None
    )


@pytest.fixture(scope="module")
def limited_ruddr() -> Iterator[LiveServer]:
    with LiveServer(create_app(ServerConfig(vendors=("ruddr",), rate_limits=True))) as server:
        yield server


def test_the_scenarios_pass_paced_against_a_rate_limited_mock(limited_ruddr: LiveServer) -> None:
    paced = verify(VENDORS["ruddr"], limited_ruddr.url, fuzz=False)
    assert paced.ok, [o.reason for o in paced.outcomes if o.status == "failed"]


def test_verify_paces_unless_the_target_is_a_mock_that_enforces_no_limit(limited_ruddr: LiveServer) -> None:
    """The mock's health says whether it enforces limits; a target without the admin API (the
    real Ruddr) is paced; a mock without --rate-limits is not, so a run against it stays fast."""
    with LiveServer(create_app(ServerConfig(vendors=("ruddr",)))) as free, httpx.Client() as client:
        assert client.get(free.url + "/__admin/health").json()["rate_limits"] is False
        assert client.get(limited_ruddr.url + "/__admin/health").json()["rate_limits"] is True
        assert not mock_enforces_rate_limits(client, free.url)
        assert mock_enforces_rate_limits(client, limited_ruddr.url)
        assert mock_enforces_rate_limits(client, "http://127.0.0.1:9")  # unknown: paced


def test_an_unpaced_schemathesis_run_meets_ruddrs_429_past_its_burst() -> None:
    """Why verify paces by default: against the real Ruddr, or a mock with --rate-limits,
    Schemathesis' calls past the burst get Ruddr's 429, and fail its checks. (A paced run of the
    same takes a minute at 20 calls a second; the configuration it gets is tested above.) The
    mock's bucket is read on a clock that stands still: on a loaded machine a slow run would
    otherwise refill it as fast as it drains, and meet no 429 (a CI run did)."""
    app = create_app(ServerConfig(vendors=("ruddr",), rate_limits=True))
    limiter = app.runtime.limiter or pytest.fail("--rate-limits makes a limiter")
    limiter.monotonic = lambda: 1_000.0
    with LiveServer(app) as server:
        unpaced = verify(VENDORS["ruddr"], server.url, max_examples=1, paced=False)
    assert unpaced.fuzz is not None
    assert any("429" in f.message for f in unpaced.fuzz.failures)
