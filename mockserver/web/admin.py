"""The admin API: one small task per route, bound to ``web/admin.yaml`` by operationId."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from connexion import context as connexion_context
from starlette.responses import Response

from mockserver.core.rules import RuleRegistry
from mockserver.core.schema import BadJSONError, parse_json
from mockserver.core.store import StateError
from mockserver.web.responses import dumps
from mockserver.web.state import SCOPE_KEY, RequestState

if TYPE_CHECKING:
    from mockserver.app import MockApp

ADMIN_SPEC = Path(__file__).with_name("admin.yaml")


def _json(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"status": status, "message": message}, status)


def _state() -> RequestState:
    state: RequestState = connexion_context.scope[SCOPE_KEY]
    return state


def admin_endpoints(mock: MockApp) -> dict[str, Any]:
    async def health() -> Response:
        return _json({"status": "ok", "vendors": sorted(mock.vendors)})

    async def reset() -> Response:
        session = _state().session
        mock.store.reset(session.name)
        return _json({"message": f"session {session.name!r} restored from the fixtures"})

    async def getState(vendor: str) -> Response:  # noqa: N802 - operationId
        if vendor not in mock.vendors:
            return _error(404, f"unknown vendor {vendor!r}; known: {sorted(mock.vendors)}")
        session = _state().session
        with session.lock:
            return _json(session.states[vendor].dump())

    async def putState(vendor: str) -> Response:  # noqa: N802 - operationId
        if vendor not in mock.vendors:
            return _error(404, f"unknown vendor {vendor!r}; known: {sorted(mock.vendors)}")
        state = _state()
        try:
            document = parse_json(state.raw_body)
            with state.session.lock:
                state.session.states[vendor].load(document)
        except (BadJSONError, StateError) as exc:
            return _error(400, str(exc))
        return _json({"message": f"{vendor} state replaced"})

    async def getRequests(vendor: str | None = None) -> Response:  # noqa: N802 - operationId
        entries = _state().session.journal.entries()
        if vendor:
            entries = [e for e in entries if e["vendor"] == vendor]
        return _json({"requests": entries})

    async def clearRequests() -> Response:  # noqa: N802 - operationId
        _state().session.journal.clear()
        return _json({"message": "journal cleared"})

    async def getRules() -> Response:  # noqa: N802 - operationId
        registries: list[RuleRegistry] = [mock.general_rules]
        registries.extend(v.rules for v in mock.vendors.values())
        rules = [
            {
                "id": r.id,
                "vendor": r.vendor,
                "kind": str(r.kind),
                "summary": r.summary,
                "fired": mock.coverage.get(r.id, 0),
            }
            for registry in registries
            for r in registry
        ]
        return _json({"rules": rules})

    return {
        "health": health,
        "reset": reset,
        "getState": getState,
        "putState": putState,
        "getRequests": getRequests,
        "clearRequests": clearRequests,
        "getRules": getRules,
    }
