"""The event loop never waits for a session's lock (mockserver/web/offload.py): a worker handling
a large body, or installing a replaced state, holds it meanwhile."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mockserver.core.store import VendorState
from tests.fixtures.live import LiveServer

HEADERS = {"Authorization": "Bearer test-token"}


def get(server: LiveServer, session: str, path: str) -> int:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.get(path, headers={**HEADERS, "X-Mock-Session": session}).status_code


@pytest.mark.parametrize("path", ["/personio/v2/projects/1001", "/__admin/state/personio"])
def test_a_call_waiting_for_its_sessions_lock_stalls_no_other_session(
    live_server: LiveServer, path: str
) -> None:
    """Found by a hostile probe: a small call to a session whose lock a worker held (a 1 MB
    ``PUT /__admin/state`` being checked) waited on the loop, and every other session with it."""
    busy, free = f"busy-{uuid.uuid4()}", f"free-{uuid.uuid4()}"
    lock = live_server.app.store.session(busy).lock
    held, answered = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            answered.wait(10)  # at most: a stalled loop must fail the test, not hang it

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(get, live_server, busy, path)
        time.sleep(0.3)  # lets the call reach the lock (if not, the test proves less, not wrongly)
        assert get(live_server, free, "/personio/v2/projects/1001") == 200
        assert holder.is_alive(), "the other session was answered only once the lock was released"
        answered.set()
        assert waiting.result(10) == 200
    holder.join()


def free_to_another_thread(lock: threading.RLock) -> bool:
    found: list[bool] = []

    def probe() -> None:
        taken = lock.acquire(blocking=False)
        if taken:
            lock.release()
        found.append(taken)

    prober = threading.Thread(target=probe)
    prober.start()
    prober.join()
    return found[0]


def test_a_replaced_state_is_checked_without_holding_the_sessions_lock(live_server: LiveServer) -> None:
    """The whole document is checked (seconds, for a large one) before the lock is taken for
    the moment it is installed: the session's own calls go on meanwhile."""
    session = f"s-{uuid.uuid4()}"
    headers = {**HEADERS, "X-Mock-Session": session}
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        document = client.get("/__admin/state/personio", headers=headers).json()
    held = live_server.app.store.session(session)
    free_while_checked: list[bool] = []

    class Observed(VendorState):  # VendorState is compiled: its methods are observed in a subclass
        def check(self, document: Any, *, owned: bool = False) -> VendorState:
            free_while_checked.append(free_to_another_thread(held.lock))
            return super().check(document, owned=owned)

    state = held.states["personio"]
    held.states["personio"] = Observed(state.specs, document, state.probe, trusted=True)
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        assert client.put("/__admin/state/personio", json=document, headers=headers).status_code == 200
    assert free_while_checked == [True]


def test_a_large_journal_is_rendered_off_the_event_loop(live_server: LiveServer) -> None:
    """Found by a hostile probe: polling a full journal (8 MiB) rendered and encoded ~10 MB on
    the loop, 78 ms a call, during which every other session waited."""
    session = f"j-{uuid.uuid4()}"
    headers = {**HEADERS, "X-Mock-Session": session}
    journal = live_server.app.store.session(session).journal
    threads: dict[str, int] = {}
    record, entries = journal.record, journal.entries

    def recorded(exchange: Any) -> None:
        threads["record"] = threading.get_ident()  # answered on the loop: a small call
        record(exchange)

    def rendered() -> list[dict[str, Any]]:
        threads["entries"] = threading.get_ident()
        return entries()

    journal.record, journal.entries = recorded, rendered  # type: ignore[method-assign]
    try:
        with httpx.Client(base_url=live_server.url, timeout=30) as client:
            big = {"description": "x" * 60_000}
            for _ in range(3):
                client.patch("/personio/v2/projects/1001", json=big, headers=headers)
            answer = client.get("/__admin/requests", headers=headers)
    finally:
        del journal.record, journal.entries
    assert answer.status_code == 200 and len(answer.json()["requests"]) == 3
    assert journal.held_bytes > 64 * 1024
    assert threads["entries"] != threads["record"]
