"""``core.schema``'s JSON reading: ``decode_json`` is ``JSONDecoder.decode`` taken on a shorter
road, so it must give the same value or the same error for any text."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from mockserver.core.schema import STRICT_DECODER, decode_json, unique_keys

UNIQUE = json.JSONDecoder(object_pairs_hook=unique_keys)
SPACE = st.text(alphabet=" \t\n\r", max_size=3)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)
JSONISH = st.text(alphabet='{}[]":,0123456789.eE+-truefalsnNaIiy \t\n\r\\/x', max_size=30)
TEXTS = st.one_of(
    st.tuples(SPACE, VALUES.map(json.dumps), SPACE).map("".join),
    st.tuples(VALUES.map(json.dumps), JSONISH).map("".join),
    JSONISH,
)


def outcome(decode: Callable[[str], Any], text: str) -> tuple[Any, ...]:
    try:
        return ("value", decode(text))
    except Exception as exc:  # the error's kind and words are part of what must not change
        return ("error", type(exc), str(exc))


@given(TEXTS)
@example("")
@example(" {}")
@example("{} ")
@example("{}x")
@example('{"a": 1, "a": 2}')
@example("NaN")
@example("[1e999]")
def test_decode_json_answers_as_decode_does(text: str) -> None:
    for decoder in (STRICT_DECODER, UNIQUE):
        assert outcome(partial(decode_json, decoder), text) == outcome(decoder.decode, text)
