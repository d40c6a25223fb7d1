"""The admin API: one small task per route, bound to ``web/admin.yaml`` by operationId."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.types import Scope

from mockserver.core.faults import MAX_FAULTS, FaultLimitError, fault_from_json
from mockserver.core.rules import RuleRegistry
from mockserver.core.schema import BadJSONError, parse_json
from mockserver.core.store import StateError, StorageError
from mockserver.web.responses import dumps
from mockserver.web.state import SCOPE_KEY, RequestState

if TYPE_CHECKING:
    from mockserver.app import MockApp

ADMIN_SPEC = Path(__file__).with_name("admin.yaml")


def _json(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"status": status, "message": message}, status)


def _state(scope: Scope) -> RequestState:
    state: RequestState = scope[SCOPE_KEY]
    return state


def _document(raw: bytes) -> Any:
    """A state document's JSON. Not ``parse_json``: a document may hold 100,000 records, more
    objects than a vendor body may; and the store names every lone surrogate, NaN or number
    out of a double's range it finds (GEN-13), where parsing would stop at the first."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise StateError(f"the body is not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise StateError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit integer; 1,000 levels of nesting
        raise StateError(f"unreadable JSON: {str(exc)[:120]}") from None


def _vendor(scope: Scope) -> str:
    return str(scope["path_params"]["vendor"])


def admin_endpoints(mock: MockApp) -> dict[str, Any]:
    async def health(scope: Scope) -> Response:
        return _json({"status": "ok", "vendors": sorted(mock.vendors)})

    async def reset(scope: Scope) -> Response:
        session = _state(scope).session
        try:  # the store clears the old session's faults too, once the reset is saved
            mock.store.reset(session.name)
        except StorageError as exc:
            return _error(503, f"the reset could not be saved, so the session is unchanged: {exc}")
        return _json({"message": f"session {session.name!r} restored from the fixtures"})

    async def getState(scope: Scope) -> Response:  # noqa: N802 - operationId
        vendor = _vendor(scope)
        if vendor not in mock.vendors:
            return _error(404, f"unknown vendor {vendor!r}; known: {sorted(mock.vendors)}")
        session = _state(scope).session
        with session.lock:
            return _json(session.states[vendor].dump())

    async def putState(scope: Scope) -> Response:  # noqa: N802 - operationId
        vendor = _vendor(scope)
        if vendor not in mock.vendors:
            return _error(404, f"unknown vendor {vendor!r}; known: {sorted(mock.vendors)}")
        state = _state(scope)

        def replace() -> Response:
            try:
                document = _document(state.raw_body)
                with state.session.lock:
                    state.session.states[vendor].load(document, owned=True)
            except StateError as exc:
                return _json({"status": 400, "message": f"{exc}", "problems": exc.problems}, 400)
            except StorageError as exc:
                return _error(503, f"the state could not be saved, so nothing changed: {exc}")
            return _json({"message": f"{vendor} state replaced"})

        # a whole document is checked before it is applied: seconds for a large one, which must
        # not stall every other session on the event loop
        return await state.offload.run(len(state.raw_body), replace)

    async def getRequests(scope: Scope) -> Response:  # noqa: N802 - operationId
        vendor = QueryParams(scope["query_string"]).get("vendor")
        entries = _state(scope).session.journal.entries()
        if vendor:
            entries = [e for e in entries if e["vendor"] == vendor]
        return _json({"requests": entries})

    async def clearRequests(scope: Scope) -> Response:  # noqa: N802 - operationId
        _state(scope).session.journal.clear()
        return _json({"message": "journal cleared"})

    async def getRules(scope: Scope) -> Response:  # noqa: N802 - operationId
        registries: list[RuleRegistry] = [mock.general_rules]
        registries.extend(v.rules for v in mock.vendors.values())
        rules = [
            {
                "id": r.id,
                "vendor": r.vendor,
                "kind": str(r.kind),
                "summary": r.summary,
                "fired": mock.coverage.get(r.id, 0),
                "basis": str(r.basis),  # GEN-12: what the rule rests on, and the page or the why
                "source": r.source,
                "urls": list(r.provenance.urls),
            }
            for registry in registries
            for r in registry
        ]
        return _json({"rules": rules})

    async def getFaults(scope: Scope) -> Response:  # noqa: N802 - operationId
        return _json({"faults": _state(scope).session.faults.list()})

    async def addFault(scope: Scope) -> Response:  # noqa: N802 - operationId
        state = _state(scope)
        try:
            fault = fault_from_json(parse_json(state.raw_body))
        except (BadJSONError, ValueError) as exc:
            return _error(400, str(exc))
        if fault.vendor is not None and fault.vendor not in mock.vendors:
            return _error(400, f"unknown vendor {fault.vendor[:40]!r}; known: {sorted(mock.vendors)}")
        try:  # the count is checked under the book's lock: concurrent posts cannot pass it
            stored = state.session.faults.add(fault, limit=MAX_FAULTS)
        except FaultLimitError as exc:
            return _error(400, str(exc))
        return _json({**stored.as_dict(), "remaining": stored.times, "served": 0}, 201)

    async def clearFaults(scope: Scope) -> Response:  # noqa: N802 - operationId
        _state(scope).session.faults.clear()
        return _json({"message": "faults cleared"})

    async def deleteFault(scope: Scope) -> Response:  # noqa: N802 - operationId
        fault_id = str(scope["path_params"]["id"])
        if not _state(scope).session.faults.remove(fault_id):
            return _error(404, f"no fault {fault_id!r} in this session")
        return _json({"message": f"fault {fault_id} removed"})

    return {
        "health": health,
        "reset": reset,
        "getState": getState,
        "putState": putState,
        "getRequests": getRequests,
        "clearRequests": clearRequests,
        "getRules": getRules,
        "getFaults": getFaults,
        "addFault": addFault,
        "clearFaults": clearFaults,
        "deleteFault": deleteFault,
    }
