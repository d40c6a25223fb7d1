"""Each API's spec document as written, at ``<base path>/openapi.json`` (and ``.yaml``).

Connexion's Swagger UI middleware serves the resolved spec, every ``$ref`` inlined, so a client
generated from the served URL gets one anonymous model per use instead of the named
``components``. This middleware sits before it and answers those two paths with the document the
API was added with; only ``servers`` changes, to where the API is mounted, as connexion's does.
Swagger UI resolves the ``$ref``s itself, and it keeps being served by connexion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connexion.jsonifier import Jsonifier
from connexion.middleware import SpecMiddleware
from connexion.options import SwaggerUIConfig
from connexion.spec import Specification
from connexion.utils import yamldumper
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send


class WrittenSpecMiddleware(SpecMiddleware):  # type: ignore[misc]
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.documents: dict[str, tuple[str, Mapping[str, Any], str]] = {}
        """Served path -> (media type, the document as written, base path of its API)."""

    def add_api(self, specification: Specification, base_path: str | None = None, **kwargs: Any) -> None:
        options = SwaggerUIConfig(kwargs.get("swagger_ui_options"), oas_version=specification.version)
        if not options.openapi_spec_available:
            return
        base = (specification.base_path if base_path is None else base_path).rstrip("/")
        path = base + options.openapi_spec_path
        # The copy connexion kept before resolving it; connexion changes only its `servers`.
        document: Mapping[str, Any] = specification.raw
        self.documents[path] = ("application/json", document, base)
        if path.endswith(".json"):
            self.documents[path.removesuffix(".json") + ".yaml"] = ("text/yaml", document, base)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.documents.get(scope["path"]) if scope["type"] == "http" else None
        if found is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        media_type, document, base = found
        served = {**document, "servers": [{"url": scope.get("root_path", "").rstrip("/") + base}]}
        text = Jsonifier().dumps(served) if media_type == "application/json" else yamldumper(served)
        await Response(text, media_type=media_type)(scope, receive, send)
