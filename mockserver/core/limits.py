"""Documented rate limits, as data, and the counter that enforces them (``--rate-limits``).

A vendor that documents a limit declares it as a :class:`RateLimit` (``Vendor.rate_limit``); one
that documents none leaves it ``None`` and is never limited. With ``--rate-limits`` the web layer
asks a :class:`RateLimiter` about every call to a vendor's API before anything else runs, and
answers a :class:`Throttled` call with the vendor's own 429.

Counting is per session (one tenant, workspace or account of the vendor) and vendor, on a
monotonic clock: never the mock's clock, which ``--freeze-time`` stops. Every call counts,
answered or refused, except those the limiter itself refuses: a client that retries at once
does not dig itself deeper, and one that waits as ``Retry-After`` says is accepted.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from mockserver.core.violations import Code, Violation

__all__ = ["RateLimit", "RateLimiter", "Throttled", "Window"]


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` calls in any ``per_seconds`` window; with ``burst``, a bucket of that
    many calls refilled at ``requests / per_seconds`` instead (Ruddr: 20 a second, bursts of 60);
    once over, with ``block_seconds``, every call is refused for that long, and counting then
    starts afresh (ZEP)."""

    requests: int
    per_seconds: float
    block_seconds: float = 0
    burst: int = 0
    source: str = ""
    """The vendor's page that documents the limit."""

    def __post_init__(self) -> None:
        bad_burst = self.burst and self.burst < self.requests
        if self.requests < 1 or self.per_seconds <= 0 or self.block_seconds < 0 or bad_burst:
            raise ValueError(f"not a rate limit: {self!r}")

    def __str__(self) -> str:
        said = f"{self.requests} requests per {_seconds(self.per_seconds)}"
        if self.burst:
            said += f" with bursts of {self.burst}"
        return f"{said}, then blocked for {_seconds(self.block_seconds)}" if self.block_seconds else said


@dataclass(frozen=True)
class Throttled:
    """A call over the limit: how long until a call is accepted again."""

    limit: RateLimit
    retry_after: int
    """Whole seconds until a call would be accepted (at least 1): what ``Retry-After`` says."""
    reset_at: int
    """The Unix time (real, never ``--freeze-time``'s) at which a call is accepted again."""

    def violation(self) -> Violation:
        """What the journal records of the refused call."""
        where = f" ({self.limit.source})" if self.limit.source else ""
        message = (
            f"Rate limit exceeded: the vendor documents {self.limit}{where}; "
            f"a call is accepted again in {self.retry_after} s"
        )
        return Violation(429, Code.RATE_LIMITED, message, location="request")


class Window:
    """The calls one session made to one vendor, as its limit counts them."""

    __slots__ = ("blocked_until", "filled_at", "limit", "times", "tokens")

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self.times: deque[float] = deque()
        """A window's counted calls (monotonic seconds), oldest first; never more than
        ``limit.requests``, since a refused call is not counted."""
        self.tokens = float(limit.burst)
        """A bucket's calls left, as of ``filled_at``."""
        self.filled_at = -math.inf
        self.blocked_until = -math.inf

    def admit(self, now: float) -> float | None:
        """Count a call at ``now`` and return None, or refuse it: the seconds until a call would
        be accepted."""
        if now < self.blocked_until:
            return self.blocked_until - now
        wait = self._bucket(now) if self.limit.burst else self._window(now)
        if wait is not None and self.limit.block_seconds:  # "further requests are blocked for 60 s"
            self.blocked_until = now + self.limit.block_seconds
            self.times.clear()  # afterwards counting starts afresh
            return self.limit.block_seconds
        return wait

    def _window(self, now: float) -> float | None:
        limit, times = self.limit, self.times
        edge = now - limit.per_seconds
        while times and times[0] <= edge:
            times.popleft()
        if len(times) < limit.requests:
            times.append(now)
            return None
        return times[0] + limit.per_seconds - now

    def _bucket(self, now: float) -> float | None:
        limit = self.limit
        rate = limit.requests / limit.per_seconds
        self.tokens = min(float(limit.burst), self.tokens + (now - self.filled_at) * rate)
        self.filled_at = now
        if self.tokens >= 1 - 1e-9:  # a float's rounding must not owe a call a femtosecond
            self.tokens = max(0.0, self.tokens - 1)
            return None
        return (1 - self.tokens) / rate


class Metered(Protocol):
    """What the limiter counts calls of: a store session."""

    rate_windows: dict[object, dict[str, Window]]
    """Each limiter's windows of this session, by vendor: they live as long as the session
    object (a reset or a forgotten session starts afresh), and a new limiter starts its own."""


class RateLimiter:
    """The windows of every session, per vendor (those in ``limits``; others are never refused).

    A session's windows live on the session (:class:`Metered`): a reset or a forgotten session
    starts afresh, and nothing outlives the store's own bounds on sessions.
    """

    def __init__(
        self,
        limits: Mapping[str, RateLimit],
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.limits = dict(limits)
        self.monotonic = monotonic
        self.wall = wall
        self._lock = threading.Lock()

    def admit(self, session: Metered, vendor: str) -> Throttled | None:
        """Count a call of ``session`` to ``vendor``; a :class:`Throttled` if it is over the limit."""
        limit = self.limits.get(vendor)
        if limit is None:
            return None
        with self._lock:
            now = self.monotonic()
            windows = session.rate_windows.get(self)
            if windows is None:
                windows = session.rate_windows[self] = {}
            window = windows.get(vendor)
            if window is None:
                window = windows[vendor] = Window(limit)
            wait = window.admit(now)
        if wait is None:
            return None
        retry_after = max(1, math.ceil(wait))
        return Throttled(limit, retry_after, int(self.wall()) + retry_after)


def _seconds(value: float) -> str:
    return f"{value:g} s"
