"""Adversarial values for one JSON Schema, as generators over a :class:`random.Random`.

The schema is Draft 4 as Schemathesis converts OpenAPI 3.0 to it (``nullable`` is an
``anyOf`` with ``{"type": "null"}``, write-only properties are ``{"not": {}}``). Every choice is
an index into a list whose first entry is the plainest value, so Hypothesis, which drives the
``Random`` in :func:`mockserver.adversarial.response_strategy`, shrinks towards plain bodies and
keeps only the hostile part that breaks a client. What is hostile but valid:

- nulls wherever the schema allows them (about half the time each);
- strings empty (where ``minLength`` allows), at exactly ``maxLength``, long where unbounded,
  made of non-BMP, right-to-left, combining, zero-width and control characters, or tokens
  that trip naive code (``"null"``, ``"NaN"``, markup);
- numbers at their bounds, next to them, huge (past 2**53, 2**63), negative where allowed,
  fractional where ``number``, ``-0.0`` and the smallest subnormal;
- optional properties all missing, some, or all present; undocumented ones where
  ``additionalProperties`` allows; arrays empty, minimal or long.

Hostile, never impossible: dates are calendar dates and times clock times, also where only a
``pattern`` such as ``^\\d{4}-\\d{2}-\\d{2}$`` describes them (no ``0000-00-00``, no month 13).

Values are not checked here: the caller validates every body against the spec and draws again.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
import string
import uuid
from collections.abc import Callable, Mapping, Sequence
from random import Random
from typing import Any

from mockserver.adversarial._regex import regex_strings

__all__ = ["Gen", "compile_schema", "enum_of", "header_text", "merged", "properties_of"]

Gen = Callable[[Random], Any]

LONG_TEXT = 300
"""Length of a "long" string where the schema sets no maxLength: past the 255 of typical columns."""
MANY_ITEMS = 6
"""Extra items in a "long" array; bodies of lists of big objects stay under a few hundred KiB."""
SHORT_SPAN = 8
_FIT_ATTEMPTS = 20
"""Draws of a ``pattern`` for one of a length its schema allows."""

_POOLS = (
    string.ascii_lowercase,
    string.ascii_uppercase + string.digits,
    " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "\u00e9\u00fc\u00df\u00f1\u00c5\u00e6",  # Latin-1 letters
    "e\u0301\u0308\u0327\u0338\u20dd",  # combining marks, also without a base letter
    "\u05d0\u05d1\u0627\u0644\u200f\u202e\u202c",  # Hebrew, Arabic, RLM, RLO, PDF
    "\U0001f600\U0001d54f\U0002070e\U0001f468\u200d\U0001f469\ufe0f",  # non-BMP, ZWJ, VS16
    "\u200b\ufeff\u00a0\u2028\u2029",  # zero-width space, BOM, NBSP, JS line terminators
    "\x00\x1b\t\n\r\x7f",  # control characters (JSON escapes them)
)
_ALPHABET = "".join(_POOLS)
_TOKENS = (
    "null",
    "None",
    "undefined",
    "NaN",
    "true",
    "0",
    "-1",
    "1e309",
    " ",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "%s%n%x",
    "${jndi:ldap://x}",
    "../../etc/passwd",
    "\u202egnp.exe",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "Z\u0351\u036b\u0343a\u0352l\u0367g\u0311o\u0307",
)
_HEADER_CHARS = string.ascii_letters + string.digits + "-_.~!#$&'*+^`|"
_EXTRA_KEYS = ("__proto__", "constructor", "", " ", "$ref", "\U0001f600", "a.b", "null")
_INT_EDGES: tuple[int, ...] = (0, -1, 1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**53, 2**53 + 1)
_INT_EDGES += (-(2**53) - 1, 2**63 - 1, 2**63, -(2**63), 2**64, 10**30, -(10**30))
_FLOAT_EDGES: tuple[float, ...] = (0.0, -0.0, 0.1, 0.5, 0.30000000000000004, 1e-7, 5e-324, -5e-324)
_FLOAT_EDGES += (123456789.123456789, 1e16 + 2, 1.7976931348623157e308, -1.7976931348623157e308, -1.5)
_INT_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_UNBOUNDED_INT = 10**30
_UNBOUNDED_FLOAT = 1.7976931348623157e308
_EPOCH = dt.date(1970, 1, 1)
_DATES = ("0001-01-01", "9999-12-31", "2024-02-29", "2000-01-01")
_FRACTIONS = ("", ".000", ".999999", ".123456789", ".5")
_OFFSETS = ("Z", "+00:00", "-00:00", "+14:00", "-12:00", "+05:45")
_URI_CHARS = string.ascii_letters + string.digits + "-._~"
_URIS = ("https://example.com", "http://[::1]:8080/a?b=c#d", "urn:isbn:0451450523", "mailto:a@example.com")
_CLOCKS = ("00:00:00", "23:59:59", "12:00:00")
_DATE_SHAPED = re.compile(r"(?<![0-9])[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])")
_TIME_SHAPED = re.compile(r"(?<![0-9])([0-9]{2}):([0-9]{2}):([0-9]{2})(?![0-9])")


def pick(rng: Random, options: Sequence[Gen]) -> Any:
    """One of ``options``, drawn; index 0 is what shrinking leads to."""
    return options[rng.randrange(len(options))](rng)


def compile_schema(schema: Any) -> Gen:
    """A generator of values for ``schema`` (a converted response schema, refs inlined)."""
    if schema is True or schema == {}:
        return _any_json
    if not isinstance(schema, Mapping) or schema == {"not": {}}:
        raise ValueError(f"no value satisfies the schema {schema!r}")
    if "enum" in schema:
        values = list(schema["enum"])
        if not values:
            raise ValueError(f"no value satisfies the schema {schema!r}")
        return lambda rng: rng.choice(values)
    if "allOf" in schema:
        return compile_schema(merged(schema))
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            return _alternatives(schema, keyword)
    kind = schema.get("type", _implied_type(schema))
    if isinstance(kind, list):
        options = [compile_schema({**schema, "type": k}) for k in kind]
        return lambda rng: pick(rng, options)
    compilers: dict[str | None, Callable[[Mapping[str, Any]], Gen]] = {
        "string": _string,
        "integer": _integer,
        "number": _number,
        "boolean": lambda _s: lambda rng: rng.choice((False, True)),
        "null": lambda _s: lambda _rng: None,
        "array": _array,
        "object": _object,
        None: lambda _s: _any_json,
    }
    return compilers[kind](schema)


def header_text(schema: Mapping[str, Any]) -> Gen:
    """Header values: the schema's type rendered as text, strings from token characters only."""
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        low, high = schema.get("minLength", 1), schema.get("maxLength", 40)
        return lambda rng: "".join(rng.choice(_HEADER_CHARS) for _ in range(rng.randint(low, high)))
    values = compile_schema(schema)

    def draw(rng: Random) -> str:
        value = values(rng)
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    return draw


def _implied_type(schema: Mapping[str, Any]) -> str | None:
    if {"properties", "required", "additionalProperties"} & schema.keys():
        return "object"
    if "items" in schema:
        return "array"
    if {"minLength", "maxLength", "pattern", "format"} & schema.keys():
        return "string"
    if {"minimum", "maximum", "multipleOf"} & schema.keys():
        return "number"
    return None


def _alternatives(schema: Mapping[str, Any], keyword: str) -> Gen:
    rest = {k: v for k, v in schema.items() if k != keyword}
    branches = [{**rest, **b} if rest and isinstance(b, Mapping) else b for b in schema[keyword]]
    # Schemathesis lets null through a nullable enum for responses; openapi-core does not.
    if any(isinstance(b, Mapping) and "enum" in b and None not in b["enum"] for b in branches):
        branches = [b for b in branches if b != {"type": "null"}]
    values = [b for b in branches if b != {"type": "null"}]
    if len(values) == 1 < len(branches):
        # Nullable: the value is drawn before the coin, so shrinking the coin to "not null"
        # leaves every later draw where it was and the rest of the body stays as small.
        value = compile_schema(values[0])
        return lambda rng: None if (drawn := value(rng), rng.randrange(2))[1] else drawn
    options = [compile_schema(b) for b in branches]
    return lambda rng: pick(rng, options)


def merged(schema: Mapping[str, Any]) -> dict[str, Any]:
    """One schema for an ``allOf``: properties merged, the tighter of each bound kept, the
    values common to every ``enum`` (a per-status error schema narrows its envelope's names)."""
    out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for branch in schema.get("allOf", ()):
        part = merged(branch) if "allOf" in branch else branch
        for key, value in part.items():
            if key == "properties":
                props = out.setdefault("properties", {})
                for name, sub in value.items():
                    props[name] = {"allOf": [props[name], sub]} if name in props else sub
            elif key == "required":
                out["required"] = list(dict.fromkeys([*out.get("required", []), *value]))
            elif key == "enum" and "enum" in out:
                out["enum"] = [v for v in out["enum"] if v in value]
            elif key in out and key.startswith("max"):
                out[key] = min(out[key], value)
            elif key in out and key.startswith("min"):
                out[key] = max(out[key], value)
            else:
                out.setdefault(key, value)
    return out


# -- strings ----------------------------------------------------------------------------------
def _text(rng: Random, length: int) -> str:
    # one draw for the whole string: under Hypothesis every Random call is a draw, and bodies
    # have hundreds of characters
    return "".join(rng.choices(_ALPHABET, k=length))


def _filled(rng: Random, length: int) -> str:
    """A string of exactly ``length`` characters from a few drawn ones (cheap at any length)."""
    if length == 0:
        return ""
    chunk = _text(rng, rng.randint(1, 4))
    return (chunk * (length // len(chunk) + 1))[:length]


def _string(schema: Mapping[str, Any]) -> Gen:
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    fmt, pattern = schema.get("format"), schema.get("pattern")
    if fmt == "date-time":
        rendered = _date_times(pattern)
        if rendered is not None:
            return rendered
    elif fmt in _FORMATS:
        return _FORMATS[fmt] if not pattern else _format_matching(_FORMATS[fmt], pattern)
    if pattern:
        return _fitted(_calendar(regex_strings(pattern), pattern), pattern, low, high)
    short = low + SHORT_SPAN if high is None else min(int(high), low + SHORT_SPAN)
    longest = low + LONG_TEXT if high is None else int(high)
    tokens = [t for t in _TOKENS if low <= len(t) <= longest]
    options: list[Gen] = [
        lambda rng: _text(rng, rng.randint(low, short)),
        lambda rng: _filled(rng, longest),
        lambda rng: _filled(rng, low),
    ]
    if tokens:
        options.append(lambda rng: rng.choice(tokens))
    return lambda rng: pick(rng, options)


def _fitted(strings: Callable[[Random], str], pattern: str, low: int, high: int | None) -> Gen:
    """Strings of ``pattern`` as long as ``minLength`` and ``maxLength`` allow.

    rstr repeats ``+`` and ``*`` up to 100 times, past many a ``maxLength``: a string too long is
    cut to its longest prefix that still matches (a slug, a list), else drawn again."""
    if low == 0 and high is None:
        return strings
    compiled = re.compile(pattern)

    def draw(rng: Random) -> str:
        text = ""
        for _ in range(_FIT_ATTEMPTS):
            text = strings(rng)
            if high is not None and len(text) > high:
                cuts = (text[:n] for n in range(high, low - 1, -1) if compiled.search(text[:n]))
                text = next(cuts, text)
            if len(text) >= low and (high is None or len(text) <= high):
                return text
        return text  # the caller validates the whole value and draws again

    return draw


def _date(rng: Random) -> dt.date:
    options: list[Gen] = [
        lambda rng: _EPOCH + dt.timedelta(days=rng.randint(0, 50_000)),
        lambda rng: dt.date.fromisoformat(rng.choice(_DATES)),
        lambda rng: dt.date.fromordinal(rng.randint(1, dt.date.max.toordinal())),
    ]
    date: dt.date = pick(rng, options)
    return date


def _date_times(pattern: str | None) -> Gen | None:
    """RFC 3339 date-times; with a ``pattern``, only the renderings it admits (ZEP's fixed
    six-digit fractions and ``Z``), or None when it admits none of them."""
    endings = [(f, o) for f in _FRACTIONS for o in _OFFSETS]
    if pattern:
        endings = [(f, o) for f, o in endings if re.search(pattern, f"2000-01-01T00:00:00{f}{o}")]
    if not endings:
        return None

    def draw(rng: Random) -> str:
        clock = _clock(rng)
        fraction, offset = rng.choice(endings)
        return f"{_date(rng).isoformat()}T{clock}{fraction}{offset}"

    return draw


def _clock(rng: Random) -> str:
    clock = rng.choice((*_CLOCKS, ""))
    return clock or ":".join(f"{rng.randint(0, top):02}" for top in (23, 59, 59))


def _calendar(strings: Gen, pattern: str) -> Gen:
    """Strings of a ``pattern`` whose date- and time-shaped digits are real dates and times.

    Vendors write ``^\\d{4}-\\d{2}-\\d{2}`` where ``format: date`` is not checked (COR's
    ``YYYY-MM-DD 00:00:00``, ZEP's dates); such a pattern also admits ``0000-00-00``, which no
    vendor sends. Digits that already form a real date or time (a literal ``00:00:00``) stay."""
    compiled = re.compile(pattern)

    def draw(rng: Random) -> str:
        text = strings(rng)
        fixed = _DATE_SHAPED.sub(lambda m: m[0] if _is_date(m[0]) else _date(rng).isoformat(), text)
        fixed = _TIME_SHAPED.sub(lambda m: m[0] if _is_time(m) else _clock(rng), fixed)
        # a pattern that admits no real date keeps its own digits (the caller validates anyway)
        return fixed if compiled.search(fixed) else text

    return draw


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_time(match: re.Match[str]) -> bool:
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours <= 23 and minutes <= 59 and seconds <= 59


def _format_matching(values: Gen, pattern: str) -> Gen:
    """A format that also carries a pattern: format values the pattern admits, else the pattern's."""
    compiled, fallback = re.compile(pattern), _calendar(regex_strings(pattern), pattern)

    def draw(rng: Random) -> Any:
        for _ in range(10):
            value = values(rng)
            if compiled.search(value):
                return value
        return fallback(rng)

    return draw


def _uuid(rng: Random) -> str:
    value = str(uuid.UUID(int=rng.getrandbits(128)))
    return rng.choice((value, value.upper(), str(uuid.UUID(int=0)), "ffffffff-ffff-ffff-ffff-ffffffffffff"))


def _uri(rng: Random) -> str:
    path = "".join(rng.choice(_URI_CHARS) for _ in range(rng.randint(0, 40)))
    return rng.choice((*_URIS, f"https://example.com/{path}"))


_FORMATS: dict[str, Gen] = {
    "date": lambda rng: _date(rng).isoformat(),
    "uuid": _uuid,
    "uri": _uri,
    "email": lambda rng: rng.choice(("a@example.com", "first.last+tag@sub.example.co.uk", "x@[127.0.0.1]")),
    "byte": lambda rng: base64.b64encode(rng.randbytes(rng.randint(0, 24))).decode(),
}


# -- numbers ----------------------------------------------------------------------------------
def _integer(schema: Mapping[str, Any]) -> Gen:
    low, high = _INT_FORMATS.get(schema.get("format", ""), (-_UNBOUNDED_INT, _UNBOUNDED_INT))
    if "minimum" in schema:
        low = max(low, math.ceil(schema["minimum"]) + (1 if schema.get("exclusiveMinimum") is True else 0))
    if "maximum" in schema:
        high = min(high, math.floor(schema["maximum"]) - (1 if schema.get("exclusiveMaximum") is True else 0))
    if low > high:
        raise ValueError(f"no integer satisfies {dict(schema)!r}")
    centre = min(max(0, low), high)
    near = (max(low, centre - 10), min(high, centre + 10))
    edges = sorted({v for v in (*_INT_EDGES, low, high, low + 1, high - 1) if low <= v <= high})
    options: list[Gen] = [
        lambda rng: rng.randint(*near),
        lambda _rng: low,
        lambda _rng: high,
        lambda rng: rng.choice(edges),
        lambda rng: rng.randint(low, high),
    ]
    step = schema.get("multipleOf")
    if isinstance(step, int) and step > 0:
        return lambda rng: _multiple(pick(rng, options), step, low, high)
    return lambda rng: pick(rng, options)


def _multiple(value: int, step: int, low: int, high: int) -> int:
    value -= value % step
    return value + step if value < low and value + step <= high else value


def _number(schema: Mapping[str, Any]) -> Gen:
    low = float(schema.get("minimum", -_UNBOUNDED_FLOAT))
    high = float(schema.get("maximum", _UNBOUNDED_FLOAT))
    if schema.get("exclusiveMinimum") is True:
        low = math.nextafter(low, math.inf)
    if schema.get("exclusiveMaximum") is True:
        high = math.nextafter(high, -math.inf)
    edges = sorted({v for v in (*_FLOAT_EDGES, low, high) if low <= v <= high}, key=lambda v: (abs(v), v))
    options: list[Gen] = [
        lambda rng: rng.choice(edges),
        lambda rng: low * (1 - (t := rng.random())) + high * t,  # no overflow, unlike uniform()
    ]
    if "multipleOf" not in schema and math.ceil(low) <= math.floor(high):
        # JSON has one number type: an integer-valued `number` must not break a float parser.
        options.append(_integer({**schema, "type": "integer"}))
    return lambda rng: pick(rng, options)


# -- containers -------------------------------------------------------------------------------
def _array(schema: Mapping[str, Any]) -> Gen:
    items = compile_schema(schema.get("items", {}))
    low = int(schema.get("minItems", 0))
    high = schema.get("maxItems")
    longest = low + MANY_ITEMS if high is None else min(int(high), low + MANY_ITEMS)
    sizes: list[Callable[[Random], int]] = [
        lambda rng: rng.randint(low, min(longest, low + 2)),
        lambda _rng: low,
        lambda _rng: longest,
    ]

    def draw(rng: Random) -> list[Any]:
        return [items(rng) for _ in range(pick(rng, sizes))]

    return draw


def _object(schema: Mapping[str, Any]) -> Gen:
    properties = {
        name: compile_schema(sub)
        for name, sub in (schema.get("properties") or {}).items()
        if sub != {"not": {}} and sub is not False  # write-only: never in a response
    }
    required = list(schema.get("required", []))
    for name in required:
        properties.setdefault(name, _any_json)
    optional = [name for name in properties if name not in required]
    extra = schema.get("additionalProperties", True)
    extra_values = None if extra is False else compile_schema(extra)
    extra_names = [k for k in (*_EXTRA_KEYS, *(n.upper() for n in properties)) if k not in properties]

    def draw(rng: Random) -> dict[str, Any]:
        # Values first, presence after (see _alternatives): 0 required only; 1 each optional
        # one by a coin; 2 all; 3 all plus undocumented ones.
        values = {name: gen(rng) for name, gen in properties.items()}
        mode = rng.randrange(4)
        present = set(required)
        if mode == 1:
            present.update(name for name in optional if rng.randrange(2))
        elif mode >= 2:
            present.update(optional)
        body = {name: value for name, value in values.items() if name in present}
        if mode == 3 and extra_values is not None and extra_names:
            for _ in range(rng.randint(1, 3)):
                body.setdefault(rng.choice(extra_names), extra_values(rng))
        return body

    return draw


def properties_of(schema: Mapping[str, Any]) -> dict[str, Any]:
    """An object schema's properties, those of its ``allOf`` branches merged in."""
    whole = merged(schema) if "allOf" in schema else schema
    return dict(whole.get("properties") or {})


def enum_of(schema: Any) -> list[Any] | None:
    """The values a schema allows when it lists them (through ``allOf``), else None."""
    if not isinstance(schema, Mapping):
        return None
    whole = merged(schema) if "allOf" in schema else schema
    values = whole.get("enum")
    return list(values) if values is not None else None


def _any_json(rng: Random) -> Any:
    options: list[Gen] = [
        lambda _rng: None,
        lambda rng: rng.choice((False, True)),
        lambda rng: rng.randint(-(2**63), 2**63),
        lambda rng: _text(rng, rng.randint(0, SHORT_SPAN)),
        lambda rng: rng.choice(_FLOAT_EDGES),
        lambda rng: [_text(rng, rng.randint(0, 3))],
        lambda rng: {rng.choice(_EXTRA_KEYS): None},
    ]
    return pick(rng, options)
