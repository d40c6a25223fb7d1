"""The operation table: every operation of one spec, compiled once.

It is the one router of the project. The mock, the proxy, the 405 answers and the response
fuzzer all find an operation here, so they cannot disagree on which operation a call reaches.
Each operation carries what checking a call needs, already prepared: typed parameters with their
OpenAPI style, whether a bearer token is required, a compiled validator per body media type, and
the documented response statuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from mockserver.core.schema import BodySchema
from mockserver.core.spec import HTTP_METHODS, deref, inlined

MAX_ID_DIGITS: Final = 18
"""An integer path id longer than this fits no vendor's 64-bit ids (GEN-13)."""


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    """``path``, ``query`` or ``header``."""
    required: bool
    schema: Mapping[str, Any]
    explode: bool
    validator: BodySchema
    # Read on every call that carries the parameter, so worked out once (derived: neither shown
    # nor compared). Fields, not cached_property: mypyc would recompute one on every read.
    type: str | None = field(init=False, repr=False, compare=False)
    plain: Callable[[Any], bool] | None = field(init=False, repr=False, compare=False)
    """For a schema that is a bare type (a string; an integer, perhaps with bounds): whether a
    value fits it, told without the validator. The validator still words every refusal."""
    item_type: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", _type_of(self.schema))
        object.__setattr__(self, "plain", _plain_check(self.schema))
        items = self.schema.get("items")
        object.__setattr__(self, "item_type", _type_of(items) if isinstance(items, Mapping) else None)


def _type_of(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    return kind if isinstance(kind, str) else None


def _plain_check(schema: Mapping[str, Any]) -> Callable[[Any], bool] | None:
    keys = set(schema) - {"description", "example", "default"}
    kind = _type_of(schema)
    if keys == {"type"} and kind == "string":
        return lambda value: type(value) is str
    if kind == "integer" and keys <= {"type", "minimum", "maximum"}:
        low, high = schema.get("minimum"), schema.get("maximum")
        if all(type(b) is int for b in (low, high) if b is not None):
            return lambda value: (
                type(value) is int and (low is None or value >= low) and (high is None or value <= high)
            )
    return None


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    """The path template, relative to where the spec is mounted."""
    path_params: tuple[Parameter, ...]
    query_params: tuple[Parameter, ...]
    header_params: tuple[Parameter, ...]
    bearer: bool
    """A bearer token is required (the spec's security, or the operation's own)."""
    bodies: Mapping[str, BodySchema]
    """Media type -> validator of the request body, in the spec's order."""
    body_required: bool
    responses: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Status (``404``, ``4XX`` or ``default``) -> the documented response, ``$ref``s inlined."""
    response_bodies: Mapping[str, Mapping[str, BodySchema]] = field(default_factory=dict)
    """Status key -> media type -> validator of the documented response body."""

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.responses)

    def response_key(self, status: int) -> str | None:
        """Which documented response answers ``status``: its own, its class's, or the default."""
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return key
        return None

    documented_query: frozenset[str] = field(init=False, repr=False, compare=False)
    """The names of the query parameters (read on every call)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "documented_query", frozenset(p.name for p in self.query_params))


@dataclass(init=False)
class Route:
    """Where a method and a path lead: an operation, or why none (404, 405 with the allowed
    methods, or a path id too long to be one)."""

    operation: Operation | None
    path_params: Mapping[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()
    too_long: str | None = None
    """The integer path parameter whose value has more than ``MAX_ID_DIGITS`` digits."""

    # __init__ by hand, not frozen: mypyc compiles this one (one Route per call), while the
    # generated one of a frozen dataclass stays interpreted and sets each field through
    # object.__setattr__
    def __init__(
        self,
        operation: Operation | None,
        path_params: Mapping[str, str] | None = None,
        allowed: tuple[str, ...] = (),
        too_long: str | None = None,
    ) -> None:
        self.operation = operation
        self.path_params = {} if path_params is None else path_params
        self.allowed = allowed
        self.too_long = too_long


_INTEGER_SEGMENT: Final = "[+-]?[0-9]+"
_PARAMETER: Final = re.compile(r"\{([^}]+)\}")


class _Template:
    """One path template with parameters, and the operations under it. An integer parameter
    takes digits (anything else is no route, as on the vendors' frameworks), any other one path
    segment. A template whose every parameter is a whole segment (every vendor's) is matched
    segment by segment: a regex match costs two method calls by name on every call, and the
    regex engine's code besides. Any other template is matched by its regex."""

    def __init__(self, path: str, ops: list[Operation]) -> None:
        self.ops = ops
        self.pattern = _pattern(ops[0])
        kinds = {p.name: p.type for p in ops[0].path_params}
        self.parts = path.split("/")
        self.params: list[tuple[int, str, bool]] | None = []
        """(segment index, name, integer?) of each parameter; None: matched by the regex."""
        for index, part in enumerate(self.parts):
            whole = _PARAMETER.fullmatch(part)
            if whole is not None:
                self.params.append((index, whole.group(1), kinds.get(whole.group(1)) == "integer"))
            elif "{" in part:
                self.params = None
                break

    def match(self, path: str, parts: list[str]) -> dict[str, str] | None:
        """The path parameters, if ``path`` (split at ``/`` into ``parts``) is of this template."""
        params = self.params
        if params is None:
            found = self.pattern.fullmatch(path)
            return None if found is None else found.groupdict()
        template = self.parts
        if len(parts) != len(template):
            return None
        values: dict[str, str] = {}
        at = 0
        for index, name, integer in params:
            while at < index:  # the literal segments before this parameter
                if parts[at] != template[at]:
                    return None
                at += 1
            value = parts[index]
            if not value or (integer and not _is_integer(value)):
                return None
            values[name] = value
            at = index + 1
        while at < len(template):
            if parts[at] != template[at]:
                return None
            at += 1
        return values


def _is_integer(text: str) -> bool:
    """``[+-]?[0-9]+`` in full: ASCII digits only (``isdigit`` alone takes '²' and '٣')."""
    digits = text[1:] if text[0] in "+-" else text
    return bool(digits) and digits.isascii() and digits.isdigit()


class OperationTable:
    """The operations of one spec; each path template with parameters is a :class:`_Template`."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.operations: list[Operation] = list(_compile(spec))
        self.by_id = {op.operation_id: op for op in self.operations}
        templates: dict[str, list[Operation]] = {}
        for op in self.operations:
            templates.setdefault(op.path, []).append(op)
        self._static = {path: ops for path, ops in templates.items() if "{" not in path}
        self._dynamic = [_Template(path, ops) for path, ops in templates.items() if "{" in path]

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def route(self, method: str, path: str) -> Route:
        """The operation ``method path`` reaches (``path`` relative to the mount point). HEAD
        reaches the GET operation, as on every HTTP framework the vendors run. The mount point
        itself (``""``) is the spec's ``/``: Ruddr documents ``GET`` on its bare base URL."""
        ops = self._static.get(path or "/")
        params: Mapping[str, str] = {}
        if ops is None:
            parts = path.split("/")
            for template in self._dynamic:
                matched = template.match(path, parts)
                if matched is not None:
                    ops, params = template.ops, matched
                    break
            else:
                return Route(None)
        wanted = "GET" if method == "HEAD" else method
        for op in ops:
            if op.method == wanted:
                for p in op.path_params:
                    value = params[p.name]  # only a long one has its sign stripped: rare
                    long_id = len(value) > MAX_ID_DIGITS and len(value.lstrip("+-")) > MAX_ID_DIGITS
                    if p.type == "integer" and long_id:
                        return Route(None, params, too_long=p.name)
                return Route(op, params)
        methods = {op.method for op in ops}
        if "GET" in methods:  # served too, as above: a 405's Allow lists it (RFC 9110 15.5.6)
            methods.add("HEAD")
        return Route(None, params, allowed=tuple(sorted(methods)))


def _pattern(op: Operation) -> re.Pattern[str]:
    """A path template as a regex: an integer parameter takes digits (anything else is no route,
    as on the vendors' frameworks), any other parameter one path segment."""
    kinds = {p.name: p.type for p in op.path_params}
    parts = re.split(r"\{([^}]+)\}", op.path)
    regex = "".join(
        re.escape(part)
        if i % 2 == 0
        else f"(?P<{part}>{_INTEGER_SEGMENT if kinds.get(part) == 'integer' else '[^/]+'})"
        for i, part in enumerate(parts)
    )
    return re.compile(regex)


def _compile(spec: Mapping[str, Any]) -> Iterator[Operation]:
    default_security = spec.get("security") or []
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    for path, item in (spec.get("paths") or {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [_parameter(spec, deref(spec, p)) for p in [*shared, *op.get("parameters", [])]]
            by_location: dict[str, dict[str, Parameter]] = {"path": {}, "query": {}, "header": {}}
            for param in params:  # an operation's parameter overrides the path item's
                if param.location in by_location:
                    by_location[param.location][param.name] = param
            body = deref(spec, op.get("requestBody") or {})
            bodies = {
                media: BodySchema(inlined(spec, content.get("schema") or {}))
                for media, content in (body.get("content") or {}).items()
            }
            security = op.get("security", default_security)
            responses = {str(s): inlined(spec, r) for s, r in (op.get("responses") or {}).items()}
            yield Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                path_params=tuple(by_location["path"].values()),
                query_params=tuple(by_location["query"].values()),
                header_params=tuple(by_location["header"].values()),
                bearer=_needs_bearer(security, schemes),
                bodies=bodies,
                body_required=bool(body.get("required", False)),
                responses=responses,
                response_bodies={
                    key: {
                        media: BodySchema(content.get("schema") or {}, response=True)
                        for media, content in (response.get("content") or {}).items()
                    }
                    for key, response in responses.items()
                },
            )


def _parameter(spec: Mapping[str, Any], raw: Mapping[str, Any]) -> Parameter:
    schema = inlined(spec, raw.get("schema") or {})
    location = raw["in"]
    style = raw.get("style", "form" if location == "query" else "simple")
    return Parameter(
        name=raw["name"],
        location=location,
        required=bool(raw.get("required", False)),
        schema=schema,
        explode=bool(raw.get("explode", style == "form")),
        validator=BodySchema(schema),
    )


def _needs_bearer(security: list[Mapping[str, Any]], schemes: Mapping[str, Any]) -> bool:
    """Only HTTP bearer schemes are used by the vendors; an empty requirement (``security: []``,
    or one alternative that is ``{}``) means the operation is public."""
    if not security or any(not requirement for requirement in security):
        return False
    return all(
        schemes.get(name, {}).get("type") == "http" and schemes.get(name, {}).get("scheme") == "bearer"
        for requirement in security
        for name in requirement
    )
