"""Byte- and JSON-level mutations of a valid request body, beyond what any schema describes.

Each kind is a function of a seeded ``random.Random``, a valid base body and a
:class:`BodyContext`; it returns a :class:`Mutation`: the bytes to send, a recipe a person can
read, and, where GEN-9 or GEN-13 leave no choice, why the body must be refused (``reject``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts._hostile_json import Pairs, Raw, encode, nodes, replace_at
from contracts._hostile_values import (
    CESU_SURROGATE,
    DIGITS,
    EXTREMES,
    GEN13,
    HOSTILE_IDS,
    ID_FIELD,
    INVALID_ITEMS,
    INVALID_UTF8,
    NONCHARACTERS,
    NUMBERS,
    OVERLONG,
    STRING_EDGES,
    SURROGATES,
    TYPE_SAMPLES,
)

__all__ = [
    "BODY_KINDS",
    "UNREPRESENTABLE",
    "BodyContext",
    "Mutation",
    "mutate_body",
    "where",
]

UNREPRESENTABLE: Any = object()
"""``Mutation.value`` of a body that plain Python data cannot stand for (raw bytes, NaN, ...)."""


@dataclass(frozen=True)
class Mutation:
    kind: str
    recipe: str
    body: bytes
    value: Any = UNREPRESENTABLE
    """The body as Python data, when it is plain JSON (oracles such as the fault rules read it)."""
    reject: str | None = None
    """Why the body must get a 4xx (GEN-9, GEN-13); ``None``: either answer may be right."""


@dataclass(frozen=True)
class BodyContext:
    properties: Mapping[str, Any] = field(default_factory=dict)
    """The operation's top-level body properties (schemas, ``$ref`` inlined)."""
    top_type: str = "object"
    limit: int = 1024 * 1024
    """The server's body limit: huge bodies aim just under and just over it."""
    field_depth: int = 1
    """Where the fields live: 1 for a request body, 3 for a state document (collection/id/field)."""
    fixed: frozenset[tuple[str | int, ...]] = frozenset()
    """Fields no mutation picks (a state record's id field: changing it only earns a 400)."""


Kind = Callable[[random.Random, Any, BodyContext], Mutation]
Path = tuple[str | int, ...]


def where(path: Path) -> str:
    """``$.projects["2"].pm_id`` for a path."""
    text = "$"
    for part in path:
        text += (
            f"[{part}]" if isinstance(part, int) else (f".{part}" if part.isidentifier() else f"[{part!r}]")
        )
    return text


def _fields(base: Any, ctx: BodyContext) -> list[Path]:
    found = [path for path, _ in nodes(base) if len(path) == ctx.field_depth and path not in ctx.fixed]
    if ctx.field_depth == 1 and isinstance(base, dict):
        found += [(name,) for name in ctx.properties if name not in base]
    return found or [("name",)]


def _field(
    rng: random.Random, base: Any, ctx: BodyContext, want: Callable[[Any], bool] | None = None
) -> Path:
    candidates = _fields(base, ctx)
    if want is not None:
        wanted = [p for p, v in nodes(base) if p and p not in ctx.fixed and want(v)]
        if wanted:
            return rng.choice(wanted)
    return rng.choice(candidates)


def _key(rng: random.Random, base: Any, ctx: BodyContext) -> Path:
    """A field whose last step is an object key (a list index cannot be renamed)."""
    named = [p for p in _fields(base, ctx) if isinstance(p[-1], str)]
    named = named or [p for p, _ in nodes(base) if isinstance(p[-1], str)]
    return rng.choice(named) if named else ("name",)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _put(base: Any, path: Path, new: Any, *, key: str | Raw | None = None) -> Any:
    if not isinstance(base, dict | list) or (path and isinstance(base, list) and not base):
        base = {}
    return replace_at(base, path, new, key=key)


def _mutation(kind: str, recipe: str, value: Any, reject: str | None = None) -> Mutation:
    plain = not _has_marker(value)
    return Mutation(kind, recipe, encode(value), value if plain else UNREPRESENTABLE, reject)


def _has_marker(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Raw | Pairs):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _raw_string(inner: bytes) -> Raw:
    return Raw(b'"a' + inner + b'b"')


# -- the kinds ------------------------------------------------------------------------------------
def lone_surrogate(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path, text = _field(rng, base, ctx, _is_str), rng.choice(SURROGATES)
    value = _put(base, path, text)
    return _mutation("lone_surrogate", f"{where(path)} = {json.dumps(text)}", value, GEN13 + "lone surrogate")


def lone_surrogate_key(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path, text = _key(rng, base, ctx), rng.choice(SURROGATES)
    name = str(path[-1]) + text
    value = (
        _put(base, path, 1, key=name)
        if path[-1] in _keys_at(base, path)
        else _put(base, (*path[:-1], name), 1)
    )
    return _mutation(
        "lone_surrogate_key", f"key {json.dumps(name)} at {where(path[:-1])}", value, GEN13 + "lone surrogate"
    )


def _keys_at(base: Any, path: Path) -> list[Any]:
    target = base
    for part in path[:-1]:
        if isinstance(target, dict):
            target = target.get(part)
        elif isinstance(target, list) and isinstance(part, int) and part < len(target):
            target = target[part]
        else:
            target = None
    return list(target) if isinstance(target, dict) else []


def paired_surrogate(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path, text = _field(rng, base, ctx, _is_str), rng.choice(("😀", "a😀b", "𝄞" * 20))
    if rng.random() < 0.5:
        return _mutation("paired_surrogate", f"{where(path)} = {json.dumps(text)}", _put(base, path, text))
    path = _key(rng, base, ctx)
    name = str(path[-1]) + text
    return _mutation("paired_surrogate", f"key {json.dumps(name)}", _put(base, (*path[:-1], name), "x"))


def raw_surrogate(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path = _field(rng, base, ctx, _is_str)
    value = _put(base, path, _raw_string(CESU_SURROGATE))
    return _mutation(
        "raw_surrogate", f"{where(path)} holds the bytes ED A0 80 (CESU-8)", value, "GEN-13: not UTF-8"
    )


def noncharacter(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path, char = _field(rng, base, ctx, _is_str), rng.choice(NONCHARACTERS)
    if rng.random() < 0.5:
        new: Any = f"a{char}b"
        recipe = f"{where(path)} = {json.dumps(new)} (escaped)"
    else:
        new = _raw_string(char.encode("utf-8"))
        recipe = f"{where(path)} holds U+{ord(char):04X} as raw UTF-8"
    return _mutation("noncharacter", recipe, _put(base, path, new))


def bom(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    text = encode(base)
    variant = rng.randrange(3)
    if variant == 0:
        return Mutation("bom", "UTF-8 BOM (EF BB BF) before the body", b"\xef\xbb\xbf" + text)
    if variant == 1:
        return Mutation("bom", "two UTF-8 BOMs before the body", b"\xef\xbb\xbf" * 2 + text)
    body = b"\xff\xfe" + text.decode("ascii").encode("utf-16-le")
    return Mutation("bom", "the body in UTF-16LE with its BOM", body, reject="GEN-9: not UTF-8 JSON")


def overlong_utf8(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path, seq = _field(rng, base, ctx, _is_str), rng.choice(OVERLONG)
    value = _put(base, path, _raw_string(seq))
    return _mutation(
        "overlong_utf8", f"{where(path)} holds overlong UTF-8 {seq.hex(' ')}", value, "GEN-13: not UTF-8"
    )


def invalid_utf8(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path, seq = _field(rng, base, ctx, _is_str), rng.choice(INVALID_UTF8)
    if rng.random() < 0.7:
        value = _put(base, path, _raw_string(seq))
        return _mutation(
            "invalid_utf8", f"{where(path)} holds the bytes {seq.hex(' ')}", value, "GEN-13: not UTF-8"
        )
    body = encode(base)
    cut = body.find(b":") + 1 if b":" in body else len(body)
    return Mutation(
        "invalid_utf8",
        f"the bytes {seq.hex(' ')} between tokens",
        body[:cut] + seq + body[cut:],
        reject="GEN-9: not UTF-8",
    )


def nul(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path = _field(rng, base, ctx, _is_str)
    variant = rng.randrange(5)
    if variant == 0:
        return _mutation("nul", f'{where(path)} = "a\\u0000b"', _put(base, path, "a\u0000b"))
    if variant == 1:
        path = _key(rng, base, ctx)
        name = f"{path[-1]}\u0000"
        return _mutation("nul", f"key {json.dumps(name)}", _put(base, (*path[:-1], name), 1))
    if variant == 2:
        value = _put(base, path, _raw_string(rng.choice((b"\x00", b"\t", b"\n", b"\x1f"))))
        return _mutation("nul", f"{where(path)} holds a raw control byte", value, "GEN-9: malformed JSON")
    if variant == 3:
        return Mutation(
            "nul", "a NUL byte after the body", encode(base) + b"\x00", reject="GEN-9: malformed JSON"
        )
    return Mutation("nul", "the body is one NUL byte", b"\x00", reject="GEN-9: malformed JSON")


def number_extreme(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    numeric = [p for p, v in nodes(base) if isinstance(v, int | float) and not isinstance(v, bool)]
    path = rng.choice(numeric) if numeric and rng.random() < 0.7 else _field(rng, base, ctx)
    literal, reject = rng.choice(NUMBERS)
    shown = literal.decode() if len(literal) <= 24 else f"a {len(literal.lstrip(b'-'))}-digit integer"
    return _mutation("number_extreme", f"{where(path)} = {shown}", _put(base, path, Raw(literal)), reject)


def _admits(schema: Any, number: float) -> bool:
    """Whether the schema's bounds (if any) let ``number`` through to the business rules."""
    if not isinstance(schema, Mapping):
        return True
    low, high = schema.get("minimum"), schema.get("maximum")
    return (low is None or number >= low) and (high is None or number <= high)


def numbers_everywhere(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    """Every number the schema leaves unbounded at an extreme at once: each value is in range,
    their sums and products are not (Ruddr's budget totals)."""
    extreme = rng.choice(EXTREMES)
    value = base
    for path, item in nodes(base):
        schema = ctx.properties.get(str(path[0])) if ctx.field_depth == 1 and len(path) == 1 else None
        if isinstance(item, int | float) and not isinstance(item, bool) and _admits(schema, extreme):
            value = replace_at(value, path, extreme)
    if ctx.field_depth == 1 and isinstance(value, dict):
        for name, schema in ctx.properties.items():
            numeric = isinstance(schema, Mapping) and schema.get("type") in ("number", "integer")
            if numeric and name not in value and _admits(schema, extreme):
                value = {**value, name: extreme}
    return _mutation("numbers_everywhere", f"every number its schema admits = {extreme!r}", value)


def deep_nesting(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    depth = rng.choice((63, 64, 65, 100, 1000, 10_000, 100_000))
    opener, closer, leaf = rng.choice(((b"[", b"]", b""), (b'{"a":', b"}", b"1")))
    depth = min(depth, (ctx.limit - 64) // (len(opener) + len(closer)))
    nested = Raw(opener * depth + leaf + closer * depth)
    if rng.random() < 0.3:
        return Mutation("deep_nesting", f"the body is {depth} nested {opener.decode()}", nested.data)
    path = _field(rng, base, ctx)
    return _mutation(
        "deep_nesting", f"{where(path)} = {depth} nested {opener.decode()}", _put(base, path, nested)
    )


def wide_object(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    count = rng.choice((100, 1000, 10_000, 50_000))
    wide = {f"k{i}": i for i in range(count)}
    if rng.random() < 0.5 and isinstance(base, dict):
        return _mutation("wide_object", f"{count} undocumented top-level keys", {**base, **wide})
    path = _field(rng, base, ctx)
    return _mutation("wide_object", f"{where(path)} = an object of {count} keys", _put(base, path, wide))


def huge_array(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    arrays: list[Path] = [
        (n,) for n, s in ctx.properties.items() if isinstance(s, Mapping) and s.get("type") == "array"
    ]
    arrays += [p for p, v in nodes(base) if isinstance(v, list)]
    path = rng.choice(arrays) if arrays and rng.random() < 0.8 else _field(rng, base, ctx)
    current = _get(base, path)
    items = [*INVALID_ITEMS, *(current[:1] if isinstance(current, list) else [])]
    item = rng.choice(items)
    target = rng.choice((4096, 65_536, 524_288, ctx.limit - 16, ctx.limit + 1))
    return _sized("huge_array", base, path, encode(item), target, ctx, f"array of {{n}} x {json.dumps(item)}")


def _sized(
    kind: str, base: Any, path: Path, item: bytes, target: int, ctx: BodyContext, what: str
) -> Mutation:
    """``base`` with an array of ``item`` at ``path`` sized so that the body is about ``target``
    bytes; when the target is over the limit, the body is."""
    fixed = len(encode(_put(base, path, Raw(b"[]"))))
    count = max(1, (target - fixed + 1) // (len(item) + 1))
    while fixed + count * (len(item) + 1) - 1 > ctx.limit >= target:
        count -= 1
    while target > ctx.limit and fixed + count * (len(item) + 1) - 1 <= ctx.limit:
        count += 1
    body = encode(_put(base, path, Raw(b"[" + b",".join([item] * count) + b"]")))
    reject = f"GEN-9: {len(body)} bytes, over the {ctx.limit}-byte limit" if len(body) > ctx.limit else None
    shown = what.replace("{n}", str(count))
    return Mutation(kind, f"{where(path)} = {shown} ({len(body)} bytes)", body, reject=reject)


def _get(base: Any, path: Path) -> Any:
    target = base
    for part in path:
        if isinstance(target, dict):
            if part not in target:
                return None
            target = target[part]
        elif isinstance(target, list) and isinstance(part, int) and 0 <= part < len(target):
            target = target[part]
        else:
            return None
    return target


def huge_string(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path = _field(rng, base, ctx, _is_str)
    schema = ctx.properties.get(str(path[0]), {}) if ctx.field_depth == 1 else {}
    over_max = int(schema.get("maxLength", 255)) + 1 if isinstance(schema, Mapping) else 256
    length = rng.choice((over_max, 4096, 65_536, ctx.limit - 4096, ctx.limit + 1))
    fill = rng.choice(("a", "é", " "))
    body = encode(_put(base, path, fill * length))
    reject = f"GEN-9: {len(body)} bytes, over the {ctx.limit}-byte limit" if len(body) > ctx.limit else None
    recipe = f"{where(path)} = {json.dumps(fill)} x {length} ({len(body)} bytes)"
    return Mutation("huge_string", recipe, body, reject=reject)


def duplicate_keys(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    if not isinstance(base, dict) or not base:
        base = {"name": "x"}
    key = rng.choice(list(base))
    other = rng.choice(TYPE_SAMPLES)
    variant = rng.randrange(3)
    items = list(base.items())
    if variant == 0:
        pairs, recipe = [*items, (key, other)], f"{key!r} again last, = {json.dumps(other)}"
    elif variant == 1:
        pairs, recipe = [(key, other), *items], f"{key!r} first = {json.dumps(other)}, then as in the base"
    else:
        pairs, recipe = [*items, *[(key, base[key])] * 1000], f"{key!r} repeated 1000 times"
    return Mutation("duplicate_keys", recipe, encode(Pairs(tuple(pairs))))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "other"


def _wrong_for(rng: random.Random, current: Any, schema: Any) -> Any:
    declared = str(schema.get("type")) if isinstance(schema, Mapping) else None
    declared = "number" if declared == "integer" else declared
    avoid = {_json_type(current) if current is not None else None, declared}
    return rng.choice([v for v in TYPE_SAMPLES if _json_type(v) not in avoid])


def wrong_type(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path = _field(rng, base, ctx)
    schema = ctx.properties.get(str(path[0])) if ctx.field_depth == 1 else None
    new = _wrong_for(rng, _get(base, path), schema)
    return _mutation("wrong_type", f"{where(path)} = {json.dumps(new)}", _put(base, path, new))


def all_wrong_types(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    value = base
    for path in _fields(base, ctx):
        schema = ctx.properties.get(str(path[0])) if ctx.field_depth == 1 else None
        value = _put(value, path, _wrong_for(rng, _get(base, path), schema))
    return _mutation("all_wrong_types", "every field a value of another JSON type", value)


def not_an_object(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    text = encode(base)
    variants: list[tuple[bytes, str]] = [
        (b"[]", "[]"),
        (b'"x"', "a string"),
        (b"1", "a number"),
        (b"null", "null"),
        (b"true", "true"),
        (b"", "empty"),
        (b" \n", "whitespace only"),
        (b"{", "{ alone"),
        (text[:-1], "the base without its last byte"),
        (text + b"x", "the base plus a trailing x"),
        (text + text, "the base twice"),
        (b'{"a":1,}', "a trailing comma"),
        (b"{'a': 1}", "single quotes"),
        (b"/* c */" + text, "a comment first"),
        (b'{"a" 1}', "no colon"),
        (b"[" + text + b"]", "the base in an array"),
    ]
    body, recipe = rng.choice(variants)
    array_ok = ctx.top_type == "array" and body.startswith(b"[") and body.endswith(b"]")
    return Mutation(
        "not_an_object",
        f"the body is {recipe}",
        body,
        reject=None if array_ok else "GEN-9: not a JSON object",
    )


def unicode_digits(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    family, digits = rng.choice(list(DIGITS.items()))
    table = str.maketrans("0123456789", digits)
    if rng.random() < 0.5:
        keyed = [p for p, _ in nodes(base) if isinstance(p[-1], str) and any(c.isdigit() for c in p[-1])]
        path = rng.choice(keyed) if keyed else _key(rng, base, ctx)
        name = str(path[-1]).translate(table) if keyed else f"{path[-1]}_{digits[2]}"
        value = _put(base, path, _get(base, path), key=name)
        return _mutation("unicode_digits", f"key {json.dumps(name, ensure_ascii=False)} ({family})", value)
    numbered = [p for p, v in nodes(base) if isinstance(v, str) and any(c.isdigit() for c in v)]
    path = rng.choice(numbered) if numbered else _field(rng, base, ctx)
    text = str(_get(base, path) or "2025-01-01").translate(table)
    return _mutation(
        "unicode_digits",
        f"{where(path)} = {json.dumps(text, ensure_ascii=False)} ({family})",
        _put(base, path, text),
    )


def string_edge(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    path, text = _field(rng, base, ctx, _is_str), rng.choice(STRING_EDGES)
    return _mutation("string_edge", f"{where(path)} = {json.dumps(text[:40])}", _put(base, path, text))


def hostile_id(rng: random.Random, base: Any, ctx: BodyContext) -> Mutation:
    named = [p for p, _ in nodes(base) if isinstance(p[-1], str) and ID_FIELD.search(p[-1])]
    named += [(n,) for n in ctx.properties if ID_FIELD.search(n)] if ctx.field_depth == 1 else []
    path = rng.choice(named) if named else _field(rng, base, ctx)
    new = rng.choice(HOSTILE_IDS)
    if isinstance(_get(base, path), list) or str(path[-1]).endswith(("Ids", "_ids")):
        new = [new]
    return _mutation("hostile_id", f"{where(path)} = {json.dumps(new)}", _put(base, path, new))


BODY_KINDS: dict[str, Kind] = {
    k.__name__: k
    for k in (
        lone_surrogate,
        lone_surrogate_key,
        paired_surrogate,
        raw_surrogate,
        noncharacter,
        bom,
        overlong_utf8,
        invalid_utf8,
        nul,
        number_extreme,
        numbers_everywhere,
        deep_nesting,
        wide_object,
        huge_array,
        huge_string,
        duplicate_keys,
        wrong_type,
        all_wrong_types,
        not_an_object,
        unicode_digits,
        string_edge,
        hostile_id,
    )
}


def mutate_body(rng: random.Random, base: Any, ctx: BodyContext, kind: str | None = None) -> Mutation:
    """One mutation of ``base``: of ``kind``, or of a kind ``rng`` picks."""
    chosen = BODY_KINDS[kind] if kind else rng.choice(list(BODY_KINDS.values()))
    return chosen(rng, base, ctx)
