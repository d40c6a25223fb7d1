"""Keeping a run within a vendor's documented rate limit (``Vendor.rate_limit``), so that
``mockserver verify`` works against the real API, or a mock started with ``--rate-limits``,
instead of reporting the vendor's 429s as failures.

Two clients send a run's calls: the scenarios' ``httpx`` client is paced by a request hook that
waits for the vendor's own counter (``mockserver.core.limits.Window``, the mock's enforcement);
Schemathesis is given its ``rate-limit`` setting, at the same average rate.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable

import httpx

from mockserver.core.limits import RateLimit, Window

__all__ = ["pacer", "schemathesis_rate"]

ADMIN_PATH = "/__admin/"
"""A mock's admin API: counted by no vendor, so never paced."""


def pacer(
    limit: RateLimit,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[httpx.Request], None]:
    """An ``httpx`` request hook that holds each vendor call until ``limit`` allows it. A limit
    with a block (ZEP's 60 s) is paced without it: a paced run never goes over."""
    window = Window(dataclasses.replace(limit, block_seconds=0))
    lock = threading.Lock()

    def pace(request: httpx.Request) -> None:
        if ADMIN_PATH in request.url.path:
            return
        with lock:
            while (wait := window.admit(clock())) is not None:
                sleep(wait)

    return pace


def schemathesis_rate(limit: RateLimit) -> str:
    """``limit`` as Schemathesis' ``rate-limit`` (``N/s`` or ``N/m``), never faster on average:
    Ruddr's 20 a second is ``20/s``, ZEP's 1000 per 5 minutes ``200/m``."""
    if limit.per_seconds < 60:
        return f"{max(1, math.floor(limit.requests / limit.per_seconds))}/s"
    return f"{max(1, math.floor(limit.requests * 60 / limit.per_seconds))}/m"
