"""connexion with a shorter per-request path.

Connexion keeps doing what it is good at: loading and resolving the specs, spec-first routing,
security schemes, parameter and body validation (through our collecting validators) and Swagger
UI. What the mock does not need per request is left out (profiled, see README "Performance"):
- its parameter-binding and response-serialisation decorators, which inspect the handler's
  signature and rebuild themselves on every call: our endpoints take the ASGI scope and return a
  finished response, so the last hop calls them directly;
- response validation (tests prove conformance instead), the lifespan and the context middleware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from connexion.apps.abstract import AbstractApp
from connexion.apps.asynchronous import AsyncApi, AsyncApp, AsyncASGIApp
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

Endpoint = Callable[[Scope], Awaitable[Response]]

MIDDLEWARES = [
    ServerErrorMiddleware,
    ExceptionMiddleware,
    SwaggerUIMiddleware,
    RoutingMiddleware,
    SecurityMiddleware,
    RequestValidationMiddleware,
]


class DirectOperation:
    """The last hop: hands the scope to the endpoint and sends the response it returns."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.endpoint(scope)
        await response(scope, receive, send)


class DirectApi(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: Any) -> DirectOperation:
        return DirectOperation(operation.function)


class DirectASGIApp(AsyncASGIApp):  # type: ignore[misc]
    api_cls = DirectApi


class LeanAsyncApp(AsyncApp):  # type: ignore[misc]
    def __init__(self, import_name: str, **kwargs: Any) -> None:
        # AsyncApp.__init__ only picks its ASGI app and defers to AbstractApp; pick ours instead.
        self._middleware_app = DirectASGIApp()
        kwargs.setdefault("middlewares", list(MIDDLEWARES))
        AbstractApp.__init__(self, import_name, **kwargs)
