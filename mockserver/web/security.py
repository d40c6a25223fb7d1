"""Bearer tokens checked against the caller's session state, through connexion's security map."""

from __future__ import annotations

from typing import Any

from connexion.exceptions import OAuthResponseProblem
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

    def _generic_check(self, func: Any, exception_msg: str) -> Any:
        # connexion inspects the function's signature on every request to decide what to pass;
        # ours is known, so the check is a plain call.
        async def wrapper(request: Any, token: str, required_scopes: Any = None) -> Any:
            token_info = func(token, request)
            if token_info is None:
                raise OAuthResponseProblem(detail=exception_msg)
            return token_info

        return wrapper


SECURITY_MAP = {"bearer": SessionBearerHandler}
