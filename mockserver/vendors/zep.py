"""ZEP "next" REST API: projects (``PATCH /api/v1/projects/{id}``) and their neighbours.

Sources: the seed (developer.zep.de .../projects/update), ``shared/vendors/zep.md`` and the
decisions written into ``specs/zep.yaml``. ZEP is a Laravel application, so errors are Laravel's
envelopes and English validation texts (ZEP-1), and every schema and business error of one
request is answered in one 422 (GEN-5), keyed by field in the order of the spec's properties.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any, ClassVar
from urllib.parse import urlencode

from mockserver.core.change import Change
from mockserver.core.checks import merged_pair, missing_references, normalized, taken_by_other
from mockserver.core.pipeline import Context, Reply
from mockserver.core.rules import RuleRegistry
from mockserver.core.spec import load_spec
from mockserver.core.store import CollectionSpec, Record
from mockserver.core.vendor import SPECS_DIR, Handler, Sample, Vendor
from mockserver.core.violations import Code, Phase, Rejection, Violation
from mockserver.vendors._common import as_int, iso_z

WRITES = ("updateProject", "createProject")
READ, WRITE = "projects:read", "projects:write"
PER_PAGE = 15  # Laravel's paginator default; the list page documents limit 1..100

_SCHEMAS = load_spec(SPECS_DIR / "zep.yaml")["components"]["schemas"]
WRITABLE: tuple[str, ...] = tuple(_SCHEMAS["ProjectUpdate"]["properties"])
"""The body fields of update and create, in the spec's order (also the order of ``errors``)."""
_RANK = {name: rank for rank, name in enumerate(WRITABLE)}
DATE_PATTERN = _SCHEMAS["Date"]["pattern"]

NON_NEGATIVE = ("plan_hours", "plan_expenses", "plan_wage", "plan_expenses_travel",
                "plan_hours_children", "plan_hours_per_day", "plan_warning_percent",
                "plan_warning_percent_2", "plan_warning_percent_3")
LENGTHS = ("description", "location_address", "location_city", "location_state",
           "location_country", "cost_object", "cost_object_identifier", "revenue_account",
           "customer_project_reference", "project_status_id", "url", "reference_commission",
           "reference_procurement", "reference_object", "reference_order")
REFERENCES = {
    "department_id": "departments",
    "customer_id": "customers",
    "customer_contact_id": "customer_contacts",
    "customer_billing_address_id": "customer_addresses",
    "customer_shipping_address_id": "customer_addresses",
    "currency": "currencies",
    "language": "languages",
    "project_status_id": "project_statuses",
}
DECIMALS = frozenset({*NON_NEGATIVE, "plan_hours_done", "plan_hours_invoiced",
                      "plan_wage_children", "travel_flat_rate"})
# Enum-coded integers come back as {id, name} (ZEP's Project schema). Documented are only
# billing_type 1 "Hourly", billability 1 "Billable" (spec examples) and plan_can_exceed 2; the
# other names are ours, and an integer without a name here is shown with its number as name.
OPTIONS: dict[str, dict[int, str]] = {
    "billing_type": {1: "Hourly", 2: "Fixed price", 3: "Not billable"},
    "default_billability": {1: "Billable", 2: "Not billable"},
    "receipts_billability": {1: "Billable", 2: "Not billable"},
    "plan_can_exceed": {1: "Yes, all times can exceed the plan hours",
                        2: "No, all times can not exceed the plan hours"},
}
DEFAULTS: dict[str, Any] = {
    **dict.fromkeys(WRITABLE),
    "currency": "EUR", "billing_type": 1, "default_billability": 1, "billing_tasks": False,
    "has_multiple_customers": False, "plan_expenses": 0, "plan_hours_children": 0,
    "plan_hours_done": 0, "plan_hours_invoiced": 0, "plan_wage_children": 0,
    "keywords": [], "categories": [], "dynamic_attributes": [], "price_tables": [],
}
"""A new project's values (the create page's response shows plan_expenses "0.00", status aktiv)."""

rules = RuleRegistry(vendor="zep")


def _failure(code: Code, field: str, message: str) -> Violation:
    return Violation(422, code, message, field=field)


def _attribute(field: str) -> str:
    """Laravel's display name of an attribute: ``end_date`` -> ``end date``."""
    return field.replace("_", " ")


# -- rules ------------------------------------------------------------------------------------
@rules.check("ZEP-2", "name <= 64 characters and unique in the tenant (GEN-3) -> 422 on name.",
             on=WRITES, schema_fields=("name",), schema_keywords=("maxLength", "minLength"))
def _unique_name(change: Change) -> Iterator[Violation]:
    name = change.body.get("name")
    if change.touches("name") and taken_by_other(change, "projects", "name", normalized(name)):
        yield _failure(Code.DUPLICATE, "name", "The name has already been taken.")


@rules.check("ZEP-3", "end_date strictly after start_date on the merged state -> 422 on end_date.",
             on=WRITES)
def _end_after_start(change: Change) -> Iterator[Violation]:
    if not (change.touches("start_date") or change.touches("end_date")):
        return
    if change.extra["invalid"] & {"start_date", "end_date"}:
        return  # the schema error already names the unusable date
    start, end = merged_pair(change, "start_date", "end_date")
    if start and end and end <= start:  # Y-m-d strings compare like dates
        yield _failure(Code.DATE_RANGE, "end_date",
                       "The end date field must be a date after start date.")


rules.schema("ZEP-4", "The nine planning values are >= 0 -> 422 per field.",
             fields=NON_NEGATIVE, keywords=("minimum",))
rules.schema("ZEP-5", "Text lengths; cost_object_identifier a string <= 32 or an integer >= 0.",
             fields=LENGTHS, keywords=("maxLength", "oneOf"))


@rules.check("ZEP-6", "Referenced ids, currency/language codes and the status must exist -> 422.",
             on=WRITES)
def _references_exist(change: Change) -> Iterator[Violation]:
    for field in missing_references(change, REFERENCES):
        yield _failure(Code.REFERENCE, field, f"The selected {_attribute(field)} is invalid.")


rules.mechanism("ZEP-7", "Success is 200 {data, info: null}; decimals '500.00'; '...000000Z'.",
                on=("updateProject",))
rules.schema("ZEP-8", "Neighbours: get, list, create (requires name, department_id, start_date).",
             keywords=("required",), on=("createProject",))
# Registered last: it words every validation error no rule above claims (types, dates, query
# parameters), and schema_rule_for hands a violation to the first rule that matches.
rules.schema("ZEP-1", "Laravel errors: 401 Unauthenticated., 404 {message}, 422 {message, errors}.",
             codes=(Code.SCHEMA, Code.BAD_JSON))


# -- errors (ZEP-1) -------------------------------------------------------------------------
_PLAIN: dict[Code, tuple[int, str | None]] = {
    Code.UNAUTHORIZED: (401, "Unauthenticated."),
    Code.FORBIDDEN: (403, "This action is unauthorized."),
    Code.NOT_FOUND: (404, None),
    Code.ROUTE_NOT_FOUND: (404, "The route could not be found."),
    Code.METHOD_NOT_ALLOWED: (405, "The method is not supported for this route."),
    Code.BAD_JSON: (400, None),
    Code.UNSUPPORTED_MEDIA_TYPE: (415, "The request body must be sent as application/json."),
    Code.TOO_LARGE: (413, None),
    Code.INTERNAL: (500, "Server Error"),
}
_FIELD_CODES = frozenset({Code.SCHEMA, Code.UNKNOWN_FIELD, Code.DUPLICATE, Code.REFERENCE,
                          Code.DATE_RANGE, Code.INVALID})
_TYPES = {"string": "a string", "integer": "an integer", "number": "a number",
          "boolean": "true or false", "array": "an array", "object": "an array"}
NOT_FOUND = "Project not found."


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _describe(branch: Mapping[str, Any]) -> str:
    """One ``oneOf`` branch in words: "a string of at most 32 characters"."""
    text = _TYPES.get(str(branch.get("type")), "a value")
    if "maxLength" in branch:
        text += f" of at most {branch['maxLength']} characters"
    if "minimum" in branch:
        text += f" of at least {_num(branch['minimum'])}"
    return text


def _schema_text(v: Violation, a: str) -> str:
    limit = v.params.get("limit")
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
        return f"The {a} field must be {_TYPES.get(str(limit), str(limit))}."
    if v.keyword == "minLength":
        # Laravel turns "" into null, which then fails the field's `string` rule.
        if v.params.get("value") == "":
            return f"The {a} field must be a string."
        return f"The {a} field must be at least {limit} characters."
    if v.keyword == "pattern" and limit == DATE_PATTERN:
        return f"The {a} field must match the format Y-m-d."
    if v.keyword == "format" and limit == "date":
        return f"The {a} field must be a valid date."
    if v.keyword == "oneOf" and isinstance(limit, list):
        return f"The {a} field must be " + " or ".join(_describe(b) for b in limit) + "."
    return f"The {a} field is invalid."


def _field_text(v: Violation) -> str:
    a = _attribute(v.field or "")
    if v.code is Code.SCHEMA:
        return _schema_text(v, a)
    if v.code is Code.UNKNOWN_FIELD:
        return f"The {a} field is prohibited."  # --strict (GEN-7)
    return v.message  # business rules word their own Laravel text


def _is_field_error(v: Violation) -> bool:
    return v.code in _FIELD_CODES and v.field is not None and v.location != "path"


def validation_body(violations: Sequence[Violation]) -> dict[str, Any]:
    """Laravel's 422 envelope: errors by field (spec order), message = first + "(and N more)"."""
    patterned = {v.field for v in violations if v.keyword == "pattern"}
    ranked = sorted(violations, key=lambda v: _RANK.get((v.field or "").split(".")[0], len(_RANK)))
    errors: dict[str, list[str]] = {}
    for v in ranked:
        if v.keyword == "format" and v.field in patterned:
            continue  # "2024-1-1": the Y-m-d message says it all, as Laravel's date_format does
        texts = errors.setdefault(v.field or "", [])
        text = _field_text(v)
        if text not in texts:
            texts.append(text)
    every = [text for texts in errors.values() for text in texts]
    message = every[0]
    if len(every) > 1:
        more = len(every) - 1
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return {"message": message, "errors": errors}


def _plain(v: Violation) -> Reply:
    if v.code is Code.SCHEMA and v.location == "path":
        # An id that is not a positive integer never matches a project: Laravel's route model
        # binding answers 404, not 422.
        return Reply(404, {"message": NOT_FOUND})
    if v.code is Code.SCHEMA:  # the body itself is not a JSON object
        return Reply(400, {"message": "The request body must be a JSON object."})
    status, message = _PLAIN.get(v.code, (v.status, None))
    return Reply(status, {"message": message or _sentence(v.message)})


# -- rendering (ZEP-7) ------------------------------------------------------------------------
def _stamp(moment: datetime) -> str:
    return iso_z(moment, 6)  # "2025-03-01T12:00:00.000000Z"


def _decimal(value: Any) -> str | None:
    """``500`` -> ``"500.00"`` (ZEP-7), rounding half up as MySQL's DECIMAL does."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        try:  # a state document may carry ZEP's own strings ("500.0000000000")
            return format(Decimal(str(value)), ".2f")
        except InvalidOperation:
            return None


def _option(name: str, value: Any) -> dict[str, Any] | None:
    if not isinstance(value, int):
        return None
    return {"id": value, "name": OPTIONS[name].get(value, str(value))}


def _status(ctx: Context, status_id: Any) -> dict[str, Any] | None:
    status = ctx.state["project_statuses"].get(status_id) if status_id is not None else None
    if status is None:
        return None
    keys = ("id", "name", "description", "bookable", "order", "color")
    return {k: status.get(k) for k in keys}


def render(ctx: Context, record: Record, *, listing: bool = False) -> dict[str, Any]:
    shown: dict[str, Any] = {"id": record["id"]}
    for name in WRITABLE:
        value = record.get(name, DEFAULTS[name])
        if name in DECIMALS:
            shown[name] = _decimal(value)
        elif name in OPTIONS:
            shown[name] = _option(name, value)
        elif name != "dynamic_attributes":
            shown[name] = value
    identifier = record.get("cost_object_identifier")
    shown["cost_object_identifier"] = None if identifier is None else str(identifier)
    shown["status"] = _status(ctx, record.get("project_status_id"))
    shown["plan_wage_children"] = _decimal(record.get("plan_wage_children", 0))
    dynamic = record.get("dynamic_attributes") or []
    if listing:  # the list page shows counters where the details page shows the arrays
        shown["categories_count"] = len(shown["categories"] or [])
        shown["dynamicAttributes_count"] = len(dynamic)
        del shown["categories"]
        for counter in ("tasks_count", "employees_count", "activities_count"):
            shown[counter] = record.get(counter, 0)
    else:
        shown["dynamicAttributes"] = dynamic
        shown["priceTables"] = record.get("price_tables") or []
    shown["created"] = record.get("created")
    shown["modified"] = record.get("modified")
    return shown


# -- the vendor -----------------------------------------------------------------------------
def _each_missing(violations: Sequence[Violation]) -> list[Violation]:
    """One ``required`` violation per missing field.

    The core names ``missing[0]`` in every ``required`` error jsonschema raises, so a create
    without department_id and start_date would report department_id twice.
    """
    out: list[Violation] = []
    for v in violations:
        names, body = v.params.get("limit"), v.params.get("value")
        if v.keyword != "required" or not isinstance(names, list) or not isinstance(body, dict):
            out.append(v)
            continue
        parent = (v.field or "").rpartition(".")[0]
        for name in names:
            field = f"{parent}.{name}" if parent else name
            if name not in body and all(o.field != field or o.keyword != "required" for o in out):
                out.append(replace(v, field=field))
    return out


def _laravel(handler: Handler) -> Handler:
    def run(ctx: Context) -> Reply:
        try:
            return handler(ctx)
        except Rejection:
            ctx.fire("ZEP-1")
            raise

    return run


def _allowed(ctx: Context, permission: str) -> None:
    if ctx.identity is None or not ctx.identity.can(permission):
        ctx.reject(Violation(403, Code.FORBIDDEN, "This action is unauthorized.", rule="ZEP-1"))


class Zep(Vendor):
    id = "zep"
    title = "ZEP"
    prefix = "/zep/api/v1"
    rules = rules
    validation_status = 422
    sample = Sample(
        path="/projects/123",
        body={"description": "Relaunch, phase 2", "end_date": "2024-09-30", "plan_hours": 640},
        rejected={"name": "Intranet"},
        missing_path="/projects/999999",
    )
    collections: ClassVar[Mapping[str, CollectionSpec]] = {
        "tokens": CollectionSpec(id_field="token"),
        "projects": CollectionSpec(indexes={"name": lambda r: normalized(r.get("name"))}),
        "departments": CollectionSpec(),
        "customers": CollectionSpec(),
        "customer_contacts": CollectionSpec(),
        "customer_addresses": CollectionSpec(),
        "currencies": CollectionSpec(id_field="code"),
        "languages": CollectionSpec(id_field="code"),
        "project_statuses": CollectionSpec(),
    }

    def operations(self) -> Mapping[str, Handler]:
        return {
            "updateProject": _laravel(self.update_project),
            "getProject": _laravel(self.get_project),
            "listProjects": _laravel(self.list_projects),
            "createProject": _laravel(self.create_project),
        }

    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        fields = [v for v in violations if _is_field_error(v)]
        if fields:
            return Reply(422, validation_body(fields))
        return _plain(violations[0])

    # -- the request phases -----------------------------------------------------------------
    def _locate(self, ctx: Context) -> Record:
        project_id = as_int(ctx.incoming.path_params.get("id"))
        return ctx.locate("projects", project_id, Violation(404, Code.NOT_FOUND, NOT_FOUND, rule="ZEP-1"))

    @staticmethod
    def _admit(ctx: Context, target: Record | None) -> Change:
        """Schema, then business rules, answered together in one 422 (the spec's GEN-6 note).

        Business rules only see the fields that passed the schema, so a field is never blamed
        twice ("must be an integer" and "is invalid").
        """
        found: list[Violation] = []
        try:
            ctx.validate_body()
        except Rejection as rejection:
            if not isinstance(ctx.body, dict) or any(v.status != 422 for v in rejection.violations):
                raise  # malformed JSON, a non-object or a missing body: nothing to validate
            found.extend(_each_missing(rejection.violations))
        invalid = {(v.field or "").split(".")[0] for v in found}
        change = ctx.change(target, {k: v for k, v in ctx.body.items() if k not in invalid})
        change.extra["invalid"] = invalid
        try:
            ctx.checks(Phase.BUSINESS, change)
        except Rejection as rejection:
            found.extend(rejection.violations)
        if found:
            ctx.reject(*found)
        return change

    # -- operations ---------------------------------------------------------------------------
    def update_project(self, ctx: Context) -> Reply:
        target = self._locate(ctx)
        _allowed(ctx, WRITE)
        change = self._admit(ctx, target)
        patch = {k: v for k, v in change.body.items() if k in _RANK}
        new = {**target, **patch, "modified": _stamp(ctx.now)}
        ctx.fire("GEN-1")
        ctx.fire("GEN-11")
        record = ctx.commit(change, ctx.state["projects"], new)
        ctx.fire("ZEP-7")
        return Reply(200, {"data": render(ctx, record), "info": None})

    def create_project(self, ctx: Context) -> Reply:
        _allowed(ctx, WRITE)
        change = self._admit(ctx, None)
        projects = ctx.state["projects"]
        statuses = sorted(ctx.state["project_statuses"], key=lambda s: s.get("order") or 0)
        stamp = _stamp(ctx.now)
        new = {
            **DEFAULTS,
            "project_status_id": statuses[0]["id"] if statuses else "aktiv",
            **{k: v for k, v in change.body.items() if k in _RANK},
            "id": projects.next_id(),
            "created": stamp,
            "modified": stamp,
        }
        record = ctx.commit(change, projects, new)
        ctx.fire("ZEP-8")
        return Reply(201, {"data": render(ctx, record)})

    def get_project(self, ctx: Context) -> Reply:
        record = self._locate(ctx)
        _allowed(ctx, READ)
        ctx.fire("ZEP-8")
        return Reply(200, {"data": render(ctx, record)})

    def list_projects(self, ctx: Context) -> Reply:
        _allowed(ctx, READ)
        query = ctx.incoming.query
        found = [r for r in ctx.state["projects"] if _listed(r, query)]
        found.sort(key=lambda r: as_int(r["id"]) or 0)
        per_page = _whole(query.get("limit"), PER_PAGE)
        current = _whole(query.get("page"), 1)
        chunk = found[(current - 1) * per_page : current * per_page]
        ctx.fire("ZEP-8")
        body = _paginate(ctx, len(found), per_page, current, len(chunk))
        return Reply(200, {"data": [render(ctx, r, listing=True) for r in chunk], **body})


def _whole(value: Any, default: int) -> int:
    """A query integer the spec already bounded (limit 1..100, page >= 1), or the default."""
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return default


def _listed(record: Record, query: Mapping[str, Any]) -> bool:
    """The list page's filters: projects active within start_date..end_date, and id[]."""
    ids = query.get("id[]")
    if ids not in (None, "", []):
        wanted = {as_int(i) for i in (ids if isinstance(ids, list) else [ids])}
        if as_int(record.get("id")) not in wanted:
            return False
    start, end = query.get("start_date"), query.get("end_date")
    if start and record.get("end_date") and record["end_date"] < start:
        return False
    return not (end and record.get("start_date") and record["start_date"] > end)


def _paginate(ctx: Context, total: int, per_page: int, current: int, count: int) -> dict[str, Any]:
    """Laravel's LengthAwarePaginator ``links`` and ``meta``, with its 3-on-each-side window."""
    host = ctx.incoming.headers.get("host", "localhost")
    path = f"http://{host}{ctx.incoming.path}"
    kept = {k: v for k, v in ctx.incoming.query.items() if k != "page"}

    def url(page: int) -> str:
        return f"{path}?{urlencode({**kept, 'page': page}, doseq=True)}"

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


VENDOR = Zep()
