"""The mock's notion of "now": real time, or frozen for reproducible tests (GEN-11)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

_now: Final = datetime.now
"""Bound once: ``datetime.now`` read from the class builds a bound method on every call."""
_UTC: Final = UTC
"""Final names compile to C statics; any other module global is a dict lookup on every read."""


class Clock:
    def __init__(self, frozen: datetime | None = None) -> None:
        # Every timestamp the mock writes is UTC ("...Z"): an instant given with an offset is
        # converted, not relabelled, and one given without an offset is read as UTC.
        if frozen is not None:
            frozen = frozen.replace(tzinfo=UTC) if frozen.tzinfo is None else frozen.astimezone(UTC)
        self.frozen = frozen

    def now(self) -> datetime:
        return self.frozen if self.frozen is not None else _now(_UTC)

    @classmethod
    def parse(cls, text: str | None) -> Clock:
        """A clock frozen at the ISO 8601 date-time ``text`` (real time if empty or ``None``);
        a ValueError that quotes ``text`` if it is not one."""
        if not text:
            return cls()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO 8601 date-time") from None
        try:
            return cls(moment)
        except OverflowError:  # 0001-01-01T00:00:00+01:00 is in year 0 in UTC
            raise ValueError(f"{text!r} is out of range in UTC") from None
