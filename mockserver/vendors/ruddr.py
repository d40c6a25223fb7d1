"""Ruddr workspace API: projects (``PATCH /api/workspace/projects/{id}`` and its neighbours).

Sources: the seed (docs.ruddr.io/api-reference/projects/update-a-project), the get/list/create
pages and the authentication, conventions and errors guides (``shared/vendors/ruddr.md``).
Errors are ``{status, message, errors?: [string]}``. Keys have no scopes, so there is no 403.
Records are stored in the request's vocabulary (``clientId``, ``budgetServiceRevenue``...);
:meth:`Ruddr.render` derives the response (nested objects, RUD-8 fields, budget objects).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from mockserver.core.change import Change
from mockserver.core.checks import normalized, taken_by_other
from mockserver.core.pipeline import Context, Reply
from mockserver.core.rules import RuleRegistry
from mockserver.core.spec import load_spec
from mockserver.core.store import CollectionSpec, Record
from mockserver.core.vendor import SPECS_DIR, Handler, Sample, Vendor
from mockserver.core.violations import Code, Phase, Rejection, Violation, pick_answer
from mockserver.vendors._common import as_int, iso_z

WRITES = ("updateProject", "createProject")
BY_ID = ("getProject", "updateProject")
_SCHEMAS = load_spec(SPECS_DIR / "ruddr.yaml")["components"]["schemas"]
WRITABLE = tuple(_SCHEMAS["ProjectUpdate"]["properties"])
"""What PATCH may change: exactly the documented update fields (anything else is GEN-7)."""
CREATE_ONLY = ("isProductive", "projectAdminId")
RESPONSE_ORDER = tuple(_SCHEMAS["Project"]["required"])

UNAUTHORIZED = "The provided bearer token is missing or invalid."
INVALID = "There was a problem processing your request. See errors for more details."
WORKSPACE_CURRENCY = "USD"
FIXED_BILLING = ("fixed", "fixed_recurring")
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
CAPS = {f"maxMemberHoursPer{p}": f"capMaxMemberHoursPer{p}" for p in ("Day", "Week", "Month")}
DEFAULTS: Record = {
    "key": None, "notes": None, "statusId": "tentative", "recordStatusId": "active",
    "start": None, "end": None, "code": None, "poNumber": None,
    "revenueRecognitionMethod": None, "useRoles": False, "requiresNotes": False,
    "requiresTasks": False, "practiceId": None, "businessUnitId": None, "projectTypeId": None,
    "projectGroupId": None, "tagIds": [], "salesRepresentativeId": None,
    "useBudget": False, "budgetMode": "summary", "useMonthlyBudget": False,
    "monthlyBudgetMode": "summary", "lockTimeAndExpenses": False,
    "trackTimeToAssignedRoles": False, "cloudFolderUrl": None, "isProductive": None,
    "projectAdminId": None, "completedOn": None,
    **{f"{kind}{suffix}": 0 for kind in ("budget", "monthlyBudget")
       for suffix in BUDGET_AMOUNTS.values()},
    **dict.fromkeys(CAPS.values(), False),
    **dict.fromkeys(CAPS),
}
"""A new project's stored values where the create body is silent (the create page's defaults)."""

rules = RuleRegistry(vendor="ruddr")
EffectFn = Callable[[Change], bool]


def _invalid(rule: str, field: str, message: str, code: Code = Code.INVALID) -> Violation:
    return Violation(400, code, message, field=field, rule=rule)


def _skipped(change: Change, *fields: str) -> bool:
    """A field whose schema check failed is left out of the business checks (see _admit)."""
    invalid: set[str] = change.extra.get("invalid", set())
    return any(f in invalid for f in fields)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


# -- rules ------------------------------------------------------------------------------------
# Schema claims first: the first registration that matches a schema violation owns it.
rules.schema("RUD-2", "The path id is a UUID: malformed -> 400 \"Parameter 'id' is not a valid "
             "UUID.\"; unknown -> 404 \"Project not found.\".", fields=("id",), on=BY_ID)
rules.schema("RUD-3", "Lengths: name <= 255, notes <= 5000, code <= 255, poNumber <= 255, "
             "cloudFolderUrl <= 1024.",
             fields=("name", "notes", "code", "poNumber", "cloudFolderUrl"),
             keywords=("maxLength",), on=WRITES)
rules.schema("RUD-4", "Enums of billingTypeId, statusId (cancelled is not writable), "
             "recordStatusId, revenueRecognitionMethod, budgetMode, monthlyBudgetMode.",
             fields=("billingTypeId", "statusId", "recordStatusId", "revenueRecognitionMethod",
                     "budgetMode", "monthlyBudgetMode"), keywords=("enum",), on=WRITES)
rules.mechanism("RUD-8", "Derived response fields: isBillable, revenueRecognitionMethod, budget "
                "modes/objects, member-hour maxima, trackTimeToAssignedRoles, deprecated fields, "
                "isProductive; computed from the stored record on every render.")


@rules.check("RUD-5", "start <= end (equal allowed) on the merged state: 400.", on=WRITES,
             schema_fields=("start", "end"), schema_keywords=("pattern", "format"))
def _start_not_after_end(change: Change) -> Iterator[Violation]:
    if not (change.touches("start") or change.touches("end")) or _skipped(change, "start", "end"):
        return
    if change.touches("start") != change.touches("end") and change.target is not None:
        change.fire("GEN-2")
    start, end = change.value("start"), change.value("end")
    if start and end and start > end:
        yield _invalid("RUD-5", "end", "'end' must be on or after 'start'", Code.DATE_RANGE)


@rules.check("RUD-6", "currency is an ISO 4217 code of the `currencies` collection: 400.",
             on=WRITES, schema_fields=("currency",))
def _known_currency(change: Change) -> Iterator[Violation]:
    code = change.body.get("currency")
    if isinstance(code, str) and code not in change.state["currencies"]:
        yield _invalid("RUD-6", "currency",
                       f"'currency' must be a supported ISO 4217 currency code ('{code}' is not)")


@rules.check("RUD-7", "References must exist (clientId, practiceId, businessUnitId, "
             "projectTypeId, each tagIds entry, salesRepresentativeId; projectAdminId on create): "
             "400 listing each.", on=WRITES, schema_fields=(*REFERENCES, "tagIds"),
             schema_keywords=("pattern", "format"))
def _references_exist(change: Change) -> Iterator[Violation]:
    for field, (collection, noun) in REFERENCES.items():
        value = change.body.get(field)
        if isinstance(value, str) and _lower(value) not in change.state[collection]:
            yield _invalid("RUD-7", field, f"'{field}' does not match an existing {noun}",
                           Code.REFERENCE)
    tags = change.body.get("tagIds")
    for i, tag in enumerate(tags if isinstance(tags, list) else ()):
        if _lower(tag) not in change.state["project_tags"]:
            yield _invalid("RUD-7", f"tagIds.{i}",
                           f"'tagIds[{i}]' does not match an existing project tag", Code.REFERENCE)


@rules.check("RUD-11", "\"\" is stored as null and null unsets an optional field (both done when "
             "the record is built); so \"\" for a field that cannot be null (name) is a 400.",
             on=WRITES)
def _empty_required_text(change: Change) -> Iterator[Violation]:
    if change.body.get("name") == "":
        yield _invalid("RUD-11", "name", "'name' cannot be empty")


@rules.check("RUD-12", "key is a slug, unique in the workspace (trimmed, case-insensitive, own key "
             "excluded): a duplicate is 409.", on=WRITES, schema_fields=("key",))
def _unique_key(change: Change) -> Iterator[Violation]:
    key = change.body.get("key")
    if isinstance(key, str) and taken_by_other(change, "projects", "key", normalized(key)):
        yield Violation(409, Code.DUPLICATE, f"A project with the key '{key}' already exists.",
                        field="key", rule="RUD-12")


def _effect(rule_id: str, summary: str) -> Callable[[EffectFn], EffectFn]:
    """``rules.effect`` for effects that report whether they acted, as ``Context.commit`` reads
    them (the core's own ``EffectFn`` alias is typed ``-> None``)."""

    def register(fn: EffectFn) -> EffectFn:
        untyped: Any = fn
        rules.effect(rule_id, summary, on=WRITES)(untyped)
        return fn

    return register


@_effect("RUD-9", "completedOn becomes today when statusId becomes completed and is cleared "
         "when it leaves completed.")
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


@_effect("RUD-10", "Gated inputs are accepted and ignored, i.e. NOT stored (decision): budget "
         "amounts while useBudget is false (the five non-services amounts also while budgetMode "
         "is not summary), the monthly ones likewise, maxMemberHoursPer* while its cap flag is "
         "false, trackTimeToAssignedRoles while useRoles is false; gates are read on the merged "
         "state, and the stored value stays as it was.")
def _ignore_gated_inputs(change: Change) -> bool:
    assert change.new is not None
    new, base = change.new, change.target or DEFAULTS
    ignored = [field for field, gate_open in _gates(new).items()
               if change.touches(field) and not gate_open]
    for field in ignored:
        new[field] = base.get(field)
    return bool(ignored)


def _gates(record: Mapping[str, Any]) -> dict[str, bool]:
    gates = {"trackTimeToAssignedRoles": bool(record.get("useRoles"))}
    gates |= {cap: bool(record.get(flag)) for cap, flag in CAPS.items()}
    for kind in ("budget", "monthlyBudget"):
        used = bool(record.get(f"use{kind[0].upper()}{kind[1:]}"))
        summary = record.get(f"{kind}Mode") == "summary"
        for suffix in BUDGET_AMOUNTS.values():
            gates[f"{kind}{suffix}"] = used and (suffix == "ServiceRevenue" or summary)
    return gates


rules.schema("RUD-13", "Success is 200 with the full project and its nested client, practice, "
             "projectType, projectGroup, tags, businessUnit, salesRepresentative; neighbours "
             "GET /projects, GET /projects/{id}, POST /projects (name, clientId, billingTypeId "
             "required).", keywords=("required",), on=("createProject",))
# Last, so it only claims what the rules above did not: every other 400 (types, nulls, query).
rules.schema("RUD-1", "Errors are {status, message, errors?}; 401 \"The provided bearer token is "
             "missing or invalid.\"; validation errors are 400 with one string per problem.",
             codes=(Code.SCHEMA, Code.BAD_JSON))


# -- the vendor -----------------------------------------------------------------------------
def _not_found() -> Violation:
    return Violation(404, Code.NOT_FOUND, "Project not found.", rule="RUD-2")


def _top(field: str | None) -> str:
    return (field or "").split(".", 1)[0]


class Ruddr(Vendor):
    id = "ruddr"
    title = "Ruddr"
    prefix = "/ruddr/api/workspace"
    rules = rules
    sample = Sample(
        path="/projects/572e66b1-60a6-4935-853f-b59b053112e6",
        body={"name": "Website Redesign 2.0", "statusId": "in_progress", "end": "2025-10-31"},
        rejected={"end": "2025-02-28"},
        missing_path="/projects/00000000-0000-4000-8000-000000000000",
    )
    collections: ClassVar[Mapping[str, CollectionSpec]] = {
        "tokens": CollectionSpec(id_field="token"),
        "projects": CollectionSpec(indexes={
            "key": lambda r: normalized(r.get("key")),
            "client": lambda r: r.get("clientId"),
        }),
        "clients": CollectionSpec(),
        "practices": CollectionSpec(),
        "business_units": CollectionSpec(),
        "project_types": CollectionSpec(),
        "project_groups": CollectionSpec(),
        "project_tags": CollectionSpec(),
        "members": CollectionSpec(),
        "currencies": CollectionSpec(id_field="code"),
    }

    def operations(self) -> Mapping[str, Handler]:
        return {
            "listProjects": self.list_projects,
            "createProject": self.create_project,
            "getProject": self.get_project,
            "updateProject": self.update_project,
        }

    # -- errors ---------------------------------------------------------------------------
    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        first = violations[0]
        status = first.status
        if first.code is Code.UNAUTHORIZED:
            return Reply(status, {"status": status, "message": UNAUTHORIZED})
        if any(v.location == "path" for v in violations):  # documented literal, no errors list
            return Reply(status, {"status": status,
                                  "message": f"Parameter '{first.field}' is not a valid UUID."})
        if status == 400:
            problems = list(dict.fromkeys(_problem(v) for v in violations))
            return Reply(status, {"status": status, "message": INVALID, "errors": problems})
        return Reply(status, {"status": status, "message": first.message})

    # -- rendering ------------------------------------------------------------------------
    def render(self, ctx: Context, record: Record) -> dict[str, Any]:
        """The response project (RUD-8, RUD-13), always derived from the stored record."""
        state = ctx.state
        client = state["clients"].get(record["clientId"]) or {}
        gates = _gates(record)
        shown: dict[str, Any] = {
            name: record.get(name) for name in (
                "id", "key", "name", "notes", "statusId", "start", "end", "code", "poNumber",
                "billingTypeId", "currency", "useRoles", "useBudget", "useMonthlyBudget",
                "requiresNotes", "requiresTasks", "recordStatusId", "lockTimeAndExpenses",
                "cloudFolderUrl", "createdAt", "completedOn", *CAPS.values(),
            )
        }
        shown |= {
            "isBillable": record["billingTypeId"] != "non_billable",
            "revenueRecognitionMethod": record.get("revenueRecognitionMethod")
            if record["billingTypeId"] in FIXED_BILLING else None,
            "fixedFee": None, "fixedRecurringFee": None,
            "fixedRecurringStart": None, "fixedRecurringEnd": None,
            "budgetMode": record.get("budgetMode") if record.get("useBudget") else None,
            "monthlyBudgetMode": record.get("monthlyBudgetMode")
            if record.get("useMonthlyBudget") else None,
            "trackTimeToAssignedRoles": bool(record.get("trackTimeToAssignedRoles"))
            if gates["trackTimeToAssignedRoles"] else None,
            "isProductive": bool(record.get("isProductive")) if client.get("isInternal") else None,
        }
        shown |= {cap: record.get(cap) if gates[cap] else None for cap in CAPS}
        for name, (field, collection) in NESTED.items():
            shown[name] = _named(state[collection].get(record.get(field)))
        shown["client"] = _named(client) or {"id": record["clientId"], "name": ""}
        tags = (state["project_tags"].get(t) for t in record.get("tagIds") or ())
        shown["tags"] = [_named(t) for t in tags if t is not None]
        for kind, flag in (("budget", "useBudget"), ("monthlyBudget", "useMonthlyBudget")):
            if record.get(flag):
                amounts = {k: record.get(f"{kind}{s}") or 0 for k, s in BUDGET_AMOUNTS.items()}
                shown[kind] = {"revenue": amounts["servicesRevenue"] + amounts["otherRevenue"],
                               **amounts}
        ctx.fire("RUD-8")
        ctx.fire("RUD-13")
        return {name: shown.pop(name) for name in RESPONSE_ORDER} | shown

    # -- operations -----------------------------------------------------------------------
    def _locate(self, ctx: Context) -> Record:
        return ctx.locate("projects", _lower(ctx.incoming.path_params.get("id")), _not_found())

    def get_project(self, ctx: Context) -> Reply:
        return Reply(200, self.render(ctx, self._locate(ctx)))

    def update_project(self, ctx: Context) -> Reply:
        target = self._locate(ctx)
        change = ctx.change(target)
        _admit(ctx, change)
        new = {**target, **_stored_values(ctx, change.body, WRITABLE)}
        ctx.fire("GEN-1")  # no updatedAt: GEN-11 does not apply to Ruddr
        record = ctx.commit(change, ctx.state["projects"], new)
        return Reply(200, self.render(ctx, record))

    def create_project(self, ctx: Context) -> Reply:
        change = ctx.change()
        _admit(ctx, change)
        values = _stored_values(ctx, change.body, (*WRITABLE, *CREATE_ONLY))
        projects = ctx.state["projects"]
        client = ctx.state["clients"].get(values["clientId"]) or {}
        new = DEFAULTS | {"currency": client.get("currency") or WORKSPACE_CURRENCY} | values
        new |= {"id": str(uuid.uuid4()), "createdAt": iso_z(ctx.now, 3)}
        if new["key"] is None:
            new["key"] = _free_key(ctx, new["name"])
        record = ctx.commit(change, projects, new)
        return Reply(200, self.render(ctx, record))

    def list_projects(self, ctx: Context) -> Reply:
        query = ctx.incoming.query
        after, before = _lower(query.get("startingAfter")), _lower(query.get("endingBefore"))
        if after and before:
            ctx.reject(Violation(400, Code.INVALID,
                                 "'startingAfter' and 'endingBefore' cannot be used together",
                                 field="startingAfter", location="query", rule="RUD-13"))
        projects = ctx.state["projects"]
        client_id = _lower(query.get("clientId"))
        candidates = (projects.get(i) for i in projects.find("client", client_id)) \
            if client_id else iter(projects)
        wanted = {k: query.get(k) for k in ("code", "statusId", "recordStatusId") if query.get(k)}
        found = [r for r in candidates
                 if r is not None and all(r.get(k) == v for k, v in wanted.items())]
        order = sorted(found, key=_newest_first, reverse=True)
        limit = as_int(query.get("limit")) or 10
        cursor_name, cursor_id = ("startingAfter", after) if after else ("endingBefore", before)
        if cursor_id:
            cursor = projects.get(cursor_id)
            if cursor is None:
                ctx.reject(Violation(400, Code.INVALID,
                                     f"'{cursor_name}' does not match an existing project",
                                     field=cursor_name, location="query", rule="RUD-13"))
            mark = _newest_first(cursor)
            order = [r for r in order
                     if (_newest_first(r) < mark if after else _newest_first(r) > mark)]
        page = order[-limit:] if before else order[:limit]
        body = {"results": [self.render(ctx, r) for r in page], "hasMore": len(order) > limit}
        ctx.fire("RUD-13")
        return Reply(200, body)


def _admit(ctx: Context, change: Change) -> None:
    """ctx.admit, except that schema violations and business 400s are reported together.

    Ruddr answers every validation problem with the same 400 envelope, and the spec promises all
    of a request's problems in one response (GEN-5). So the business checks also run when the
    schema check failed, on the body without its invalid fields; the lowest status still wins,
    so a duplicate key (409) only shows once the request has no 400 problem.
    """
    ctx.checks(Phase.PERMISSION, change)
    found: list[Violation] = []
    probe = change
    try:
        ctx.validate_body()
    except Rejection as rejection:
        if not isinstance(change.body, Mapping) or any(
            v.code not in (Code.SCHEMA, Code.UNKNOWN_FIELD) for v in rejection.violations
        ):
            raise
        found = [each for v in rejection.violations for each in _each_missing(v)]
        invalid = {_top(v.field) for v in found}
        valid = {k: v for k, v in change.body.items() if k not in invalid}
        probe = ctx.change(change.target, valid)
        probe.extra["invalid"] = invalid
    for rule in ctx.vendor.rules.checks(Phase.BUSINESS, ctx.operation):
        assert rule.fn is not None
        found.extend(v if v.rule else replace(v, rule=rule.id) for v in rule.fn(probe))
    if found:
        position = {name: i for i, name in enumerate(change.body)}
        ctx.reject(*sorted(pick_answer(found), key=lambda v: position.get(_top(v.field), -1)))


def _each_missing(violation: Violation) -> list[Violation]:
    """One violation per missing field: the core's BodySchema names only the first of a
    ``required`` list (GEN-5 wants each)."""
    instance = violation.params.get("value")
    if violation.keyword != "required" or not isinstance(instance, Mapping):
        return [violation]
    parent = (violation.field or "").rpartition(".")[0]
    missing = [f for f in violation.params.get("limit") or () if f not in instance]
    fields = [f"{parent}.{f}" if parent else f for f in missing]
    return [replace(violation, field=f) for f in fields] or [violation]


def _stored_values(ctx: Context, body: Mapping[str, Any], allowed: Sequence[str]) -> Record:
    """The body's fields as stored: "" -> null (RUD-11), null tags -> [], ids lower-cased."""
    values: Record = {}
    for name in allowed:
        if name not in body:
            continue
        value = body[name]
        if value == "":
            ctx.fire("RUD-11")
            value = None
        elif value is None:
            ctx.fire("RUD-11")
        if name == "tagIds":
            value = list(dict.fromkeys(_lower(t) for t in value or ()))
        elif name in REFERENCES:
            value = _lower(value)
        values[name] = value
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
_PATTERNS = {
    _SCHEMAS["Uuid"]["pattern"]: "must be a valid UUID",
    _SCHEMAS["ProjectUpdate"]["properties"]["start"]["pattern"]: DATE_FORMAT,
    _SCHEMAS["ProjectUpdate"]["properties"]["key"]["pattern"]:
        "must contain only lowercase letters, digits and single dashes",
    _SCHEMAS["ProjectUpdate"]["properties"]["currency"]["pattern"]: CURRENCY_FORMAT,
}
_FORMATS = {"uuid": "must be a valid UUID", "date": DATE_FORMAT}
_TYPES = {"integer": "an integer", "number": "a number", "string": "a string",
          "boolean": "a boolean", "array": "an array", "object": "an object"}


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
