"""The hostile values themselves: surrogates, broken UTF-8, number literals, unicode digits,
odd strings and ids. Generators draw from these; tests check that each is drawn."""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "CESU_SURROGATE",
    "DIGITS",
    "EXTREMES",
    "GEN13",
    "HOSTILE_IDS",
    "ID_FIELD",
    "INVALID_ITEMS",
    "INVALID_UTF8",
    "NONCHARACTERS",
    "NUMBERS",
    "OVERLONG",
    "STRING_EDGES",
    "SURROGATES",
    "TYPE_SAMPLES",
    "UNICODE_DIGITS",
]

SURROGATES = ("\ud800", "\udfff", "a\ud800b", "\udc00x", "\ud83d", "\ude00\ud83d")
"""Lone surrogates, as JSON escapes once encoded; the last is a pair in the wrong order."""
NONCHARACTERS = ("\ufffe", "\uffff", "\ufdd0", "\U0010ffff", "\U0001fffe")
OVERLONG = (b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf", b"\xc0\xa2", b"\xc1\xbf", b"\xc0\x80")
INVALID_UTF8 = (b"\xff", b"\xfe", b"\x80", b"\xbf", b"\xe2\x82", b"\xf8\x88\x80\x80\x80", b"\xf4\x90\x80\x80")
CESU_SURROGATE = b"\xed\xa0\x80"
DIGITS = {
    "superscript": "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079",
    "arabic-indic": "".join(chr(0x0660 + i) for i in range(10)),
    "fullwidth": "".join(chr(0xFF10 + i) for i in range(10)),
    "devanagari": "".join(chr(0x0966 + i) for i in range(10)),
    "math bold": "".join(chr(0x1D7CE + i) for i in range(10)),
}
"""Digits that are not ASCII (``str.isdigit`` says yes to all, ``int`` to all but superscripts)."""
UNICODE_DIGITS = ("\u00b2", "\u0663", "\uff13", "\U0001d7d1")
"""Superscript two, Arabic-Indic three, fullwidth three, mathematical bold three."""
GEN13 = "GEN-13: "
# literal -> why it must be refused (None: a valid JSON number in the double range)
NUMBERS: tuple[tuple[bytes, str | None], ...] = (
    (b"1e308", None),
    (b"-1e308", None),
    (b"1.7976931348623157e308", None),
    (b"1e-400", None),
    (b"-0", None),
    (b"-0.0", None),
    (b"9007199254740993", None),
    (b"18446744073709551616", None),
    (b"-9223372036854775809", None),
    (b"1e400", GEN13 + "a number outside the double range"),
    (b"-1e400", GEN13 + "a number outside the double range"),
    (b"1" + b"0" * 309, GEN13 + "an integer outside the double range"),
    (b"9" * 1000, GEN13 + "an integer outside the double range"),
    (b"9" * 4301, GEN13 + "an integer outside the double range"),
    (b"-" + b"9" * 5000, GEN13 + "an integer outside the double range"),
    (b"NaN", GEN13 + "NaN is not JSON"),
    (b"Infinity", GEN13 + "Infinity is not JSON"),
    (b"-Infinity", GEN13 + "-Infinity is not JSON"),
    (b"+1", "GEN-9: malformed JSON number"),
    (b"01", "GEN-9: malformed JSON number"),
    (b".5", "GEN-9: malformed JSON number"),
    (b"0x10", "GEN-9: malformed JSON number"),
)
EXTREMES = (1e308, -1e308, 1.7976931348623157e308, 8.98846567431158e307)
TYPE_SAMPLES: tuple[Any, ...] = (None, True, False, 0, -1, 1.5, "", "x", "1", [], [1], ["x"], {}, {"id": 1})
INVALID_ITEMS: tuple[Any, ...] = ("1", 1, None, {}, [], "", "x" * 10, -1, True, 1e308)
STRING_EDGES = (
    "   ",
    "\t\n",
    "\u0000",
    "e\u0301" * 300,
    "\u202eevil",
    "\u200b",
    "😀" * 50,
    "null",
    "NaN",
    "-0",
    "1e400",
    "2025-02-30",
    "2025-13-01",
    "0000-00-00",
    "+002025-01-01",
    "2025-1-1",
    "2025-01-01T00:00:00Z",
    "%00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
)
HOSTILE_IDS: tuple[Any, ...] = (
    "9" * 30,
    10**30,
    -1,
    0,
    1.5,
    True,
    *UNICODE_DIGITS,
    "1/../2",
    "1%2f2",
    " 1",
    "0x1",
    "1e3",
    "00000000-0000-0000-0000-000000000000",
    "{00000000-0000-4000-8000-000000000000}",
)
ID_FIELD = re.compile(r"(^id$|_id$|Id$|_ids$|Ids$)")
