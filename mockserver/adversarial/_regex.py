"""Strings that match a spec's ``pattern``, drawn from a :class:`random.Random`.

Hypothesis' ``from_regex`` cannot be driven by a plain seeded ``Random`` (see the package
docstring for why replies are drawn that way), so patterns are sampled from the stdlib's own
parse tree. Classes follow ECMA-262, the dialect JSON Schema patterns are written in: ``\\d`` is
ASCII digits only, so a Python-only match (Arabic-Indic digits) is never produced.
"""

from __future__ import annotations

import importlib
import re
import string
from collections.abc import Callable, Sequence
from random import Random
from typing import Any

__all__ = ["regex_strings"]

# The stdlib's regex parser (``sre_parse``'s home since 3.11; the old name warns on import).
_parser: Any = importlib.import_module("re._parser")

_CATEGORIES = {
    "DIGIT": string.digits,
    "WORD": string.ascii_letters + string.digits + "_",
    "SPACE": " \t\n\r\f\v",
}
# Candidates for `.`, negated classes and \D-style categories: printable ASCII plus a few
# characters that break naive code (accented, RTL, non-BMP).
_OTHERS = string.ascii_letters + string.digits + string.punctuation + " \u00e9\u05d0\U0001f600"
_EXTRA_REPEAT = 8
"""How far past its minimum an unbounded repeat (``+``, ``*``, ``{n,}``) is drawn."""
_ATTEMPTS = 20


def regex_strings(pattern: str) -> Callable[[Random], str]:
    """A generator of strings for which ``re.search(pattern, s)`` holds (anchors included)."""
    compiled = re.compile(pattern)
    tree = _parser.parse(pattern)

    def draw(rng: Random) -> str:
        text = ""
        for _ in range(_ATTEMPTS):
            # Look-arounds, \b and inline flags are not modelled: the search below vets them.
            text = _emit(tree, rng, {})
            if compiled.search(text):
                return text
        return text  # the caller validates the whole value and draws again

    return draw


def _emit(items: Sequence[tuple[Any, Any]], rng: Random, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(rng.choice([c for c in _OTHERS if ord(c) != arg]))
        elif name == "ANY":
            out.append(rng.choice(_OTHERS))
        elif name == "IN":
            out.append(_in_class(arg, rng))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            high = min(high, low + _EXTRA_REPEAT)  # MAXREPEAT is a large int
            count = (low, rng.randint(low, high), high)[rng.randrange(3)]
            out.extend(_emit(sub, rng, groups) for _ in range(count))
        elif name == "SUBPATTERN":
            group, _add_flags, _del_flags, sub = arg
            text = _emit(sub, rng, groups)
            if group:
                groups[group] = text
            out.append(text)
        elif name == "ATOMIC_GROUP":
            out.append(_emit(arg, rng, groups))
        elif name == "BRANCH":
            out.append(_emit(rng.choice(arg[1]), rng, groups))
        elif name == "GROUPREF":
            out.append(groups.get(arg, ""))
        elif name == "GROUPREF_EXISTS":
            group, yes, no = arg
            out.append(_emit(yes if group in groups else (no or []), rng, groups))
        elif name not in ("AT", "ASSERT", "ASSERT_NOT"):
            raise ValueError(f"regular expression construct {name} is not supported")
    return "".join(out)


def _in_class(items: Sequence[tuple[Any, Any]], rng: Random) -> str:
    negated = bool(items) and str(items[0][0]) == "NEGATE"
    pools: list[str] = []
    ranges: list[tuple[int, int]] = []
    for op, arg in items[1:] if negated else items:
        name = str(op)
        if name == "LITERAL":
            ranges.append((arg, arg))
        elif name == "RANGE":
            ranges.append(arg)
        elif name == "CATEGORY":
            kind = str(arg).removeprefix("CATEGORY_")
            if kind.startswith("NOT_"):
                members = _CATEGORIES.get(kind.removeprefix("NOT_"), "")
                pools.append("".join(c for c in _OTHERS if c not in members))
            else:
                pools.append(_CATEGORIES.get(kind, ""))
    if negated:
        pool = "".join(pools)
        outside = [c for c in _OTHERS if c not in pool and not any(lo <= ord(c) <= hi for lo, hi in ranges)]
        return rng.choice(outside)
    choices: list[str | tuple[int, int]] = [*(p for p in pools if p), *ranges]
    picked = choices[rng.randrange(len(choices))]
    if isinstance(picked, str):
        return rng.choice(picked)
    return chr(rng.randint(*picked))
