"""``core.strict``: ``is_strict_json`` is never wrong when it says yes, and on flat objects of
scalars (its fast path) it says what the full check, ``strict_json_problems``, says."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.core.strict import is_strict_json, strict_json_problems, strict_json_text


class _Text(str):
    pass


HOSTILE: list[Any] = [
    {"name": "\ud800"},  # a lone surrogate: UTF-8 cannot carry it
    {"\udfff": "key"},
    {"n": math.nan},
    {"n": math.inf},
    {"n": -math.inf},
    {"n": 10**309},  # past the double range
    {"n": 10**308},  # 309 digits, yet within it: the encoded text's digit scan is no verdict
    {"n": -(10**309)},
    {"s": {1, 2}},  # not a JSON value
    {"b": b"bytes"},
    {1: "an int key"},  # json.dumps makes it a string: strict
    {None: "a None key"},
    {"t": _Text("a str subclass")},
    {"d": {"nested": math.nan}},
    {"l": [math.inf]},
    {"ok": "ü", "n": 10**300, "f": 1.5, "b": True, "z": None},
    [math.nan],
    "\ud800",
]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_GEN_13_is_strict_json_agrees_with_the_full_check_on_hostile_values(value: Any) -> None:
    strict = strict_json_problems(value) == []
    assert is_strict_json(value) is strict
    assert strict_json_text(value) is None or strict  # the fallback's own check never says yes wrongly


_scalars = st.one_of(
    st.text(st.characters(exclude_categories=())),  # lone surrogates (category Cs) included
    st.integers(min_value=-(10**320), max_value=10**320),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)


@given(st.dictionaries(st.text(st.characters(exclude_categories=())), _scalars, max_size=6))
def test_GEN_13_is_strict_json_agrees_with_the_full_check_on_flat_objects(value: dict[str, Any]) -> None:
    assert is_strict_json(value) is (strict_json_problems(value) == [])


@given(st.dictionaries(st.text(max_size=3), st.integers(min_value=10**307, max_value=10**310), max_size=3))
def test_GEN_13_is_strict_json_judges_integers_near_the_double_range_as_the_full_check(
    value: dict[str, int],
) -> None:
    assert is_strict_json(value) is (strict_json_problems(value) == [])
