"""The one request check: security, parameters and body of a routed call, every violation
collected (up to GEN-5's cap) and none raised, so the pipeline answers them in GEN-6's order.

The mock and the proxy both run it, so they give the same verdict on the same call.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl

from mockserver.core.operations import Operation, Parameter, Route
from mockserver.core.schema import BadJSONError, BodySchema, parse_json, undocumented_field
from mockserver.core.values import Identity
from mockserver.core.violations import Code, Violation

MAX_FORM_FIELDS: Final = 100  # token requests carry four; the body's size is already capped (413)

NO_ROUTE: Final = "The requested route does not exist."
NOT_ALLOWED: Final = "This method is not allowed on this route."
NO_TOKEN: Final = "No authorization token provided"
BAD_HEADER: Final = "Invalid authorization header"
BAD_TOKEN: Final = "Provided token is not valid"


@dataclass(frozen=True)
class Policy:
    """What the check needs from the vendor of the call."""

    query_status: int = 400
    validation_status: int = 400
    decode_body: Callable[[Any], Any] = lambda body: body


@dataclass(init=False)
class Checked:
    """A call as the check found it. ``refusal`` is a problem answered before any rule runs (a
    401 of GEN-8, a 415 of GEN-9); the other violations wait for the pipeline."""

    refusal: Violation | None = None
    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    body_schema: BodySchema | None = None
    identity: Identity | None = None
    param_violations: list[Violation] = field(default_factory=list)
    body_violations: list[Violation] = field(default_factory=list)
    unknown_params: list[Violation] = field(default_factory=list)

    # init=False and __init__ by hand: mypyc compiles this one, not the one dataclasses generates
    # (made once per call, it was a twentieth of the mock's time under load)
    def __init__(self) -> None:
        self.refusal = None
        self.path_params = {}
        self.query = {}
        self.body = None
        self.has_body = False
        self.body_schema = None
        self.identity = None
        self.param_violations = []
        self.body_violations = []
        self.unknown_params = []


def route_violation(route: Route, method: str = "", path: str = "") -> Violation:
    """Why a call reached no operation (GEN-9): no route (404), a method the route does not take
    (405), or an integer path id no vendor could hold (404, GEN-13: every id fits in 64 bits).
    ``params`` carry the method, the path as sent and the methods the route takes, for vendors
    whose framework words them (Laravel names the route and its methods)."""
    params = {"method": method, "path": path, "allowed": list(route.allowed)}
    if route.too_long is not None:
        message = f"Path parameter '{route.too_long}' is too long to be an id"
        field = route.too_long
        return Violation(
            404, Code.ROUTE_NOT_FOUND, message, field=field, location="path", rule="GEN-13", params=params
        )
    if route.allowed:
        return Violation(405, Code.METHOD_NOT_ALLOWED, NOT_ALLOWED, rule="GEN-9", params=params)
    return Violation(404, Code.ROUTE_NOT_FOUND, NO_ROUTE, rule="GEN-9", params=params)


def check_request(
    op: Operation,
    path_params: Mapping[str, str],
    query_string: str,
    headers: Mapping[str, str],
    body: bytes,
    policy: Policy,
    identify: Callable[[str], Identity | None],
) -> Checked:
    """``headers`` must answer lower-case names; ``query_string`` is the raw query; ``identify``
    looks a bearer token up in the caller's session."""
    checked = Checked()
    if op.bearer:
        identity, problem = _bearer(_header(headers, "authorization"), identify)
        if problem is not None:
            checked.refusal = Violation(401, Code.UNAUTHORIZED, problem, rule="GEN-8")
            return checked
        checked.identity = identity
    _check_parameters(op, path_params, query_string, headers, policy, checked)
    if op.bodies:
        media = _media_type(_header(headers, "content-type")) or next(iter(op.bodies))
        schema = op.bodies.get(media)
        coding = _coding(headers) if body else None
        if schema is None or coding is not None:
            accepted = list(op.bodies)
            message = (
                f"Invalid Content-type ({media}), expected {accepted}"
                if coding is None
                else f"The body is sent {coding}; this API reads it as sent, unencoded"
            )
            checked.refusal = Violation(
                415, Code.UNSUPPORTED_MEDIA_TYPE, message, rule="GEN-9", params={"accepted": accepted}
            )
            return checked
        _check_body(schema, media, op.body_required, body, policy, checked, _header(headers, "content-type"))
    elif body:  # never read, as the vendor's server would not read it; but a client bug (GEN-7)
        checked.unknown_params.append(undocumented_body(policy.validation_status))
    return checked


def _bearer(
    authorization: str | None, identify: Callable[[str], Identity | None]
) -> tuple[Identity | None, str | None]:
    if not authorization:
        return None, NO_TOKEN
    parts = authorization.split(None, 1)
    if len(parts) < 2:
        return None, BAD_HEADER
    scheme, token = parts
    if scheme.lower() != "bearer":
        return None, NO_TOKEN
    identity = identify(token)
    return (identity, None) if identity is not None else (None, BAD_TOKEN)


_DICT_GET: Final = dict.get
"""Called as a plain function, it is the dict's own lookup even on a subclass: the web layer's
header dict answers any case through an overridden ``get``, which costs a Python-level call."""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """The header ``name`` (lower-case, as ``headers`` keys them)."""
    if isinstance(headers, dict):
        return _DICT_GET(headers, name)
    return headers.get(name)


def _coding(headers: Mapping[str, str]) -> str | None:
    """A content or transfer coding of the body other than identity and chunked framing, which
    no vendor documents for requests: the bytes would be read as JSON while compressed."""
    content = (_header(headers, "content-encoding") or "").strip().lower()
    if content and content != "identity":
        return f"with Content-Encoding {content}"
    transfer = _header(headers, "transfer-encoding")
    if transfer is not None:
        codings = [c.strip().lower() for c in transfer.split(",") if c.strip()]
        other = [c for c in codings if c not in ("chunked", "identity")]
        if other:
            return f"with Transfer-Encoding {', '.join(other)}"
    return None


def _media_type(content_type: str | None) -> str | None:
    """The media type, lower-cased (RFC 9110 8.3.1), without its parameters."""
    if not content_type:
        return None
    return content_type.partition(";")[0].strip().lower() or None


# -- parameters -----------------------------------------------------------------------------------
_INTEGER: Final = re.compile(r"[+-]?[0-9]+")
_BOOLEANS: Final = {"true": True, "false": False}


def _check_parameters(
    op: Operation,
    path_params: Mapping[str, str],
    query_string: str,
    headers: Mapping[str, str],
    policy: Policy,
    checked: Checked,
) -> None:
    found = checked.param_violations
    for param in op.path_params:
        value = _coerce(param.type, path_params.get(param.name))
        checked.path_params[param.name] = value
        found.extend(_violations(param, value, 400))
    raw_query: dict[str, list[str]] = {}
    if query_string:  # most calls have none; parse_qsl costs a few µs even on ""
        for name, value in parse_qsl(query_string, keep_blank_values=True):
            raw_query.setdefault(name, []).append(value)
    documented = op.documented_query
    for param in op.query_params:
        values = raw_query.get(param.name)
        if values is None:
            found.extend(_violations(param, None, policy.query_status))
            continue
        value = _query_value(param, values)
        if not _ascii_integers(param, value):
            found.append(_not_an_integer(param.name, policy.query_status))
            continue
        value = _coerce_query(param, value)
        checked.query[param.name] = value
        found.extend(_violations(param, value, policy.query_status))
    for name, values in raw_query.items():
        if name not in documented:
            checked.query[name] = values
            checked.unknown_params.append(undocumented_parameter(name, policy.query_status))
    for param in op.header_params:
        found.extend(_violations(param, _header(headers, param.name.lower()), 400))


def _query_value(param: Parameter, values: list[str]) -> str | list[str]:
    """OpenAPI's form style: an array is comma-separated, and with ``explode`` its repetitions
    are joined; any other parameter sent twice keeps its last value."""
    if param.type != "array":
        return values[-1]
    joined = ",".join(values) if param.explode else values[-1]
    return joined.split(",")


def _ascii_integers(param: Parameter, value: str | list[str]) -> bool:
    """Python's int() reads Arabic-Indic and fullwidth digits; the vendors' frameworks do not (GEN-13)."""
    if param.type == "integer":
        return _INTEGER.fullmatch(value) is not None  # type: ignore[arg-type]
    if param.type == "array" and param.item_type == "integer":
        return all(_INTEGER.fullmatch(v) for v in value)
    return True


def _coerce_query(param: Parameter, value: str | list[str]) -> Any:
    if isinstance(value, list):
        return [_coerce(param.item_type, v) for v in value]
    return _coerce(param.type, value)


def _coerce(kind: str | None, value: str | None) -> Any:
    """A parameter's text as its schema's type; text that is not one stays text, for the schema
    to report."""
    if value is None:
        return None
    if kind == "integer" and _INTEGER.fullmatch(value):
        try:
            return int(value)
        except ValueError:  # past Python's 4,300 digits: text, which the schema then refuses
            return value
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean":
        return _BOOLEANS.get(value.lower(), value)
    return value


def _violations(param: Parameter, value: Any, status: int) -> list[Violation]:
    name, location = param.name, param.location
    if value is None:
        if not param.required:
            return []
        message = f"Missing {location} parameter '{name}'"
        return [Violation(status, Code.SCHEMA, message, field=name, location=location, keyword="required")]
    if param.plain is not None and param.plain(value):
        return []
    return [
        Violation(
            status=status,
            code=Code.SCHEMA,
            message=f"{location} parameter '{name}': {v.message}",
            field=name,
            location=location,
            keyword=v.keyword,
            params=v.params,
        )
        for v in param.validator.violations(value, status)
    ]


def _not_an_integer(name: str, status: int) -> Violation:
    return Violation(
        status=status,
        code=Code.SCHEMA,
        message=f"query parameter '{name}': must be of type integer",
        field=name,
        location="query",
        keyword="type",
        params={"limit": "integer"},
        rule="GEN-13",
    )


def undocumented_parameter(name: str, status: int) -> Violation:
    """A query parameter the operation does not document: GEN-7 as for a body field."""
    found = undocumented_field(name, status)
    message = f"'{name}' is not a documented query parameter of this operation"
    return dataclasses.replace(found, message=message, location="query")


def undocumented_body(status: int) -> Violation:
    """A body sent to an operation that documents none: ignored, unread. A warning, or with
    ``--strict`` an error, as for an undocumented field (GEN-7): a client that sends the members
    to remove in the body of a call that removes every member otherwise passes unnoticed."""
    message = "This operation takes no request body"
    return Violation(status, Code.UNKNOWN_FIELD, message, rule="GEN-7", location="body", keyword="body")


# -- body -----------------------------------------------------------------------------------------
FORM: Final = "application/x-www-form-urlencoded"


def _check_body(
    schema: BodySchema,
    media: str,
    required: bool,
    raw: bytes,
    policy: Policy,
    checked: Checked,
    content_type: str | None = None,
) -> None:
    """Parses strictly (GEN-9, GEN-13) and validates against the whole schema (GEN-5)."""
    checked.body_schema = schema
    form = media == FORM
    if not raw.strip() and not form:  # an empty body is a missing body, or a form without fields
        if required:
            checked.body_violations.append(
                Violation(400, Code.BAD_JSON, "Request body is required", keyword="required")
            )
        return
    try:
        body = parse_form(raw) if form else parse_json(raw)
    except BadJSONError as exc:
        message = str(exc) + _charset_note(content_type)
        keyword = "form" if form else None  # which parser refused it, for the vendor's wording
        checked.body_violations.append(Violation(400, Code.BAD_JSON, message, rule=exc.rule, keyword=keyword))
        return
    body = policy.decode_body(body)
    checked.body, checked.has_body = body, True
    checked.body_violations.extend(schema.violations(body, policy.validation_status))


_CHARSET: Final = re.compile(r";\s*charset\s*=\s*\"?([^\s;\"]*)", re.IGNORECASE)


def _charset_note(content_type: str | None) -> str:
    """Why a body sent as UTF-16 or Latin-1 did not parse: the charset parameter is not read
    (RFC 8259 8.1: JSON exchanged between systems is UTF-8)."""
    found = _CHARSET.search(content_type or "")
    if found is None or found.group(1).lower() in ("utf-8", "utf8", "us-ascii"):
        return ""
    return f"; the body is read as UTF-8, whatever its charset parameter ({found.group(1)!r}) says"


def parse_form(raw: bytes) -> dict[str, Any]:
    """``application/x-www-form-urlencoded`` as strictly as JSON (GEN-13): UTF-8 only, no
    percent-encoded lone surrogate or invalid byte, at most ``MAX_FORM_FIELDS`` fields. A field
    sent twice becomes a list, so the schema (``type: string``) reports it instead of one value
    silently winning."""
    try:
        pairs = parse_qsl(
            raw.decode("utf-8").strip(),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadJSONError(f"The form body cannot be decoded: {exc}", rule="GEN-13") from None
    form: dict[str, Any] = {}
    for name, value in pairs:
        held = form.get(name)
        form[name] = value if held is None else [*(held if isinstance(held, list) else [held]), value]
    return form
