"""Strings that match a spec's ``pattern``, drawn from a :class:`random.Random` by rstr.

Hypothesis' ``from_regex`` cannot be driven by a plain seeded ``Random`` (see the package
docstring for why replies are drawn that way); ``rstr.Rstr(rng).xeger(pattern)`` can. Its classes
are ASCII, as in ECMA-262, the dialect JSON Schema patterns are written in: ``\\d`` is ``0-9`` and
``\\w`` ``[A-Za-z0-9_]``, so a Python-only match (Arabic-Indic digits) is never drawn. Its ``.``
is given the characters below: rstr's own can draw ``\\r``, which ECMA's ``.`` does not match.

Not modelled, so vetted by the ``re.search`` below: look-arounds (a look-ahead's text is
emitted, a negative one skipped), ``\\b``, inline flags, a backreference to a group the draw
skipped. No repeat is drawn more than 100 times (rstr's limit for ``+``, ``*`` and ``{n,}``, which
it applies to ``{n,m}`` too) unless its minimum is higher, then exactly that often. A length the
schema bounds is the caller's to check, like the rest of the value.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from random import Random
from typing import Any

from rstr import Rstr

__all__ = ["regex_strings"]

_DOT = string.ascii_letters + string.digits + string.punctuation + " \u00e9\u05d0\U0001f600"
"""What ``.`` draws: printable ASCII but line breaks, and a few characters that break naive code
(accented, right-to-left, non-BMP)."""
_ATTEMPTS = 20


def regex_strings(pattern: str) -> Callable[[Random], str]:
    """A generator of strings for which ``re.search(pattern, s)`` holds (anchors included); after
    20 misses, the last string drawn (the caller validates the whole value and draws again)."""
    compiled = re.compile(pattern)

    def draw(rng: Random) -> str:
        xeger = Rstr(_ForRstr(rng), printable=_DOT).xeger
        text = None
        for _ in range(_ATTEMPTS):
            try:
                text = xeger(pattern)
            except KeyError:  # a backreference to a group the draw skipped, or no such construct
                continue
            if compiled.search(text):
                return text
        if text is None:
            raise ValueError(f"rstr draws no string for the pattern {pattern!r}")
        return text

    return draw


class _ForRstr(Random):
    """Every draw from ``rng``, made as rstr 3.2 needs it.

    - A choice among characters is made in code point order: rstr draws a negated class
      (``[^/]``) and ``\\W`` from characters it holds in a set, whose order changes with the
      process' hash seed; unsorted, one seed would give another string in another process.
    - ``randint(a, b)`` with ``b < a`` gives ``a``: rstr caps the top of every repeat at 100, an
      explicit one too (``[0-9a-f]{128}``), and asks for a count in an empty range.
    """

    def __init__(self, rng: Random) -> None:
        super().__init__(0)
        self.rng = rng

    def random(self) -> float:
        return self.rng.random()

    def getrandbits(self, k: int, /) -> int:
        return self.rng.getrandbits(k)

    def randint(self, a: int, b: int) -> int:
        return a if b < a else self.rng.randint(a, b)

    def choice(self, seq: Any) -> Any:
        if all(isinstance(item, str) for item in seq):
            seq = sorted(seq)
        return self.rng.choice(seq)
