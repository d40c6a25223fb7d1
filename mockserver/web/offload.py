"""Work on large bodies leaves the event loop, one request at a time; the loop never waits for a
session's lock.

Parsing and validating a worst-case 1 MiB body costs tens of milliseconds; on the event loop it
would stall every other session for that long. On a worker thread the loop keeps serving, and one
worker at a time keeps two hostile clients from taking twice the interpreter's time.

A worker handling such a body holds its session's lock meanwhile. A small call to that session
must not wait for it on the loop, which would stall every other session too: it waits on a
worker thread instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Final, Protocol, TypeVar

from starlette.concurrency import run_in_threadpool

OFFLOAD_BYTES: Final = 64 * 1024
"""Bodies up to this size are handled on the loop: thread hand-offs would cost them more."""

T = TypeVar("T")


class Lock(AbstractContextManager[Any], Protocol):
    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool: ...

    def release(self) -> None: ...


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

    async def run_locked(self, lock: Lock, body_size: int, work: Callable[[], T]) -> T:
        """``work()`` holding ``lock``: on the loop if the body is small and the lock free at
        once, else on a worker thread (serialised if the body is large)."""
        if self.inline(body_size) and lock.acquire(False):  # positional: no keyword names to match
            try:
                return work()
            finally:
                lock.release()

        def locked() -> T:
            with lock:
                return work()

        if self.inline(body_size):  # waiting, not computing: not one of the serialised
            return await run_in_threadpool(locked)
        return await self.run(body_size, locked)
