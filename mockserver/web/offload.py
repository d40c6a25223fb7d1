"""Work on large bodies leaves the event loop, one request at a time.

Parsing and validating a worst-case 1 MiB body costs tens of milliseconds; on the event loop it
would stall every other session for that long. On a worker thread the loop keeps serving, and one
worker at a time keeps two hostile clients from taking twice the interpreter's time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

OFFLOAD_BYTES = 64 * 1024
"""Bodies up to this size are handled on the loop: thread hand-offs would cost them more."""

T = TypeVar("T")


class Offloader:
    def __init__(self) -> None:
        self._one_at_a_time = threading.Lock()

    @staticmethod
    def inline(body_size: int) -> bool:
        """Whether work on a body this large stays on the loop (a caller can then skip ``run``)."""
        return body_size <= OFFLOAD_BYTES

    async def run(self, body_size: int, work: Callable[[], T]) -> T:
        if self.inline(body_size):
            return work()

        def serialised() -> T:
            with self._one_at_a_time:
                return work()

        return await run_in_threadpool(serialised)
