"""The mock's notion of "now": real time, or frozen for reproducible tests (GEN-11)."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    def __init__(self, frozen: datetime | None = None) -> None:
        if frozen is not None and frozen.tzinfo is None:
            frozen = frozen.replace(tzinfo=UTC)
        self.frozen = frozen

    def now(self) -> datetime:
        return self.frozen if self.frozen is not None else datetime.now(UTC)

    @classmethod
    def parse(cls, text: str | None) -> Clock:
        return cls(datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None)
