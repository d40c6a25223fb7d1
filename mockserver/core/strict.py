"""Strict JSON for values that are already Python objects (GEN-13): parsed documents, fixture
files read with the permissive ``json`` module, and what a renderer is about to send.

Strict means it can be sent back as JSON any client parses, as ``core.schema.parse_json`` reads
bodies: no NaN or infinite number, no integer a double cannot hold, no string or key holding a lone
surrogate (it cannot be encoded as UTF-8), nothing but JSON types.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, Final

_SCALARS: Final = (str, int, float, bool, type(None))
_AS_ZERO: Final = bytes.maketrans(b"123456789", b"000000000")
_HUGE_INTEGER: Final = b"0" * 309
"""An integer past the double range has at least 309 digits: with every digit a zero, a
substring search finds the candidates at C speed."""


DOUBLE_MAX: Final = int(sys.float_info.max)
"""The largest double, as an integer: an integer is compared with it exactly (compiled, a
comparison with the float itself converts the integer, which overflows past the range)."""


def strict_json_text(value: Any) -> bytes | None:
    """``value`` as UTF-8 JSON text if the C encoder can vouch that it is strict JSON, else
    ``None``: then :func:`strict_json_problems` says where (it may also find nothing, as a long
    run of digits inside a string looks like a huge integer here)."""
    try:
        raw = _STRICT_ENCODER.encode(value).encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
        return None
    return None if len(raw) >= len(_HUGE_INTEGER) and _HUGE_INTEGER in raw.translate(_AS_ZERO) else raw


_STRICT_ENCODER: Final = json.JSONEncoder(allow_nan=False, ensure_ascii=False)
"""Built once: ``json.dumps`` with options builds an encoder on every call (on every write)."""


def is_strict_json(value: Any) -> bool:
    """True when ``value`` is strict JSON; False when :func:`strict_json_problems` must say (as
    :func:`strict_json_text`, it can be wrong only that way). A flat object of plain scalars, what
    most writes change, is told without encoding it (an encoder call costs µs on every write)."""
    if type(value) is dict and all(type(k) is str and _plain(k) and _plain(v) for k, v in value.items()):
        return True
    return strict_json_text(value) is not None


def _plain(value: Any) -> bool:
    """A scalar that is strict JSON as it is; False also for what only the full check can tell."""
    kind = type(value)
    if kind is str:
        return value.isascii() or not has_lone_surrogate(value)
    if kind is bool or value is None:
        return True
    if kind is int:
        return bool(abs(value) <= DOUBLE_MAX)
    if kind is float:
        return bool(math.isfinite(value))
    return False


def strict_json_problems(value: Any, limit: int = 100, where: str = "") -> list[str]:
    """Where ``value`` is not strict JSON, at most ``limit`` problems, each naming its place
    (``where`` plus ``['key']``/``[0]`` steps). An empty list means ``value`` is strict JSON."""
    if strict_json_text(value) is not None:  # the common case, at C speed; the walk says where
        return []
    problems: list[str] = []
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack and len(problems) < limit:
        path, item = stack.pop()
        if isinstance(item, dict):
            children = []
            for key, child in item.items():
                if not isinstance(key, str | int | type(None)):  # json.dumps turns these into strings
                    problems.append(f"{path or 'the document'}: key {key!r} is not a string")
                elif isinstance(key, str) and has_lone_surrogate(key):
                    problems.append(f"{path or 'the document'}: key {key!r} holds a lone surrogate")
                children.append((_step(path, key), child))
            stack.extend(reversed(children))
        elif isinstance(item, list | tuple):
            stack.extend(reversed([(f"{path}[{i}]", child) for i, child in enumerate(item)]))
        elif problem := scalar_problem(item):
            problems.append(f"{path or 'the document'}: {problem}")
    return problems[:limit]


def _step(path: str, key: Any) -> str:
    """``path.key`` for a plain name, ``path['key']`` otherwise (escaped: ``repr`` shows a lone
    surrogate as ``\\ud800``, so the problem text is itself strict JSON)."""
    if isinstance(key, str) and key.isascii() and key.isidentifier():
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


def scalar_problem(value: Any) -> str | None:
    """Why a single non-container value is not strict JSON, or ``None``."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if isinstance(value, int) and abs(value) > DOUBLE_MAX:
        return "an integer outside the range of a double"
    if isinstance(value, str) and has_lone_surrogate(value):
        return f"{_excerpt(value)} holds a lone surrogate"
    if not isinstance(value, _SCALARS):
        return f"a {type(value).__name__} is not a JSON value"
    return None


def has_lone_surrogate(text: str) -> bool:
    """Whether UTF-8 cannot carry ``text`` (only a lone surrogate makes that so)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _excerpt(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
