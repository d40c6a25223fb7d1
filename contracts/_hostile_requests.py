"""Hostile path ids, query strings and headers for one operation, as they go on the wire.

Values are raw request-target text (already percent-encoded, ASCII, no spaces: what an HTTP
client can send) and header values as latin-1 text (bytes 0x80-0xFF are obs-text, which HTTP
parsers pass on). Each variant says whether GEN-13 or GEN-8 leaves the server no choice but a 4xx
(``reject``) and which statuses would be wrong (``forbid``: ``APPLICATION/JSON`` is JSON, never a 415).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from contracts._hostile_values import DIGITS, UNICODE_DIGITS

__all__ = ["Param", "Variant", "header_variant", "path_variant", "query_variant"]

GEN13_DIGITS = "GEN-13: integers are ASCII digits only"
NOT_AN_ID = "GEN-13: not the fixture's id (no such record)"
BAD_TOKEN = "GEN-8: no such token"
JSON_VARIANTS = (
    "APPLICATION/JSON",
    "Application/Json",
    "application/json; charset=UTF-8",
    "application/json;charset=utf-8",
    "APPLICATION/JSON; CHARSET=UTF-8",
    "application/json ; charset=utf-8",
)
"""Spellings of the JSON media type: RFC 9110 makes type, subtype and parameter names
case-insensitive, so a 415 for these is wrong (GEN-13) where the operation takes JSON."""
FORM_VARIANTS = (
    "APPLICATION/X-WWW-FORM-URLENCODED",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "Application/X-Www-Form-Urlencoded",
)
"""The same for a form body, where the operation takes only a form (COR's token endpoints)."""
OTHER_MEDIA = (
    "application/json; charset=latin-1",
    "application/vnd.api+json",
    "application/problem+json",
    "application/merge-patch+json",
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "*/*",
    "application/*",
    "application/",
    "/",
    ";",
    "",
    "json",
    "application/json, text/plain",
    "application/jsonx",
    "application/json\xe9",
    "application/json; charset",
    "application/json; charset=",
)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    """``integer``, ``string``, ``array``, ``boolean``, ``number`` (an array's items: ``item_type``)."""
    value: str = ""
    """The fixture's value, for a path parameter."""
    item_type: str | None = None


@dataclass(frozen=True)
class Variant:
    """One hostile spelling: the text (a path segment, a query string) or headers, and its recipe."""

    recipe: str
    text: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    reject: str | None = None
    forbid: tuple[int, ...] = ()


def _utf8(text: str) -> str:
    return quote(text, safe="")


def _as_latin1(text: str) -> str:
    """Non-ASCII text as a client sends it in a header: its UTF-8 bytes, read back as latin-1."""
    return text.encode("utf-8").decode("latin-1")


def path_variant(rng: random.Random, param: Param, siblings: Sequence[str]) -> Variant:
    """A hostile value for a path parameter; ``siblings`` are the sub-routes under it
    (``members`` for ``/v2/projects/{id}``), which an encoded slash must not reach."""
    v = param.value or "1"
    family, table = rng.choice(list(DIGITS.items()))
    translated = v.translate(str.maketrans("0123456789", table)) if any(c.isdigit() for c in v) else table[3]
    choices: list[tuple[str, str, str | None]] = [
        ("9" * 20, "a 20-digit id", NOT_AN_ID),
        ("9" * 310, "a 310-digit id", NOT_AN_ID),
        ("9" * 5000, "a 5,000-digit id", NOT_AN_ID),
        ("9" * 10_000, "a 10,000-digit id", NOT_AN_ID),
        ("-1", "-1", NOT_AN_ID),
        ("0", "0", NOT_AN_ID),
        ("%2B" + v, "a plus sign first", None),  # PHP frameworks read "+42" as 42
        ("%20" + v, "a space first", GEN13_DIGITS),
        (v + "%20", "a space last", GEN13_DIGITS),
        (v + ".0", "a decimal", GEN13_DIGITS),
        ("1e3", "an exponent", GEN13_DIGITS),
        ("0x1A", "hexadecimal", GEN13_DIGITS),
        ("1_000", "digit grouping", GEN13_DIGITS),
        ("0" + v, "a leading zero", None),
        (v + "%2f" + (rng.choice(siblings) if siblings else "x"), "an encoded slash", "GEN-9: no such route"),
        ("%2f", "an encoded slash alone", NOT_AN_ID),
        ("%2F" + v, "an encoded slash first", NOT_AN_ID),
        ("..", "..", NOT_AN_ID),
        (".", ".", NOT_AN_ID),
        ("%2e%2e", "encoded ..", NOT_AN_ID),
        *((_utf8(d), f"U+{ord(d):04X}", GEN13_DIGITS) for d in UNICODE_DIGITS),
        (_utf8(translated), f"the id in {family} digits", GEN13_DIGITS),
        ("%00", "%00", NOT_AN_ID),
        (v + "%00", "the id then %00", NOT_AN_ID),
        ("%ff", "%ff (not UTF-8)", NOT_AN_ID),
        (v + "%zz", "invalid percent-encoding", NOT_AN_ID),
        ("%", "a lone %", NOT_AN_ID),
        ("%e2%82", "truncated UTF-8", NOT_AN_ID),
        ("%ED%A0%80", "an encoded surrogate", NOT_AN_ID),
        ("%EF%BF%BE", "U+FFFE", NOT_AN_ID),
        ("", "empty", None),
        (v + "/", "a trailing slash", None),
        ("/" + v, "a double slash", None),
        ("a" * 8000, "8,000 letters", NOT_AN_ID),
        (v + ";x=1", "a matrix parameter", NOT_AN_ID),
    ]
    if param.type == "string" and v.upper() != v:
        choices.append((v.upper(), "upper case", None))
    if param.type == "string":
        choices.append(("%7B" + v + "%7D", "in braces", NOT_AN_ID))
    text, label, reject = rng.choice(choices)
    return Variant(f"path {param.name} = {label}", text=text, reject=reject)


def query_variant(rng: random.Random, params: Sequence[Param]) -> Variant:
    """A hostile query string: unknown, repeated or malformed parameters, unicode digits."""
    unknown: list[tuple[str, str | None]] = [
        ("foo=bar", None),
        ("__proto__%5Bx%5D=1", None),
        ("%00=1", None),
        ("a" * 1000 + "=1", None),
        ("x=" + "y" * 8000, None),
        ("=1", None),
        ("&&&", None),
        (";", None),
    ]
    if not params or rng.random() < 0.15:
        text, reject = rng.choice(unknown)
        return Variant(f"query {text[:60]!r}", text=text, reject=reject)
    param = rng.choice(list(params))
    name = quote(param.name, safe="[]")
    digits = [*(_utf8(d) for d in UNICODE_DIGITS), "1" + _utf8(UNICODE_DIGITS[1]), _utf8("\u00b9\u00b2")]
    groups: list[list[tuple[str, str | None]]] = [
        [(d, GEN13_DIGITS) for d in digits],  # what int() and str.isdigit() disagree on
        [(d, GEN13_DIGITS) for d in digits],  # drawn twice as often: the likeliest 500
        [("%00", GEN13_DIGITS), ("%zz", GEN13_DIGITS), ("%", GEN13_DIGITS), ("%ED%A0%80", GEN13_DIGITS)],
        [("%EF%BF%BF", GEN13_DIGITS), ("1.5", GEN13_DIGITS), ("1e3", GEN13_DIGITS), ("0x10", GEN13_DIGITS)],
        [
            ("%2B1", None),
            ("%201", None),
            ("-1", None),
            ("0", None),
        ],  # PHP's integer filter takes sign and blanks
        [
            ("9" * 5000, None),
            ("a" * 8000, GEN13_DIGITS),
            ("", None),
            ("TRUE", GEN13_DIGITS),
            ("null", GEN13_DIGITS),
        ],
    ]
    value, reject = rng.choice(rng.choice(groups))
    if param.type != "integer":
        reject = None  # a string, boolean or array parameter: only "no 5xx" is certain
    shape = rng.randrange(6)
    if shape == 0:
        text = f"{name}={value}"
    elif shape == 1:
        text, reject = f"{name}=1&{name}={value}", None
    elif shape == 2:
        text, reject = "&".join([f"{name}=1"] * 1000), None
    elif shape == 3:
        text, reject = f"{name}%5B%5D={value}&{name}[0]={value}", None
    elif shape == 4:
        text, reject = f"{name}", None
    else:
        text = f"{name}={value}&{name}={value}"
    return Variant(f"query {text[:80]!r}", text=text, reject=reject)


def header_variant(
    rng: random.Random,
    headers: Sequence[tuple[str, str]],
    *,
    has_body: bool,
    vendor_headers: Sequence[str],
    takes_json: bool = True,
) -> Variant:
    """``headers`` with one hostile change: media types, credentials, the vendor's own headers,
    sizes. ``vendor_headers`` names those the vendor requires besides the token (Wethod's);
    ``takes_json``: whether the operation's body may be JSON (else it is a form)."""
    areas = [
        "authorization",
        "accept",
        "huge",
        *(["content_type"] * 3 if has_body else []),
        *(["vendor"] * 2 if vendor_headers else []),
    ]
    area = rng.choice(areas)
    kept = [(n, v) for n, v in headers]
    if area == "content_type":
        return _content_type(rng, kept, takes_json)
    if area == "authorization":
        return _authorization(rng, kept)
    if area == "vendor":
        return _vendor_header(rng, kept, rng.choice(list(vendor_headers)))
    if area == "accept":
        value = rng.choice(("text/html", "application/xml", "*/*;q=0", "application/json;q=0", "", "\xe9"))
        return Variant(f"Accept: {value!r}", headers=(*kept, ("Accept", value)))
    if rng.random() < 0.5:
        return Variant("X-Hostile: 8,000 bytes", headers=(*kept, ("X-Hostile", "a" * 8000)))
    extra = tuple((f"X-Hostile-{i}", "x" * 20) for i in range(100))
    return Variant("100 extra headers", headers=(*kept, *extra))


def _without(headers: list[tuple[str, str]], name: str) -> list[tuple[str, str]]:
    return [(n, v) for n, v in headers if n.lower() != name.lower()]


def _content_type(rng: random.Random, headers: list[tuple[str, str]], takes_json: bool) -> Variant:
    rest = _without(headers, "content-type")
    roll = rng.random()
    if roll < 0.45:  # a spelling of what the operation takes: never a 415 (found: COR's token form)
        value = rng.choice(JSON_VARIANTS if takes_json else FORM_VARIANTS)
        return Variant(f"Content-Type: {value}", headers=(*rest, ("Content-Type", value)), forbid=(415,))
    if roll < 0.8:
        value = rng.choice(OTHER_MEDIA)
        return Variant(f"Content-Type: {value!r}", headers=(*rest, ("Content-Type", value)))
    if roll < 0.9:
        return Variant("no Content-Type", headers=tuple(rest))
    other = rng.choice(("application/json", "text/plain", "APPLICATION/JSON"))
    pair = (("Content-Type", "application/json"), ("Content-Type", other))
    return Variant(f"two Content-Type headers: application/json and {other}", headers=(*rest, *pair))


def _authorization(rng: random.Random, headers: list[tuple[str, str]]) -> Variant:
    current = next((v for n, v in headers if n.lower() == "authorization"), "Bearer test-token")
    token = current.partition(" ")[2]
    rest = _without(headers, "authorization")
    choices: list[tuple[str | None, str | None]] = [
        (None, BAD_TOKEN),
        ("", BAD_TOKEN),
        ("Bearer", BAD_TOKEN),
        ("Bearer ", BAD_TOKEN),
        ("Basic dGVzdDp0ZXN0", BAD_TOKEN),
        ("Bearer " + "x" * 8000, BAD_TOKEN),
        (f"Bearer {token}-unknown", BAD_TOKEN),
        (f"Token {token}", BAD_TOKEN),
        (f"Bearer {token}\xe9", BAD_TOKEN),
        (f"Bearer {_as_latin1(token.upper() + 'ﬁ')}", BAD_TOKEN),
        (f"bearer {token}", None),
        (f"BEARER {token}", None),
        (f"Bearer  {token}", None),
        (f"Bearer {token} ", None),
        (f"Bearer\t{token}", None),
        (f"Bearer {token}, Bearer other", None),
    ]
    value, reject = rng.choice(choices)
    if value is None:
        return Variant("no Authorization", headers=tuple(rest), reject=reject)
    if rng.random() < 0.1:
        pair = (("Authorization", current), ("Authorization", value))
        return Variant(f"two Authorization headers, the second {value[:40]!r}", headers=(*rest, *pair))
    return Variant(f"Authorization: {value[:60]!r}", headers=(*rest, ("Authorization", value)), reject=reject)


def _vendor_header(rng: random.Random, headers: list[tuple[str, str]], name: str) -> Variant:
    current = next((v for n, v in headers if n.lower() == name.lower()), "")
    rest = _without(headers, name)
    digits = current.translate(str.maketrans("0123456789", DIGITS["fullwidth"]))
    choices: list[tuple[str, tuple[tuple[str, str], ...]]] = [
        ("missing", ()),
        ("empty", ((name, ""),)),
        ("twice", ((name, current), (name, current + "x"))),
        ("8,000 bytes", ((name, "a" * 8000),)),
        ("obs-text", ((name, current + "\xe9"),)),
        ("fullwidth digits (UTF-8)", ((name, _as_latin1(digits)),)),
        ("upper case", ((name, current.upper()),)),
        ("padded", ((name, f"  {current}  "),)),
        ("a date that does not exist", ((name, "2024-02-30"),)),
    ]
    label, added = rng.choice(choices)
    return Variant(f"{name}: {label}", headers=(*rest, *added))
