"""Hostile admin calls: mutated state documents for ``PUT /__admin/state/{vendor}`` and mutated
fault definitions for ``POST /__admin/faults``, with the rules a fault must meet to be stored.

The fault rules are the admin spec's ``FaultInput`` schema (read from the server's own
``/__admin/openapi.json``) plus what HTTP itself requires of the answer a fault will produce: a
final status (200-599), header names that are tokens, header values without control characters
and in latin-1, and no header that rewrites the answer's framing (``Content-Length``,
``Transfer-Encoding``).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from typing import Any

from openapi_schema_validator import OAS30WriteValidator

from contracts._hostile_bodies import UNREPRESENTABLE, BodyContext, Mutation, mutate_body, where
from contracts._hostile_json import each_string, encode, nodes, replace_at
from contracts._hostile_values import UNICODE_DIGITS
from mockserver.core.strict import has_lone_surrogate

__all__ = ["FAULT_BASES", "fault_problem", "mutate_fault", "mutate_state"]

FAULT_BASES: tuple[dict[str, Any], ...] = (
    {"method": "GET", "path": "/*", "status": 503, "times": 1},
    {"status": 429, "headers": {"Retry-After": "1"}, "times": 2},
    {"status": 502, "body": {"error": "bad gateway"}, "headers": {"X-Upstream": "down"}},
    {"action": "latency", "latency_ms": [0, 5]},
    {"action": "fuzz", "seed": 7, "times": 1},
    {"action": "truncate", "times": 1},
)
"""Valid faults to start from (the admin spec's examples are added to these)."""
FAULT_VALUES: dict[str, tuple[Any, ...]] = {
    "status": (100, 101, 199, 0, 99, 600, 1000, -1, 2**63, 2**64, "500", True, None, 204, 304),
    "headers": (
        {"X-Nul": "a\x00b"},
        {"Content-Length": "0"},
        {"content-length": "999999"},
        {"Transfer-Encoding": "chunked"},
        {"X-A": "a\r\nX-Injected: 1"},
        {"X A": "v"},
        {"": "v"},
        {"X-Snow": "☃"},
        {"X-Long": "a" * 8000},
        {"X-A": 1},
        {"X-A": None},
        {"X-Del": "a\x7fb"},
        {"X-Tab": "a\tb"},
        {"X-Latin": "caf\xe9"},
        {"Content-Type": "text/html"},
        {"Retry-After": "-1"},
    ),
    "latency_ms": ([500, 100], [-1, 5], [0, 60_001], 60_001, -1, [1, 2, 3], [], True, "100", [1.5, 2]),
    "times": (0, -1, 2**64, "1", True, 1.5),
    "seed": (2**64, -1, "x", True, 1.5),
    "action": ("STATUS", "", "explode", None, ["status"]),
    "vendor": ("WETHOD", "", "../x", "personio\x00", 1),
    "method": ("get", "", "GET\x00", "G E T", 1),
    "path": ("", "\x00", "*" * 10_000, "[", "[!", "a" * 100_000, None),
    "body": ({"a": [1] * 10_000}, "x" * 100_000, [], None),
    "id": ("1",),
}
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_BAD_VALUE_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})


def mutate_state(rng: random.Random, document: Any, limit: int) -> Mutation:
    """The vendor's state document with one hostile change: a record field of another type or
    an extreme value, a hostile record id, or any body mutation three levels deep (collection,
    id, field) that leaves the ids alone."""
    roll = rng.random()
    if roll < 0.2:
        return record_id(rng, document)
    if roll < 0.6:
        return record_field(rng, document)
    return mutate_body(
        rng, document, BodyContext(limit=limit, field_depth=3, fixed=frozenset(_id_fields(document)))
    )


def _id_fields(document: Any) -> list[tuple[str | int, ...]]:
    """Each record's id field: the one whose value is the record's key."""
    return [
        (collection, key, name)
        for (collection, key), record in _records(document)
        for name, value in record.items()
        if str(value) == str(key)
    ]


def _records(document: Any) -> list[tuple[tuple[Any, Any], dict[str, Any]]]:
    return [((p[0], p[1]), v) for p, v in nodes(document) if len(p) == 2 and isinstance(v, dict)]


REFERENCE = re.compile(r"(^id$|_id$|Id$|_ids$|Ids$|^name$|^code$|^key$|^slug$|^email$|^token$)")
"""Fields a vendor likely indexes or follows (uniqueness, references): where a wrong type hurts."""
RECORD_VALUES: tuple[Any, ...] = (
    [1],
    {"id": 1},
    [],
    {},
    None,
    True,
    "1",
    1.5,
    -1,
    1e308,
    10**30,
    "\ud800",
    "",
)


def record_field(rng: random.Random, document: Any) -> Mutation:
    """One field of one record, an indexed-looking one half the time, set to another type or an
    extreme (``projects["2"].pm_id = [1]``)."""
    fixed = set(_id_fields(document))
    fields = [(p, v) for p, v in nodes(document) if len(p) == 3 and p not in fixed]
    if not fields:
        return Mutation("record_field", "a document without records", encode(document), document)
    referenced = [f for f in fields if isinstance(f[0][2], str) and REFERENCE.search(f[0][2])]
    path, _ = rng.choice(referenced if referenced and rng.random() < 0.5 else fields)
    new = rng.choice(RECORD_VALUES)
    value = replace_at(document, path, new)
    reject = "GEN-13: a lone surrogate" if new == "\ud800" else None
    return Mutation("record_field", f"{where(path)} = {json.dumps(new)}", encode(value), value, reject)


HOSTILE_RECORD_IDS: tuple[Any, ...] = (
    *UNICODE_DIGITS,
    "9" * 5000,
    10**400,
    "",
    " ",
    "-1",
    "1.5",
    "\ud800",
    "a/b",
    "%2f",
    "..",
    "01",
    2**64,
)


def record_id(rng: random.Random, document: Any) -> Mutation:
    """A record stored under a hostile id (its key and its id field agree, as ``load`` wants)."""
    records = _records(document)
    new_id = rng.choice(HOSTILE_RECORD_IDS)
    if not records:
        return Mutation("record_id", "an empty document", encode(document), document)
    (collection, key), record = rng.choice(records)
    id_field = next((f for f, v in record.items() if str(v) == str(key)), "id")
    moved = {**record, id_field: new_id}
    rest = {k: v for k, v in document[collection].items() if k != key}
    value = {**document, collection: {**rest, str(new_id): moved}}
    shown = json.dumps(new_id) if len(str(new_id)) <= 20 else f"a {len(str(new_id))}-digit number"
    reject = None
    if isinstance(new_id, int) and abs(new_id) > 1.8e308:
        reject = "GEN-13: an integer outside the double range"
    elif any(0xD800 <= ord(c) <= 0xDFFF for c in str(new_id)):
        reject = "GEN-13: a lone surrogate"
    recipe = f"{where((collection, key))} moved to id {shown} ({id_field})"
    return Mutation("record_id", recipe, encode(value), value, reject)


def mutate_fault(
    rng: random.Random, base: Mapping[str, Any], schema: Mapping[str, Any] | None, limit: int
) -> Mutation:
    """A hostile fault definition; ``reject`` says which fault rule it breaks, if any."""
    if rng.random() < 0.5:
        name = rng.choice(list(FAULT_VALUES))
        new = rng.choice(FAULT_VALUES[name])
        value = replace_at(dict(base), (name,), new)
        shown = json.dumps(new)
        recipe = f"{name} = {shown if len(shown) <= 60 else shown[:57] + '...'}"
        mutation = Mutation("fault_field", recipe, encode(value), value)
    else:
        properties = (schema or {}).get("properties", {})
        mutation = mutate_body(rng, dict(base), BodyContext(properties=properties, limit=limit))
    if mutation.reject is None and mutation.value is not UNREPRESENTABLE:
        reason = fault_problem(mutation.value, schema)
        if reason is not None:
            mutation = Mutation(mutation.kind, mutation.recipe, mutation.body, mutation.value, reason)
    return mutation


def fault_problem(fault: Any, schema: Mapping[str, Any] | None) -> str | None:
    """Why the admin API must refuse this fault, or None when it may store it."""
    if any(has_lone_surrogate(s) for s in each_string(fault)):
        return "GEN-13: a lone surrogate"
    if schema is not None:
        error = next(iter(OAS30WriteValidator(schema).iter_errors(fault)), None)
        if error is not None:
            return f"not a FaultInput: {error.message[:120]}"
    if not isinstance(fault, Mapping):
        return "a fault is a JSON object"
    status = fault.get("status")
    if isinstance(status, int) and not isinstance(status, bool) and not 200 <= status <= 599:
        return f"status {status} is not a final HTTP status (200-599)"
    if fault.get("action", "status") == "status" and status is None:
        return "a status fault needs a status"
    headers = fault.get("headers")
    for name, value in headers.items() if isinstance(headers, Mapping) else ():
        if not _TOKEN.match(name):
            return f"header name {name!r} is not an HTTP token"
        if name.lower() in FRAMING_HEADERS:
            return f"header {name} would rewrite the answer's framing"
        if isinstance(value, str) and (_BAD_VALUE_CHAR.search(value) or not _latin1(value)):
            return f"header {name} has a value HTTP cannot carry: {value[:40]!r}"
    latency = fault.get("latency_ms")
    pair = isinstance(latency, list) and len(latency) == 2 and all(isinstance(v, int) for v in latency)
    if pair and isinstance(latency, list) and latency[0] > latency[1]:
        return f"latency range {latency} runs backwards"
    return None


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
