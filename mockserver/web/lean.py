"""connexion with a shorter per-request path.

Connexion keeps doing what it is good at: loading and resolving the specs, spec-first routing,
security schemes, parameter and body validation (through our collecting validators) and Swagger
UI. What the mock does not need per request is left out (profiled, see README "Performance"):
- its parameter-binding and response-serialisation decorators, which inspect the handler's
  signature and rebuild themselves on every call: our endpoints take the ASGI scope and return a
  finished response, so the last hop calls them directly;
- connexion's request validation rebuilding its validators on every request: ours are built
  once per operation (and content type) and reused;
- the Swagger UI router on requests that are not for a spec or the UI (and the specs
  themselves are served as written, by ``web/specs.py``);
- response validation (tests prove conformance instead), the lifespan and the context middleware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from connexion import utils
from connexion.apps.abstract import AbstractApp
from connexion.apps.asynchronous import AsyncApi, AsyncApp, AsyncASGIApp
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mockserver.web.specs import WrittenSpecMiddleware

Endpoint = Callable[[Scope], Awaitable[Response]]


class SpecAndUIMiddleware(SwaggerUIMiddleware):  # type: ignore[misc]
    """Serves each spec and Swagger UI; every other request skips its router altogether."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and not (path.endswith((".json", ".yaml")) or "/ui" in path):
            await self.app(scope, receive, send)  # the fast path; the router would only fall through
            return
        await super().__call__(scope, receive, send)


class PreparedValidationOperation(RequestValidationOperation):  # type: ignore[misc]
    """Validates like connexion's, with validators made once (ours keep no per-request state)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._parameters: Any = None
        self._bodies: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = self._operation
        if self._parameters is None:
            self._parameters = self._validator_map["parameter"](
                operation.parameters,
                uri_parser=operation.uri_parser_class(operation.parameters, operation.body_definition()),
                strict_validation=self.strict_validation,
                security_query_params=self.security_query_params,
            )
        self._parameters.validate(scope)
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)  # 415 for a content type the operation does not take
        if mime_type not in self._bodies:  # bounded: only accepted content types get this far
            self._bodies[mime_type] = self._body_validator(mime_type, encoding)
        validator = self._bodies[mime_type]
        if validator is not None:
            receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)

    def _body_validator(self, mime_type: str, encoding: str) -> Any:
        operation = self._operation
        schema = operation.body_schema(mime_type)
        if not schema:
            return None
        try:
            validator_cls = self._validator_map["body"][mime_type]
        except KeyError:
            return None
        return validator_cls(
            schema=schema,
            required=operation.request_body.get("required", False),
            nullable=utils.is_nullable(operation.body_definition(mime_type)),
            encoding=encoding,
            strict_validation=self.strict_validation,
            uri_parser=operation.uri_parser_class(operation.parameters, operation.body_definition()),
        )


class PreparedValidationAPI(RequestValidationAPI):  # type: ignore[misc]
    def make_operation(self, operation: Any) -> PreparedValidationOperation:
        return PreparedValidationOperation(
            self.next_app,
            operation=operation,
            strict_validation=self.strict_validation,
            validator_map=self.validator_map,
        )


class PreparedValidationMiddleware(RequestValidationMiddleware):  # type: ignore[misc]
    api_cls = PreparedValidationAPI


MIDDLEWARES = [
    ServerErrorMiddleware,
    ExceptionMiddleware,
    WrittenSpecMiddleware,  # the specs as written, before connexion's resolved copies
    SpecAndUIMiddleware,
    RoutingMiddleware,
    SecurityMiddleware,
    PreparedValidationMiddleware,
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
