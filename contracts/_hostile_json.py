"""JSON at the byte level for the hostile fuzzer: bodies Python's ``json`` cannot write, and the
strict reading every answer must pass.

A body is built as plain Python data in which two markers stand for what ``json.dumps`` refuses
or rewrites: :class:`Raw` is a fragment placed byte for byte (``1e400``, ``NaN``, a 5,000-digit
integer, overlong UTF-8), :class:`Pairs` an object whose keys may repeat or be :class:`Raw`.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Node",
    "NotStrictJSONError",
    "Pairs",
    "Raw",
    "canonical",
    "each_string",
    "encode",
    "nodes",
    "replace_at",
    "strict_json",
    "strict_json_problem",
]

DOUBLE_MAX = sys.float_info.max


@dataclass(frozen=True)
class Raw:
    """A JSON text fragment written as these exact bytes."""

    data: bytes


@dataclass(frozen=True)
class Pairs:
    """A JSON object as ordered (key, value) pairs: keys may repeat, a key may be :class:`Raw`."""

    items: tuple[tuple[str | Raw, Any], ...]


def encode(value: Any) -> bytes:
    """The JSON text of ``value``: strings escaped to ASCII (a lone surrogate becomes its
    ``\\udXXX`` escape, as a hostile client would write it), markers as they say."""
    out: list[bytes] = []
    _encode(value, out)
    return b"".join(out)


def _encode(value: Any, out: list[bytes]) -> None:
    if isinstance(value, Raw):
        out.append(value.data)
        return
    if isinstance(value, dict | list) and not isinstance(value, Pairs):
        try:  # the C encoder, unless a marker sits somewhere inside (it raises TypeError then)
            out.append(json.dumps(value, separators=(",", ":")).encode("ascii"))
            return
        except TypeError:
            pass
    if isinstance(value, Pairs | dict):
        items = value.items if isinstance(value, Pairs) else tuple(value.items())
        out.append(b"{")
        for i, (key, item) in enumerate(items):
            if i:
                out.append(b",")
            _encode(key, out)
            out.append(b":")
            _encode(item, out)
        out.append(b"}")
    elif isinstance(value, list | tuple):
        out.append(b"[")
        for i, item in enumerate(value):
            if i:
                out.append(b",")
            _encode(item, out)
        out.append(b"]")
    else:  # str (escaped to ASCII), None, bool, int, float: extremes arrive as Raw
        out.append(json.dumps(value).encode("ascii"))


# -- walking and editing plain JSON data -------------------------------------------------------
Node = tuple[tuple[str | int, ...], Any]
"""A location in a JSON value (keys and indexes from the root) and the value found there."""


def nodes(value: Any, limit: int = 5000) -> list[Node]:
    """Every location under the root (not the root itself), breadth first, at most ``limit``."""
    found: list[Node] = []
    level: list[Node] = [((), value)]
    while level and len(found) < limit:
        nxt: list[Node] = []
        for path, item in level:
            children: Iterator[tuple[str | int, Any]] = iter(())
            if isinstance(item, dict):
                children = iter(item.items())
            elif isinstance(item, list):
                children = iter(enumerate(item))
            for key, child in children:
                found.append(((*path, key), child))
                nxt.append(((*path, key), child))
        level = nxt
    return found[:limit]


def replace_at(value: Any, path: Sequence[str | int], new: Any, *, key: str | Raw | None = None) -> Any:
    """A copy of ``value`` with the node at ``path`` set to ``new`` (a missing last key is added);
    with ``key`` the node is also renamed (its object becomes :class:`Pairs` for a :class:`Raw` key)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, list):
        copy = list(value)
        copy[int(head)] = replace_at(value[int(head)], rest, new, key=key)
        return copy
    assert isinstance(value, dict)
    if rest:
        return {k: (replace_at(v, rest, new, key=key) if k == head else v) for k, v in value.items()}
    items: list[tuple[str, Any]] = (
        list(value.items()) if head in value else [*value.items(), (str(head), None)]
    )
    name: str | Raw = str(head) if key is None else key
    pairs = tuple((name, new) if k == head else (k, v) for k, v in items)
    if isinstance(name, Raw):
        return Pairs(pairs)
    return {str(k): v for k, v in pairs}


def canonical(value: Any) -> str:
    """A text that tells apart every two JSON values that differ (``1``, ``1.0`` and ``true``
    included), and only those: key order is not part of a state."""
    return json.dumps(value, sort_keys=True, ensure_ascii=True, allow_nan=True)


# -- strict reading -----------------------------------------------------------------------------
class NotStrictJSONError(ValueError):
    """Why bytes are not strict JSON: ``kind`` is a short fixed label (findings are grouped by
    it), ``detail`` the particulars."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


def _constant(name: str) -> Any:
    raise NotStrictJSONError(f"{name} literal", "not JSON (RFC 8259 has no NaN or Infinity)")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotStrictJSONError("number outside the double range", text[:40])
    return value


def _int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:  # past Python's 4,300-digit conversion limit
        raise NotStrictJSONError(
            "number outside the double range", f"an integer of {len(text)} digits"
        ) from None
    if abs(value) > DOUBLE_MAX:
        raise NotStrictJSONError("number outside the double range", f"an integer of {len(text)} digits")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise NotStrictJSONError("duplicate key", json.dumps(key)[:60])
        result[key] = value
    return result


def strict_json(data: bytes) -> Any:
    """``data`` parsed as strict JSON (RFC 8259, I-JSON's string rules), or NotStrictJSONError: UTF-8
    only and no BOM, no NaN/Infinity, numbers within the double range, no duplicate keys, no
    lone surrogate in any string or key."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotStrictJSONError(
            "not UTF-8", f"byte {exc.start}: {data[exc.start : exc.start + 4]!r}"
        ) from None
    if text.startswith("\ufeff"):
        raise NotStrictJSONError("byte order mark", "a JSON text must not start with U+FEFF")
    try:
        value = json.loads(
            text, parse_constant=_constant, parse_float=_float, parse_int=_int, object_pairs_hook=_object
        )
    except json.JSONDecodeError as exc:
        raise NotStrictJSONError("malformed JSON", f"{exc.msg} at {exc.pos}") from None
    except RecursionError:
        raise NotStrictJSONError("malformed JSON", "nested too deep to read") from None
    _check_strings(value)
    return value


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
            stack.extend(item.keys())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise NotStrictJSONError("lone surrogate", json.dumps(item[:40])) from None


def strict_json_problem(data: bytes) -> NotStrictJSONError | None:
    try:
        strict_json(data)
    except NotStrictJSONError as problem:
        return problem
    return None


def each_string(value: Any) -> Iterator[str]:
    """Every string and key in a parsed JSON value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
            yield from item.keys()
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            yield item
