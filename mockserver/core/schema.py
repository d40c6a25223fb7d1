"""JSON Schema validation of bodies, reporting every error as a structured violation (GEN-5)."""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

import jsonschema_rs
from rfc3339_validator import validate_rfc3339

from mockserver.core.strict import has_lone_surrogate

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
from mockserver.core.violations import Code, Violation

MAX_DEPTH: Final = 64
"""Deeper JSON than this is refused before validation (GEN-9): no vendor body nests past 4."""
MAX_VIOLATIONS: Final = 100
"""GEN-5's cap: one answer reports at most this many problems, and collecting stops there, so a
request's cost is bounded by its size, not by how many errors it holds."""
MAX_CONTAINERS: Final = 20_000
"""More objects and arrays than this in one body are refused before parsing (GEN-9)."""
_DOUBLE_MAX: Final = sys.float_info.max
_AS_ZERO: Final = bytes.maketrans(b"123456789", b"000000000")
_HUGE_INTEGER: Final = b"0" * 309
"""Any integer past the double range has at least 309 digits; with every digit made a zero, a
substring search finds them 5x faster than a regex."""


class BadJSONError(ValueError):
    """The body is not acceptable JSON text (syntax, encoding, NaN/Infinity, depth)."""

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule


class StrictJSONError(BadJSONError):
    """Well-formed JSON that cannot be stored and sent back as JSON (GEN-13): a lone surrogate,
    a number outside the double range, NaN or Infinity."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "GEN-13")


def _reject_constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise StrictJSONError(f"number {text[:40]} is outside the range of a double")
    return value


STRICT_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
"""JSON without NaN, Infinity or a number a double cannot hold (:class:`StrictJSONError`); no
bound on size or depth (:func:`parse_json` adds those for request bodies). Built once:
``json.loads`` with options builds a decoder on every call."""


class DuplicateKeyError(ValueError):
    pass


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different (``object_pairs_hook``): where the last of two
    would silently win, a document of ours says which key came twice."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise DuplicateKeyError(f"the key {key!r} is given twice in one object")
            seen.add(key)
    return found


_UNIQUE_DECODER: Final = json.JSONDecoder(
    parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=unique_keys
)


_JSON_SPACE: Final = " \t\n\r"


def decode_json(decoder: json.JSONDecoder, text: str) -> Any:
    """``decoder.decode(text)``: the same value or the same error, at a third of the cost for a
    text that is its JSON value alone. ``decode`` wraps ``raw_decode`` in two whitespace regex
    matches, interpreted; a text with whitespace around its value, or anything after it, still
    goes through ``decode``, which words the error."""
    if text[:1] not in _JSON_SPACE:  # "" is in it: an empty text goes to decode, as before
        value, end = decoder.raw_decode(text)  # from index 0, as decode calls it for such a text
        if end == len(text):
            return value
    return decoder.decode(text)


def parse_json(raw: bytes, *, unique: bool = False) -> Any:
    """Strict JSON (GEN-13): UTF-8 only, no NaN/Infinity, no number a double cannot hold, no lone
    surrogate in a string or key, bounded depth and size. What passes can always be sent back."""
    # C speed; strings can only over-count. A body no longer than MAX_DEPTH bytes cannot pass
    # either bound below: it is not counted (two method calls by name, on most bodies)
    containers = raw.count(b"[") + raw.count(b"{") if len(raw) > MAX_DEPTH else 0
    if containers > MAX_CONTAINERS:
        # json.loads holds the GIL while it allocates each one: 300,000 of them stall every
        # session for 100 ms, and no vendor body has more than a few hundred.
        raise BadJSONError(f"JSON holds more than {MAX_CONTAINERS} objects and arrays")
    try:
        text = raw.decode("utf-8")  # strict: encoded surrogates and overlong forms are errors
    except UnicodeDecodeError as exc:
        raise BadJSONError(f"body is not valid UTF-8 (byte {exc.start})") from exc
    try:
        if text.startswith("\ufeff"):  # what json.loads says of a BOM
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = decode_json(_UNIQUE_DECODER if unique else STRICT_DECODER, text)
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Invalid control character at": not "at at line"
        raise BadJSONError(f"malformed JSON: {what} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise BadJSONError(f"JSON nested deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:  # an integer literal longer than Python converts (4300 digits)
        if isinstance(exc, BadJSONError):
            raise
        if isinstance(exc, DuplicateKeyError):
            raise BadJSONError(str(exc)) from None
        digits = sys.get_int_max_str_digits()
        raise BadJSONError(f"a JSON number has more than {digits} digits, beyond any double") from exc
    # The walk below is Python-speed; the text says at C speed whether it can find anything.
    # Only a \\u escape can make a surrogate: strict UTF-8 decoding refused every other way in.
    surrogates = "\\u" in text
    huge = len(raw) >= len(_HUGE_INTEGER) and _HUGE_INTEGER in raw.translate(_AS_ZERO)
    if surrogates or huge or containers > MAX_DEPTH:
        problem = _walk(value, surrogates, huge)
        if problem is not None:
            raise problem
    return value


def _walk(value: Any, surrogates: bool, huge: bool) -> BadJSONError | None:
    """One pass over the parsed value: its depth and, when asked, lone surrogates and integers
    a double cannot hold."""
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return BadJSONError(f"JSON nested deeper than {MAX_DEPTH} levels")
        nxt: list[Any] = []
        for item in level:
            kind = type(item)  # json.loads makes exactly these types; isinstance costs twice as much
            if kind is dict:
                nxt.extend(item.values())
                if surrogates:
                    nxt.extend(item.keys())
            elif kind is list:
                nxt.extend(item)
            elif surrogates and kind is str and has_lone_surrogate(item):
                return StrictJSONError(f"string {_excerpt(item)} holds a lone UTF-16 surrogate")
            elif huge and kind is int and not -_DOUBLE_MAX <= item <= _DOUBLE_MAX:
                return StrictJSONError(f"number {str(item)[:40]}... is outside the range of a double")
        level = nxt
    return None


def _excerpt(text: str) -> str:
    return json.dumps(text[:40])  # ensure_ascii: the surrogate shows as its \\u escape


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


_SCALARS: Final = frozenset({"string", "integer", "number", "boolean"})


def _longest(schema: Any) -> int | None:
    """How many items a value of ``schema`` may hold at most (0 for a scalar, ``maxItems`` for a
    bounded array, the most of any ``oneOf``/``anyOf`` branch), or None when unbounded."""
    if not isinstance(schema, dict):
        return None
    branches = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(branches, list):
        bounds = [_longest(branch) for branch in branches]
        return None if None in bounds else max(b for b in bounds if b is not None)
    if schema.get("type") in _SCALARS:
        return 0
    if schema.get("type") == "array" and isinstance(schema.get("maxItems"), int):
        return int(schema["maxItems"])
    return None


def _emptied(schema: Any, value: Any) -> Any:
    """``value`` with every array or object longer than its schema allows cut to one item past
    the bound (an empty container where a scalar belongs): the errors are the same, but
    jsonschema puts ``repr(instance)`` in its messages, and a 300,000-item array took 10 ms
    (holding the GIL) for each schema branch it met."""
    if type(value) is not dict or not isinstance(schema, dict):
        return value
    props = schema.get("properties")
    if not isinstance(props, dict):
        return value
    changed = {}
    for key, item in value.items():
        sub = props.get(key)
        if not isinstance(sub, dict) or type(item) not in (list, dict) or not item:
            continue
        bound = _longest(sub)
        if bound is not None and len(item) > bound + 1:
            changed[key] = item[: bound + 1] if type(item) is list and bound else type(item)()
        elif type(item) is dict:
            inner = _emptied(sub, item)
            if inner is not item:
                changed[key] = inner
    return {**value, **changed} if changed else value


def _each_violation(errors: Iterator[ValidationError], status: int) -> Iterator[Violation]:
    for error in errors:
        yield from schema_violations(error, status)


def capped(violations: list[Violation]) -> list[Violation]:
    """At most ``MAX_VIOLATIONS`` for one answer (GEN-5); past it the last entry says that more
    were found. It gives no count: collecting stops early, so the total is not known."""
    if len(violations) <= MAX_VIOLATIONS:
        return violations
    kept = violations[: MAX_VIOLATIONS - 1]
    summary = Violation(
        status=kept[-1].status,
        code=Code.TOO_MANY,
        message=f"More problems were found; one answer reports at most {MAX_VIOLATIONS}",
        rule="GEN-5",
    )
    return [*kept, summary]


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
    """A compiled body schema (OpenAPI 3.0 dialect: ``nullable``, ``readOnly``...): of a request,
    or with ``response`` of a response, where ``writeOnly`` fields may not appear instead.

    Two engines, chosen by measurement (ARCHITECTURE.md, "Validation"): jsonschema-rs answers
    whether a value is valid in about a microsecond, and only an invalid value goes to
    openapi-schema-validator (jsonschema), which names every error in the OpenAPI 3.0 dialect.
    The fast engine is only ever stricter than the exact one (see :func:`_fast_validator`), so a
    value it accepts is one the exact engine accepts too.
    """

    def __init__(self, schema: Mapping[str, Any], *, response: bool = False) -> None:
        self.schema = schema
        self.response = response
        self._leaves = _leaf_fields(schema)
        self.fast: Any = _fast_validator(schema)
        """The jsonschema-rs validator, or None where it could be more lenient than the exact one."""
        self._exact: Any = None

    @property
    def exact(self) -> Any:
        """The exact engine, built on first use: importing it costs half a second of start-up,
        and a mock whose calls are all valid never needs it (``warm_up`` imports it early)."""
        if self._exact is None:
            from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

            validator = OAS30ReadValidator if self.response else OAS30WriteValidator
            self._exact = validator(self.schema, format_checker=_oas30_formats())
        return self._exact

    def is_valid(self, value: Any) -> bool:
        if self.fast is not None and _fast_accepts(self.fast, value):
            return True
        return bool(self.exact.is_valid(value))

    def violations(self, body: Any, status: int) -> list[Violation]:
        """Every violation, sorted by field, but no more than GEN-5 reports (plus one, so the
        answer can say more were found): jsonschema finds errors lazily, so a body of a million
        wrong items costs as much as one of a hundred and one."""
        if self.fast is not None and _fast_accepts(self.fast, body):
            return []
        errors = self.exact.iter_errors(_emptied(self.schema, body))
        found = list(itertools.islice(_each_violation(errors, status), MAX_VIOLATIONS + 1))
        return sorted(found, key=lambda v: (v.field or "", v.keyword or ""))

    def unknown_fields(self, body: Any) -> list[str]:
        """Dotted paths of body fields the schema does not document (GEN-7), no more than GEN-5
        reports."""
        if isinstance(body, dict) and _all_in(body, self._leaves):  # the usual body: no walk
            return []
        return list(itertools.islice(_unknown(self.schema, body, ""), MAX_VIOLATIONS + 1))


_INT_BOUNDS: Final = {"int32": 31, "int64": 63}


class _FastEngineUnsuitableError(Exception):
    pass


def _fast_validator(schema: Mapping[str, Any]) -> Any:
    """``schema`` for jsonschema-rs, or None where it could accept what the exact engine does not.

    JSON Schema draft 4 is what OpenAPI 3.0's schema object extends. The differences, each made
    exact or stricter: ``nullable`` beside a ``type`` adds ``null`` to it, and elsewhere is unknown
    to draft 4, so a null is refused (the exact engine then decides); string formats are checked
    as the exact engine checks them, and an unknown one keeps the exact engine alone;
    ``int32``/``int64`` become bounds (stricter: they also bound floats); read-only and
    write-only fields, which depend on the direction, keep the exact engine alone.
    """
    formats: set[str] = set()
    try:
        converted = _for_fast_engine(schema, formats)
        checks = {name: _FAST_FORMATS[name] for name in formats}
        return jsonschema_rs.Draft4Validator(converted, validate_formats=True, formats=checks)
    except (_FastEngineUnsuitableError, ValueError, jsonschema_rs.ValidationError):
        return None


def _for_fast_engine(node: Any, formats: set[str]) -> Any:
    if isinstance(node, list):
        return [_for_fast_engine(item, formats) for item in node]
    if not isinstance(node, Mapping):
        return node
    if "readOnly" in node or "writeOnly" in node or "$ref" in node:
        raise _FastEngineUnsuitableError
    converted = {key: _for_fast_engine(value, formats) for key, value in node.items()}
    if converted.pop("nullable", False) is True and isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]  # what nullable means (an enum still decides)
    fmt = converted.get("format")
    if isinstance(fmt, str):
        if fmt in _INT_BOUNDS:
            del converted["format"]
            bits = _INT_BOUNDS[fmt]
            return {"allOf": [converted, {"minimum": -(1 << bits), "maximum": (1 << bits) - 1}]}
        if fmt in _UNCHECKED_FORMATS:
            del converted["format"]
        elif fmt in _FAST_FORMATS:
            formats.add(fmt)
        else:
            raise _FastEngineUnsuitableError(fmt)
    return converted


@functools.cache
def _oas30_formats() -> Any:
    from openapi_schema_validator import oas30_format_checker

    return oas30_format_checker


def warm_up() -> None:
    """Import the exact engine on a daemon thread, so the first invalid call does not wait for it."""
    threading.Thread(target=_oas30_formats, name="import-exact-validator", daemon=True).start()


# The exact engine's checks of the string formats the specs use, as jsonschema 4 defines them
# (``jsonschema._format``: is_date, is_datetime, is_uuid), so the fast engine needs neither its
# import (a fifth of a second of start-up) nor jsonschema-rs' own checks, which accept dates such
# as 0000-01-01 that the exact engine refuses. tests/core/test_schema_engines.py holds them equal.
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _is_date(value: str) -> bool:
    try:
        return bool(_DATE.fullmatch(value) and date.fromisoformat(value))
    except ValueError:
        return False


def _is_date_time(value: str) -> bool:
    return bool(validate_rfc3339(value.upper()))


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return all(value[position] == "-" for position in (8, 13, 18, 23))


_FAST_FORMATS: Final = {"date": _is_date, "date-time": _is_date_time, "uuid": _is_uuid}
_UNCHECKED_FORMATS: Final = frozenset({"float", "double", "password", "uri"})
"""Formats the exact engine accepts every value of: a number is a float or a double, and a URI
is checked only where rfc3987 is installed (it is not a dependency)."""


def _fast_accepts(validator: Any, value: Any) -> bool:
    try:
        return bool(validator.is_valid(value))
    except (ValueError, OverflowError):  # a value it cannot take (an integer past 128 bits)
        return False


def _all_in(body: dict[str, Any], names: frozenset[str]) -> bool:
    """``body.keys() <= names``, compiled: a loop over a body's few keys costs less than the views'
    comparison."""
    return all(key in names for key in body)


def _has_fields(schema: Any) -> bool:
    """Whether values of ``schema`` can hold documented fields to prune or to warn about; lists
    of scalars are then left alone, so a million-item array costs nothing here."""
    if not isinstance(schema, dict):
        return False
    items = schema.get("items")
    return isinstance(schema.get("properties"), dict) or (isinstance(items, dict) and _has_fields(items))


def pruned(schema: Any, value: Any, keep: Callable[[str], bool] = lambda _name: False) -> Any:
    """``value`` without the fields the schema does not document (GEN-7: ignored means not
    stored), at every depth; ``keep`` spares top-level names documented by pattern."""
    if not _has_fields(schema):
        return value
    if type(value) is list:
        return [pruned(schema["items"], item) for item in value] if "items" in schema else value
    props = schema.get("properties")
    if type(value) is not dict or not isinstance(props, dict):
        return value
    if schema.get("additionalProperties", True) not in (True, {}):
        return value
    return {
        key: pruned(props[key], item) if key in props else item
        for key, item in value.items()
        if key in props or keep(key)
    }


def _leaf_fields(schema: Any) -> frozenset[str]:
    """The documented top-level fields that hold no documented fields of their own: a body of
    only these has nothing undocumented at any depth."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return frozenset()
    return frozenset(name for name, sub in props.items() if not _has_fields(sub))


def _unknown(schema: Any, value: Any, prefix: str) -> Iterator[str]:
    if not _has_fields(schema):
        return
    if type(value) is list:
        if "items" in schema:
            for i, item in enumerate(value):
                yield from _unknown(schema["items"], item, f"{prefix}{i}.")
        return
    props = schema.get("properties")
    if type(value) is not dict or not isinstance(props, dict):
        return
    extra_allowed = schema.get("additionalProperties", True) in (True, {})
    for key, item in value.items():
        if key in props:
            yield from _unknown(props[key], item, f"{prefix}{key}.")
        elif extra_allowed:
            yield f"{prefix}{key}"
