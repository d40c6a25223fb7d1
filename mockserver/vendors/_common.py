"""Helpers several vendor modules share (formats, parsing); nothing vendor-specific."""

from __future__ import annotations

import os
import random
from datetime import datetime
from typing import Any, Final

_IDS = random.Random()
"""Seeded once from the system (again in a forked child, which would repeat its parent's ids):
``uuid.uuid4`` asks the kernel for 16 bytes on every call, a system call that costs more than the
rest of a rejected call's envelope. An id here only has to be unique, not secret."""
os.register_at_fork(after_in_child=_IDS.seed)


def random_uuid() -> str:
    """A version-4 UUID (trace ids, new records' ids)."""
    return uuid4_text(_IDS.getrandbits(128))


_VERSION_4 = (0xF000 << 64) | (0xC000 << 48)
"""The bits ``uuid.UUID(int=n, version=4)`` sets: the version nibble and the RFC 4122 variant."""


def uuid4_text(n: int) -> str:
    """``str(uuid.UUID(int=n, version=4))``, without building the UUID: its interpreted
    constructor and ``__str__`` were a tenth of a rejected call's envelope."""
    text = "%032x" % ((n & ~_VERSION_4) | (0x4000 << 64) | (0x8000 << 48))  # faster compiled than f"{:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_TWO_DIGITS: Final = ["%02d" % n for n in range(100)]  # noqa: UP031


def iso_z(moment: datetime, digits: int = 3) -> str:
    """``2025-01-15T10:00:00.000Z`` (``digits`` of fraction, at most 6; 0 drops it): the UTC
    ``moment``'s own fields, whatever its ``tzinfo``."""
    m, two, year = moment, _TWO_DIGITS, moment.year
    # pieces joined, not formatted: compiled, half the cost of one %-format (itself a third of an
    # f-string with format specs); a year before 1000 is zero-padded as ISO 8601 writes it
    base = (
        f"{year if year >= 1000 else '%04d' % year}-{two[m.month]}-{two[m.day]}"  # noqa: UP031
        f"T{two[m.hour]}:{two[m.minute]}:{two[m.second]}"
    )
    if digits:
        base += "." + ("%06d" % m.microsecond)[:digits]  # noqa: UP031
    return base + "Z"


def as_int(value: Any) -> int | None:
    """A path id as an integer, or ``None`` when it is not one (the vendor then answers 404)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # isdigit() is true for '²' and '٣' too; the vendors' frameworks parse ASCII digits only (GEN-13)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def page(items: list[Any], limit: Any, offset: Any, default_limit: int) -> list[Any]:
    start = max(as_int(offset) or 0, 0)
    size = as_int(limit) or default_limit
    return items[start : start + size]
