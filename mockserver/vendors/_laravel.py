"""Laravel's wording and formats, for any vendor whose API is a Laravel application (ZEP).

Only what the framework itself produces: its English validation messages, the 422 envelope,
its plain error texts, Carbon's JSON timestamps, Eloquent's decimal cast and the
LengthAwarePaginator's links and meta. Vendor rules and vendor texts stay in the vendor module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any
from urllib.parse import urlencode

from mockserver.core.values import Reply
from mockserver.core.violations import Code, Violation
from mockserver.vendors._common import iso_z

MESSAGES: Mapping[Code, str] = {
    Code.UNAUTHORIZED: "Unauthenticated.",
    Code.FORBIDDEN: "This action is unauthorized.",
    Code.ROUTE_NOT_FOUND: "The route could not be found.",
    Code.METHOD_NOT_ALLOWED: "The method is not supported for this route.",
    Code.INTERNAL: "Server Error",
    Code.RATE_LIMITED: "Too Many Attempts.",  # ThrottleRequestsException
}
TYPES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an array",
}


def timestamp(moment: datetime) -> str:
    """Carbon's JSON form of a timestamp column: ``2025-03-01T12:00:00.000000Z``. The column
    keeps whole seconds (MySQL's TIMESTAMP), so the microseconds read back are always zero, as
    every ZEP page shows (ZEP-7)."""
    return iso_z(moment.replace(microsecond=0), 6)


def decimal(value: Any, places: int = 2) -> str | None:
    """Eloquent's ``decimal:<places>`` cast: ``500`` -> ``"500.00"``, rounding half up."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        try:  # stored strings may carry the column's full scale ("500.0000000000")
            return format(Decimal(str(value)), f".{places}f")
        except InvalidOperation:
            return None


def throttle_headers(limit: int, retry_after: int, now: datetime) -> dict[str, str]:
    """The headers of a 429 from Laravel's ``ThrottleRequests`` middleware."""
    return {
        "Retry-After": str(retry_after),
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(now.timestamp()) + retry_after),
    }


def attribute(field: str) -> str:
    """Laravel's display name of an attribute: ``end_date`` -> ``end date``."""
    return field.replace("_", " ")


def message_reply(v: Violation, messages: Mapping[Code, str] = MESSAGES) -> Reply:
    """``{"message": ...}``, the body of every Laravel error that is not a validation error."""
    text = route_message(v) or messages.get(v.code)
    if text is None:  # the core's own text, as a sentence
        text = v.message[:1].upper() + v.message[1:]
        text = text if text.endswith(".") else text + "."
    status = 500 if v.code is Code.INTERNAL else v.status  # Laravel renders any crash as a 500
    return Reply(status, {"message": text})


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _describe(branch: Mapping[str, Any]) -> str:
    """One ``oneOf`` branch in words: "a string of at most 32 characters"."""
    text = TYPES.get(str(branch.get("type")), "a value")
    if "maxLength" in branch:
        text += f" of at most {branch['maxLength']} characters"
    if "minimum" in branch:
        text += f" of at least {_num(branch['minimum'])}"
    return text


def schema_message(v: Violation, date_formats: Mapping[str, str]) -> str:
    """A schema violation in Laravel's words; ``date_formats`` maps a pattern to its PHP format."""
    a, limit = attribute(v.field or ""), v.params.get("limit")
    wording = {
        "required": f"The {a} field is required.",
        "maxLength": f"The {a} field must not be greater than {limit} characters.",
        "minimum": f"The {a} field must be at least {_num(limit)}.",
        "maximum": f"The {a} field must not be greater than {_num(limit)}.",
        "enum": f"The selected {a} is invalid.",
    }
    if v.keyword in wording:
        return wording[v.keyword]
    if v.keyword == "type":
        return f"The {a} field must be {TYPES.get(str(limit), str(limit))}."
    if v.keyword == "minLength":
        # Laravel turns "" into null, which then fails the field's `string` rule.
        if v.params.get("value") == "":
            return f"The {a} field must be a string."
        return f"The {a} field must be at least {limit} characters."
    if v.keyword == "pattern" and isinstance(limit, str) and limit in date_formats:
        return f"The {a} field must match the format {date_formats[limit]}."
    if v.keyword == "format" and limit == "date":
        return f"The {a} field must be a valid date."
    if v.keyword == "oneOf" and isinstance(limit, list):
        return f"The {a} field must be " + " or ".join(_describe(b) for b in limit) + "."
    return f"The {a} field is invalid."


def _field_message(v: Violation, date_formats: Mapping[str, str]) -> str:
    if v.code is Code.SCHEMA:
        return schema_message(v, date_formats)
    if v.code is Code.UNKNOWN_FIELD:
        return f"The {attribute(v.field or '')} field is prohibited."
    return v.message  # business rules word their own Laravel text


def validation_body(
    violations: Sequence[Violation], order: Sequence[str], date_formats: Mapping[str, str]
) -> dict[str, Any]:
    """The 422 envelope: errors by field in rule order, message = first + "(and N more errors)".

    ``order`` lists the top-level fields in the order of the validator's rules; others follow.
    """
    rank = {name: i for i, name in enumerate(order)}
    patterned = {v.field for v in violations if v.keyword == "pattern"}
    ranked = sorted(violations, key=lambda v: rank.get((v.field or "").split(".")[0], len(rank)))
    errors: dict[str, list[str]] = {}
    unlisted = 0
    for v in ranked:
        if v.code is Code.TOO_MANY:  # GEN-5's cap: counted in the message, as Laravel counts
            unlisted = 1
            continue
        if v.keyword == "format" and v.field in patterned:
            continue  # "2024-1-1": date_format's message says it all, as Laravel's does
        texts = errors.setdefault(v.field or "", [])
        text = _field_message(v, date_formats)
        if text not in texts:
            texts.append(text)
    every = [text for texts in errors.values() for text in texts]
    message = every[0]
    if len(every) + unlisted > 1:
        more = len(every) - 1 + unlisted
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return {"message": message, "errors": errors}


def paginator(
    path: str, query: Sequence[tuple[str, str]], total: int, per_page: int, current: int, count: int
) -> dict[str, Any]:
    """A LengthAwarePaginator's ``links`` and ``meta`` for the page at absolute URL ``path``
    (Laravel's ``path`` is the full URL), queried with ``query`` as the client sent it: every
    filter stays, ``page`` comes last, as ``withQueryString()`` renders them."""
    kept = [(k, v) for k, v in query if k != "page"]

    def url(page: int) -> str:
        return f"{path}?{urlencode([*kept, ('page', str(page))])}"

    last = max((total + per_page - 1) // per_page, 1)
    prev_url = url(current - 1) if current > 1 else None
    next_url = url(current + 1) if current < last else None
    links: list[dict[str, Any]] = [{"url": prev_url, "label": "&laquo; Previous", "active": False}]
    for page in _window(current, last):
        if page is None:
            links.append({"url": None, "label": "...", "active": False})
        else:
            links.append({"url": url(page), "label": str(page), "active": page == current})
    links.append({"url": next_url, "label": "Next &raquo;", "active": False})
    first_item = (current - 1) * per_page + 1 if count else None
    return {
        "links": {"first": url(1), "last": url(last), "prev": prev_url, "next": next_url},
        "meta": {
            "current_page": current,
            "from": first_item,
            "last_page": last,
            "links": links,
            "path": path,
            "per_page": per_page,
            "to": first_item + count - 1 if first_item else None,
            "total": total,
        },
    }


def _window(current: int, last: int, side: int = 3) -> list[int | None]:
    """Laravel's UrlWindow: every page when few, else both ends plus a slider (None = "...")."""
    if last < side * 2 + 8:
        return list(range(1, last + 1))
    window = side + 4
    if current <= window:
        return [*range(1, window + side + 1), None, last - 1, last]
    if current > last - window:
        return [1, 2, None, *range(last - (window + side - 1), last + 1)]
    return [1, 2, None, *range(current - side, current + side + 1), None, last - 1, last]


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
"""How Laravel lists a route's methods: a GET route takes HEAD too, right after it; the rest in
the order a resource route registers them (ours: the order of ZEP's routes is not shown)."""


def route_message(v: Violation) -> str | None:
    """Laravel's words for a path no route takes and for a method the route does not take, as
    recorded from ZEP (``AbstractRouteCollection``): they name ``$request->path()``, the path
    as sent without its slashes, and the route's methods. None without the call's path."""
    path = str(v.params.get("path") or "").strip("/") or "/"
    if not v.params.get("method"):
        return None
    if v.code is Code.ROUTE_NOT_FOUND:  # no route, or an id too long for any (GEN-13)
        return f"The route {path} could not be found."
    if v.code is Code.METHOD_NOT_ALLOWED:
        allowed = set(v.params.get("allowed") or ())
        if "GET" in allowed:
            allowed.add("HEAD")
        listed = ", ".join(m for m in _METHOD_ORDER if m in allowed)
        return (
            f"The {v.params['method']} method is not supported for route {path}. Supported methods: {listed}."
        )
    return None
