"""ZEP "next" REST API: projects (``PATCH /api/v1/projects/{id}``) and their neighbours (read,
list, create, delete).

Sources: the seed (developer.zep.de .../projects/update), ``shared/vendors/zep.md`` and the
decisions written into ``specs/zep.yaml``. ZEP is a Laravel application, so errors are Laravel's
envelopes and English validation texts (ZEP-1, worded by ``_laravel``), and every schema and
business error of one request is answered in one 422 (GEN-5), keyed by field in spec order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from mockserver.core.change import Change
from mockserver.core.checks import merged_pair, missing_references, normalized, taken_by_other
from mockserver.core.limits import RateLimit, Throttled
from mockserver.core.pipeline import context
from mockserver.core.plans import Context, Plan, Target, sent
from mockserver.core.records import from_openapi, schema_of, typed
from mockserver.core.renders import Rendering
from mockserver.core.rules import Provenance, RuleRegistry, doc
from mockserver.core.spec import SPECS_DIR, load_spec
from mockserver.core.store import CollectionSpec, FieldsKey, Record, VendorState, value_of
from mockserver.core.values import Incoming, Reply
from mockserver.core.vendor import Sample, Vendor, token_schema
from mockserver.core.violations import Code, Violation
from mockserver.vendors import _laravel as laravel
from mockserver.vendors._common import as_int

WRITES = ("updateProject", "createProject")
READ, WRITE = "projects:read", "projects:write"
PER_PAGE = 15  # Laravel's paginator default; the list page documents limit 1..100
NOT_FOUND = "Project not found."
DELETED = "Project deleted successfully"  # the delete page's body, without a full stop
RATE_LIMIT = RateLimit(
    1000, 300, block_seconds=60, source="https://developer.zep.de/en/rest-documentation/authentication"
)
""""1000 requests per 5 minutes. If this limit is exceeded, further requests are blocked for 60
seconds" (429)."""

_SPEC = load_spec(SPECS_DIR / "zep.yaml")
_SCHEMAS = _SPEC["components"]["schemas"]
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
# The create page writes and shows billing_type by name ("hourly" in its example); the other
# names are ours. Create takes the names its spec's enum lists and stores their numbers.
BILLING_CODES = {1: "hourly", 2: "fixed_price", 3: "not_billable"}
BILLING_IDS = {code: number for number, code in BILLING_CODES.items()}
CAN_EXCEED = 1
"""The plan_can_exceed option that the details and list pages' boolean shows as true; those
pages show false, and the only documented option is 2, "No, all times can not exceed ..."."""
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
"""A new project's values (the create page's response shows plan_expenses zero, status aktiv)."""

UPDATE_PAGE = "https://developer.zep.de/en/rest-documentation/projects/update"  # the seed
CREATE_PAGE = "https://developer.zep.de/en/rest-documentation/projects/create"
DETAILS_PAGE = "https://developer.zep.de/rest-documentation/projects/details"  # German only
LIST_PAGE = "https://developer.zep.de/en/rest-documentation/projects/list"
DELETE_PAGE = "https://developer.zep.de/en/rest-documentation/projects/delete"
PROVENANCE: dict[str, Provenance] = {  # GEN-12: the page each rule follows, or why it has none
    "ZEP-1": doc(UPDATE_PAGE, note="the page lists 401/404/422; the Laravel bodies are our decision"),
    "ZEP-2": doc(UPDATE_PAGE, CREATE_PAGE),
    "ZEP-3": doc(UPDATE_PAGE, CREATE_PAGE, note="checking it on the merged state is our decision"),
    "ZEP-4": doc(UPDATE_PAGE),
    "ZEP-5": doc(UPDATE_PAGE),
    "ZEP-6": doc(UPDATE_PAGE, note="rejecting a project_status_id that is not configured is our decision"),
    "ZEP-7": doc(
        UPDATE_PAGE,
        CREATE_PAGE,
        DETAILS_PAGE,
        LIST_PAGE,
        note="the pages disagree on dates, decimals, plan_can_exceed and billing_type; each operation "
        "answers as its own page shows",
    ),
    "ZEP-8": doc(
        CREATE_PAGE,
        DETAILS_PAGE,
        DELETE_PAGE,
        note="create's 201 status is our decision; the delete page's 500 for related records is not "
        "modelled, as the state holds none",
    ),
}
rules = RuleRegistry(vendor="zep", prefix="ZEP", provenance=PROVENANCE)

# -- stored records: a project in the request's vocabulary, any field null; decimals may also be
# stored as strings ("500.0000000000"); the list counters and price tables only the server sets.
# Every operation renders this one shape in its own page's form (ZEP-7, FORMS below).
_NULLABLE_TEXT = typed("string", "null")
_PROJECT = from_openapi(
    _SPEC,
    _SCHEMAS["ProjectUpdate"],
    required=("id",),
    nullable=True,
    id=typed("integer"),
    created=_NULLABLE_TEXT,
    modified=_NULLABLE_TEXT,
    price_tables=typed("array", "null", items=typed("object")),
    **{name: typed("number", "string", "null") for name in DECIMALS},
    **{name: typed("integer", "null") for name in ("tasks_count", "employees_count", "activities_count")},
)


def _referenced(*texts: str, key: str = "id", kind: str = "integer", **fields: Any) -> dict[str, Any]:
    """A collection the projects refer to: its key, text fields and others."""
    return schema_of((key,), **{key: typed(kind)}, **dict.fromkeys(texts, _NULLABLE_TEXT), **fields)


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
    when=("name",),
)
def _unique_name(change: Change) -> Iterator[Violation]:
    name = change.body.get("name")
    if change.touches("name") and taken_by_other(change, "projects", "name", normalized(name)):
        yield _failure(Code.DUPLICATE, "name", "The name has already been taken.")


@rules.check(
    "ZEP-3",
    "end_date strictly after start_date on the merged state -> 422 on end_date.",
    on=WRITES,
    when=("start_date", "end_date"),
)
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


@rules.check(
    "ZEP-6",
    "Referenced ids, currency/language codes and the status must exist -> 422.",
    on=WRITES,
    when=REFERENCES,
)
def _references_exist(change: Change) -> Iterator[Violation]:
    missing = missing_references(change, {k: v for k, v in REFERENCES.items() if k != "language"})
    language = change.body.get("language")
    if change.touches("language") and language is not None and language_code(change.state, language) is None:
        missing.append("language")
    for field in missing:
        yield _failure(Code.REFERENCE, field, f"The selected {laravel.attribute(field)} is invalid.")


def language_code(state: VendorState, value: Any) -> str | None:
    """The tenant language a `language` value names, by its code or (the update page's integer
    form) by its id; None if none."""
    languages = state["languages"]
    if isinstance(value, int) and not isinstance(value, bool):
        return min(languages.find("id", value), default=None)
    return value if isinstance(value, str) and value in languages else None


rules.mechanism(
    "ZEP-7",
    "Update answers 200 {data, info: null} as the update page shows a project (Y-m-d, '500.00'); "
    "details, list and create as theirs ('...T00:00:00.000000Z', '500.0000000000').",
    on=("updateProject", "getProject", "listProjects", "createProject"),
)
rules.schema(
    "ZEP-8",
    "Neighbours: get, list, create (requires name, department_id, start_date), delete.",
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
    if v.code is Code.TOO_MANY:  # GEN-5's cap belongs with the field errors it follows
        return True
    return v.code in _FIELD_CODES and v.field is not None and v.location not in ("path", "header")


def _worded(v: Violation) -> Violation:
    """Create's billing_type is a name or an integer: a name it does not know fails the name's
    enum, which Laravel's `in` rule words "The selected billing type is invalid."."""
    if v.keyword == "oneOf" and v.field == "billing_type" and isinstance(v.params.get("value"), str):
        return replace(v, keyword="enum")
    return v


# -- rendering (ZEP-7) ------------------------------------------------------------------------
# ZEP's pages disagree on how a project is rendered, and each operation answers as its own page
# shows (developer.zep.de/en/rest-documentation/projects/...): update (seed 002) "2024-01-15" and
# "500.00"; details, list and create "2024-01-15T00:00:00.000000Z" and "500.0000000000", with
# plan_can_exceed false on details/list, {id, name} on create, and billing_type "hourly" on create.
def _option(name: str, value: Any) -> dict[str, Any] | None:
    if not isinstance(value, int):
        return None
    return {"id": value, "name": OPTIONS[name].get(value, str(value))}


def _day(value: Any) -> Any:
    return value  # stored as the update page shows it: Y-m-d


def _midnight(value: Any) -> Any:
    return None if value is None else f"{value}T00:00:00.000000Z"


def _can_exceed(value: Any) -> bool:
    return isinstance(value, int) and value == CAN_EXCEED


def _billing_code(value: Any) -> str | None:
    return None if value is None else BILLING_CODES.get(value, str(value))


@dataclass(frozen=True)
class Form:
    """How one page renders a project: its dates, its decimals' places, and the enum-coded
    fields it shows in a form of its own (the others are ZEP's schema's {id, name})."""

    date: Callable[[Any], Any]
    places: int
    coded: Mapping[str, Callable[[Any], Any]]
    listing: bool = False  # the list page shows counters where the details page shows arrays


_DETAILS_FORM = Form(_midnight, 10, {"plan_can_exceed": _can_exceed})
FORMS: Mapping[str, Form] = {
    "updateProject": Form(_day, 2, {}),
    "getProject": _DETAILS_FORM,
    "listProjects": replace(_DETAILS_FORM, listing=True),
    "createProject": Form(_midnight, 10, {"billing_type": _billing_code}),
}
DATES = frozenset({"start_date", "end_date"})
# The schema each form of a stored project must fit (the render probe, Vendor.renders).
UPDATED, DETAILS, LISTED = (
    "#/components/schemas/ProjectUpdateResponse",
    "#/components/schemas/ProjectDetailsResponse",
    "#/components/schemas/ProjectList/properties/data/items",
)


def _status(ctx: Context, status_id: Any) -> dict[str, Any] | None:
    status = ctx.state["project_statuses"].get(status_id) if status_id is not None else None
    if status is None:
        return None
    keys = ("id", "name", "description", "bookable", "order", "color")
    return {k: status.get(k) for k in keys}


def render(ctx: Context, record: Record, form: Form) -> dict[str, Any]:
    shown: dict[str, Any] = {"id": record["id"]}
    for name in WRITABLE:
        value = record.get(name, DEFAULTS[name])
        if name in DATES:
            shown[name] = form.date(value)
        elif name in DECIMALS:
            shown[name] = laravel.decimal(value, form.places)
        elif name in form.coded:
            shown[name] = form.coded[name](value)
        elif name in OPTIONS:
            shown[name] = _option(name, value)
        elif name != "dynamic_attributes":
            shown[name] = value
    identifier = record.get("cost_object_identifier")
    shown["cost_object_identifier"] = None if identifier is None else str(identifier)
    shown["status"] = _status(ctx, record.get("project_status_id"))
    shown["plan_wage_children"] = laravel.decimal(record.get("plan_wage_children", 0), form.places)
    dynamic = record.get("dynamic_attributes") or []
    if form.listing:
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


def _updated(ctx: Context, record: Record) -> dict[str, Any]:
    return {"data": render(ctx, record, FORMS["updateProject"]), "info": None}


def _details(ctx: Context, record: Record) -> dict[str, Any]:
    return {"data": render(ctx, record, FORMS["getProject"])}


# -- the vendor -----------------------------------------------------------------------------
# An id that is not an integer never matches a project: Laravel's route model binding says 404.
_NOT_FOUND = Violation(404, Code.NOT_FOUND, NOT_FOUND, rule="ZEP-1")
PROJECT_ID = Target("projects", lambda _ctx, _id: _NOT_FOUND, key=lambda _ctx, value: as_int(value))
STAMP = "modified"


def _new_project(ctx: Context, change: Change) -> Record:
    """The create page's defaults; the first configured status (by order) is a new one's."""
    statuses = sorted(ctx.state["project_statuses"], key=lambda s: s.get("order") or 0)
    stamp = laravel.timestamp(ctx.now)
    return {
        **DEFAULTS,
        "project_status_id": statuses[0]["id"] if statuses else "aktiv",
        "id": ctx.state["projects"].next_id(),
        "created": stamp,
        STAMP: stamp,
    }


def _apply_created(ctx: Context, base: Record, change: Change, writable: tuple[str, ...]) -> Record:
    """A create body in the one stored shape: a billing type sent by name, as the create page's
    example does ("hourly"), is stored as its number, as the update page writes it (ZEP-7)."""
    stored = sent(change, writable)
    if isinstance(stored.get("billing_type"), str):
        stored["billing_type"] = BILLING_IDS[stored["billing_type"]]
    return {**base, **stored}


def _apply_updated(ctx: Context, base: Record, change: Change, writable: tuple[str, ...]) -> Record:
    """An update in the one stored shape: a language named by id is stored as its code (ZEP-7)."""
    stored = sent(change, writable)
    if isinstance(stored.get("language"), int):
        stored["language"] = language_code(ctx.state, stored["language"])
    return {**base, **stored}


def _updated_reply(ctx: Context, record: Record) -> Reply:
    return Reply(200, _updated(ctx, record))


def _created_reply(ctx: Context, record: Record) -> Reply:
    return Reply(201, {"data": render(ctx, record, FORMS["createProject"])})


def _details_reply(ctx: Context, record: Record) -> Reply:
    return Reply(200, _details(ctx, record))


def _deleted_reply(_ctx: Context, _record: Record) -> Reply:
    return Reply(200, {"message": DELETED})


class Zep(Vendor):
    fuzz_exclusions: ClassVar[Mapping[str, str]] = {
        "update_visible_on_read": "ZEP's update and details pages render a project in different forms "
        "(dates, decimals, plan_can_exceed, billing_type; ZEP-7), and the check compares the two "
        "answers literally; tests/vendors/test_zep.py proves each form and that a read shows the update.",
    }
    id = "zep"
    envelope_rule = "ZEP-1"
    title = "ZEP"
    prefix = "/zep/api/v1"
    rules = rules
    rate_limit = RATE_LIMIT
    validation_status = 422
    sample = Sample(
        path="/projects/123",
        body={"description": "Relaunch, phase 2", "end_date": "2024-09-30", "plan_hours": 640},
        rejected={"name": "Intranet"},
        missing_path="/projects/999999",
    )
    collections: ClassVar[Mapping[str, CollectionSpec]] = {
        "tokens": CollectionSpec(id_field="token", record_schema=token_schema()),
        "projects": CollectionSpec(indexes={"name": FieldsKey(normalized, "name")}, record_schema=_PROJECT),
        "departments": CollectionSpec(record_schema=_referenced("name")),
        "customers": CollectionSpec(record_schema=_referenced("name")),
        "customer_contacts": CollectionSpec(
            record_schema=_referenced("first_name", "last_name", customer_id=typed("integer", "null"))
        ),
        "customer_addresses": CollectionSpec(
            record_schema=_referenced(
                "kind", "street", "zip", "city", "country", customer_id=typed("integer", "null")
            )
        ),
        "currencies": CollectionSpec(
            id_field="code", record_schema=_referenced("name", key="code", kind="string")
        ),
        # `id`: how the update page's integer `language` names one (ZEP-7; the numbers are ours)
        "languages": CollectionSpec(
            id_field="code",
            indexes={"id": value_of("id")},
            record_schema=_referenced("name", key="code", kind="string", id=typed("integer", "null")),
        ),
        # create sorts them by order, so it is a number: the first is a new project's status
        "project_statuses": CollectionSpec(
            record_schema=_referenced(
                "name",
                "description",
                "color",
                kind="string",
                bookable=typed("boolean", "null"),
                order=typed("integer", "null"),
            )
        ),
    }

    def render_problems(self, state: VendorState, limit: int) -> list[str]:
        problems = super().render_problems(state, limit)
        codes_by_id: dict[int, list[str]] = {}
        for language in state["languages"]:
            if language.get("id") is not None:
                codes_by_id.setdefault(language["id"], []).append(language["code"])
        for number, codes in sorted(codes_by_id.items()):
            if len(codes) > 1:  # an update's integer language must name one (ZEP-7)
                problems.append(
                    f"languages: id {number} names more than one language ({', '.join(sorted(codes))})"
                )
        return problems[:limit]

    def renders(self, state: VendorState) -> Iterator[Rendering]:
        ctx = context(self, "getProject", state, Incoming("GET", ""), datetime.now(UTC))
        listed = FORMS["listProjects"]
        for project in state["projects"]:  # each form a stored project can be answered in (ZEP-7)
            key = project["id"]
            yield Rendering("projects", key, "getProject", partial(_details, ctx, project), DETAILS)
            yield Rendering("projects", key, "listProjects", partial(render, ctx, project, listed), LISTED)
            yield Rendering("projects", key, "updateProject", partial(_updated, ctx, project), UPDATED)

    forbidden = Violation(403, Code.FORBIDDEN, "This action is unauthorized.", rule="ZEP-1")

    def operations(self) -> Mapping[str, Plan]:
        return {
            "updateProject": Plan(
                _updated_reply,
                target=PROJECT_ID,
                permission=WRITE,
                writable=WRITABLE,
                stamp=STAMP,
                apply=_apply_updated,
                fires=("ZEP-7",),
            ),
            "getProject": Plan(_details_reply, target=PROJECT_ID, permission=READ, fires=("ZEP-8", "ZEP-7")),
            "listProjects": Plan(self.list_projects, permission=READ),
            "createProject": Plan(
                _created_reply,
                creates="projects",
                permission=WRITE,
                writable=WRITABLE,
                stamp=STAMP,
                new=_new_project,
                apply=_apply_created,
                fires=("ZEP-8", "ZEP-7"),
            ),
            # The page's 500 for a project with attendances, tasks, assignments, invoices or
            # quotes is not modelled: the state holds none of them (specs/zep.yaml).
            "deleteProject": Plan(
                _deleted_reply, target=PROJECT_ID, permission=WRITE, deletes=True, fires=("ZEP-8",)
            ),
        }

    def timestamp(self, now: datetime) -> str:
        return laravel.timestamp(now)

    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        fields = [_worded(v) for v in violations if _is_field_error(v)]
        if fields:
            return Reply(422, laravel.validation_body(fields, WRITABLE, DATE_FORMATS))
        first = violations[0]
        if first.code is Code.SCHEMA and first.location == "path":
            # An id that is not a positive integer never matches a project: Laravel's route
            # model binding answers 404, not 422.
            return Reply(404, {"message": NOT_FOUND})
        if first.code is Code.SCHEMA:  # the body itself is not a JSON object
            return Reply(400, {"message": "The request body must be a JSON object."})
        reply = laravel.message_reply(first, MESSAGES)
        if reply.status == 422:  # every ZEP 422 is Laravel's validation envelope (ZEP-1), fields or not
            return Reply(422, {**reply.body, "errors": {}})
        return reply

    def fault_reply(self, status: int, now: datetime) -> Reply:
        if status == 422:  # every ZEP 422 is Laravel's validation envelope (ZEP-1), here without fields
            return Reply(422, {"message": "The given data was invalid.", "errors": {}})
        reply = super().fault_reply(status, now)
        if status == 429:
            # ZEP documents the 429 and the limit (1000 requests per 5 minutes, then blocked for
            # 60 s) but no headers; these are the ones Laravel's throttle middleware sends [INF],
            # saying the documented block (a fault's own headers shorten it for fast tests).
            block = int(RATE_LIMIT.block_seconds)
            reply.headers |= laravel.throttle_headers(RATE_LIMIT.requests, block, now)
        return reply

    def throttled_reply(self, throttled: Throttled, now: datetime) -> Reply:
        reply = self.fault_reply(429, now)
        # the real window: Retry-After and X-RateLimit-Reset say when a call is accepted again
        reply.headers |= {
            "Retry-After": str(throttled.retry_after),
            "X-RateLimit-Reset": str(throttled.reset_at),
        }
        return reply

    # -- operations ---------------------------------------------------------------------------
    def list_projects(self, ctx: Context, _none: None) -> Reply:
        query = ctx.incoming.query
        found = [r for r in ctx.state["projects"] if _listed(r, query)]
        found.sort(key=lambda r: as_int(r["id"]) or 0)
        per_page = _whole(query.get("limit"), PER_PAGE)
        current = _whole(query.get("page"), 1)
        chunk = found[(current - 1) * per_page : current * per_page]
        ctx.fire("ZEP-8")
        # absolute, like the list page's links, on the mock's own origin and session
        path = ctx.incoming.link_base + ctx.incoming.path
        sent = parse_qsl(ctx.incoming.query_string, keep_blank_values=True)
        page = laravel.paginator(path, sent, len(found), per_page, current, len(chunk))
        ctx.fire("ZEP-7")
        form = FORMS["listProjects"]
        return Reply(200, {"data": [render(ctx, r, form) for r in chunk], **page})


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
