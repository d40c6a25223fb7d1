"""ZEP "next" REST API: projects (``PATCH /api/v1/projects/{id}``) and their neighbours.

Sources: the seed (developer.zep.de .../projects/update), ``shared/vendors/zep.md`` and the
decisions written into ``specs/zep.yaml``. ZEP is a Laravel application, so errors are Laravel's
envelopes and English validation texts (ZEP-1, worded by ``_laravel``), and every schema and
business error of one request is answered in one 422 (GEN-5), keyed by field in spec order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from mockserver.core.change import Change
from mockserver.core.checks import merged_pair, missing_references, normalized, taken_by_other
from mockserver.core.faults import RETRY_AFTER_SECONDS
from mockserver.core.pipeline import Context, Reply
from mockserver.core.rules import RuleRegistry
from mockserver.core.scenarios import ANY, Call, Scenario
from mockserver.core.spec import load_spec
from mockserver.core.store import CollectionSpec, Record
from mockserver.core.vendor import SPECS_DIR, Handler, Sample, Vendor
from mockserver.core.violations import Code, Violation
from mockserver.vendors import _laravel as laravel
from mockserver.vendors._common import as_int

WRITES = ("updateProject", "createProject")
READ, WRITE = "projects:read", "projects:write"
PER_PAGE = 15  # Laravel's paginator default; the list page documents limit 1..100
NOT_FOUND = "Project not found."
RATE_LIMIT = 1000  # requests per 5 minutes (authentication page)

_SCHEMAS = load_spec(SPECS_DIR / "zep.yaml")["components"]["schemas"]
WRITABLE: tuple[str, ...] = tuple(_SCHEMAS["ProjectUpdate"]["properties"])
"""The body fields of update and create, in the spec's order (also the order of ``errors``)."""
_WRITABLE = frozenset(WRITABLE)
DATE_FORMATS = {_SCHEMAS["Date"]["pattern"]: "Y-m-d"}

NON_NEGATIVE = (
    "plan_hours",
    "plan_expenses",
    "plan_wage",
    "plan_expenses_travel",
    "plan_hours_children",
    "plan_hours_per_day",
    "plan_warning_percent",
    "plan_warning_percent_2",
    "plan_warning_percent_3",
)
LENGTHS = (
    "description",
    "location_address",
    "location_city",
    "location_state",
    "location_country",
    "cost_object",
    "cost_object_identifier",
    "revenue_account",
    "customer_project_reference",
    "project_status_id",
    "url",
    "reference_commission",
    "reference_procurement",
    "reference_object",
    "reference_order",
)
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
DECIMALS = frozenset(
    {*NON_NEGATIVE, "plan_hours_done", "plan_hours_invoiced", "plan_wage_children", "travel_flat_rate"}
)
# Enum-coded integers come back as {id, name} (ZEP's Project schema). Documented are only
# billing_type 1 "Hourly", billability 1 "Billable" (spec examples) and plan_can_exceed 2; the
# other names are ours, and an integer without a name here is shown with its number as name.
OPTIONS: dict[str, dict[int, str]] = {
    "billing_type": {1: "Hourly", 2: "Fixed price", 3: "Not billable"},
    "default_billability": {1: "Billable", 2: "Not billable"},
    "receipts_billability": {1: "Billable", 2: "Not billable"},
    "plan_can_exceed": {
        1: "Yes, all times can exceed the plan hours",
        2: "No, all times can not exceed the plan hours",
    },
}
DEFAULTS: dict[str, Any] = {
    **dict.fromkeys(WRITABLE),
    "currency": "EUR",
    "billing_type": 1,
    "default_billability": 1,
    "billing_tasks": False,
    "has_multiple_customers": False,
    "plan_expenses": 0,
    "plan_hours_children": 0,
    "plan_hours_done": 0,
    "plan_hours_invoiced": 0,
    "plan_wage_children": 0,
    "keywords": [],
    "categories": [],
    "dynamic_attributes": [],
    "price_tables": [],
}
"""A new project's values (the create page's response shows plan_expenses "0.00", status aktiv)."""

rules = RuleRegistry(vendor="zep")


def _failure(code: Code, field: str, message: str) -> Violation:
    return Violation(422, code, message, field=field)


# -- rules ------------------------------------------------------------------------------------
rules.schema(
    "ZEP-1",
    "Laravel errors: 401 Unauthenticated., 404 {message}, 422 {message, errors}.",
    codes=(Code.SCHEMA, Code.BAD_JSON),
    fallback=True,
)


@rules.check(
    "ZEP-2",
    "name <= 64 characters and unique in the tenant (GEN-3) -> 422 on name.",
    on=WRITES,
    schema_fields=("name",),
    schema_keywords=("maxLength", "minLength"),
)
def _unique_name(change: Change) -> Iterator[Violation]:
    name = change.body.get("name")
    if change.touches("name") and taken_by_other(change, "projects", "name", normalized(name)):
        yield _failure(Code.DUPLICATE, "name", "The name has already been taken.")


@rules.check("ZEP-3", "end_date strictly after start_date on the merged state -> 422 on end_date.", on=WRITES)
def _end_after_start(change: Change) -> Iterator[Violation]:
    if not (change.touches("start_date") or change.touches("end_date")):
        return
    start, end = merged_pair(change, "start_date", "end_date")
    if start and end and end <= start:  # Y-m-d strings compare like dates
        yield _failure(Code.DATE_RANGE, "end_date", "The end date field must be a date after start date.")


rules.schema(
    "ZEP-4", "The nine planning values are >= 0 -> 422 per field.", fields=NON_NEGATIVE, keywords=("minimum",)
)
rules.schema(
    "ZEP-5",
    "Text lengths; cost_object_identifier a string <= 32 or an integer >= 0.",
    fields=LENGTHS,
    keywords=("maxLength", "oneOf"),
)


@rules.check("ZEP-6", "Referenced ids, currency/language codes and the status must exist -> 422.", on=WRITES)
def _references_exist(change: Change) -> Iterator[Violation]:
    for field in missing_references(change, REFERENCES):
        yield _failure(Code.REFERENCE, field, f"The selected {laravel.attribute(field)} is invalid.")


rules.mechanism(
    "ZEP-7", "Success is 200 {data, info: null}; decimals '500.00'; '...000000Z'.", on=("updateProject",)
)
rules.schema(
    "ZEP-8",
    "Neighbours: get, list, create (requires name, department_id, start_date).",
    keywords=("required",),
    on=("createProject",),
)


# -- errors (ZEP-1) -------------------------------------------------------------------------
MESSAGES = {
    **laravel.MESSAGES,
    Code.UNSUPPORTED_MEDIA_TYPE: "The request body must be sent as application/json.",
}
_FIELD_CODES = frozenset(
    {Code.SCHEMA, Code.UNKNOWN_FIELD, Code.DUPLICATE, Code.REFERENCE, Code.DATE_RANGE, Code.INVALID}
)


def _is_field_error(v: Violation) -> bool:
    return v.code in _FIELD_CODES and v.field is not None and v.location not in ("path", "header")


# -- rendering (ZEP-7) ------------------------------------------------------------------------
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
            shown[name] = laravel.decimal(value)
        elif name in OPTIONS:
            shown[name] = _option(name, value)
        elif name != "dynamic_attributes":
            shown[name] = value
    identifier = record.get("cost_object_identifier")
    shown["cost_object_identifier"] = None if identifier is None else str(identifier)
    shown["status"] = _status(ctx, record.get("project_status_id"))
    shown["plan_wage_children"] = laravel.decimal(record.get("plan_wage_children", 0))
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
def _allowed(ctx: Context, permission: str) -> None:
    if ctx.identity is None or not ctx.identity.can(permission):
        ctx.reject(Violation(403, Code.FORBIDDEN, "This action is unauthorized.", rule="ZEP-1"))


def _admitted(ctx: Context, target: Record | None) -> Change:
    change = ctx.change(target)
    ctx.admit(change)
    return change


def _writable(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k in _WRITABLE}


# -- executable scenarios (contracts.scenarios runs them against the mock or a real tenant) ------
DEPARTMENT = 1
"""The department of the projects the scenarios create: create requires one (ZEP-8), the API
has no department write, and a tenant's first department has id 1 (the fixtures' "Verwaltung")."""
JSON_BODY = {"Content-Type": "application/json"}


def _patch(project: str, body: Any, status: int, expect: Any = None, **kw: Any) -> Call:
    return Call("PATCH", f"/projects/{project}", body, status=status, expect=expect, **kw)


def _post(body: Any, status: int, expect: Any = None, **kw: Any) -> Call:
    return Call("POST", "/projects", body, status=status, expect=expect, **kw)


def _read(project: str, data: Mapping[str, Any]) -> Call:
    return Call("GET", f"/projects/{project}", status=200, expect={"data": dict(data)})


def _message(text: str) -> dict[str, Any]:
    return {"message": text}


def _invalid(message: str, **errors: str) -> dict[str, Any]:
    """Laravel's 422: the first text (and how many follow), and the named fields' texts."""
    return {"message": message, "errors": {field: [text] for field, text in errors.items()}}


def _project(name: str, save: str, **fields: Any) -> Call:
    body = {"name": name, "department_id": DEPARTMENT, "start_date": "2025-01-01", **fields}
    return Call("POST", "/projects", body, save={save: "data.id"})


_CREATE_A = _project("Scenario A {run}", "a", end_date="2025-06-30")
_CREATE_B = _project("Scenario B {run}", "b")
_END_AFTER_START = "The end date field must be a date after start date."
_REFERENCES_INVALID = {
    "department_id": "The selected department id is invalid.",
    "customer_id": "The selected customer id is invalid.",
    "customer_contact_id": "The selected customer contact id is invalid.",
    "customer_billing_address_id": "The selected customer billing address id is invalid.",
    "customer_shipping_address_id": "The selected customer shipping address id is invalid.",
    "currency": "The selected currency is invalid.",
    "language": "The selected language is invalid.",
    "project_status_id": "The selected project status id is invalid.",
}
_TOO_LONG = {
    "description": 255,
    "location_address": 64,
    "location_city": 64,
    "location_state": 64,
    "location_country": 32,
    "cost_object": 32,
    "cost_object_identifier": 32,
    "revenue_account": 32,
    "customer_project_reference": 64,
    "project_status_id": 64,
    "url": 255,
    "reference_commission": 100,
    "reference_procurement": 100,
    "reference_object": 100,
    "reference_order": 100,
}
_AT_LIMIT = {name: "x" * limit for name, limit in _TOO_LONG.items() if name != "project_status_id"}

SCENARIOS = (
    Scenario(
        "ZEP-1",
        "no bearer token is 401 Unauthenticated., before the schema",
        _patch("{a}", {"name": "y" * 99}, 401, _message("Unauthenticated."), token=None),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-1",
        "a Basic authorization header is 401 too",
        _patch(
            "{a}",
            {"name": "x"},
            401,
            _message("Unauthenticated."),
            token=None,
            headers={"Authorization": "Basic dGVzdDp0ZXN0"},
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-1",
        "authentication comes before the unknown project (401, not 404)",
        _patch("999999999", {"name": "x"}, 401, _message("Unauthenticated."), token=None),
    ),
    Scenario(
        "ZEP-1",
        "an unknown project is 404 {message}, before an invalid body",
        _patch("999999999", {"name": "y" * 99, "customer_id": 999999999}, 404, _message(NOT_FOUND)),
    ),
    Scenario(
        "ZEP-1",
        "a non-numeric id is Laravel's route 404",
        _patch("abc", {"name": "x"}, 404, _message("The route could not be found.")),
    ),
    Scenario(
        "ZEP-1",
        "an unknown route under the prefix is Laravel's route 404",
        Call("GET", "/nothing/here", status=404, expect=_message("The route could not be found.")),
    ),
    Scenario(
        "ZEP-1",
        "several errors: the message counts the others, errors name each field",
        _patch(
            "{a}",
            {"plan_hours": -5, "url": "u" * 256, "currency": "XXX"},
            422,
            _invalid(
                "The plan hours field must be at least 0. (and 2 more errors)",
                plan_hours="The plan hours field must be at least 0.",
                currency="The selected currency is invalid.",
                url="The url field must not be greater than 255 characters.",
            ),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-1",
        "one error: the message is that error alone",
        _patch(
            "{a}",
            {"plan_hours": -5},
            422,
            _invalid(
                "The plan hours field must be at least 0.",
                plan_hours="The plan hours field must be at least 0.",
            ),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-1",
        "wrongly typed fields get Laravel's type texts",
        _patch(
            "{a}",
            {"customer_id": "42", "billing_tasks": "yes", "comments": 5, "end_date": "2025-7-1"},
            422,
            _invalid(
                "The end date field must match the format Y-m-d. (and 3 more errors)",
                end_date="The end date field must match the format Y-m-d.",
                comments="The comments field must be a string.",
                customer_id="The customer id field must be an integer.",
                billing_tasks="The billing tasks field must be true or false.",
            ),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-1",
        "malformed JSON is a 400 {message}",
        Call(
            "PATCH",
            "/projects/{a}",
            raw=b"{not json",
            headers=JSON_BODY,
            status=400,
            expect=_message(
                "Malformed JSON: Expecting property name enclosed in double quotes at line 1 column 2."
            ),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-1",
        "a body that is not a JSON object is a 400 {message}",
        Call(
            "PATCH",
            "/projects/{a}",
            raw=b"[1, 2]",
            headers=JSON_BODY,
            status=400,
            expect=_message("The request body must be a JSON object."),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-1",
        "a body that is not sent as JSON is 415",
        Call(
            "PATCH",
            "/projects/{a}",
            raw=b'{"name": "x"}',
            headers={"Content-Type": "text/plain"},
            status=415,
            expect=_message("The request body must be sent as application/json."),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-1",
        "a read-only token is 403, before the schema",
        _patch(
            "123", {"name": "y" * 99}, 403, _message("This action is unauthorized."), token="zep-readonly"
        ),
        admin_only=True,
    ),
    Scenario(
        "ZEP-1",
        "the unknown project comes before the permission (404, not 403)",
        _patch("999999", {"name": "x"}, 404, _message(NOT_FOUND), token="zep-readonly"),
        admin_only=True,
    ),
    Scenario(
        "ZEP-1",
        "a token without any permission cannot read (403)",
        Call(
            "GET",
            "/projects/123",
            token="zep-no-access",
            status=403,
            expect=_message("This action is unauthorized."),
        ),
        admin_only=True,
    ),
    Scenario(
        "ZEP-2",
        "a name of 65 characters",
        _patch(
            "{a}",
            {"name": "N" * 65},
            422,
            _invalid(
                "The name field must not be greater than 64 characters.",
                name="The name field must not be greater than 64 characters.",
            ),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-2",
        "a name of exactly 64 characters is accepted",
        _patch("{a}", {"name": "N" * 56 + "{run}"}, 200, {"data": {"name": ANY}, "info": None}),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-2",
        "an empty name is not a string (Laravel nulls it)",
        _patch(
            "{a}",
            {"name": ""},
            422,
            _invalid("The name field must be a string.", name="The name field must be a string."),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-2",
        "another project's name, recased and padded, is taken",
        _patch(
            "{a}",
            {"name": "  SCENARIO b {run} "},
            422,
            _invalid("The name has already been taken.", name="The name has already been taken."),
        ),
        setup=(_CREATE_A, _CREATE_B),
    ),
    Scenario(
        "ZEP-2",
        "re-sending the project's own name, recased, succeeds",
        _patch("{a}", {"name": "SCENARIO A {run}"}, 200, {"data": {"name": ANY}, "info": None}),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-2",
        "creating a project with a taken name",
        _post(
            {"name": "scenario a {run}", "department_id": DEPARTMENT, "start_date": "2025-01-01"},
            422,
            _invalid("The name has already been taken.", name="The name has already been taken."),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-3",
        "an end date before the stored start date (merged state)",
        _patch("{a}", {"end_date": "2024-12-31"}, 422, _invalid(_END_AFTER_START, end_date=_END_AFTER_START)),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-3",
        "a start date after the stored end date is reported on end_date",
        _patch(
            "{a}", {"start_date": "2025-07-01"}, 422, _invalid(_END_AFTER_START, end_date=_END_AFTER_START)
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-3",
        "equal dates are rejected (strictly after)",
        _patch(
            "{a}",
            {"start_date": "2025-03-01", "end_date": "2025-03-01"},
            422,
            _invalid(_END_AFTER_START, end_date=_END_AFTER_START),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-3",
        "an end date one day after the stored start is accepted",
        _patch(
            "{a}",
            {"end_date": "2025-01-02"},
            200,
            {"data": {"start_date": "2025-01-01", "end_date": "2025-01-02"}},
        ),
        setup=(_CREATE_A,),
        then=(_read("{a}", {"start_date": "2025-01-01", "end_date": "2025-01-02"}),),
    ),
    Scenario(
        "ZEP-3",
        "without a stored end date any start date is accepted",
        _patch(
            "{a}", {"start_date": "2030-01-01"}, 200, {"data": {"start_date": "2030-01-01", "end_date": None}}
        ),
        setup=(_CREATE_A, _patch("{a}", {"end_date": None}, 200)),
    ),
    Scenario(
        "ZEP-3",
        "creating a project that ends before it starts",
        _post(
            {
                "name": "Backwards {run}",
                "department_id": DEPARTMENT,
                "start_date": "2025-05-01",
                "end_date": "2025-04-30",
            },
            422,
            _invalid(_END_AFTER_START, end_date=_END_AFTER_START),
        ),
    ),
    Scenario(
        "ZEP-4",
        "every negative planning value is reported, in the spec's order",
        _patch(
            "{a}",
            dict.fromkeys(NON_NEGATIVE, -0.5),
            422,
            _invalid(
                "The plan hours field must be at least 0. (and 8 more errors)",
                **{name: f"The {laravel.attribute(name)} field must be at least 0." for name in NON_NEGATIVE},
            ),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-4",
        "zero is accepted and shown as 0.00",
        _patch("{a}", dict.fromkeys(NON_NEGATIVE, 0), 200, {"data": dict.fromkeys(NON_NEGATIVE, "0.00")}),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-4",
        "plan_hours_done has no documented bound and may be negative",
        _patch("{a}", {"plan_hours_done": -2.5}, 200, {"data": {"plan_hours_done": "-2.50"}}),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-5",
        "a description of 256 characters",
        _patch(
            "{a}",
            {"description": "d" * 256},
            422,
            _invalid(
                "The description field must not be greater than 255 characters.",
                description="The description field must not be greater than 255 characters.",
            ),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-5",
        "every text one character too long is reported in one 422",
        _patch(
            "{a}",
            {name: "x" * (limit + 1) for name, limit in _TOO_LONG.items()},
            422,
            {
                "message": "The description field must not be greater than 255 characters. "
                "(and 14 more errors)",
                "errors": {
                    **dict.fromkeys(_TOO_LONG, ANY),
                    "location_country": [
                        "The location country field must not be greater than 32 characters."
                    ],
                    "reference_order": ["The reference order field must not be greater than 100 characters."],
                },
            },
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-5",
        "texts at their limits are accepted",
        _patch("{a}", _AT_LIMIT, 200, {"data": _AT_LIMIT, "info": None}),
        setup=(_CREATE_A,),
        then=(_read("{a}", _AT_LIMIT),),
    ),
    Scenario(
        "ZEP-5",
        "cost_object_identifier: a negative integer",
        _patch(
            "{a}",
            {"cost_object_identifier": -1},
            422,
            _invalid(
                "The cost object identifier field must be a string of at most 32 characters or an "
                "integer of at least 0.",
                cost_object_identifier="The cost object identifier field must be a string of at most 32 "
                "characters or an integer of at least 0.",
            ),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-5",
        "cost_object_identifier: a non-negative integer is accepted, shown as a string",
        _patch("{a}", {"cost_object_identifier": 4711}, 200, {"data": {"cost_object_identifier": "4711"}}),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-6",
        "every unknown reference and code is named",
        _patch(
            "{a}",
            {
                "department_id": 999999999,
                "customer_id": 999999999,
                "customer_contact_id": 999999999,
                "customer_billing_address_id": 999999999,
                "customer_shipping_address_id": 999999999,
                "currency": "XYZ",
                "language": "tlh",
                "project_status_id": "no-such-status",
            },
            422,
            _invalid("The selected department id is invalid. (and 7 more errors)", **_REFERENCES_INVALID),
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-6",
        "schema and business errors share one 422",
        _patch(
            "{a}",
            {
                "name": "Scenario B {run}",
                "description": "d" * 256,
                "end_date": "2024-01-31",
                "plan_hours": -1,
                "customer_id": 999999999,
            },
            422,
            _invalid(
                "The name has already been taken. (and 4 more errors)",
                name="The name has already been taken.",
                description="The description field must not be greater than 255 characters.",
                end_date=_END_AFTER_START,
                plan_hours="The plan hours field must be at least 0.",
                customer_id="The selected customer id is invalid.",
            ),
        ),
        setup=(_CREATE_A, _CREATE_B),
    ),
    Scenario(
        "ZEP-6",
        "the tenant's own codes and a documented status are accepted",
        _patch(
            "{a}",
            {"currency": "EUR", "language": "en", "project_status_id": "aktiv"},
            200,
            {
                "data": {
                    "currency": "EUR",
                    "language": "en",
                    "project_status_id": "aktiv",
                    "status": {"id": "aktiv"},
                }
            },
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-6",
        "a nullable reference is cleared by null",
        _patch(
            "{a}",
            {"customer_id": None, "language": None},
            200,
            {"data": {"customer_id": None, "language": None}},
        ),
        setup=(_CREATE_A,),
    ),
    Scenario(
        "ZEP-6",
        "known fixture references are stored, the status shown in full",
        _patch(
            "123",
            {
                "department_id": 3,
                "customer_id": 43,
                "customer_contact_id": 9,
                "customer_billing_address_id": 13,
                "customer_shipping_address_id": 14,
                "currency": "CHF",
                "project_status_id": "gesperrt",
            },
            200,
            {
                "data": {
                    "customer_id": 43,
                    "customer_contact_id": 9,
                    "currency": "CHF",
                    "status": {
                        "id": "gesperrt",
                        "name": "Gesperrt",
                        "description": "Locked for time entry",
                        "bookable": False,
                        "order": 3,
                        "color": "#C62828",
                    },
                },
                "info": None,
            },
        ),
        admin_only=True,
    ),
    Scenario(
        "ZEP-6",
        "creating a project in an unknown department",
        _post(
            {"name": "Nowhere {run}", "department_id": 999999999, "start_date": "2025-01-01"},
            422,
            _invalid(
                "The selected department id is invalid.",
                department_id="The selected department id is invalid.",
            ),
        ),
    ),
    Scenario(
        "ZEP-7",
        "success is 200 {data, info: null} with decimals as two-place strings",
        _patch(
            "{a}",
            {"description": "Phase 2", "plan_hours": 512.345, "plan_expenses": 15000, "billing_type": 1},
            200,
            {
                "data": {
                    "id": ANY,
                    "description": "Phase 2",
                    "plan_hours": "512.35",
                    "plan_expenses": "15000.00",
                    "billing_type": {"id": 1, "name": "Hourly"},
                    "modified": ANY,
                },
                "info": None,
            },
        ),
        setup=(_CREATE_A,),
        then=(_read("{a}", {"description": "Phase 2", "plan_hours": "512.35", "plan_expenses": "15000.00"}),),
    ),
    Scenario(
        "ZEP-7",
        "only the sent fields change; undocumented fields are ignored",
        _patch(
            "{a}",
            {"comments": "Kickoff done", "scenario_unknown_field": 1},
            200,
            {"data": {"comments": "Kickoff done"}},
        ),
        setup=(_CREATE_A,),
        then=(
            _read(
                "{a}",
                {
                    "comments": "Kickoff done",
                    "start_date": "2025-01-01",
                    "end_date": "2025-06-30",
                    "plan_hours": None,
                },
            ),
        ),
    ),
    Scenario(
        "ZEP-8",
        "create answers 201 {data} with ZEP's defaults, and a read shows it",
        _post(
            {
                "name": "Scenario C {run}",
                "department_id": DEPARTMENT,
                "start_date": "2025-03-01",
                "plan_hours": 250,
            },
            201,
            {
                "data": {
                    "id": ANY,
                    "department_id": DEPARTMENT,
                    "start_date": "2025-03-01",
                    "end_date": None,
                    "plan_hours": "250.00",
                    "plan_expenses": "0.00",
                    "currency": "EUR",
                    "keywords": [],
                    "created": ANY,
                    "modified": ANY,
                }
            },
            save={"c": "data.id"},
        ),
        then=(_read("{c}", {"start_date": "2025-03-01", "plan_hours": "250.00"}),),
    ),
    Scenario(
        "ZEP-8",
        "create requires name, department_id and start_date",
        _post(
            {},
            422,
            _invalid(
                "The name field is required. (and 2 more errors)",
                name="The name field is required.",
                department_id="The department id field is required.",
                start_date="The start date field is required.",
            ),
        ),
    ),
    Scenario(
        "ZEP-8",
        "a name alone is not enough to create",
        _post(
            {"name": "Lonely {run}"},
            422,
            _invalid(
                "The department id field is required. (and 1 more error)",
                department_id="The department id field is required.",
                start_date="The start date field is required.",
            ),
        ),
    ),
    Scenario(
        "ZEP-8",
        "the list filters by id[] and pages like Laravel",
        Call(
            "GET",
            "/projects?id[]={a}&id[]={b}",
            status=200,
            expect={
                "data": [{"id": ANY}, {"id": ANY}],
                "links": ANY,
                "meta": {"total": 2, "current_page": 1},
            },
        ),
        setup=(_CREATE_A, _CREATE_B),
    ),
    Scenario(
        "ZEP-8",
        "a read-only token cannot create (403)",
        _post({"name": "x"}, 403, _message("This action is unauthorized."), token="zep-readonly"),
        admin_only=True,
    ),
)


class Zep(Vendor):
    id = "zep"
    envelope_rule = "ZEP-1"
    scenarios = SCENARIOS
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
        handlers: dict[str, Handler] = {
            "updateProject": self.update_project,
            "getProject": self.get_project,
            "listProjects": self.list_projects,
            "createProject": self.create_project,
        }
        return handlers

    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        fields = [v for v in violations if _is_field_error(v)]
        if fields:
            return Reply(422, laravel.validation_body(fields, WRITABLE, DATE_FORMATS))
        first = violations[0]
        if first.code is Code.SCHEMA and first.location == "path":
            # An id that is not a positive integer never matches a project: Laravel's route
            # model binding answers 404, not 422.
            return Reply(404, {"message": NOT_FOUND})
        if first.code is Code.SCHEMA:  # the body itself is not a JSON object
            return Reply(400, {"message": "The request body must be a JSON object."})
        return laravel.message_reply(first, MESSAGES)

    def fault_reply(self, status: int, now: datetime) -> Reply:
        if status == 422:  # every ZEP 422 is Laravel's validation envelope (ZEP-1), here without fields
            return Reply(422, {"message": "The given data was invalid.", "errors": {}})
        reply = super().fault_reply(status, now)
        if status == 429:
            # ZEP documents the 429 and the limit (1000 requests per 5 minutes, then blocked for
            # 60 s) but no headers; these are the ones Laravel's throttle middleware sends [INF].
            reply.headers |= laravel.throttle_headers(RATE_LIMIT, RETRY_AFTER_SECONDS, now)
        return reply

    def _locate(self, ctx: Context) -> Record:
        project_id = as_int(ctx.incoming.path_params.get("id"))
        return ctx.locate("projects", project_id, Violation(404, Code.NOT_FOUND, NOT_FOUND, rule="ZEP-1"))

    # -- operations ---------------------------------------------------------------------------
    def update_project(self, ctx: Context) -> Reply:
        target = self._locate(ctx)
        _allowed(ctx, WRITE)
        change = _admitted(ctx, target)
        new = {**target, **_writable(change.body), "modified": laravel.timestamp(ctx.now)}
        ctx.fire("GEN-1")
        ctx.fire("GEN-11")
        record = ctx.commit(change, ctx.state["projects"], new)
        ctx.fire("ZEP-7")
        return Reply(200, {"data": render(ctx, record), "info": None})

    def create_project(self, ctx: Context) -> Reply:
        _allowed(ctx, WRITE)
        change = _admitted(ctx, None)
        projects = ctx.state["projects"]
        statuses = sorted(ctx.state["project_statuses"], key=lambda s: s.get("order") or 0)
        stamp = laravel.timestamp(ctx.now)
        new = {
            **DEFAULTS,
            "project_status_id": statuses[0]["id"] if statuses else "aktiv",
            **_writable(change.body),
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
        path = f"http://{ctx.incoming.headers.get('host', 'localhost')}{ctx.incoming.path}"
        page = laravel.paginator(path, query, len(found), per_page, current, len(chunk))
        return Reply(200, {"data": [render(ctx, r, listing=True) for r in chunk], **page})


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


VENDOR = Zep()
