"""One operation's documented responses, compiled once into generators of valid, hostile replies."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

from mockserver.adversarial._values import Gen, compile_schema, header_text, pick
from mockserver.core.pipeline import NO_BODY, Reply
from mockserver.core.spec import SpecOperation, inlined, load_spec, operations

__all__ = ["CompiledOperation", "FuzzedResponse", "compiled_operation", "operation_at"]

_ATTEMPTS = 50


@dataclass(frozen=True)
class FuzzedResponse:
    """One generated answer: what the mock sends back for a call."""

    status: int
    body: Any = NO_BODY
    """The JSON value, or ``NO_BODY`` for a response without content (204)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    media_type: str | None = None

    def reply(self) -> Reply:
        return Reply(self.status, self.body, dict(self.headers), self.media_type or "application/json")


@dataclass(frozen=True)
class _Response:
    """A documented response (one status key, or ``default``) ready to draw from."""

    key: str
    media_type: str | None
    body: Gen | None
    is_valid: Callable[[Any], bool]
    headers: tuple[tuple[str, bool, Gen], ...]

    def draw(self, rng: Random, status: int) -> FuzzedResponse:
        headers = {name: text(rng) for name, required, text in self.headers if required or rng.randrange(2)}
        if self.body is None:
            return FuzzedResponse(status, NO_BODY, headers, None)
        for _ in range(_ATTEMPTS):
            body = self.body(rng)
            if self.is_valid(body):
                return FuzzedResponse(status, body, headers, self.media_type)
        raise RuntimeError(f"no valid body drawn for response {self.key} in {_ATTEMPTS} attempts")


@dataclass(frozen=True)
class CompiledOperation:
    operation: SpecOperation
    responses: Mapping[str, _Response]

    @property
    def statuses(self) -> tuple[int, ...]:
        """The statuses the operation documents explicitly, lowest first (2xx before errors)."""
        return tuple(sorted(int(key) for key in self.responses if key.isdigit()))

    def response_for(self, status: int) -> _Response:
        # `default` stands for errors the spec does not list one by one (the specs describe it
        # so: 413, 429, 5xx); a success it does not document is not generated from it.
        keys = (str(status), f"{str(status)[0]}XX", *(("default",) if status >= 400 else ()))
        for key in keys:
            if key in self.responses:
                return self.responses[key]
        raise ValueError(f"{self.operation.operation_id} documents no response {status}")

    def drawer(self, status: int | None) -> Callable[[Random], FuzzedResponse]:
        if status is not None:
            response = self.response_for(status)
            return lambda rng: response.draw(rng, status)
        options = [functools.partial(self.response_for(s).draw, status=s) for s in self.statuses]
        return lambda rng: pick(rng, options)


@functools.cache
def compiled_operation(spec_path: Path, operation_id: str) -> CompiledOperation:
    spec = load_spec(spec_path)
    for op in operations(spec):
        if op.operation_id == operation_id:
            documented = spec["paths"][op.path][op.method.lower()]["responses"]
            return CompiledOperation(
                op, {str(key): _compile_response(spec, str(key), value) for key, value in documented.items()}
            )
    raise LookupError(f"{spec_path.name} has no operation {operation_id!r}")


def operation_at(spec_path: Path, method: str, path: str) -> SpecOperation:
    """The operation a vendor-relative call reaches; literal segments win over parameters."""
    route = path.partition("?")[0]
    for pattern, op in _routes(spec_path):
        if op.method == method.upper() and pattern.fullmatch(route):
            return op
    raise LookupError(f"{spec_path.name} documents no operation for {method.upper()} {route}")


@functools.cache
def _routes(spec_path: Path) -> list[tuple[re.Pattern[str], SpecOperation]]:
    routes = [
        (re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(op.path))), op)
        for op in operations(load_spec(spec_path))
    ]
    return sorted(routes, key=lambda route: route[1].path.count("{"))


def _compile_response(spec: Mapping[str, Any], key: str, response: Any) -> _Response:
    from schemathesis.specs.openapi.converter import to_json_schema  # heavy: only when fuzzing

    response = inlined(spec, response)
    headers = tuple(
        (
            name,
            bool(header.get("required")),
            header_text(to_json_schema(header.get("schema", {}), "nullable")),
        )
        for name, header in (response.get("headers") or {}).items()
        if name.lower() != "content-type"
    )
    content = response.get("content") or {}
    if not content:
        return _Response(key, None, None, lambda _body: True, headers)
    media_type = next((m for m in content if m.endswith("json")), next(iter(content)))
    schema = content[media_type].get("schema", {})
    validator = OAS30ReadValidator(schema, format_checker=oas30_format_checker)
    converted = to_json_schema(schema, "nullable", is_response_schema=True)
    return _Response(key, media_type, compile_schema(converted), validator.is_valid, headers)
