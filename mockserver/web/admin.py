"""The admin API: one small task per route, bound to ``web/admin.yaml`` by operationId."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockserver.core.faults import MAX_FAULTS, FaultError, FaultLimitError, fault_from_json
from mockserver.core.rules import RuleRegistry
from mockserver.core.schema import BadJSONError, DuplicateKeyError, parse_json, unique_keys
from mockserver.core.store import Session, StateError, StorageError, Store
from mockserver.core.values import Reply
from mockserver.native import COMPILED
from mockserver.web.responses import dumps

if TYPE_CHECKING:
    from mockserver.web.runtime import Runtime

ADMIN_SPEC = Path(__file__).with_name("admin.yaml")


@dataclass
class AdminCall:
    store: Store
    session_name: str | None
    raw_body: bytes
    path_params: Mapping[str, Any]
    query: Mapping[str, Any]

    @functools.cached_property
    def session(self) -> Session:
        """Made on a task's first use: listing the sessions, say, makes none."""
        return self.store.session(self.session_name)


Task = Callable[["Runtime", AdminCall], Awaitable[Reply]]


def _json(body: Any, status: int = 200) -> Reply:
    return Reply(status, body)


def _error(status: int, message: str) -> Reply:
    return _json({"status": status, "message": message}, status)


def _document(raw: bytes) -> Any:
    """A state document's JSON. Not ``parse_json``: a document may hold 100,000 records, more
    objects than a vendor body may; and the store names every lone surrogate, NaN or number
    out of a double's range it finds (GEN-13), where parsing would stop at the first."""
    try:
        return _DOCUMENT.decode(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise StateError(f"the body is not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")
        raise StateError(f"malformed JSON: {what} at line {exc.lineno} column {exc.colno}") from None
    except DuplicateKeyError as exc:  # the last would win: a record gone, a field silently replaced
        raise StateError(str(exc)) from None
    except RecursionError:
        raise StateError("JSON nested too deeply to read") from None
    except ValueError:  # an integer literal longer than Python converts
        digits = sys.get_int_max_str_digits()
        raise StateError(f"a JSON number has more than {digits} digits, beyond any double") from None


_DOCUMENT = json.JSONDecoder(object_pairs_hook=unique_keys)


def journal_capacity(mock: Runtime) -> int:
    """The most entries a session's journal keeps (``--journal-size``)."""
    return max(mock.config.journal_size, 1)


def _vendor(call: AdminCall) -> str:
    return str(call.path_params["vendor"])


async def admin_answer(mock: Runtime, operation_id: str, call: AdminCall) -> Reply:
    """Run the admin task ``operation_id`` (an operationId of ``web/admin.yaml``)."""
    task: Task = _TASKS[operation_id]
    return await task(mock, call)


async def getRequests(mock: Runtime, call: AdminCall) -> Reply:  # noqa: N802 - operationId
    vendor = call.query.get("vendor")
    if vendor is not None and vendor not in mock.vendors:  # a typo must not read as "no calls"
        return _error(404, f"unknown vendor {vendor[:40]!r}; known: {sorted(mock.vendors)}")
    after, limit = call.query.get("after"), call.query.get("limit")
    journal = call.session.journal
    last_id = journal.last_id  # read first: an entry recorded meanwhile comes on the next poll

    def rendered() -> bytes:
        if after is None and limit is None:
            entries = journal.entries()
        else:  # a poller's call: render only what is new
            entries = journal.since(after or 0, limit or journal_capacity(mock))
        if vendor:
            entries = [e for e in entries if e["vendor"] == vendor]
        return dumps({"requests": entries, "last_id": last_id})

    # a full journal (8 MiB) takes tens of ms to render and encode: not on the event loop
    return _json(await mock.offload.run(journal.held_bytes, rendered))


async def getSessions(mock: Runtime, call: AdminCall) -> Reply:  # noqa: N802 - operationId
    found = [
        {"name": s.name, "requests": s.journal.last_id, "faults": len(s.faults)}
        for s in mock.store.sessions()
    ]
    return _json({"sessions": found})


async def addFault(mock: Runtime, call: AdminCall) -> Reply:  # noqa: N802 - operationId
    try:
        fault = fault_from_json(parse_json(call.raw_body, unique=True))
    except FaultError as exc:  # names its field, so the dashboard's form can point at it
        body = {"status": 400, "message": str(exc)}
        return _json(body if exc.field is None else {**body, "field": exc.field}, 400)
    except (BadJSONError, ValueError) as exc:
        return _error(400, str(exc))
    if fault.vendor is not None and fault.vendor not in mock.vendors:
        unknown = f"unknown vendor {fault.vendor[:40]!r}; known: {sorted(mock.vendors)}"
        return _json({"status": 400, "message": unknown, "field": "vendor"}, 400)
    if call.query.get("dry_run"):
        if len(call.session.faults) >= MAX_FAULTS:
            return _error(400, f"a session holds at most {MAX_FAULTS} faults; remove some first")
        return _json({**fault.as_dict(), "remaining": fault.times, "served": 0})
    try:  # the count is checked under the book's lock: concurrent posts cannot pass it
        stored = call.session.faults.add(fault, limit=MAX_FAULTS)
    except FaultLimitError as exc:
        return _error(400, str(exc))
    return _json({**stored.as_dict(), "remaining": stored.times, "served": 0}, 201)


def _tasks() -> dict[str, Task]:
    async def health(mock: Runtime, call: AdminCall) -> Reply:
        # rate_limits: whether --rate-limits is on, so a client (verify) knows to keep to them
        # compiled: whether the request path runs as built by scripts/compile.py (mockserver/native.py)
        limits = mock.limiter is not None
        shown = {"status": "ok", "vendors": sorted(mock.vendors), "rate_limits": limits, "compiled": COMPILED}
        return _json(shown)

    async def reset(mock: Runtime, call: AdminCall) -> Reply:
        session = call.session
        try:  # the store clears the old session's faults too, once the reset is saved
            mock.store.reset(session.name)
        except StorageError as exc:
            return _error(503, f"the reset could not be saved, so the session is unchanged: {exc}")
        return _json({"message": f"session {session.name!r} restored from the fixtures"})

    async def getState(mock: Runtime, call: AdminCall) -> Reply:  # noqa: N802 - operationId
        vendor = _vendor(call)
        if vendor not in mock.vendors:
            return _error(404, f"unknown vendor {vendor!r}; known: {sorted(mock.vendors)}")
        state = call.session.states[vendor]
        return _json(await mock.offload.run_locked(call.session.lock, 0, state.dump))

    async def putState(mock: Runtime, call: AdminCall) -> Reply:  # noqa: N802 - operationId
        vendor = _vendor(call)
        if vendor not in mock.vendors:
            return _error(404, f"unknown vendor {vendor!r}; known: {sorted(mock.vendors)}")

        state, size = call.session.states[vendor], len(call.raw_body)
        try:
            # checked whole before anything is applied: seconds for a large document, which must
            # neither stall the event loop nor hold the session's lock
            scratch = await mock.offload.run(size, lambda: state.check(_document(call.raw_body), owned=True))
            await mock.offload.run_locked(call.session.lock, size, lambda: state.install(scratch))
        except StateError as exc:
            return _json({"status": 400, "message": f"{exc}", "problems": exc.problems}, 400)
        except StorageError as exc:
            return _error(503, f"the state could not be saved, so nothing changed: {exc}")
        return _json({"message": f"{vendor} state replaced"})

    async def clearRequests(mock: Runtime, call: AdminCall) -> Reply:  # noqa: N802 - operationId
        call.session.journal.clear()
        return _json({"message": "journal cleared"})

    async def getRules(mock: Runtime, call: AdminCall) -> Reply:  # noqa: N802 - operationId
        registries: list[RuleRegistry] = [mock.general_rules]
        registries.extend(v.rules for v in mock.vendors.values())
        session_fired = call.session.journal.fired
        rules = [
            {
                "id": r.id,
                "vendor": r.vendor,
                "kind": str(r.kind),
                "summary": r.summary,
                "fired": mock.coverage.get(r.id, 0),
                "session_fired": session_fired.get(r.id, 0),
                "basis": str(r.basis),  # GEN-12: what the rule rests on, and the page or the why
                "source": r.source,
                "urls": list(r.provenance.urls),
                "body_fields": sorted(r.when),
            }
            for registry in registries
            for r in registry
        ]
        return _json({"rules": rules})

    async def getFaults(mock: Runtime, call: AdminCall) -> Reply:  # noqa: N802 - operationId
        return _json({"faults": call.session.faults.list()})

    async def clearFaults(mock: Runtime, call: AdminCall) -> Reply:  # noqa: N802 - operationId
        call.session.faults.clear()
        return _json({"message": "faults cleared"})

    async def deleteFault(mock: Runtime, call: AdminCall) -> Reply:  # noqa: N802 - operationId
        fault_id = str(call.path_params["id"])
        if not call.session.faults.remove(fault_id):
            return _error(404, f"no fault {fault_id!r} in this session")
        return _json({"message": f"fault {fault_id} removed"})

    return {
        "health": health,
        "reset": reset,
        "getState": getState,
        "putState": putState,
        "getRequests": getRequests,
        "getSessions": getSessions,
        "clearRequests": clearRequests,
        "getRules": getRules,
        "getFaults": getFaults,
        "addFault": addFault,
        "clearFaults": clearFaults,
        "deleteFault": deleteFault,
    }


_TASKS = _tasks()
