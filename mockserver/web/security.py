"""Bearer tokens checked against the caller's session state, through connexion's security map."""

from __future__ import annotations

from typing import Any

from connexion.security import BearerSecurityHandler

from mockserver.web.state import SCOPE_KEY, RequestState


def _token_info(token: str, request: Any) -> dict[str, Any] | None:
    state: RequestState | None = request.scope.get(SCOPE_KEY)
    if state is None or state.vendor is None:
        return None
    identity = state.vendor.identify(token, state.session.states[state.vendor.id])
    if identity is None:
        return None
    state.identity = identity
    return {"sub": identity.subject, "scope": sorted(identity.permissions)}


class SessionBearerHandler(BearerSecurityHandler):  # type: ignore[misc]
    """Tokens live in each vendor's fixtures (GEN-8), not in an ``x-bearerInfoFunc`` of the spec:
    the specs stay faithful to the vendors."""

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
        return _token_info


SECURITY_MAP = {"bearer": SessionBearerHandler}
