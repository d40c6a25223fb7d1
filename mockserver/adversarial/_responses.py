"""One operation's documented responses, compiled once into generators of valid, hostile replies.

An error body carries what the vendor pairs with its status, as the spec says it. A per-status
schema narrows the envelope's ``enum`` of error names (drawn through ``allOf``). The named
examples (``"404 Project not found"``) say it too, also where a schema cannot: a listed
(``enum``) property of an error takes the values the response's examples show for the drawn
status; in a response that stands for several statuses (``default``), a status none of its
examples shows takes no value they show for another. And a property that echoes the status in
every error example of the operation (Ruddr's and RFC 7807's ``status``) echoes it in every
error drawn.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

from mockserver.adversarial._values import Gen, compile_schema, enum_of, header_text, pick, properties_of
from mockserver.core.operations import OperationTable
from mockserver.core.spec import SpecOperation, inlined, load_spec, operations
from mockserver.core.values import NO_BODY, Reply

__all__ = ["CompiledOperation", "FuzzedResponse", "compiled_operation", "operation_at"]

_ATTEMPTS = 50
_NAMED_STATUS = re.compile(r"([1-5][0-9]{2})(?![0-9])")
"""The status an example is named for: the specs name examples ``"<status> <what happened>"``."""


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
    schema: Any
    """The body's JSON Schema (converted from OpenAPI), None for a response without content."""
    is_valid: Callable[[Any], bool]
    headers: tuple[tuple[str, bool, Gen], ...]
    examples: tuple[tuple[int, Mapping[str, Any]], ...] = ()
    """The response's named examples of objects: (the status in the name, the value)."""
    echoes: frozenset[str] = frozenset()
    """Top-level properties that carry the status itself in error bodies."""
    _bodies: dict[int, Gen] = field(default_factory=dict, compare=False, repr=False)

    def draw(self, rng: Random, status: int) -> FuzzedResponse:
        headers = {name: text(rng) for name, required, text in self.headers if required or rng.randrange(2)}
        if self.schema is None:
            return FuzzedResponse(status, NO_BODY, headers, None)
        body_for = self.body(status)
        for _ in range(_ATTEMPTS):
            body = body_for(rng)
            if self.is_valid(body):
                return FuzzedResponse(status, body, headers, self.media_type)
        raise RuntimeError(f"no valid body drawn for response {self.key} in {_ATTEMPTS} attempts")

    def body(self, status: int) -> Gen:
        """The body generator for ``status``, compiled once per status."""
        if status not in self._bodies:
            self._bodies[status] = compile_schema(_narrowed(self.schema, self.pins(status)))
        return self._bodies[status]

    def pins(self, status: int) -> dict[str, list[Any]]:
        """Top-level properties whose values ``status`` decides, and those values."""
        if status < 400 or not isinstance(self.schema, Mapping):
            return {}
        properties = properties_of(self.schema)
        pins: dict[str, list[Any]] = {name: [status] for name in self.echoes if name in properties}
        for name, prop in properties.items():
            listed = enum_of(prop)
            if listed is None or name in pins:
                continue
            shown = [value[name] for s, value in self.examples if s == status and name in value]
            if shown:
                values = [v for v in listed if v in shown]
            elif self.key.isdigit():
                continue  # one status, no example of it: its schema alone says what goes with it
            else:  # `default` without an example of this status: no value shown for another one
                others = [value[name] for s, value in self.examples if s != status and name in value]
                values = [v for v in listed if v not in others]
            if values:
                pins[name] = values
        return pins


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
            documented = {
                str(key): inlined(spec, value)
                for key, value in spec["paths"][op.path][op.method.lower()]["responses"].items()
            }
            echoes = _echoes(documented.values())
            return CompiledOperation(
                op, {key: _compile_response(key, value, echoes) for key, value in documented.items()}
            )
    raise LookupError(f"{spec_path.name} has no operation {operation_id!r}")


def operation_at(spec_path: Path, method: str, path: str) -> SpecOperation:
    """The operation a vendor-relative call reaches, as the mock routes it (``core.operations``)."""
    route = path.partition("?")[0]
    found = _table(spec_path).route(method.upper(), route).operation
    if found is None:
        raise LookupError(f"{spec_path.name} documents no operation for {method.upper()} {route}")
    return next(op for op in operations(load_spec(spec_path)) if op.operation_id == found.operation_id)


@functools.cache
def _table(spec_path: Path) -> OperationTable:
    return OperationTable(load_spec(spec_path))


def _compile_response(key: str, response: Mapping[str, Any], echoes: frozenset[str]) -> _Response:
    """One response, ``$ref``s already inlined."""
    from schemathesis.specs.openapi.converter import to_json_schema  # heavy: only when fuzzing

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
    compiled = _Response(
        key, media_type, converted, validator.is_valid, headers, tuple(_named_examples(response)), echoes
    )
    if key.isdigit():
        compiled.body(int(key))  # an unsatisfiable schema fails when the spec is compiled, not mid-run
    return compiled


def _named_examples(response: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for media in (response.get("content") or {}).values():
        for name, example in (media.get("examples") or {}).items():
            status = _NAMED_STATUS.match(str(name))
            value = example.get("value") if isinstance(example, Mapping) else None
            if status and isinstance(value, Mapping):
                yield int(status[1]), value


def _echoes(responses: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Top-level properties equal to the status in every named error example that has them."""
    seen: dict[str, bool] = {}
    for response in responses:
        for status, value in _named_examples(response):
            if status < 400:
                continue
            for name, item in value.items():
                if isinstance(item, int) and not isinstance(item, bool):
                    seen[name] = seen.get(name, True) and item == status
    return frozenset(name for name, always in seen.items() if always)


def _narrowed(schema: Any, pins: Mapping[str, list[Any]]) -> Any:
    """``schema`` with each pinned top-level property limited to its values."""
    if not pins:
        return schema
    return {"allOf": [schema, {"properties": {name: {"enum": values} for name, values in pins.items()}}]}
