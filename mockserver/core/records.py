"""Record schemas: what a collection's stored records must look like (``CollectionSpec.record_schema``).

A record schema is JSON Schema (draft 2020-12) restricted to ``type``, ``properties``,
``patternProperties``, ``required``, ``items``, ``enum``, ``additionalProperties`` and
``description``: enough to say which fields the vendor's handlers and renderers read and what
type each has. :func:`from_openapi` derives one from a schema of the vendor's spec. It is compiled to a
plain function here, because ``jsonschema`` takes ~100 µs a record and a state document may hold
100,000 of them. One stricter reading than JSON Schema's: ``integer`` means an integer literal
(``1.0`` is a number, not an integer), as the handlers compare and index ids by type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mockserver.core.spec import deref

Path = tuple[Any, ...] | str
"""Where a value sits: the record's name, then ``(parent path, key)`` pairs; joined into
text only when a problem is reported, so a valid record costs no string building."""
Check = Callable[[Any, Path, list[str]], None]
"""``check(value, path, problems)``: appends a problem for each place ``value`` breaks the schema."""

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "array": (list,),
    "object": (dict,),
}
_KEYWORDS = frozenset(
    {"type", "properties", "patternProperties", "required", "items", "enum", "additionalProperties"}
    | {"description"}
)


def typed(*types: str, **keywords: Any) -> dict[str, Any]:
    """Shorthand: ``typed("string", "null")`` is ``{"type": ["string", "null"]}``."""
    return {"type": types[0] if len(types) == 1 else list(types), **keywords}


def schema_of(required: Iterable[str] = (), **properties: Any) -> dict[str, Any]:
    """Shorthand for an object schema: its typed fields, those of ``required`` mandatory; other
    fields are allowed (the record keeps them as stored)."""
    return {"type": "object", "required": list(required), "properties": properties}


def json_type(value: Any) -> str:
    for name in ("boolean", "integer", "number", "string", "null", "array", "object"):
        if isinstance(value, _TYPES[name]) and (name == "boolean" or not isinstance(value, bool)):
            return name
    return type(value).__name__


def place(path: Path) -> str:
    """``projects['7'].cost_center.id`` or ``...tagIds[0]``; a key that is not a plain name is
    quoted (and escaped: a problem message must itself be strict JSON)."""
    if isinstance(path, str):
        return path
    parent, key = path
    if isinstance(key, int):
        return f"{place(parent)}[{key}]"
    if isinstance(key, str) and key.isascii() and key.isidentifier():
        return f"{place(parent)}.{key}"
    return f"{place(parent)}[{key!r}]"


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """The schema as a check function; a keyword outside the subset is a ValueError (at import,
    where vendors declare their schemas), never silently ignored."""
    unknown = set(schema) - _KEYWORDS
    if unknown:
        raise ValueError(f"record schemas support {sorted(_KEYWORDS)}, not {sorted(unknown)}")
    kind = _kind(schema)
    enum = schema.get("enum")
    required = tuple(schema.get("required", ()))
    # Fields that only have a type are checked inline: a record is mostly such fields, and a
    # call per field would cost more than the check itself.
    leaves = {name: _kind(sub) for name, sub in schema.get("properties", {}).items() if _is_leaf(sub)}
    properties = {
        name: compile_schema(sub) for name, sub in schema.get("properties", {}).items() if name not in leaves
    }
    patterned = schema.get("patternProperties", {}).items()
    patterns = [(re.compile(p), compile_schema(sub)) for p, sub in patterned]
    additional = schema.get("additionalProperties", True)
    extra = compile_schema(additional) if isinstance(additional, Mapping) else None
    items = compile_schema(schema["items"]) if "items" in schema else None
    closed = bool(patterns) or additional is not True

    def other(name: str, child: Any, path: Path, out: list[str]) -> None:
        """A field ``properties`` does not name: the patterns it matches, else additionalProperties."""
        matched = False
        for pattern, sub in patterns:
            if pattern.search(name):
                matched = True
                sub(child, (path, name), out)
        if matched:
            return
        if extra is not None:
            extra(child, (path, name), out)
        elif additional is False:
            out.append(f"{place((path, name))}: is not a field of this record")

    def check(value: Any, path: Path, out: list[str]) -> None:
        if not _fits(kind, value):
            out.append(f"{place(path)}: must be {kind[2]}, not {json_type(value)}")
            return
        if enum is not None and not any(value == e and type(value) is type(e) for e in enum):
            allowed_values = ", ".join(map(repr, enum))
            out.append(f"{place(path)}: must be one of {allowed_values}, not {short(value)}")
            return
        if isinstance(value, dict):
            for name in required:
                if name not in value:
                    out.append(f"{place(path)}: {name} is required")
            for name, child in value.items():
                leaf = leaves.get(name)
                if leaf is not None:
                    if not _fits(leaf, child):
                        out.append(f"{place((path, name))}: must be {leaf[2]}, not {json_type(child)}")
                    continue
                sub = properties.get(name)
                if sub is not None:
                    sub(child, (path, name), out)
                elif closed:
                    other(name, child, path, out)
        elif isinstance(value, list) and items is not None:
            for i, child in enumerate(value):
                items(child, (path, i), out)

    return check


Kind = tuple[tuple[type, ...], bool, str]
"""A ``type`` keyword compiled: the Python types, whether ``bool`` is one, the words for it."""


def _kind(schema: Mapping[str, Any]) -> Kind:
    names = schema.get("type")
    names = [names] if isinstance(names, str) else list(names or ())
    return tuple(t for name in names for t in _TYPES[name]), "boolean" in names, " or ".join(names)


def _fits(kind: Kind, value: Any) -> bool:
    allowed, bool_ok, _ = kind
    return not allowed or (isinstance(value, allowed) and (bool_ok or value.__class__ is not bool))


def _is_leaf(schema: Mapping[str, Any]) -> bool:
    return set(schema) <= {"type", "description"}


def from_openapi(
    spec: Mapping[str, Any],
    schema: Mapping[str, Any],
    *,
    required: Iterable[str] = (),
    nullable: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A record schema with the types of an OpenAPI 3.0 object schema of the vendor's spec
    (``$ref`` followed, ``nullable`` as a ``"null"`` type, nested objects and arrays kept with
    their ``required``). Value constraints (enum, format, pattern, lengths, bounds) are left out:
    they are the spec's to check, on what a read renders. Top level, ``required`` replaces the
    spec's list, ``nullable`` makes every field nullable (stored values may be null where a request
    may not send one), and ``extra`` adds or replaces fields."""
    node = deref(spec, schema)
    fields = {name: _types(spec, sub, nullable=nullable) for name, sub in node.get("properties", {}).items()}
    return schema_of(required, **(fields | extra))


def _types(spec: Mapping[str, Any], schema: Any, *, nullable: bool = False) -> dict[str, Any]:
    node = deref(spec, schema)
    branches = node.get("oneOf") or node.get("anyOf")
    if branches:
        kinds = [deref(spec, b) for b in branches]
        if not all("type" in k for k in kinds):
            return {}
        union = dict.fromkeys(k["type"] for k in kinds)
        nullable = nullable or any(k.get("nullable") for k in kinds)
        return typed(*union, *(["null"] if nullable else []))
    if "type" not in node:
        return {}
    names = [node["type"], *(["null"] if nullable or node.get("nullable") else [])]
    out = typed(*names)
    if node["type"] == "object" and "properties" in node:
        out["properties"] = {name: _types(spec, sub) for name, sub in node["properties"].items()}
        if node.get("required"):
            out["required"] = list(node["required"])
    elif node["type"] == "array" and "items" in node:
        out["items"] = _types(spec, node["items"])
    return out
