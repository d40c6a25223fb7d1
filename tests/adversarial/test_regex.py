"""mockserver.adversarial._regex: strings drawn for a spec's ``pattern`` match it, in ECMA-262's
ASCII classes, and a seed gives the same string in every process."""

from __future__ import annotations

import random
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.adversarial._regex import regex_strings

ROOT = Path(__file__).resolve().parents[2]


def patterns_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from patterns_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns_in(item)


SPEC_PATTERNS = sorted(
    {
        p
        for spec in sorted((ROOT / "specs").glob("*.yaml"))
        for p in patterns_in(yaml.safe_load(spec.read_text()))
    }
)
OTHER_PATTERNS = [
    r"^\d{3}-\d{4}$",
    r"\d+",  # unanchored
    r"^\w+$",
    r"^\s*\d+\s*$",
    r"^\S+@\S+\.[a-z]{2,}$",
    r"^[A-Z][a-z]*(?: [A-Z][a-z]*){0,3}$",
    r"^[^/?#\s]+$",  # negated classes
    r"^[^\d\s]{2,5}$",
    r"^\W+\D$",
    r"^[^a]x[^0-9]$",
    r"^(?:red|green|blue)(?:-(?:light|dark))?$",  # alternation, groups
    r"^(ab|cd)+$",
    r"^(\w)\1$",  # backreferences
    r"^<(?P<tag>[a-z]+)>.*</(?P=tag)>$",
    r"^a{2,4}b{0,3}c{2}$",  # bounded and unbounded repeats
    r"^x+y*z?$",
    r"^[0-9a-f]{128}$",  # past rstr's 100
    r"^a{150,}b{0,300}$",
    r"^.{1,10}$",
    r"\bword\b",
    r"(?i)^abc$",
    r"^(?=.*\d).+$",  # look-ahead
    r"^(?!0)\d{3}$",
]
PATTERNS = SPEC_PATTERNS + OTHER_PATTERNS


def test_the_specs_have_patterns() -> None:
    assert len(SPEC_PATTERNS) >= 10


@settings(max_examples=300, deadline=None, database=None)
@given(pattern=st.sampled_from(PATTERNS), seed=st.integers())
def test_a_drawn_string_matches_its_pattern_and_the_seed_decides_it(pattern: str, seed: int) -> None:
    draw = regex_strings(pattern)
    text = draw(random.Random(seed))
    assert re.search(pattern, text)
    assert draw(random.Random(seed)) == text


ALWAYS_DRAWN = [p for p in PATTERNS if "(?!" not in p]
"""Patterns rstr draws a match of at every attempt: it skips a negative look-ahead, and
Hypothesis finds the draws that miss one every time (the caller draws the value again)."""


@settings(max_examples=100, deadline=None, database=None)
@given(pattern=st.sampled_from(ALWAYS_DRAWN), rng=st.randoms(use_true_random=False))
def test_hypothesis_can_drive_the_draws(pattern: str, rng: random.Random) -> None:
    """``response_strategy`` hands the generators a Hypothesis-controlled ``Random``."""
    assert re.search(pattern, regex_strings(pattern)(rng))


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        (r"^\d{1,30}$", string.digits),  # Python's \d also matches Arabic-Indic and other digits
        (r"^[\d]{30}$", string.digits),
        (r"^\w{30}$", string.ascii_letters + string.digits + "_"),
        (r"^\D{30}$", "".join(c for c in string.printable if c not in string.digits)),
    ],
)
def test_classes_are_ascii_as_in_ecma_262(pattern: str, allowed: str) -> None:
    draw = regex_strings(pattern)
    drawn = "".join(draw(random.Random(n)) for n in range(200))
    assert set(drawn) <= set(allowed)


def test_a_dot_draws_no_line_terminator_and_some_hostile_characters() -> None:
    """ECMA-262's ``.`` does not match ``\\r``, U+2028 or U+2029 (Python's matches ``\\r``)."""
    draw = regex_strings(r"^.{40}$")
    drawn = "".join(draw(random.Random(n)) for n in range(200))
    assert not set(drawn) & set("\n\r\u2028\u2029")
    assert not drawn.isascii()


_IN_ANOTHER_PROCESS = """
import random, sys
from mockserver.adversarial._regex import regex_strings
for pattern in sys.argv[1:]:
    print(ascii([regex_strings(pattern)(random.Random(n)) for n in range(20)]))
"""
_SET_BUILT = [r"^[^/]{8}$", r"^\W{8}$", r"^[^\d]{8}$", r"^[^a-z]x\W$"]
"""Patterns rstr draws from characters it holds in a set, whose order follows the hash seed."""


def test_a_seed_gives_the_same_string_in_processes_with_other_hash_seeds() -> None:
    here = [ascii([regex_strings(p)(random.Random(n)) for n in range(20)]) for p in _SET_BUILT]
    for hash_seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", _IN_ANOTHER_PROCESS, *_SET_BUILT],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={"PYTHONHASHSEED": hash_seed, "PATH": ""},
        )
        assert result.stdout.splitlines() == here


def test_a_pattern_rstr_cannot_draw_is_refused() -> None:
    draw = regex_strings(r"^(?>ab)c$")  # an atomic group: Python's, not ECMA-262's
    with pytest.raises(ValueError, match="no string"):
        draw(random.Random(0))
