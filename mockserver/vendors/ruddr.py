"""Ruddr workspace API: projects (``PATCH /api/workspace/projects/{id}`` and its neighbours).

Sources: the seed (docs.ruddr.io/api-reference/projects/update-a-project), the get/list/create
pages and the authentication, conventions and errors guides (``shared/vendors/ruddr.md``).
Errors are ``{status, message, errors?: [string]}``. Keys have no scopes, so there is no 403.
Records are stored in the request's vocabulary (``clientId``, ``budgetServiceRevenue``...);
:meth:`Ruddr.render` derives the response (nested objects, RUD-8 fields, budget objects).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar

from mockserver.core.change import Change
from mockserver.core.checks import merged_pair, normalized, taken_by_other
from mockserver.core.limits import RateLimit, Throttled
from mockserver.core.pipeline import context
from mockserver.core.plans import Context, Plan, Target
from mockserver.core.records import from_openapi, schema_of, typed
from mockserver.core.renders import Rendering
from mockserver.core.rules import Provenance, RuleRegistry, decision, doc
from mockserver.core.spec import SPECS_DIR, load_spec
from mockserver.core.store import CollectionSpec, FieldsKey, Record, VendorState, value_of
from mockserver.core.values import Incoming, Reply
from mockserver.core.vendor import Sample, Vendor, token_schema
from mockserver.core.violations import Code, Violation
from mockserver.vendors._common import as_int, iso_z, random_uuid

WRITES = ("updateProject", "createProject")
BY_ID = ("getProject", "updateProject")
_SPEC = load_spec(SPECS_DIR / "ruddr.yaml")
_SCHEMAS = _SPEC["components"]["schemas"]
_UPDATE = _SCHEMAS["ProjectUpdate"]["properties"]
WRITABLE = tuple(_UPDATE)
"""What PATCH may change: exactly the documented update fields (anything else is GEN-7)."""
CREATE_ONLY = ("isProductive", "projectAdminId")
RESPONSE_ORDER = tuple(_SCHEMAS["Project"]["required"])

UNAUTHORIZED = "The provided bearer token is missing or invalid."
INVALID = "There was a problem processing your request. See errors for more details."
WORKSPACE_CURRENCY = "USD"
FIXED_BILLING = ("fixed", "fixed_recurring")
RATE_LIMIT = RateLimit(20, 1, burst=60, source="https://docs.ruddr.io/guides/authentication")
""""20 requests per second with a burst capacity of 60 requests. Rate limits are shared across all
API keys in a workspace" (the authentication guide; the rate-limits guide gives the 20 alone). A
session is one workspace; the bucket model is ours: 60 at once, then 20 a second."""
DEPRECATED = ("fixedFee", "fixedRecurringFee", "fixedRecurringStart", "fixedRecurringEnd")
REFERENCES = {  # body field -> (collection, what the error calls it)
    "clientId": ("clients", "client"),
    "practiceId": ("practices", "practice"),
    "businessUnitId": ("business_units", "business unit"),
    "projectTypeId": ("project_types", "project type"),
    "salesRepresentativeId": ("members", "member"),
    "projectAdminId": ("members", "member"),
}
NESTED = {  # response object -> (stored id field, collection)
    "client": ("clientId", "clients"),
    "practice": ("practiceId", "practices"),
    "projectType": ("projectTypeId", "project_types"),
    "projectGroup": ("projectGroupId", "project_groups"),
    "businessUnit": ("businessUnitId", "business_units"),
    "salesRepresentative": ("salesRepresentativeId", "members"),
}
BUDGET_AMOUNTS = {  # response budget field -> request suffix (after budget / monthlyBudget)
    "servicesRevenue": "ServiceRevenue",
    "otherRevenue": "OtherItemsAmount",
    "billableExpenses": "ExpensesBillableAmount",
    "nonBillableExpenses": "ExpensesNonBillableAmount",
    "billableHours": "BillableHours",
    "nonBillableHours": "NonBillableHours",
}
BUDGETS = {"budget": "useBudget", "monthlyBudget": "useMonthlyBudget"}  # request prefix -> its flag
REVENUES = ("servicesRevenue", "otherRevenue")
"""The budget amounts whose sum is a revenue a response derives (RUD-8)."""
CAPS = {f"maxMemberHoursPer{p}": f"capMaxMemberHoursPer{p}" for p in ("Day", "Week", "Month")}
DEFAULTS: Record = {
    **dict.fromkeys((*WRITABLE, *CREATE_ONLY, "projectGroupId", "completedOn")),
    **{name: False for name, schema in _UPDATE.items() if schema["type"] == "boolean"},
    **{name: 0 for name, schema in _UPDATE.items() if schema["type"] == "number"},
    **dict.fromkeys(("budgetMode", "monthlyBudgetMode"), "summary"),
    "statusId": "tentative",
    "recordStatusId": "active",
    "tagIds": [],
}
"""A new project's stored values where the create body is silent (the create page's defaults):
flags false, budget amounts 0, modes summary, everything else null."""

UPDATE_PAGE = "https://docs.ruddr.io/api-reference/projects/update-a-project"  # the seed
GET_PAGE = "https://docs.ruddr.io/api-reference/projects/get-a-project"
CREATE_PAGE = "https://docs.ruddr.io/api-reference/projects/create-a-project"
OLD_CREATE_PAGE = "https://ruddr.readme.io/reference/create-a-project"  # marks the required fields
ERRORS_PAGE = "https://docs.ruddr.io/guides/errors"
PROVENANCE: dict[str, Provenance] = {  # GEN-12: the page each rule follows, or why it has none
    "RUD-1": doc(ERRORS_PAGE, "https://docs.ruddr.io/guides/authentication"),
    "RUD-2": doc(ERRORS_PAGE),
    "RUD-3": doc(UPDATE_PAGE, OLD_CREATE_PAGE),
    "RUD-4": doc(UPDATE_PAGE),
    "RUD-5": doc(UPDATE_PAGE, OLD_CREATE_PAGE),
    "RUD-6": doc(UPDATE_PAGE),
    "RUD-7": decision(
        "no page says what an unknown id gets; a 400 listing each is the documented validation error"
    ),
    "RUD-8": doc(UPDATE_PAGE, GET_PAGE),
    "RUD-9": doc(UPDATE_PAGE, GET_PAGE),
    "RUD-10": doc(
        UPDATE_PAGE, note='the page says "only used if"; accepting and ignoring them is our decision'
    ),
    "RUD-11": doc(
        "https://ruddr.readme.io/reference",
        "https://docs.ruddr.io/guides/conventions",
        note='JSON Conventions: "Values that trim to an empty string will be implicitly converted to '
        'null when performing a modification (create or update)."',
    ),
    "RUD-12": decision(
        "the help page makes a key unique within its client; the mock keeps it unique in the whole "
        "workspace (stricter) until the API's own scope is known",
        "https://help.ruddr.io/projects/create-a-new-project",
        ERRORS_PAGE,
    ),
    "RUD-13": doc(
        UPDATE_PAGE,
        CREATE_PAGE,
        OLD_CREATE_PAGE,
        GET_PAGE,
        note="the create page's status was not captured: 200 is read from its sibling create pages",
    ),
}
rules = RuleRegistry(vendor="ruddr", prefix="RUD", provenance=PROVENANCE)

# -- stored records: a project in the request's vocabulary, any field null (RUD-11), plus what
# only the server sets; render reads clientId and billingTypeId, RUD-9 statusId, unconditionally.
PROJECT = "#/components/schemas/Project"
WORKSPACE = "#/components/schemas/Workspace"
_PROJECT = from_openapi(
    _SPEC,
    _SCHEMAS["ProjectUpdate"],
    required=("id", "clientId", "billingTypeId", "statusId"),
    nullable=True,
    id=typed("string"),
    clientId=typed("string"),
    billingTypeId=typed("string"),
    statusId=typed("string"),
    createdAt=typed("string", "null"),
    completedOn=typed("string", "null"),
    projectGroupId=typed("string", "null"),
    projectAdminId=typed("string", "null"),
    isProductive=typed("boolean", "null"),
)


def _referenced(**fields: Any) -> dict[str, Any]:
    """What a project refers to by uuid; render shows each as ``{id, name}``."""
    return schema_of(("id", "name"), id=typed("string"), name=typed("string"), **fields)


def _invalid(rule: str, field: str, message: str, code: Code = Code.INVALID) -> Violation:
    return Violation(400, code, message, field=field, rule=rule)


def _lower(value: Any) -> Any:
    """Ruddr ids are uuids, which compare case-insensitively; they are stored lower-case."""
    return value.lower() if isinstance(value, str) else value


def _top(field: str | None) -> str:
    return (field or "").split(".", 1)[0]


# -- rules ------------------------------------------------------------------------------------
# Check rules see only the body's schema-valid fields (Context.admit), so they test presence,
# never types; their schema_fields claim the schema violations of the same fields.
rules.schema(
    "RUD-1",
    "Errors are {status, message, errors?}; 401 'The provided bearer token is missing or invalid.'; "
    "validation errors are 400 with one string per problem.",
    codes=(Code.SCHEMA, Code.BAD_JSON),
    fallback=True,  # so it words every 400 no other rule claims: types, nulls, query parameters
)
rules.schema(
    "RUD-2",
    "The path id is a UUID: malformed -> 400 \"Parameter 'id' is not a valid UUID.\"; "
    'unknown -> 404 "Project not found.".',
    fields=("id",),
    on=BY_ID,
)
rules.schema(
    "RUD-3",
    "Lengths: name <= 255, notes <= 5000, code <= 255, poNumber <= 255, cloudFolderUrl <= 1024.",
    fields=("name", "notes", "code", "poNumber", "cloudFolderUrl"),
    keywords=("maxLength",),
    on=WRITES,
)
rules.schema(
    "RUD-4",
    "The enums of the spec (billingTypeId, statusId without cancelled, recordStatusId, "
    "revenueRecognitionMethod, budgetMode, monthlyBudgetMode).",
    keywords=("enum",),
    on=WRITES,
)


@rules.check(
    "RUD-5",
    "start <= end (equal allowed) on the merged state: 400.",
    on=WRITES,
    schema_fields=("start", "end"),
    schema_keywords=("pattern", "format"),
    when=("start", "end"),
)
def _start_not_after_end(change: Change) -> Iterator[Violation]:
    if change.touches("start") or change.touches("end"):
        start, end = merged_pair(change, "start", "end")
        if start and end and start > end:
            yield _invalid("RUD-5", "end", "'end' must be on or after 'start'", Code.DATE_RANGE)


@rules.check(
    "RUD-6",
    "currency is a code of the `currencies` collection: 400.",
    on=WRITES,
    schema_fields=("currency",),
    when=("currency",),
)
def _known_currency(change: Change) -> Iterator[Violation]:
    code = change.body.get("currency")
    if code is not None and code not in change.state["currencies"]:
        message = f"'currency' must be a supported ISO 4217 currency code ('{code}' is not)"
        yield _invalid("RUD-6", "currency", message)


@rules.check(
    "RUD-7",
    "References must exist (clientId, practiceId, businessUnitId, projectTypeId, each tagIds "
    "entry, salesRepresentativeId; projectAdminId on create): 400 listing each.",
    on=WRITES,
    schema_fields=(*REFERENCES, "tagIds"),
    schema_keywords=("pattern", "format"),
    when=(*REFERENCES, "tagIds"),
)
def _references_exist(change: Change) -> Iterator[Violation]:
    for field, (collection, noun) in REFERENCES.items():
        if field in CREATE_ONLY and change.operation != "createProject":
            continue  # PATCH ignores create-only fields (GEN-7), so it does not check them either
        value = change.body.get(field)
        if isinstance(value, str) and value.lower() not in change.state[collection]:
            message = f"'{field}' does not match an existing {noun}"
            yield _invalid("RUD-7", field, message, Code.REFERENCE)
    for i, tag in enumerate(change.body.get("tagIds") or ()):
        if tag.lower() not in change.state["project_tags"]:
            message = f"'tagIds[{i}]' does not match an existing project tag"
            yield _invalid("RUD-7", f"tagIds.{i}", message, Code.REFERENCE)


@rules.check(
    "RUD-8",
    "Derived response fields (isBillable, gated and deprecated fields, budget objects, "
    "isProductive), computed from the stored record on every render; amounts whose derived "
    "revenue would overflow a double are a 400 on the fields that produce it (GEN-13).",
    on=WRITES,
    when=[f"{kind}{BUDGET_AMOUNTS[part]}" for kind in BUDGETS for part in REVENUES],
)
def _budget_revenue_fits(change: Change) -> Iterator[Violation]:
    for kind in BUDGETS:
        parts = tuple(f"{kind}{BUDGET_AMOUNTS[part]}" for part in REVENUES)
        if not any(change.touches(p) for p in parts) or any(p in change.dropped for p in parts):
            continue
        amounts = [change.value(p) for p in parts]
        if all(isinstance(a, int | float) for a in amounts) and not math.isfinite(float(sum(amounts))):
            message = f"'{parts[0]}' and '{parts[1]}' add up to more than a number can hold"
            for name in parts:
                yield _invalid("GEN-13", name, message)


@rules.effect(
    "RUD-9", "completedOn is today when statusId becomes completed, null once it leaves.", on=WRITES
)
def _completed_on(change: Change) -> bool:
    assert change.new is not None
    assert change.now is not None
    new, before = change.new, (change.target or {}).get("statusId")
    if new["statusId"] == "completed" and before != "completed":
        new["completedOn"] = change.now.date().isoformat()
        return True
    if new["statusId"] != "completed" and new.get("completedOn") is not None:
        new["completedOn"] = None
        return True
    return False


@rules.effect(
    "RUD-10",
    "Gated inputs are accepted and ignored, i.e. NOT stored (decision): while its gate is closed "
    "on the merged state, a gated field keeps its stored value.",
    on=WRITES,
)
def _ignore_gated_inputs(change: Change) -> bool:
    assert change.new is not None
    new, base = change.new, change.target or DEFAULTS
    ignored = [field for field, is_open in _gates(new).items() if change.touches(field) and not is_open]
    for field in ignored:
        new[field] = base.get(field)
    return bool(ignored)


def _gates(record: Mapping[str, Any]) -> dict[str, bool]:
    """Gated field -> whether its gate is open in ``record`` (the docs' "only used if"): a budget
    amount needs its use...Budget flag, all but the services revenue also its mode summary."""
    gates = {"trackTimeToAssignedRoles": bool(record.get("useRoles"))}
    gates |= {cap: bool(record.get(flag)) for cap, flag in CAPS.items()}
    for kind, flag in BUDGETS.items():
        summary = record.get(f"{kind}Mode") == "summary"
        for suffix in BUDGET_AMOUNTS.values():
            gates[f"{kind}{suffix}"] = bool(record.get(flag)) and (suffix == "ServiceRevenue" or summary)
    return gates


rules.mechanism(
    "RUD-11",
    "Values that trim to an empty string are null on create and update, for every string field "
    "(ids, dates and currency included), before validation: a converted null gets exactly the "
    "answer an explicit null gets; null unsets an optional field.",
)


def _blank_to_null(value: Any) -> Any:
    """Ruddr's JSON conventions: "Values that trim to an empty string will be implicitly converted
    to null when performing a modification (create or update)." (str.strip trims what JSON can
    carry: spaces, tabs, newlines, and the other Unicode whitespace)."""
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, list):
        return [_blank_to_null(item) for item in value]
    return value


@rules.check(
    "RUD-12",
    "key is unique in the workspace (trimmed, case-insensitive, own key excluded): 409.",
    on=WRITES,
    schema_fields=("key",),
    when=("key",),
)
def _unique_key(change: Change) -> Iterator[Violation]:
    key = change.body.get("key")
    if taken_by_other(change, "projects", "key", normalized(key)):
        message = f"A project with the key '{key}' already exists."
        yield Violation(409, Code.DUPLICATE, message, field="key", rule="RUD-12")


rules.schema(
    "RUD-13",
    "Success is 200 with the full nested project; neighbours GET /projects, GET /projects/{id}, "
    "POST /projects (name, clientId, billingTypeId, projectAdminId required).",
    keywords=("required",),
    on=("createProject",),
)


# -- the vendor -----------------------------------------------------------------------------
class Ruddr(Vendor):
    fuzz_exclusions: ClassVar[Mapping[str, str]] = {
        "negative_data_rejection": "Ruddr converts values that trim to an empty string to null before "
        "validating (RUD-11), so a blank string for a nullable id or date is accepted; the schema keeps "
        "the formats a client must send and cannot say that.",
    }
    id = "ruddr"
    envelope_rule = "RUD-1"
    title = "Ruddr"
    prefix = "/ruddr/api/workspace"
    rules = rules
    rate_limit = RATE_LIMIT
    sample = Sample(
        path="/projects/572e66b1-60a6-4935-853f-b59b053112e6",
        body={"name": "Website Redesign 2.0", "statusId": "in_progress", "end": "2025-10-31"},
        rejected={"end": "2025-02-28"},
        missing_path="/projects/00000000-0000-4000-8000-000000000000",
    )
    collections: ClassVar[Mapping[str, CollectionSpec]] = {
        "tokens": CollectionSpec(id_field="token", record_schema=token_schema()),
        "projects": CollectionSpec(
            indexes={"key": FieldsKey(normalized, "key"), "client": value_of("clientId")},
            record_schema=_PROJECT,
        ),
        "clients": CollectionSpec(
            record_schema=_referenced(currency=typed("string", "null"), isInternal=typed("boolean", "null"))
        ),
        **{
            name: CollectionSpec(record_schema=_referenced())
            for name in ("practices", "business_units", "project_types", "project_groups", "project_tags")
        },
        "members": CollectionSpec(record_schema=_referenced()),
        # the API key's workspace (GET on the base URL); one record
        "workspace": CollectionSpec(
            record_schema=schema_of(("id", "name"), id=typed("string"), name=typed("string"))
        ),
        "currencies": CollectionSpec(
            id_field="code",
            record_schema=schema_of(("code",), code=typed("string"), name=typed("string", "null")),
        ),
    }

    def operations(self) -> Mapping[str, Plan]:
        # keys have no scopes (no 403), and projects no updatedAt (GEN-11 does not apply)
        return {
            "getWorkspace": Plan(self.workspace),
            "listProjects": Plan(self.list_projects),
            "createProject": Plan(
                self.shown,
                creates="projects",
                writable=(*WRITABLE, *CREATE_ONLY),
                new=_new_project,
                apply=_apply_created,
            ),
            "getProject": Plan(self.shown, target=PROJECT_ID),
            "updateProject": Plan(self.shown, target=PROJECT_ID, writable=WRITABLE, apply=_apply),
        }

    def order_errors(self, change: Change, violations: list[Violation]) -> list[Violation]:
        """Problems listed as the body orders its fields, missing ones first."""
        position = {name: i for i, name in enumerate((*WRITABLE, *CREATE_ONLY, *change.body))}
        return sorted(violations, key=lambda v: position.get(_top(v.field), -1))

    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        first = violations[0]
        status = first.status
        if first.code is Code.UNAUTHORIZED:
            return Reply(status, {"status": status, "message": UNAUTHORIZED})
        if any(v.location == "path" for v in violations):  # the documented literal, no errors list
            return Reply(
                status, {"status": status, "message": f"Parameter '{first.field}' is not a valid UUID."}
            )
        if first.code is Code.UNSUPPORTED_MEDIA_TYPE:
            # The errors guide lists no 415: "400 Bad Request: an issue with the request format".
            accepted = " or ".join(first.params.get("accepted") or ["application/json"])
            problem = f"Content-Type must be {accepted}"
            return Reply(400, {"status": 400, "message": INVALID, "errors": [problem]})
        if status == 400:
            problems = list(dict.fromkeys([_problem(v) for v in violations]))
            return Reply(status, {"status": status, "message": INVALID, "errors": problems})
        return Reply(status, {"status": status, "message": first.message})

    def decode_body(self, body: Any) -> Any:
        """RUD-11, before the schema sees the body: ``"  "`` then fails or passes exactly as
        ``null`` does (a required name is "cannot be null", an optional note is unset)."""
        if not isinstance(body, dict):
            return body
        return {key: _blank_to_null(value) for key, value in body.items()}

    def fault_reply(self, status: int, now: datetime) -> Reply:
        if status == 429:  # the errors guide's literal; no header: the docs advise backing off 1, 2, 4, 8 s
            return Reply(429, {"status": 429, "message": "Too many requests"})
        return super().fault_reply(status, now)

    def throttled_reply(self, throttled: Throttled, now: datetime) -> Reply:
        """Ruddr's 429 over its limit carries no Retry-After, as its guides document none: a
        client that waits only when told to would pass here and hammer the real API."""
        return self.fault_reply(429, now)

    def render_problems(self, state: VendorState, limit: int) -> list[str]:
        problems = super().render_problems(state, limit)
        held = sorted(w["id"] for w in state["workspace"])
        if len(held) > 1:  # GET on the base URL answers the key's one workspace
            problems.append(
                f"workspace: an API key belongs to one workspace, not {len(held)} ({', '.join(held)})"
            )
        return problems[:limit]

    def renders(self, state: VendorState) -> Iterator[Rendering]:
        ctx = context(self, "getProject", state, Incoming("GET", ""), datetime.now(UTC))
        for project in state["projects"]:  # every read and write answers this rendering
            yield Rendering(
                "projects", project["id"], "getProject", partial(self.render, ctx, project), PROJECT
            )
        for workspace in state["workspace"]:
            yield Rendering(
                "workspace", workspace["id"], "getWorkspace", partial(_workspace, workspace), WORKSPACE
            )

    def render(self, ctx: Context, record: Record) -> dict[str, Any]:
        """The response project (RUD-8, RUD-13), always derived from the stored record."""
        state, gates, billing = ctx.state, _gates(record), record["billingTypeId"]
        fixed = billing in FIXED_BILLING
        client = state["clients"].get(record["clientId"]) or {}
        tags = [state["project_tags"].get(t) for t in record.get("tagIds") or ()]
        shown = {name: record.get(name) for name in RESPONSE_ORDER}  # as stored, unless derived below
        shown |= {
            "isBillable": billing != "non_billable",
            "revenueRecognitionMethod": shown["revenueRecognitionMethod"] if fixed else None,
            **dict.fromkeys(DEPRECATED),
            "budgetMode": shown["budgetMode"] if record.get("useBudget") else None,
            "monthlyBudgetMode": shown["monthlyBudgetMode"] if record.get("useMonthlyBudget") else None,
            "isProductive": bool(record.get("isProductive")) if client.get("isInternal") else None,
            **{cap: shown[cap] if gates[cap] else None for cap in CAPS},
            **{name: _named(state[table].get(record.get(field))) for name, (field, table) in NESTED.items()},
            "client": _named(client) or {"id": record["clientId"], "name": ""},
            "tags": [_named(tag) for tag in tags if tag is not None],
        }
        roles = bool(record.get("trackTimeToAssignedRoles"))
        shown["trackTimeToAssignedRoles"] = roles if gates["trackTimeToAssignedRoles"] else None
        for kind, flag in BUDGETS.items():
            if record.get(flag):
                amounts = {k: record.get(f"{kind}{suffix}") or 0 for k, suffix in BUDGET_AMOUNTS.items()}
                shown[kind] = {"revenue": amounts["servicesRevenue"] + amounts["otherRevenue"], **amounts}
        ctx.fire("RUD-8")
        ctx.fire("RUD-13")
        return shown

    # -- operations -----------------------------------------------------------------------
    def shown(self, ctx: Context, record: Record) -> Reply:
        return Reply(200, self.render(ctx, record))

    def workspace(self, ctx: Context, _none: None) -> Reply:
        found = min(ctx.state["workspace"], key=lambda w: w["id"], default=None)
        if found is None:  # the key belongs to no workspace: no valid key (see the spec)
            ctx.reject(Violation(401, Code.UNAUTHORIZED, UNAUTHORIZED, rule="GEN-8"))
        return Reply(200, _workspace(found))

    def list_projects(self, ctx: Context, _none: None) -> Reply:
        query, projects = ctx.incoming.query, ctx.state["projects"]
        after, before = _lower(query.get("startingAfter")), _lower(query.get("endingBefore"))
        if after and before:
            message = "'startingAfter' and 'endingBefore' cannot be used together"
            ctx.reject(_query_problem("startingAfter", message))
        client_id = _lower(query.get("clientId"))
        candidates = map(projects.get, projects.find("client", client_id)) if client_id else iter(projects)
        wanted = {k: query.get(k) for k in ("code", "statusId", "recordStatusId") if query.get(k)}
        found = [r for r in candidates if r is not None and all(r.get(k) == v for k, v in wanted.items())]
        order = sorted(found, key=_newest_first, reverse=True)
        limit = as_int(query.get("limit")) or 10
        cursor_name, cursor_id = ("startingAfter", after) if after else ("endingBefore", before)
        if cursor_id:
            cursor = projects.get(cursor_id)
            if cursor is None:
                ctx.reject(_query_problem(cursor_name, f"'{cursor_name}' does not match an existing project"))
            mark = _newest_first(cursor)
            order = [r for r in order if (_newest_first(r) < mark if after else _newest_first(r) > mark)]
        page = order[-limit:] if before else order[:limit]
        ctx.fire("RUD-13")
        return Reply(200, {"results": [self.render(ctx, r) for r in page], "hasMore": len(order) > limit})


PROJECT_ID = Target(
    "projects",
    lambda _ctx, _id: Violation(404, Code.NOT_FOUND, "Project not found.", rule="RUD-2"),
    key=lambda _ctx, value: _lower(value),
)


def _apply(ctx: Context, base: Record, change: Change, writable: tuple[str, ...]) -> Record:
    return {**base, **_stored_values(ctx, change.body, writable)}


def _new_project(ctx: Context, change: Change) -> Record:
    """The create page's defaults; the currency is the client's, else the workspace's."""
    client = ctx.state["clients"].get(_lower(change.body.get("clientId"))) or {}
    new = DEFAULTS | {"currency": client.get("currency") or WORKSPACE_CURRENCY}
    return new | {"id": random_uuid(), "createdAt": iso_z(ctx.now, 3)}


def _apply_created(ctx: Context, base: Record, change: Change, writable: tuple[str, ...]) -> Record:
    new = _apply(ctx, base, change, writable)
    new["key"] = new["key"] or _free_key(ctx, new["name"])
    return new


def _query_problem(field: str, message: str) -> Violation:
    return Violation(400, Code.INVALID, message, field=field, location="query", rule="RUD-13")


def _stored_values(ctx: Context, body: Mapping[str, Any], allowed: Sequence[str]) -> Record:
    """The body's fields as stored (blanks are null already, RUD-11): null tags -> [], ids
    lower-cased."""
    values: Record = {}
    for name in [n for n in allowed if n in body]:
        value = body[name]
        if value is None:
            ctx.fire("RUD-11")
        if name == "tagIds":
            value = list(dict.fromkeys([_lower(t) for t in value or ()]))
        values[name] = _lower(value) if name in REFERENCES else value
    return values


def _free_key(ctx: Context, name: str) -> str:
    """The slug Ruddr generates from the name when no key is given; suffixed until unique."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:240].strip("-") or "project"
    key, n = base, 1
    while ctx.state["projects"].find("key", key):
        n += 1
        key = f"{base}-{n}"
    return key


def _newest_first(record: Record) -> tuple[str, str]:
    return (str(record.get("createdAt")), str(record.get("id")))


def _named(record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if not record else {"id": record["id"], "name": record["name"]}


# -- wording of schema violations (one string per problem, each naming its field) -----------
CURRENCY_FORMAT = "must be a 3-letter ISO 4217 currency code"
DATE_FORMAT = "must be a valid date (YYYY-MM-DD)"
UUID_FORMAT = "must be a valid UUID"
_PATTERNS = {
    _SCHEMAS["Uuid"]["pattern"]: UUID_FORMAT,
    _UPDATE["start"]["pattern"]: DATE_FORMAT,
    _UPDATE["key"]["pattern"]: "must contain only lowercase letters, digits and single dashes",
    _UPDATE["currency"]["pattern"]: CURRENCY_FORMAT,
}
_FORMATS = {"uuid": UUID_FORMAT, "date": DATE_FORMAT}
_TYPES = {"integer": "an integer", "number": "a number", "string": "a string"}
_TYPES |= {"boolean": "a boolean", "array": "an array", "object": "an object"}


def _problem(v: Violation) -> str:
    if v.code is not Code.SCHEMA:
        return v.message
    if v.field is None:
        return "The request body must be a JSON object"
    name = "'" + re.sub(r"\.(\d+)", r"[\1]", v.field) + "'"
    limit, keyword = v.params.get("limit"), v.keyword
    if keyword == "required":
        return f"{name} is required"
    if v.params.get("value", "") is None:  # null for a field that does not accept it
        return f"{name} cannot be null"
    if v.field == "currency" and keyword in ("minLength", "maxLength", "pattern"):
        return f"{name} {CURRENCY_FORMAT}"
    if keyword == "maxLength":
        return f"{name} must be at most {limit} characters"
    if keyword == "minLength":
        return f"{name} must be at least {limit} characters"
    if keyword == "enum":
        return f"{name} must be one of: " + ", ".join(str(x) for x in limit or () if x is not None)
    if keyword == "type":
        return f"{name} must be {_TYPES.get(str(limit), str(limit))}"
    if keyword == "pattern":
        return f"{name} {_PATTERNS.get(str(limit), f'must match the pattern {limit}')}"
    if keyword == "format":
        return f"{name} {_FORMATS.get(str(limit), f'must be a valid {limit}')}"
    if keyword == "minimum":
        return f"{name} must be greater than or equal to {limit}"
    if keyword == "maximum":
        return f"{name} must be less than or equal to {limit}"
    return f"{name} {v.message}"


VENDOR = Ruddr()


def _workspace(record: Record) -> dict[str, Any]:
    return {"id": record["id"], "name": record["name"]}
