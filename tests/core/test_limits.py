"""The rate-limit counter (``--rate-limits``) on an injected clock: windows, blocks, Retry-After."""

from __future__ import annotations

import gc

import pytest

from mockserver.core.limits import RateLimit, RateLimiter, Throttled, Window
from mockserver.core.vendor import discover_vendors
from mockserver.core.violations import Code

RUDDR = RateLimit(20, 1, burst=60, source="https://docs.ruddr.io/guides/authentication")
ZEP = RateLimit(
    1000, 300, block_seconds=60, source="https://developer.zep.de/en/rest-documentation/authentication"
)
WALL = 1_740_830_400.0


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Owner:
    """Stands for a store session: the limiter keeps its windows on it."""

    def __init__(self) -> None:
        self.rate_windows: dict[object, dict[str, Window]] = {}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def limiter_of(clock: FakeClock, **limits: RateLimit) -> RateLimiter:
    return RateLimiter(limits, monotonic=clock, wall=lambda: WALL + clock.now)


def calls(limiter: RateLimiter, owner: Owner, vendor: str, n: int) -> list[Throttled | None]:
    return [limiter.admit(owner, vendor) for _ in range(n)]


def test_sixty_ruddr_calls_at_once_pass_and_the_61st_waits(clock: FakeClock) -> None:
    """ "20 requests per second with a burst capacity of 60 requests" (Ruddr's authentication
    guide): a bucket of 60, refilled at 20 a second."""
    limiter, owner = limiter_of(clock, ruddr=RUDDR), Owner()
    assert calls(limiter, owner, "ruddr", 60) == [None] * 60
    throttled = limiter.admit(owner, "ruddr")
    assert throttled is not None
    assert (throttled.limit, throttled.retry_after) == (RUDDR, 1)
    assert throttled.reset_at == int(WALL + clock.now) + 1


def test_the_bucket_refills_twenty_calls_a_second(clock: FakeClock) -> None:
    limiter, owner = limiter_of(clock, ruddr=RUDDR), Owner()
    calls(limiter, owner, "ruddr", 60)
    clock.now += 0.5
    assert calls(limiter, owner, "ruddr", 10) == [None] * 10
    assert limiter.admit(owner, "ruddr") is not None
    clock.now += 1
    assert calls(limiter, owner, "ruddr", 20) == [None] * 20
    assert limiter.admit(owner, "ruddr") is not None
    clock.now += 10  # a quiet spell refills the bucket, up to 60 and no more
    assert calls(limiter, owner, "ruddr", 60) == [None] * 60
    assert limiter.admit(owner, "ruddr") is not None


def test_calls_the_limiter_refuses_are_not_counted(clock: FakeClock) -> None:
    limiter, owner = limiter_of(clock, ruddr=RUDDR), Owner()
    calls(limiter, owner, "ruddr", 60)
    assert all(t is not None for t in calls(limiter, owner, "ruddr", 50))  # a client retrying at once
    clock.now += 1
    assert calls(limiter, owner, "ruddr", 20) == [None] * 20


def test_retry_after_is_whole_seconds_and_at_least_one(clock: FakeClock) -> None:
    limiter, owner = limiter_of(clock, ruddr=RUDDR), Owner()
    calls(limiter, owner, "ruddr", 60)
    clock.now += 0.049
    throttled = limiter.admit(owner, "ruddr")
    assert throttled is not None and throttled.retry_after == 1


def test_zep_blocks_every_call_for_60_s_once_over_1000_in_5_minutes(clock: FakeClock) -> None:
    limiter, owner = limiter_of(clock, zep=ZEP), Owner()
    assert calls(limiter, owner, "zep", 1000) == [None] * 1000
    clock.now += 250
    over = limiter.admit(owner, "zep")
    assert over is not None and over.retry_after == 60
    assert over.reset_at == int(WALL + clock.now) + 60
    clock.now += 50
    blocked = limiter.admit(owner, "zep")
    assert blocked is not None and blocked.retry_after == 10
    clock.now += 9.5
    assert limiter.admit(owner, "zep") is not None
    clock.now += 0.5  # 60 s after the call that went over
    assert limiter.admit(owner, "zep") is None


def test_after_zeps_block_counting_starts_afresh(clock: FakeClock) -> None:
    """The page says blocked "for 60 seconds", no more: the calls before the block no longer
    count once it has passed."""
    limiter, owner = limiter_of(clock, zep=ZEP), Owner()
    calls(limiter, owner, "zep", 1000)
    clock.now += 10
    over = limiter.admit(owner, "zep")
    assert over is not None and over.retry_after == 60
    clock.now += 60
    assert calls(limiter, owner, "zep", 1000) == [None] * 1000
    assert limiter.admit(owner, "zep") is not None


def test_ruddr_has_no_block_only_the_bucket(clock: FakeClock) -> None:
    limiter, owner = limiter_of(clock, ruddr=RUDDR), Owner()
    calls(limiter, owner, "ruddr", 61)
    clock.now += 0.06  # a call's worth of refill (0.05 s), and a little more
    assert limiter.admit(owner, "ruddr") is None


def test_sessions_and_vendors_are_counted_apart(clock: FakeClock) -> None:
    limiter = limiter_of(clock, ruddr=RUDDR, zep=ZEP)
    one, other = Owner(), Owner()
    calls(limiter, one, "ruddr", 60)
    assert limiter.admit(one, "ruddr") is not None
    assert limiter.admit(other, "ruddr") is None
    assert limiter.admit(one, "zep") is None


def test_a_vendor_without_a_documented_limit_is_never_refused(clock: FakeClock) -> None:
    limiter, owner = limiter_of(clock, ruddr=RUDDR), Owner()
    assert calls(limiter, owner, "personio", 5000) == [None] * 5000


def test_a_forgotten_session_takes_its_windows_with_it(clock: FakeClock) -> None:
    limiter, owner = limiter_of(clock, ruddr=RUDDR), Owner()
    calls(limiter, owner, "ruddr", 61)
    del owner
    gc.collect()
    fresh = Owner()
    assert limiter.admit(fresh, "ruddr") is None


def test_a_new_limiter_counts_a_session_afresh(clock: FakeClock) -> None:
    first, owner = limiter_of(clock, ruddr=RUDDR), Owner()
    calls(first, owner, "ruddr", 61)
    assert limiter_of(clock, ruddr=RUDDR).admit(owner, "ruddr") is None  # its own windows
    assert first.admit(owner, "ruddr") is not None  # the first one's are still spent


def test_the_journaled_violation_names_the_limit_and_its_source() -> None:
    violation = Throttled(ZEP, 60, 0).violation()
    assert (violation.status, violation.code) == (429, Code.RATE_LIMITED)
    assert "1000 requests per 300 s, then blocked for 60 s" in violation.message
    assert ZEP.source in violation.message
    assert "again in 60 s" in violation.message


@pytest.mark.parametrize("bad", [(0, 1, 0, 0), (20, 0, 0, 0), (20, 1, -1, 0), (20, 1, 0, 10)])
def test_a_limit_that_cannot_be_met_is_refused(bad: tuple[int, float, float, int]) -> None:
    with pytest.raises(ValueError, match="not a rate limit"):
        RateLimit(*bad)


def test_only_ruddr_and_zep_document_a_rate_limit_and_each_names_its_page() -> None:
    # Wethod's 5,000/hour comes from a community SDK; Personio and COR document none for these
    # endpoints: no limit is enforced that a vendor does not document.
    limits = {vid: v.rate_limit for vid, v in discover_vendors().items() if v.rate_limit is not None}
    assert limits == {"ruddr": RUDDR, "zep": ZEP}
