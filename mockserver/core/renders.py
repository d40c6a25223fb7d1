"""The render probe: a state the store adopts must be readable. Each :class:`Rendering` (what one
read answers for one record, from ``Vendor.renders``) must run, be strict JSON (GEN-13) and fit
its schema in the vendor's spec, as openapi-core checks a response (OpenAPI 3.0's read direction,
``BodySchema(response=True)``).

jsonschema takes ~150 µs per rendered project, 15 s for 100,000. Most of that is spent on parts
whose exact value cannot change the verdict: a field the schema only types is valid for any
value of that type. So each rendering is first reduced to what its schema looks at (a field
that only has a type becomes its type; a string with only length bounds, its clipped length),
and jsonschema runs once per distinct reduction; the verdict is exact, only repeats are skipped.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.core.records import short
from mockserver.core.schema import BodySchema, schema_violations
from mockserver.core.spec import inlined, load_spec, resolve
from mockserver.core.strict import strict_json_problems, strict_json_text


@dataclass(frozen=True)
class Rendering:
    """What one read answers for one stored record, computed on demand (``Vendor.renders``)."""

    collection: str
    record_id: Any
    read: str
    """The operationId of the read."""
    render: Callable[[], Any]
    """The value that read would send for the record."""
    schema: str | None = None
    """JSON pointer into the vendor's spec to the schema that value must satisfy."""

    @property
    def where(self) -> str:
        """The record, as problems name it (and as the store does): ``projects['1001']``."""
        return f"{self.collection}[{str(self.record_id)!r}]"


BATCH = 500
"""Renderings whose strictness one ``json.dumps`` call vouches for at once (a call per value
would cost more than the encoding itself)."""


def rendering_problems(renderings: Iterable[Rendering], spec_path: Path, limit: int) -> list[str]:
    """What is wrong with the renderings (at most ``limit`` problems); empty when all are fine."""
    probe, pending = _Probe(spec_path), iter(renderings)
    while batch := list(itertools.islice(pending, BATCH)):
        rendered = []
        for rendering in batch:
            try:
                rendered.append((rendering, rendering.render()))
            except Exception as exc:  # a renderer that trips over the record is the record's problem
                probe.report(rendering, [f"it cannot be rendered ({short(exc)})"])
        strict = strict_json_text([value for _, value in rendered]) is not None
        for rendering, value in rendered:
            if len(probe.problems) >= limit:
                return probe.problems[:limit]
            found = [] if strict else strict_json_problems(value, limit, "body")
            probe.report(rendering, found or probe.schema_problems(rendering.schema, value, limit))
    return probe.problems[:limit]


class _Probe:
    """One probe run: its problems and the verdicts it reached, by reduction (see the module)."""

    def __init__(self, spec_path: Path) -> None:
        self.spec_path = spec_path
        self.problems: list[str] = []
        self.valid: dict[tuple[str, Hashable], bool] = {}
        self.compiled: dict[str, tuple[BodySchema, Reduce]] = {}

    def report(self, rendering: Rendering, found: list[str]) -> None:
        self.problems += [f"{rendering.where}: as {rendering.read} answers it, {p}" for p in found]

    def schema_problems(self, pointer: str | None, value: Any, limit: int) -> list[str]:
        if pointer is None:
            return []
        if pointer not in self.compiled:
            self.compiled[pointer] = _compiled(self.spec_path, pointer)
        validator, reduce = self.compiled[pointer]
        try:
            key: tuple[str, Hashable] | None = (pointer, reduce(value))
        except TypeError:  # keys that do not sort (1 and "1"): validate this one as it is
            key = None
        valid = self.valid.get(key) if key is not None else None
        if valid is None:
            valid = validator.is_valid(value)
            if key is not None:
                self.valid[key] = valid
        if valid:
            return []
        # OAS30ReadValidator reports a missing field once per missing field, each error naming
        # all of them: one line per distinct problem
        violations = (v for e in validator.exact.iter_errors(value) for v in schema_violations(e, 500))
        distinct = dict.fromkeys(f"{v.field or 'body'} {v.message}" for v in violations)
        return list(itertools.islice(distinct, limit))


@functools.cache
def _compiled(spec_path: Path, pointer: str) -> tuple[BodySchema, Reduce]:
    spec = load_spec(spec_path)
    schema = inlined(spec, resolve(spec, pointer))
    return BodySchema(schema, response=True), _reduction(schema)


Reduce = Callable[[Any], Hashable]
_TYPE_ONLY = frozenset({"type", "nullable", "description", "example", "title", "deprecated", "readOnly"})
"""Keywords that look at a value's JSON type only (``readOnly`` is fine in a response)."""


def _reduction(schema: Any) -> Reduce:
    """A function mapping a value to a hashable key such that two values with equal keys are both
    valid or both invalid under ``schema``; anything it does not understand is kept verbatim."""
    if not isinstance(schema, Mapping):
        return _verbatim
    keywords = set(schema) - _TYPE_ONLY
    if not keywords:
        return _json_type
    if schema.get("type") == "string" and keywords <= {"maxLength", "minLength"}:
        cap = max(schema.get("maxLength", 0), schema.get("minLength", 0)) + 1
        return lambda v: ("len", min(len(v), cap)) if isinstance(v, str) else _json_type(v)
    if schema.get("type") == "array" and keywords == {"items"}:
        each = _reduction(schema["items"])
        return lambda v: ("list", *map(each, v)) if type(v) is list else _json_type(v)
    if schema.get("type") == "object" and keywords <= {"properties", "required", "additionalProperties"}:
        fields = {name: _reduction(sub) for name, sub in schema.get("properties", {}).items()}
        additional = schema.get("additionalProperties", True)
        other = _reduction(additional) if isinstance(additional, Mapping) else _other(additional)

        def reduce(v: Any) -> Hashable:
            if type(v) is not dict:
                return _json_type(v)
            reduced: list[Hashable] = ["dict"]
            for k, x in v.items():
                each = fields.get(k, other)
                # most fields only have a type: inlined, as a call per field costs more than it
                reduced.append((k, type(x) if each is _json_type and type(x) is not float else each(x)))
            return tuple(reduced)

        return reduce
    return _verbatim


def _other(allowed: Any) -> Reduce:
    """``additionalProperties: true`` (any value is valid) or ``false`` (its presence decides)."""
    return (lambda _v: None) if allowed is not False else _verbatim


def _json_type(value: Any) -> Hashable:
    if type(value) is float:  # 3.0 is an integer to JSON Schema, 3.5 is not
        return ("float", value.is_integer())
    return type(value).__name__


def _verbatim(value: Any) -> Hashable:
    if isinstance(value, dict | list):
        return ("json", json.dumps(value, sort_keys=True))
    return (type(value).__name__, value)
