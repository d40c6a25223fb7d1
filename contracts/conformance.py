"""Checks that an exchange conforms to a vendor spec, with openapi-core (GEN-10).

Works on plain data (method, path, status, headers, body), so the test suite, the validation
proxy and the journal can all use it against the mock or a real API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.datatypes import PathOperationServer
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.validators import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
    V30RequestSecurityValidator,
)

from contracts._openapi_errors import describe, request_violations, response_violations, route_violations
from mockserver.core.schema import BadJSONError, BodySchema, parse_json
from mockserver.core.spec import inlined, load_spec
from mockserver.core.violations import Code, Violation

__all__ = ["JSON_LIKE", "RequestCheck", "SpecChecker", "describe", "server_url"]


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


@dataclass(frozen=True)
class RequestCheck:
    """What the spec says about one request: its operation, every violation, undocumented fields."""

    operation: str | None
    """The operationId, or ``None`` when no operation of the spec has this method and path."""
    violations: list[Violation]
    """Route, security, parameter and body problems, each with its field and JSON Schema keyword."""
    undocumented: list[str]
    """Dotted body fields the operation's schema does not name (GEN-7: vendors ignore them)."""


class SpecChecker:
    """Validates requests and responses against one vendor spec, with openapi-core.

    ``request_errors``/``response_errors`` give readable lines (test failures); ``check_request``
    and ``response_violations`` give structured :class:`Violation` records (the validation proxy,
    which hands them to the vendor's formatter and to the journal).
    """

    def __init__(self, spec_path: Path) -> None:
        spec = load_spec(spec_path)
        self._spec = spec
        self.server = server_url(spec)
        # openapi-core joins host_url and path with urljoin, which drops a server's own path
        # (/api/workspace): hand it the bare origin and put the server path in front of the route.
        parts = urlsplit(self.server)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path.rstrip("/")
        self.openapi = OpenAPI.from_dict(spec, config=Config(extra_media_type_deserializers=JSON_LIKE))
        # openapi-core's full request validator skips parameters and body once security fails;
        # the three partial validators report each part whatever the others find.
        self._finder = _LastFound(self.openapi.spec)
        self._security, self._parameters, self._body = (
            cls(self.openapi.spec, extra_media_type_deserializers=JSON_LIKE)
            for cls in (V30RequestSecurityValidator, V30RequestParametersValidator, V30RequestBodyValidator)
        )
        for validator in (self._security, self._parameters, self._body):
            validator.path_finder = self._finder  # route once per request, not four times
        self._body_schemas: dict[tuple[str, str, str], BodySchema | None] = {}

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

    def _response(self, status: int, headers: Mapping[str, Any], body: bytes) -> MockResponse:
        headers = {k: (v[0] if isinstance(v, list | tuple) and v else v) for k, v in headers.items()}
        content_type = next(
            (v for k, v in headers.items() if k.lower() == "content-type"), "application/json"
        )
        return MockResponse(body, status, dict(headers), content_type.split(";")[0])

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
        try:
            self.openapi.validate_response(request, self._response(status, headers, body))
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

    # -- structured ------------------------------------------------------------------------
    def check_request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        body_status: int = 400,
    ) -> RequestCheck:
        """Every way this request breaks the spec, as violations; ``path`` is relative to the
        spec's server (``/v2/projects/1?x=1``). Schema violations of the body carry
        ``body_status`` (the vendor's validation status), those of parameters 400."""
        request = self._request(method, path, headers, body)
        try:
            found = self._finder.find(method.lower(), self._origin + request.path)
        except PathError as exc:
            return RequestCheck(None, route_violations(exc, method), [])
        operation = (found.operation / "operationId").read_str(None)
        violations = [
            v
            for validator in (self._security, self._parameters)
            for exc in validator.iter_errors(request)
            for v in request_violations(exc, body_status)
        ]
        parsed: Any = None
        media = request.content_type.split(";")[0].strip().lower()
        try:
            # openapi-core reads NaN, Infinity and 10,000-deep nesting; the vendors do not (GEN-9)
            parsed = parse_json(body) if body and body.strip() and "json" in media else None
        except BadJSONError as exc:
            violations.append(Violation(400, Code.BAD_JSON, str(exc)))
        else:
            violations += [
                v for exc in self._body.iter_errors(request) for v in request_violations(exc, body_status)
            ]
        schema = self._body_schema(found.path_result.pattern, method.lower(), media)
        undocumented = schema.unknown_fields(parsed) if schema is not None and parsed is not None else []
        return RequestCheck(operation, violations, undocumented)

    def response_violations(
        self,
        method: str,
        path: str,
        status: int,
        headers: Mapping[str, Any],
        body: bytes,
        request_headers: Mapping[str, str] | None = None,
        request_body: bytes | None = None,
    ) -> list[Violation]:
        """Every way this response breaks the spec; each violation carries the response's status
        and a ``response`` location. A request on no route of the spec gives none: that is the
        request's violation."""
        request = self._request(method, path, request_headers, request_body)
        errors = self.openapi.iter_response_errors(request, self._response(status, headers, body))
        return [v for exc in errors for v in response_violations(exc, status)]

    def _body_schema(self, template: str, method: str, media: str) -> BodySchema | None:
        key = (template, method, media)
        if key not in self._body_schemas:
            operation = inlined(self._spec, self._spec["paths"][template][method])
            content = (operation.get("requestBody") or {}).get("content") or {}
            entry = content.get(media) or next((c for m, c in content.items() if "json" in m), None)
            schema = (entry or {}).get("schema")
            self._body_schemas[key] = BodySchema(schema) if isinstance(schema, Mapping) else None
        return self._body_schemas[key]


class _LastFound(APICallPathFinder):
    """A path finder that remembers its last answer: the partial validators of one request all
    route the same URL, and routing is a third of openapi-core's validation time."""

    _last: tuple[tuple[str, str], PathOperationServer] | None = None

    def find(self, method: str, name: str) -> PathOperationServer:
        key, last = (method, name), self._last  # one read: a checker may be shared by threads
        if last is None or last[0] != key:
            last = (key, super().find(method, name))  # a PathError keeps nothing
            self._last = last
        return last[1]
