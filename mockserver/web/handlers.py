"""One generic endpoint per operation, bound by a resolver (no per-operation handler code here)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from connexion.resolver import Resolver
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

from mockserver.core.pipeline import Incoming, Outcome, handle
from mockserver.core.vendor import Vendor
from mockserver.web.responses import to_response
from mockserver.web.state import SCOPE_KEY, RequestState

if TYPE_CHECKING:
    from mockserver.app import MockApp

Endpoint = Callable[[Scope], Any]


class BoundResolver(Resolver):  # type: ignore[misc]
    """Resolves each operationId to a ready-made callable instead of a dotted import path."""

    def __init__(self, endpoints: Mapping[str, Endpoint]) -> None:
        super().__init__()
        self._endpoints = endpoints

    def resolve_function_from_operation_id(self, operation_id: str) -> Endpoint:
        try:
            return self._endpoints[operation_id]
        except KeyError:
            raise ValueError(f"no handler for operationId {operation_id!r}") from None


def vendor_endpoints(mock: MockApp, vendor: Vendor) -> dict[str, Endpoint]:
    return {op: _endpoint(mock, vendor, op) for op in vendor.operations()}


def _endpoint(mock: MockApp, vendor: Vendor, operation: str) -> Endpoint:
    async def endpoint(scope: Scope) -> Response:
        state: RequestState = scope[SCOPE_KEY]
        incoming = Incoming(
            method=scope["method"],
            path=scope["path"],
            path_params=state.path_params or dict(scope.get("path_params") or {}),
            query=state.query,
            headers=Headers(scope=scope),
            body=state.body,
            has_body=state.has_body,
            body_schema=state.body_schema,
            param_violations=state.param_violations,
            body_violations=state.body_violations,
            identity=state.identity,
            link_base=_link_base(scope, state),
            query_string=scope.get("query_string", b"").decode("utf-8", "replace"),
            unknown_params=state.unknown_params,
        )
        session = state.session

        def run() -> Outcome:
            with session.lock:
                return handle(
                    vendor,
                    operation,
                    incoming,
                    session.states[vendor.id],
                    mock.clock.now(),
                    mock.config.strict,
                )

        outcome = await state.offload.run(len(state.raw_body), run)
        state.operation = operation
        state.fired = outcome.fired
        state.violations = outcome.violations
        state.warnings = outcome.warnings
        return to_response(outcome.reply)

    endpoint.__name__ = f"{vendor.id}_{operation}"
    return endpoint


_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def _link_base(scope: Scope, state: RequestState) -> str:
    """The origin the client called, plus the session prefix the middleware stripped: links the
    vendor hands out (paging) must lead back to this mock and this session. A Host header that is
    not a plain host[:port] is not echoed into links; the server's own address is used then."""
    host = Headers(scope=scope).get("host", "")
    if not _HOST.fullmatch(host):
        server = scope.get("server") or ("localhost", None)
        name = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
        host = name if server[1] is None else f"{name}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{state.link_prefix}"
