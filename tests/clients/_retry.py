"""What every careful client does on 429: wait as the vendor says, then try again."""

from __future__ import annotations

from collections.abc import Callable, Mapping

Sleep = Callable[[float], None]

MAX_ATTEMPTS = 4
BACKOFF = (1.0, 2.0, 4.0, 8.0)
"""Ruddr's documented backoff where no header says how long to wait."""


def retry_delay(headers: Mapping[str, str], header: str, attempt: int) -> float:
    value = headers.get(header)
    try:
        return max(float(value), 0.0) if value is not None else BACKOFF[attempt]
    except ValueError:
        return BACKOFF[attempt]
