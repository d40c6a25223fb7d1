"""``--rate-limits`` over HTTP: each vendor's documented limit answered with its own 429.

The limiter's clock is a fake one: nothing here sleeps. Every 429 is checked against the
vendor's spec by the ``api`` client (GEN-10).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from contracts.conformance import SpecChecker
from mockserver.app import MockApp, create_app
from mockserver.config import ServerConfig
from mockserver.core.limits import RateLimiter
from tests.fixtures.mock import FROZEN_NOW, Api

WALL = 1_740_830_400.0
SOURCES = {
    "ruddr": "https://docs.ruddr.io/guides/authentication",
    "zep": "https://developer.zep.de/en/rest-documentation/authentication",
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def limited_app() -> MockApp:
    return create_app(ServerConfig(freeze_time=FROZEN_NOW, rate_limits=True))


@pytest.fixture
def clock(limited_app: MockApp) -> Iterator[FakeClock]:
    """The app's limiter, on a clock of the test's own."""
    clock = FakeClock()
    built = limited_app.runtime.limiter
    assert built is not None, "rate_limits=True builds a limiter"
    limited_app.runtime.limiter = RateLimiter(built.limits, monotonic=clock, wall=lambda: WALL + clock.now)
    yield clock
    limited_app.runtime.limiter = built


_sessions = iter(range(1, 1_000_000))


@pytest.fixture
def limited(limited_app: MockApp, checkers: Mapping[str, SpecChecker], clock: FakeClock) -> Api:
    return Api(limited_app, checkers, f"limited-{next(_sessions)}")


def update(api: Api, vendor_id: str, **changes: Any) -> Any:
    vendor = api.app.vendors[vendor_id]
    return api.call(vendor_id, "PATCH", vendor.sample.path, json={**vendor.sample.body, **changes})


def read(api: Api, vendor_id: str) -> Any:
    return api.call(vendor_id, "GET", api.app.vendors[vendor_id].sample.path)


def test_the_61st_ruddr_call_at_once_gets_ruddrs_429_without_a_retry_header_and_changes_nothing(
    limited: Api,
) -> None:
    assert [read(limited, "ruddr").status_code for _ in range(60)] == [200] * 60  # the burst
    with limited.unchanged("ruddr"):
        r = update(limited, "ruddr", name="Renamed while over the limit")
    assert r.status_code == 429
    assert r.json() == {"status": 429, "message": "Too many requests"}  # the errors guide's literal
    assert "retry-after" not in r.headers  # Ruddr documents none: back off 1, 2, 4, 8 s
    entry = limited.journal()[-1]
    assert (entry["status"], entry["operation"]) == (429, "updateProject")
    [violation] = entry["violations"]
    assert violation["code"] == "rate_limited"
    assert "20 requests per 1 s with bursts of 60" in violation["message"]
    assert SOURCES["ruddr"] in violation["message"]


def test_a_ruddr_call_is_accepted_again_once_the_bucket_refills(limited: Api, clock: FakeClock) -> None:
    for _ in range(60):
        read(limited, "ruddr")
    assert update(limited, "ruddr", name="Too soon").status_code == 429
    clock.now += 0.06  # 20 calls a second: one every 0.05 s
    r = update(limited, "ruddr", name="Website Redesign 3.0")
    assert r.status_code == 200
    path = limited.app.vendors["ruddr"].sample.path
    assert limited.record("ruddr", "projects", path.rsplit("/", 1)[-1])["name"] == "Website Redesign 3.0"


def test_another_session_is_not_limited_by_one_sessions_calls(
    limited: Api, limited_app: MockApp, checkers: Mapping[str, SpecChecker]
) -> None:
    for _ in range(61):
        read(limited, "ruddr")
    assert read(limited, "ruddr").status_code == 429
    other = Api(limited_app, checkers, f"limited-{next(_sessions)}")
    assert read(other, "ruddr").status_code == 200


def test_every_call_counts_refused_or_answered(limited: Api) -> None:
    for _ in range(30):
        assert limited.call("ruddr", "GET", "/projects/not-a-uuid").status_code in (400, 404)
    for _ in range(30):
        assert limited.call("ruddr", "GET", "/projects", token=None).status_code == 401
    assert read(limited, "ruddr").status_code == 429


def test_a_throttled_call_runs_no_fault(limited: Api) -> None:
    fault = {"vendor": "ruddr", "method": "GET", "path": "/projects", "status": 423, "times": 2}
    assert limited.admin("POST", "/faults", json=fault).status_code == 201
    for _ in range(59):
        read(limited, "ruddr")
    assert limited.call("ruddr", "GET", "/projects", check=False).status_code == 423  # the 60th call
    assert limited.call("ruddr", "GET", "/projects").status_code == 429
    [kept] = limited.admin("GET", "/faults").json()["faults"]
    assert (kept["served"], kept["remaining"]) == (1, 1), "the 61st call never reached the fault"
    assert "fault" not in limited.journal()[-1]


def test_vendors_without_a_documented_limit_are_never_limited(limited: Api) -> None:
    assert {read(limited, "personio").status_code for _ in range(100)} == {200}


def test_zep_blocks_every_call_for_60_s_once_over_1000_in_5_minutes(limited: Api, clock: FakeClock) -> None:
    client, headers = limited.client, limited.headers("zep")
    url = limited.app.vendors["zep"].prefix + "/projects"
    assert {client.get(url, headers=headers).status_code for _ in range(1000)} == {200}
    clock.now += 250
    with limited.unchanged("zep"):
        r = update(limited, "zep", name="Over the limit")
    assert r.status_code == 429
    assert r.json() == {"message": "Too Many Attempts."}
    assert r.headers["retry-after"] == "60"
    assert r.headers["x-ratelimit-limit"] == "1000"
    assert r.headers["x-ratelimit-remaining"] == "0"
    assert r.headers["x-ratelimit-reset"] == str(int(WALL + clock.now) + 60)
    [violation] = limited.journal()[-1]["violations"]
    assert "1000 requests per 300 s, then blocked for 60 s" in violation["message"]
    assert SOURCES["zep"] in violation["message"]
    clock.now += 55  # the block holds
    r = read(limited, "zep")
    assert (r.status_code, r.headers["retry-after"]) == (429, "5")
    clock.now += 5
    assert read(limited, "zep").status_code == 200


def test_without_rate_limits_100_rapid_calls_all_pass(api: Api) -> None:
    assert api.app.runtime.limiter is None, "off by default"
    assert {read(api, "ruddr").status_code for _ in range(100)} == {200}


def test_a_call_that_waits_for_100_continue_is_counted_and_throttled_like_any_other(limited: Api) -> None:
    """Found by a hostile probe: the early answer to a head alone (401, 415) ran before the
    limiter, so such calls were neither counted nor throttled."""
    vendor = limited.app.vendors["ruddr"]
    url = vendor.prefix + vendor.sample.path
    waiting = {"Expect": "100-continue", "Content-Type": "application/json"}
    unsigned = {**waiting, **limited.headers("ruddr", token=None)}
    for _ in range(60):
        assert limited.client.patch(url, content=b"{}", headers=unsigned).status_code == 401
    r = limited.client.patch(url, content=b"{}", headers={**waiting, **limited.headers("ruddr")})
    assert r.status_code == 429
