"""What a client did wrong, read from the mock's journal: spec violations and GEN-7 warnings.

The pytest plugin fails a test with :func:`render`'s text; anything else that holds journal
entries (a CI step reading ``GET /__admin/requests``) can use :func:`client_problems` too.
Business-rule rejections (duplicate names, date ranges...) are answers the client must handle,
not mistakes in what it sent, so only violations of the spec itself count.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver.core.spec import SpecOperation, deref, load_spec, operations, resolve
from mockserver.core.violations import Code

__all__ = [
    "QUERY_WARNING",
    "SPEC_CODES",
    "VIOLATION",
    "WARNING",
    "WARNINGS",
    "Problem",
    "client_problems",
    "render",
]

SPEC_CODES = frozenset(
    str(code)
    for code in (
        Code.SCHEMA,
        Code.BAD_JSON,
        Code.UNSUPPORTED_MEDIA_TYPE,
        Code.ROUTE_NOT_FOUND,
        Code.METHOD_NOT_ALLOWED,
        Code.TOO_LARGE,
        Code.UNKNOWN_FIELD,
    )
)
"""Violation codes that mean "the request breaks the spec"."""

_BODY_SHOWN = 300
VIOLATION = "spec violation"
WARNING = "undocumented field (GEN-7)"
QUERY_WARNING = "undocumented query parameter (GEN-7)"
WARNINGS = frozenset({WARNING, QUERY_WARNING})
"""The kinds of GEN-7 warnings: a body field, or a query parameter (issue 15)."""


@dataclass(frozen=True)
class Problem:
    """One thing a request did wrong, with where the spec says otherwise."""

    kind: str
    """:data:`VIOLATION`, or a GEN-7 warning: :data:`WARNING` for a body field, :data:`QUERY_WARNING`
    for a query parameter."""
    entry: Mapping[str, Any]
    """The journal entry of the request."""
    violation: Mapping[str, Any]
    location: str | None = None
    """Where the spec defines what was broken: ``specs/<vendor>.yaml#/json/pointer``."""
    expected: Any = None
    """The schema the field had to match, when there is one."""
    near_misses: tuple[str, ...] = field(default_factory=tuple)
    """Documented names close to an unknown field or route."""
    documented: tuple[str, ...] = field(default_factory=tuple)
    """Every documented field where an unknown one was sent, when none is close."""


def client_problems(entries: Iterable[Mapping[str, Any]], spec_paths: Mapping[str, Path]) -> list[Problem]:
    """Every spec violation and GEN-7 warning in ``entries`` (journal entries), in order."""
    found: list[Problem] = []
    for entry in entries:
        spec_path = spec_paths.get(str(entry.get("vendor")))
        for violation in entry.get("violations", []):
            if violation.get("code") in SPEC_CODES:
                found.append(_explain(VIOLATION, entry, violation, spec_path))
        for warning in entry.get("warnings", []):
            kind = QUERY_WARNING if warning.get("location") == "query" else WARNING
            found.append(_explain(kind, entry, warning, spec_path))
    return found


def render(problems: Sequence[Problem], *, heading: str = "") -> str:
    """A report a developer can act on without opening the journal."""
    requests = {id(p.entry): p.entry for p in problems}
    lines = [heading or f"mockserver: the client sent {len(requests)} request(s) that break the vendor spec"]
    by_entry: dict[int, list[Problem]] = {}
    for problem in problems:
        by_entry.setdefault(id(problem.entry), []).append(problem)
    for number, (key, group) in enumerate(by_entry.items(), start=1):
        entry = requests[key]
        operation = f" ({entry['operation']})" if entry.get("operation") else ""
        lines.append("")
        lines.append(
            f"{number}. {entry['method']} {entry['path']}{_query(entry)} -> {entry['status']}{operation}"
        )
        body = entry.get("request", {}).get("body")
        if body is not None:
            lines.append(f"   request body: {_short(body)}")
        for problem in group:
            lines.extend(_problem_lines(problem))
    return "\n".join(lines)


# -- explanation ------------------------------------------------------------------------------
def _explain(
    kind: str, entry: Mapping[str, Any], violation: Mapping[str, Any], spec_path: Path | None
) -> Problem:
    if spec_path is None:
        return Problem(kind, entry, violation)
    spec = load_spec(spec_path)
    operation = _operation(spec, entry.get("operation"))
    code = violation.get("code")
    if code in {"route_not_found", "method_not_allowed"} or operation is None:
        return Problem(kind, entry, violation, near_misses=_near_routes(spec, entry))
    name = violation.get("field")
    pointer, schema = _field_schema(spec, operation, name, violation.get("location", "body"))
    location = f"specs/{spec_path.name}#{pointer}" if pointer else None
    near: tuple[str, ...] = ()
    if code == "unknown_field" and name and violation.get("location") == "query":
        documented = _query_names(spec, operation)
        near = tuple(difflib.get_close_matches(name, documented, n=3, cutoff=0.6))
        return Problem(kind, entry, violation, location, None, near, () if near else tuple(documented))
    if code == "unknown_field" and name:
        parent, _, leaf = name.rpartition(".")
        _, parent_schema = _field_schema(spec, operation, parent or None, "body")
        documented = list(_properties(spec, parent_schema))
        near = tuple(difflib.get_close_matches(leaf, documented, n=3, cutoff=0.6))
        return Problem(
            kind, entry, violation, location, None, near, () if near else tuple(sorted(documented))
        )
    return Problem(kind, entry, violation, location, _summary(spec, schema))


def _operation(spec: Mapping[str, Any], operation_id: Any) -> SpecOperation | None:
    if not operation_id:
        return None
    return next((op for op in operations(dict(spec)) if op.operation_id == operation_id), None)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _field_schema(
    spec: Mapping[str, Any], operation: SpecOperation, name: str | None, location: str
) -> tuple[str, Any]:
    """The JSON pointer and the (dereferenced) schema of a body field or parameter."""
    base = f"/paths/{_escape(operation.path)}/{operation.method.lower()}"
    op = spec["paths"][operation.path][operation.method.lower()]
    if location != "body":
        params = [*spec["paths"][operation.path].get("parameters", []), *op.get("parameters", [])]
        for param in (deref(spec, p) for p in params):
            if param.get("name", "").lower() == (name or "").lower() and param.get("in") == location:
                return f"{base}/parameters", deref(spec, param.get("schema", {}))
        return f"{base}/parameters", None
    body, pointer = _follow(spec, op.get("requestBody", {}), f"{base}/requestBody")
    content = body.get("content", {})
    media = next(iter(content), None)
    if media is None:
        return "", None
    schema, pointer = _follow(
        spec, content[media].get("schema", {}), f"{pointer}/content/{_escape(media)}/schema"
    )
    for part in (name or "").split(".") if name else []:
        if part.isdigit():
            schema, pointer = _follow(spec, (schema or {}).get("items", {}), f"{pointer}/items")
            continue
        props = _located_properties(spec, schema, pointer)
        if part not in props:
            break
        schema, pointer = _follow(spec, *props[part])
    return pointer, schema


def _query_names(spec: Mapping[str, Any], operation: SpecOperation) -> list[str]:
    """The query parameters an operation documents, sorted (GEN-7 warnings name the others)."""
    op = spec["paths"][operation.path][operation.method.lower()]
    params = [*spec["paths"][operation.path].get("parameters", []), *op.get("parameters", [])]
    return sorted(str(p.get("name")) for p in (deref(spec, p) for p in params) if p.get("in") == "query")


def _follow(spec: Mapping[str, Any], node: Any, pointer: str) -> tuple[Any, str]:
    """``node`` with its ``$ref`` chain resolved, and the JSON pointer where it is written."""
    while isinstance(node, Mapping) and "$ref" in node:
        pointer = str(node["$ref"]).lstrip("#")
        node = resolve(spec, pointer)
    return node, pointer


def _located_properties(spec: Mapping[str, Any], schema: Any, pointer: str) -> dict[str, tuple[Any, str]]:
    """Properties of a schema with their pointers, through ``allOf`` (update bodies compose)."""
    schema, pointer = _follow(spec, schema, pointer)
    if not isinstance(schema, Mapping):
        return {}
    found: dict[str, tuple[Any, str]] = {}
    for index, part in enumerate(schema.get("allOf", [])):
        found.update(_located_properties(spec, part, f"{pointer}/allOf/{index}"))
    for name, node in schema.get("properties", {}).items():
        found[name] = (node, f"{pointer}/properties/{_escape(name)}")
    return found


def _properties(spec: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    return {name: node for name, (node, _) in _located_properties(spec, schema, "").items()}


def _summary(spec: Mapping[str, Any], schema: Any) -> Any:
    """The keywords that say what was expected, without descriptions and examples."""
    if not isinstance(schema, Mapping):
        return None
    keep = ("type", "format", "enum", "nullable", "minLength", "maxLength", "minimum", "maximum", "pattern")
    shown = {k: schema[k] for k in keep if k in schema}
    for node in schema.get("allOf", ()):  # a nullable enum keeps its values in an allOf branch
        branch = deref(spec, node)
        if isinstance(branch, Mapping):
            shown |= {k: branch[k] for k in keep if k in branch and k not in shown}
    properties = sorted(_properties(spec, schema)) if "properties" in schema or "allOf" in schema else []
    if properties:
        shown["properties"] = properties
    return shown or None


def _near_routes(spec: Mapping[str, Any], entry: Mapping[str, Any]) -> tuple[str, ...]:
    documented = [f"{op.method} {op.path}" for op in operations(dict(spec))]
    path = str(entry.get("path", ""))
    # compare on the vendor-relative tail: the mount prefix is the same for every route
    tail = "/" + path.split("/", 2)[2] if path.count("/") >= 2 else path
    wanted = f"{entry.get('method')} {tail}"
    return tuple(difflib.get_close_matches(wanted, documented, n=3, cutoff=0.3))


# -- rendering --------------------------------------------------------------------------------
def _problem_lines(problem: Problem) -> list[str]:
    v = problem.violation
    where = v.get("field") or "(body)"
    if v.get("location") not in (None, "body") and problem.kind != QUERY_WARNING:  # its kind says query
        where = f"{v['location']} {where}"
    rule = f" [{v['rule']}]" if v.get("rule") else ""
    lines = [f"   {problem.kind}: {where}: {v.get('message')}{rule}"]
    if problem.location:
        lines.append(f"     spec: {problem.location}")
    if problem.expected is not None:
        lines.append(f"     expected: {_short(problem.expected)}")
    if problem.near_misses:
        lines.append(f"     near misses: {', '.join(problem.near_misses)}")
    elif problem.documented:
        lines.append(f"     documented here: {', '.join(problem.documented)}")
    return lines


def _query(entry: Mapping[str, Any]) -> str:
    query = entry.get("query")
    return f"?{query}" if query else ""


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _BODY_SHOWN else text[: _BODY_SHOWN - 3] + "..."
