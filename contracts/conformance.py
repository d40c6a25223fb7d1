"""Checks that an exchange conforms to a vendor spec, with openapi-core (GEN-10).

Works on plain data (method, path, status, headers, body), so the test suite, the validation
proxy and the journal can all use it against the mock or a real API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse

from mockserver.core.spec import load_spec


def _json_bytes(data: bytes) -> Any:
    return json.loads(data)


JSON_LIKE: dict[str, Any] = {"application/problem+json": _json_bytes}
"""openapi-core only knows application/json; Personio answers errors as problem+json."""


def server_url(spec: Mapping[str, Any]) -> str:
    """The spec's first server URL with its variables at their defaults."""
    server = (spec.get("servers") or [{"url": "http://localhost"}])[0]
    url: str = server["url"]
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    return url.rstrip("/")


class SpecChecker:
    """Validates responses (and requests) against one vendor spec."""

    def __init__(self, spec_path: Path) -> None:
        spec = load_spec(spec_path)
        self.server = server_url(spec)
        # openapi-core joins host_url and path with urljoin, which drops a server's own path
        # (/api/workspace): hand it the bare origin and put the server path in front of the route.
        parts = urlsplit(self.server)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path.rstrip("/")
        self.openapi = OpenAPI.from_dict(spec, config=Config(extra_media_type_deserializers=JSON_LIKE))

    def _request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
    ) -> MockRequest:
        route, _, query = path.partition("?")
        headers = dict(headers or {})
        content_type = next(
            (v for k, v in headers.items() if k.lower() == "content-type"), "application/json"
        )
        return MockRequest(
            self._origin,
            method,
            self._base_path + route,
            args=dict(parse_qsl(query)),
            headers=headers,
            data=body,
            content_type=content_type,
        )

    def response_errors(
        self,
        method: str,
        path: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        request_headers: Mapping[str, str] | None = None,
        request_body: bytes | None = None,
    ) -> list[str]:
        """Why this response breaks the spec (empty when it conforms)."""
        request = self._request(method, path, request_headers, request_body)
        headers = {k: (v[0] if isinstance(v, list | tuple) and v else v) for k, v in headers.items()}
        content_type = next(
            (v for k, v in headers.items() if k.lower() == "content-type"), "application/json"
        )
        response = MockResponse(body, status, dict(headers), content_type.split(";")[0])
        try:
            self.openapi.validate_response(request, response)
        except OpenAPIError as exc:
            return [describe(exc)]
        return []

    def request_errors(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> list[str]:
        """Why this request breaks the spec (empty when it conforms)."""
        try:
            self.openapi.validate_request(self._request(method, path, headers, body))
        except OpenAPIError as exc:
            return [describe(exc)]
        return []


def describe(exc: BaseException) -> str:
    """One readable line per nested schema error."""
    parts = [f"{type(exc).__name__}: {exc}"]
    cause: BaseException | None = exc.__cause__
    while cause is not None:
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            parts.extend(
                f"  at {'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message[:200]}"
                for e in schema_errors
            )
        else:
            parts.append(f"  {type(cause).__name__}: {cause}")
        cause = cause.__cause__
    return "\n".join(parts)
