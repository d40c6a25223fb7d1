"""JSON Schema validation of bodies, reporting every error as a structured violation (GEN-5)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30WriteValidator
from openapi_schema_validator._format import oas30_format_checker

from mockserver.core.violations import Code, Violation

MAX_DEPTH = 64
"""Deeper JSON than this is refused before validation (GEN-9): no vendor body nests past 4."""


class BadJSONError(ValueError):
    """The body is not acceptable JSON text (syntax, encoding, NaN/Infinity, depth)."""


def _reject_constant(name: str) -> Any:
    raise BadJSONError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJSONError(f"number {text[:40]} is out of range")
    return value


def parse_json(raw: bytes) -> Any:
    """Strict JSON: UTF-8 only, no NaN/Infinity, no overflowing floats, bounded depth."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJSONError(f"body is not valid UTF-8 (byte {exc.start})") from exc
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise BadJSONError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise BadJSONError(f"JSON nested deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:  # e.g. an integer literal longer than Python converts (4300 digits)
        raise BadJSONError(f"unreadable JSON number: {str(exc)[:120]}") from exc
    if _depth(value) > MAX_DEPTH:
        raise BadJSONError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        nxt: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                nxt.extend(item.values())
            elif isinstance(item, list):
                nxt.extend(item)
        if depth > MAX_DEPTH:
            return depth
        level = nxt
    return depth - 1 if depth else 0


def _message(keyword: str, error: ValidationError) -> str:
    """Short, precise wording; jsonschema's own quotes the whole (possibly huge) value."""
    limit, value = error.validator_value, error.instance
    if keyword == "maxLength":
        return f"must be at most {limit} characters long (got {len(value)})"
    if keyword == "minLength":
        return f"must be at least {limit} characters long"
    if keyword == "maximum":
        return f"must be less than or equal to {limit}"
    if keyword == "minimum":
        return f"must be greater than or equal to {limit}"
    if keyword == "enum":
        return "must be one of " + ", ".join(json.dumps(x) for x in limit)
    if keyword == "type":
        return f"must be of type {limit}"
    if keyword == "format":
        return f"must be a valid {limit}"
    if keyword == "pattern":
        return f"must match the pattern {limit}"
    if keyword == "required":
        return "is required"
    text = str(error.message)
    return text if len(text) <= 200 else text[:197] + "..."


def _dotted(path: Any) -> str:
    return ".".join(str(p) for p in path)


def schema_violations(error: ValidationError, status: int) -> list[Violation]:
    """One structured violation per jsonschema error (one per missing field for ``required``);
    shared by the mock's validators and the validation proxy, so both word errors alike."""
    field = _dotted(error.absolute_path)
    keyword = str(error.validator)
    fields = [field]
    if keyword == "required":  # one violation per missing field, each naming it
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in present]
        fields = [f"{field}.{name}" if field else name for name in missing]
    return [
        Violation(
            status=status,
            code=Code.SCHEMA,
            message=_message(keyword, error),
            field=name or None,
            keyword=keyword,
            params={"limit": error.validator_value, "value": error.instance},
        )
        for name in fields
    ]


def undocumented_field(name: str, status: int) -> Violation:
    """A body field the operation's schema does not name (GEN-7): a warning, or with ``--strict``
    an error of the vendor's validation ``status``. The mock and the validation proxy share it."""
    return Violation(
        status=status,
        code=Code.UNKNOWN_FIELD,
        message=f"'{name}' is not a documented field of this operation",
        field=name,
        rule="GEN-7",
        keyword="additionalProperties",
    )


class BodySchema:
    """A compiled request-body schema (OpenAPI 3.0 dialect: ``nullable``, ``readOnly``...)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._validator = OAS30WriteValidator(schema, format_checker=oas30_format_checker)

    def violations(self, body: Any, status: int) -> list[Violation]:
        found = [v for e in self._validator.iter_errors(body) for v in schema_violations(e, status)]
        return sorted(found, key=lambda v: (v.field or "", v.keyword or ""))

    def unknown_fields(self, body: Any) -> list[str]:
        """Dotted paths of body fields the schema does not document (GEN-7)."""
        return _unknown(self.schema, body, "")


def pruned(schema: Any, value: Any, keep: Callable[[str], bool] = lambda _name: False) -> Any:
    """``value`` without the fields the schema does not document (GEN-7: ignored means not
    stored), at every depth; ``keep`` spares top-level names documented by pattern."""
    if not isinstance(schema, Mapping):
        return value
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [pruned(schema["items"], item) for item in value]
    props = schema.get("properties")
    if not isinstance(value, dict) or not isinstance(props, Mapping):
        return value
    if schema.get("additionalProperties", True) not in (True, {}):
        return value
    return {
        key: pruned(props[key], item) if key in props else item
        for key, item in value.items()
        if key in props or keep(key)
    }


def _unknown(schema: Any, value: Any, prefix: str) -> list[str]:
    if not isinstance(schema, Mapping):
        return []
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [u for i, item in enumerate(value) for u in _unknown(schema["items"], item, f"{prefix}{i}.")]
    props = schema.get("properties")
    if not isinstance(value, dict) or not isinstance(props, Mapping):
        return []
    found: list[str] = []
    extra_allowed = schema.get("additionalProperties", True) in (True, {})
    for key, item in value.items():
        if key in props:
            found.extend(_unknown(props[key], item, f"{prefix}{key}."))
        elif extra_allowed:
            found.append(f"{prefix}{key}")
    return found
