"""Each API's spec, as written, at ``<base>/openapi.json`` (and ``.yaml``), and its Swagger UI at
``<base>/ui/``.

The documents are served as written: a client generated from the URL gets the named
``components``, not one anonymous model per use. Only ``servers`` changes, to where the API is
mounted. Swagger UI is connexion's, built on the first request for it, so neither the start-up
nor any API call pays for it.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.core.spec import load_spec


class Docs:
    """An ASGI app for the documentation paths of every mounted API: base path -> spec file."""

    def __init__(self, apis: Mapping[str, Path]) -> None:
        self.apis = dict(apis)
        self._ui: ASGIApp | None = None
        self._lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root: str = scope.get("root_path", "")
        path: str = scope["path"][len(root) :]  # an ASGI path includes the root path
        for base, spec_path in self.apis.items():
            if path in (f"{base}/openapi.json", f"{base}/openapi.yaml") and scope["method"] in (
                "GET",
                "HEAD",
            ):
                await _document(scope, send, base, load_spec(spec_path), path.endswith(".json"))
                return
        await (await self._swagger_ui())(scope, receive, send)

    async def _swagger_ui(self) -> ASGIApp:
        async with self._lock:
            if self._ui is None:
                self._ui = await asyncio.to_thread(_swagger_ui_app, self.apis)
        return self._ui


def _swagger_ui_app(apis: Mapping[str, Path]) -> ASGIApp:
    """connexion with only the middlewares Swagger UI needs: no routing, security or validation
    (the mock does those). Operations resolve to nothing: no call ever reaches them. Imported
    here: connexion takes most of a second to import, which no API call should wait for."""
    from connexion import AsyncApp
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from connexion.options import SwaggerUIOptions
    from connexion.resolver import Resolver

    app = AsyncApp(  # errors reach the mock, which answers them in the API's format (web/asgi.py)
        __name__,
        middlewares=[SwaggerUIMiddleware],
        swagger_ui_options=SwaggerUIOptions(swagger_ui=True, serve_spec=True),
    )
    unserved = Resolver(function_resolver=lambda _name: _never_called)
    for base, spec_path in apis.items():
        app.add_api(copy.deepcopy(load_spec(spec_path)), base_path=base, resolver=unserved)
    asgi: ASGIApp = app
    return asgi


def _never_called() -> None:  # pragma: no cover - the mock answers every API call itself
    raise AssertionError("API calls are answered by the mock, not by connexion")


async def _document(scope: Scope, send: Send, base: str, written: Mapping[str, Any], as_json: bool) -> None:
    served = {**written, "servers": [{"url": scope.get("root_path", "").rstrip("/") + base}]}
    if as_json:
        body, media = json.dumps(served).encode(), b"application/json"
    else:
        body, media = (
            yaml.safe_dump(served, sort_keys=False, allow_unicode=True).encode(),
            b"text/yaml; charset=utf-8",
        )
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", media)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
