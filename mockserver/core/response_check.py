"""The response check: does an answer match what its operation documents (GEN-10)?

The validation proxy runs it on every upstream answer. The tests check the mock's own answers
with openapi-core instead, an engine this project did not write, so a bug here cannot hide a
bug of the mock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mockserver.core.operations import Operation
from mockserver.core.strict import strict_json_problems, strict_json_text
from mockserver.core.violations import Code, Violation


def response_violations(
    op: Operation, status: int, headers: Mapping[str, str], body: bytes
) -> list[Violation]:
    """Every way this answer breaks ``op``'s documented responses; ``headers`` by lower-case
    name. Each violation carries the answer's status and a ``response`` location."""
    key = op.response_key(status)
    if key is None:
        message = f"Status {status} is not documented for this operation"
        return [Violation(status, Code.INVALID, message, location="response", keyword="responses")]
    found = _missing_headers(op.responses[key], headers, status)
    bodies = op.response_bodies.get(key, {})
    if not bodies:
        return found
    if not body:
        return [
            *found,
            _in_response(status, "The spec documents a body for this status; the response has none"),
        ]
    media = (headers.get("content-type") or "").partition(";")[0].strip().lower()
    schema = bodies.get(media) or next((s for m, s in bodies.items() if _covers(m, media)), None)
    if schema is None:
        documented = ", ".join(bodies)
        message = (
            f"Content-Type {media or '(none)'} is not documented for this status (documented: {documented})"
        )
        return [*found, _in_response(status, message, "Content-Type", "response header", Code.INVALID)]
    if "json" not in media:
        return found
    try:
        value: Any = json.loads(body)
    except ValueError as exc:
        return [*found, _in_response(status, f"Unreadable body: {exc}", code=Code.BAD_JSON)]
    except RecursionError:
        return [*found, _in_response(status, "Unreadable body: nested too deeply", code=Code.BAD_JSON)]
    if strict_json_text(value) is None:  # NaN, 1e400, a lone surrogate: a strict client stops here
        unsendable = [
            _in_response(status, f"Not strict JSON (GEN-13): {problem}", code=Code.BAD_JSON)
            for problem in strict_json_problems(value, limit=10)
        ]
        if unsendable:
            return [*found, *unsendable]
    return found + [
        Violation(
            v.status, v.code, v.message, v.field, location="response", keyword=v.keyword, params=v.params
        )
        for v in schema.violations(value, status)
    ]


def _covers(documented: str, media: str) -> bool:
    """A media range of the spec (``application/*``, ``*/*``) covers ``media``."""
    kind, _, sub = documented.partition("/")
    got_kind, _, _got_sub = media.partition("/")
    return sub == "*" and kind in ("*", got_kind)


def _missing_headers(
    documented: Mapping[str, Any], headers: Mapping[str, str], status: int
) -> list[Violation]:
    return [
        _in_response(status, f"Missing response header '{name}'", name, "response header", keyword="required")
        for name, header in (documented.get("headers") or {}).items()
        if isinstance(header, Mapping) and header.get("required") and name.lower() not in headers
    ]


def _in_response(
    status: int,
    message: str,
    field: str | None = None,
    location: str = "response",
    code: Code = Code.SCHEMA,
    keyword: str | None = None,
) -> Violation:
    return Violation(status, code, message, field, location=location, keyword=keyword)
