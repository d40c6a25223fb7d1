"""Helpers several vendor modules share (formats, parsing); nothing vendor-specific."""

from __future__ import annotations

import os
import random
import uuid
from datetime import datetime
from typing import Any

_IDS = random.Random()
"""Seeded once from the system (again in a forked child, which would repeat its parent's ids):
``uuid.uuid4`` asks the kernel for 16 bytes on every call, a system call that costs more than the
rest of a rejected call's envelope. An id here only has to be unique, not secret."""
os.register_at_fork(after_in_child=_IDS.seed)


def random_uuid() -> str:
    """A version-4 UUID (trace ids, new records' ids)."""
    return str(uuid.UUID(int=_IDS.getrandbits(128), version=4))


def iso_z(moment: datetime, digits: int = 3) -> str:
    """``2025-01-15T10:00:00.000Z`` (``digits`` of fraction; 0 drops it)."""
    m = moment  # formatted by hand: strftime costs several µs on every write
    base = f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    if digits:
        base += "." + f"{moment.microsecond:06d}"[:digits]
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
