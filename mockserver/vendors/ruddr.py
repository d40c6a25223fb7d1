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
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from mockserver.core.change import Change
from mockserver.core.checks import merged_pair, normalized, taken_by_other
from mockserver.core.pipeline import Context, Reply
from mockserver.core.rules import RuleRegistry
from mockserver.core.scenarios import ANY, Call, Scenario
from mockserver.core.spec import load_spec
from mockserver.core.store import CollectionSpec, Record
from mockserver.core.vendor import SPECS_DIR, Handler, Sample, Vendor
from mockserver.core.violations import Code, Rejection, Violation
from mockserver.vendors._common import as_int, iso_z

WRITES = ("updateProject", "createProject")
BY_ID = ("getProject", "updateProject")
_SCHEMAS = load_spec(SPECS_DIR / "ruddr.yaml")["components"]["schemas"]
_UPDATE = _SCHEMAS["ProjectUpdate"]["properties"]
WRITABLE = tuple(_UPDATE)
"""What PATCH may change: exactly the documented update fields (anything else is GEN-7)."""
CREATE_ONLY = ("isProductive", "projectAdminId")
RESPONSE_ORDER = tuple(_SCHEMAS["Project"]["required"])

UNAUTHORIZED = "The provided bearer token is missing or invalid."
INVALID = "There was a problem processing your request. See errors for more details."
WORKSPACE_CURRENCY = "USD"
FIXED_BILLING = ("fixed", "fixed_recurring")
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

rules = RuleRegistry(vendor="ruddr")


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
)
def _start_not_after_end(change: Change) -> Iterator[Violation]:
    if change.touches("start") or change.touches("end"):
        start, end = merged_pair(change, "start", "end")
        if start and end and start > end:
            yield _invalid("RUD-5", "end", "'end' must be on or after 'start'", Code.DATE_RANGE)


@rules.check(
    "RUD-6", "currency is a code of the `currencies` collection: 400.", on=WRITES, schema_fields=("currency",)
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


rules.mechanism(
    "RUD-8",
    "Derived response fields (isBillable, gated and deprecated fields, budget objects, "
    "isProductive), computed from the stored record on every render.",
)


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


@rules.check(
    "RUD-11",
    '"" is stored as null and null unsets an optional field (see _stored_values); so "" for '
    "name, which cannot be null, is a 400.",
    on=WRITES,
)
def _empty_required_text(change: Change) -> Iterator[Violation]:
    if change.body.get("name") == "":
        yield _invalid("RUD-11", "name", "'name' cannot be empty")


@rules.check(
    "RUD-12",
    "key is unique in the workspace (trimmed, case-insensitive, own key excluded): 409.",
    on=WRITES,
    schema_fields=("key",),
)
def _unique_key(change: Change) -> Iterator[Violation]:
    key = change.body.get("key")
    if taken_by_other(change, "projects", "key", normalized(key)):
        message = f"A project with the key '{key}' already exists."
        yield Violation(409, Code.DUPLICATE, message, field="key", rule="RUD-12")


rules.schema(
    "RUD-13",
    "Success is 200 with the full nested project; neighbours GET /projects, GET /projects/{id}, "
    "POST /projects (name, clientId, billingTypeId required).",
    keywords=("required",),
    on=("createProject",),
)


# -- executable scenarios (contracts.scenarios runs them against the mock or a real tenant) ------
# Portable arrangement: a client id is read from the newest existing project (a workspace always
# has clients, but this API has no client endpoint), then projects are created with unique keys.
GHOST = "11111111-1111-4111-8111-111111111111"  # a well-formed uuid no workspace has
MISSING = "00000000-0000-4000-8000-000000000000"
_FIXTURE_WEBSITE = "572e66b1-60a6-4935-853f-b59b053112e6"  # fixture ids: admin_only scenarios
_FIXTURE_MOBILE = "0d4f8a2c-7e1b-4c6d-9f3a-5b8e2c1d7a94"
_FIXTURE_BRAND = "6a1e9c3f-2d7b-4f8a-8c4e-1b5d9f0a3e72"
_FIXTURE_GLOBEX = "3c1e7a52-0f4b-4d8e-9a61-5b2f8c7d9e01"
_FIXTURE_NORTHWIND = "b5e3c8a1-4d2f-4a6b-9c7e-1f8d3a2b6c90"


def _patch(project: str, body: Any, status: int = 200, expect: Any = None, **kw: Any) -> Call:
    return Call("PATCH", f"/projects/{project}", body, status=status, expect=expect, **kw)


def _create(body: Any, status: int = 200, expect: Any = None, **kw: Any) -> Call:
    return Call("POST", "/projects", body, status=status, expect=expect, **kw)


def _read(project: str, expect: Any) -> Call:
    return Call("GET", f"/projects/{project}", status=200, expect=expect)


def _invalid_body(*problems: str) -> dict[str, Any]:
    return {"status": 400, "message": INVALID, "errors": list(problems)}


_FIND_CLIENT = Call("GET", "/projects?limit=1", save={"client": "results.0.client.id"})
_CREATE_A = Call(
    "POST",
    "/projects",
    {"name": "Scenario A {run}", "clientId": "{client}", "billingTypeId": "tm", "key": "scenario-a-{run}"},
    save={"a": "id"},
)
_CREATE_B = Call(
    "POST",
    "/projects",
    {"name": "Scenario B {run}", "clientId": "{client}", "billingTypeId": "tm", "key": "scenario-b-{run}"},
    save={"b": "id"},
)
_A = (_FIND_CLIENT, _CREATE_A)
_AB = (_FIND_CLIENT, _CREATE_A, _CREATE_B)
_DATED = (*_A, _patch("{a}", {"start": "2025-03-01", "end": "2025-06-30"}))
_END_BEFORE_START = "'end' must be on or after 'start'"
_NOT_UUID = {"status": 400, "message": "Parameter 'id' is not a valid UUID."}
_NOT_FOUND = {"status": 404, "message": "Project not found."}
_ENUMS = {
    "billingTypeId": "tm, fixed, fixed_recurring, non_billable",
    "statusId": "tentative, not_started, in_progress, paused, completed",
    "recordStatusId": "active, archived",
    "revenueRecognitionMethod": "invoiced, manual",
    "budgetMode": "summary, detailed, aggregated",
    "monthlyBudgetMode": "summary, detailed",
}
_LIMITS = {"name": 255, "notes": 5000, "code": 255, "poNumber": 255, "cloudFolderUrl": 1024}
_NO_BUDGET = {"servicesRevenue": 0, "otherRevenue": 0, "billableExpenses": 0, "nonBillableExpenses": 0}

SCENARIOS = (
    # RUD-1: the envelope, the 401 literal, one string per problem in one 400.
    Scenario(
        "RUD-1",
        "no bearer token: 401 with the documented literal",
        _patch("{a}", {"name": "x"}, 401, {"status": 401, "message": UNAUTHORIZED}, token=None),
        setup=_A,
    ),
    Scenario(
        "RUD-1",
        "an unknown bearer token: 401 with the documented literal",
        _patch("{a}", {"name": "x"}, 401, {"status": 401, "message": UNAUTHORIZED}, token="no-such-key"),
        setup=_A,
    ),
    Scenario(
        "RUD-1",
        "every problem of a body is one string of one 400",
        _patch(
            "{a}",
            {
                "name": "n" * 256,
                "billingTypeId": "hourly",
                "key": "Not_A_Key",
                "currency": "dollars",
                "maxMemberHoursPerDay": "8",
                "practiceId": GHOST,
            },
            400,
            _invalid_body(
                "'name' must be at most 255 characters",
                "'billingTypeId' must be one of: tm, fixed, fixed_recurring, non_billable",
                "'key' must contain only lowercase letters, digits and single dashes",
                "'currency' must be a 3-letter ISO 4217 currency code",
                "'maxMemberHoursPerDay' must be an integer",
                "'practiceId' does not match an existing practice",
            ),
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-1",
        "nulls, types and formats are worded per field",
        _patch(
            "{a}",
            {"clientId": None, "useRoles": "yes", "start": "2025-02-30", "tagIds": ["nope"]},
            400,
            _invalid_body(
                "'clientId' cannot be null",
                "'useRoles' must be a boolean",
                "'start' must be a valid date (YYYY-MM-DD)",
                "'tagIds[0]' must be a valid UUID",
            ),
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-1",
        "malformed JSON is a 400 in the envelope",
        Call("PATCH", "/projects/{a}", raw=b'{"name": ', status=400, expect={"status": 400, "errors": [ANY]}),
        setup=_A,
    ),
    Scenario(
        "RUD-1",
        "a body that is not an object",
        Call(
            "PATCH",
            "/projects/{a}",
            raw=b"[1, 2]",
            status=400,
            expect=_invalid_body("The request body must be a JSON object"),
        ),
        setup=_A,
    ),
    # RUD-2: the path id is a uuid; 401, then the uuid check, then 404, then the body.
    Scenario(
        "RUD-2",
        "a malformed id is 400 with the documented literal, before the body",
        _patch("not-a-uuid", {"name": 5}, 400, _NOT_UUID),
    ),
    Scenario(
        "RUD-2",
        "a truncated uuid on GET is the same 400",
        Call("GET", "/projects/572e66b1-60a6-4935-853f-b59b053112e", status=400, expect=_NOT_UUID),
    ),
    Scenario(
        "RUD-2",
        "the token is checked before the id",
        _patch("not-a-uuid", {"name": 5}, 401, {"status": 401, "message": UNAUTHORIZED}, token=None),
    ),
    Scenario(
        "RUD-2",
        "an unknown id is 404, before the body's problem",
        _patch(MISSING, {"name": "n" * 300}, 404, _NOT_FOUND),
    ),
    Scenario(
        "RUD-2",
        "an unknown id on GET is 404",
        Call("GET", f"/projects/{MISSING}", status=404, expect=_NOT_FOUND),
    ),
    Scenario(
        "RUD-2",
        "ids compare case-insensitively",
        _patch(_FIXTURE_WEBSITE.upper(), {"code": "WR-002"}, 200, {"id": _FIXTURE_WEBSITE, "code": "WR-002"}),
        admin_only=True,
    ),
    # RUD-3: lengths.
    Scenario(
        "RUD-3",
        "every field over its limit is reported",
        _patch(
            "{a}",
            {field: "x" * (limit + 1) for field, limit in _LIMITS.items()},
            400,
            _invalid_body(
                *(f"'{field}' must be at most {limit} characters" for field, limit in _LIMITS.items())
            ),
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-3",
        "every field at its limit is accepted and stored",
        _patch("{a}", {field: "x" * limit for field, limit in _LIMITS.items()}),
        setup=_A,
        then=(_read("{a}", {field: "x" * limit for field, limit in _LIMITS.items()}),),
    ),
    # RUD-4: enums.
    Scenario(
        "RUD-4",
        "a value outside each enum is reported",
        _patch(
            "{a}",
            dict.fromkeys(_ENUMS, "aggregated_hourly"),
            400,
            _invalid_body(*(f"'{field}' must be one of: {values}" for field, values in _ENUMS.items())),
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-4",
        "cancelled cannot be written",
        _patch(
            "{a}",
            {"statusId": "cancelled"},
            400,
            _invalid_body(f"'statusId' must be one of: {_ENUMS['statusId']}"),
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-4",
        "the last documented value of each enum is accepted",
        _patch(
            "{a}",
            {
                "billingTypeId": "fixed_recurring",
                "statusId": "paused",
                "recordStatusId": "archived",
                "revenueRecognitionMethod": "manual",
                "useBudget": True,
                "budgetMode": "aggregated",
                "useMonthlyBudget": True,
                "monthlyBudgetMode": "detailed",
            },
            200,
            {
                "billingTypeId": "fixed_recurring",
                "statusId": "paused",
                "recordStatusId": "archived",
                "revenueRecognitionMethod": "manual",
                "budgetMode": "aggregated",
                "monthlyBudgetMode": "detailed",
            },
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-4",
        "a stored cancelled status is shown and filtered on",
        Call(
            "GET",
            "/projects?statusId=cancelled",
            status=200,
            expect={"results": [{"id": _FIXTURE_MOBILE, "statusId": "cancelled"}], "hasMore": False},
        ),
        given={"projects": {_FIXTURE_MOBILE: {"statusId": "cancelled"}}},
    ),
    # RUD-5: start <= end on the merged state.
    Scenario(
        "RUD-5",
        "start after end in the same request",
        _patch("{a}", {"start": "2025-07-01", "end": "2025-06-30"}, 400, _invalid_body(_END_BEFORE_START)),
        setup=_A,
    ),
    Scenario(
        "RUD-5",
        "an end alone, before the stored start",
        _patch("{a}", {"end": "2025-02-28"}, 400, _invalid_body(_END_BEFORE_START)),
        setup=_DATED,
    ),
    Scenario(
        "RUD-5",
        "a start alone, after the stored end",
        _patch("{a}", {"start": "2025-07-01"}, 400, _invalid_body(_END_BEFORE_START)),
        setup=_DATED,
    ),
    Scenario(
        "RUD-5",
        "an end equal to the stored start is accepted",
        _patch("{a}", {"end": "2025-03-01"}, 200, {"start": "2025-03-01", "end": "2025-03-01"}),
        setup=_DATED,
    ),
    Scenario(
        "RUD-5",
        "clearing the start opens the range",
        _patch("{a}", {"start": None, "end": "2020-01-01"}, 200, {"start": None, "end": "2020-01-01"}),
        setup=_DATED,
    ),
    # RUD-6: currency.
    Scenario(
        "RUD-6",
        "an unknown ISO code",
        _patch(
            "{a}",
            {"currency": "XYZ"},
            400,
            _invalid_body("'currency' must be a supported ISO 4217 currency code ('XYZ' is not)"),
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-6",
        "a lower-case code is malformed",
        _patch(
            "{a}",
            {"currency": "usd"},
            400,
            _invalid_body("'currency' must be a 3-letter ISO 4217 currency code"),
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-6",
        "a known code is stored",
        _patch("{a}", {"currency": "CHF"}, 200, {"currency": "CHF"}),
        setup=_A,
        then=(_read("{a}", {"currency": "CHF"}),),
    ),
    # RUD-7: references.
    Scenario(
        "RUD-7",
        "every unknown reference is listed",
        _patch(
            "{a}",
            {
                "clientId": GHOST,
                "practiceId": GHOST,
                "businessUnitId": GHOST,
                "projectTypeId": GHOST,
                "tagIds": [GHOST, MISSING],
                "salesRepresentativeId": GHOST,
            },
            400,
            _invalid_body(
                "'clientId' does not match an existing client",
                "'practiceId' does not match an existing practice",
                "'businessUnitId' does not match an existing business unit",
                "'projectTypeId' does not match an existing project type",
                "'tagIds[0]' does not match an existing project tag",
                "'tagIds[1]' does not match an existing project tag",
                "'salesRepresentativeId' does not match an existing member",
            ),
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-7",
        "create checks the client and the project admin",
        _create(
            {"name": "Ghost {run}", "clientId": MISSING, "billingTypeId": "tm", "projectAdminId": MISSING},
            400,
            _invalid_body(
                "'clientId' does not match an existing client",
                "'projectAdminId' does not match an existing member",
            ),
        ),
    ),
    Scenario(
        "RUD-7",
        "existing references are stored and shown nested",
        _patch(
            _FIXTURE_MOBILE,
            {
                "clientId": _FIXTURE_GLOBEX,
                "practiceId": "2A7C4E19-8B3D-4F6A-A1C5-9D0E7B2F4C63",
                "businessUnitId": "5d8f1a3c-7e2b-4c9d-b6a4-0e3f9c1d2a58",
                "projectTypeId": "e8b1d4f6-2c9a-4a7e-8d3b-5f0c1e9a6b24",
                "tagIds": ["6e4b2d8f-9a1c-4f7e-b3d5-2c8a0f6e9b71", "6e4b2d8f-9a1c-4f7e-b3d5-2c8a0f6e9b71"],
                "salesRepresentativeId": "4f7a1c9e-6d3b-4e2f-8a5c-0b9e2d7f3a16",
            },
            200,
            {
                "client": {"id": _FIXTURE_GLOBEX, "name": "Globex GmbH"},
                "practice": {"id": "2a7c4e19-8b3d-4f6a-a1c5-9d0e7b2f4c63", "name": "Data & Analytics"},
                "businessUnit": {"id": "5d8f1a3c-7e2b-4c9d-b6a4-0e3f9c1d2a58", "name": "Marketing"},
                "projectType": {"id": "e8b1d4f6-2c9a-4a7e-8d3b-5f0c1e9a6b24", "name": "Brand Consulting"},
                "tags": [{"id": "6e4b2d8f-9a1c-4f7e-b3d5-2c8a0f6e9b71", "name": "Retainer"}],
                "salesRepresentative": {"id": "4f7a1c9e-6d3b-4e2f-8a5c-0b9e2d7f3a16", "name": "Priya Patel"},
            },
        ),
        admin_only=True,
    ),
    # RUD-8: derived fields.
    Scenario(
        "RUD-8",
        "a new tm project: billable, gated fields and deprecated fields null",
        _read(
            "{a}",
            {
                "isBillable": True,
                "revenueRecognitionMethod": None,
                "budgetMode": None,
                "monthlyBudgetMode": None,
                "maxMemberHoursPerDay": None,
                "maxMemberHoursPerWeek": None,
                "maxMemberHoursPerMonth": None,
                "trackTimeToAssignedRoles": None,
                "fixedFee": None,
                "fixedRecurringFee": None,
                "fixedRecurringStart": None,
                "fixedRecurringEnd": None,
            },
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-8",
        "the revenue method shows only under fixed billing, hidden not lost",
        _patch("{a}", {"billingTypeId": "tm"}, 200, {"revenueRecognitionMethod": None, "isBillable": True}),
        setup=(*_A, _patch("{a}", {"billingTypeId": "fixed", "revenueRecognitionMethod": "manual"})),
        then=(_patch("{a}", {"billingTypeId": "fixed"}, 200, {"revenueRecognitionMethod": "manual"}),),
    ),
    Scenario(
        "RUD-8",
        "non_billable is the only billing that is not billable",
        _patch("{a}", {"billingTypeId": "non_billable"}, 200, {"isBillable": False}),
        setup=_A,
    ),
    Scenario(
        "RUD-8",
        "a summary budget adds services and other revenue",
        _patch(
            "{a}",
            {
                "useBudget": True,
                "budgetMode": "summary",
                "budgetServiceRevenue": 1000,
                "budgetOtherItemsAmount": 200,
                "budgetBillableHours": 10,
            },
            200,
            {
                "budgetMode": "summary",
                "budget": {
                    "revenue": 1200,
                    "servicesRevenue": 1000,
                    "otherRevenue": 200,
                    "billableExpenses": 0,
                    "nonBillableExpenses": 0,
                    "billableHours": 10,
                    "nonBillableHours": 0,
                },
                "monthlyBudgetMode": None,
            },
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-8",
        "closing a member-hours cap shows null; reopening shows the stored cap",
        _patch("{a}", {"capMaxMemberHoursPerDay": False}, 200, {"maxMemberHoursPerDay": None}),
        setup=(*_A, _patch("{a}", {"capMaxMemberHoursPerDay": True, "maxMemberHoursPerDay": 8})),
        then=(_patch("{a}", {"capMaxMemberHoursPerDay": True}, 200, {"maxMemberHoursPerDay": 8}),),
    ),
    Scenario(
        "RUD-8",
        "role tracking shows null once roles are off",
        _patch("{a}", {"useRoles": False}, 200, {"trackTimeToAssignedRoles": None}),
        setup=(*_A, _patch("{a}", {"useRoles": True, "trackTimeToAssignedRoles": True})),
    ),
    Scenario(
        "RUD-8",
        "isProductive shows only for an internal client",
        _create(
            {
                "name": "Bench {run}",
                "clientId": _FIXTURE_NORTHWIND,
                "billingTypeId": "non_billable",
                "isProductive": True,
            },
            200,
            {"isProductive": True, "isBillable": False},
        ),
        admin_only=True,
    ),
    # RUD-9: completedOn.
    Scenario(
        "RUD-9",
        "completing sets completedOn to a date",
        _patch("{a}", {"statusId": "completed"}, 200, {"completedOn": ANY}, save={"done": "completedOn"}),
        setup=_A,
        # completedOn must be a real YYYY-MM-DD: used as start and end, it is accepted ("None" is not).
        then=(_patch("{a}", {"start": "{done}", "end": "{done}"}, 200, {"statusId": "completed"}),),
    ),
    Scenario(
        "RUD-9",
        "leaving completed clears completedOn",
        _patch("{a}", {"statusId": "paused"}, 200, {"completedOn": None}),
        setup=(*_A, _patch("{a}", {"statusId": "completed"})),
        then=(_read("{a}", {"completedOn": None, "statusId": "paused"}),),
    ),
    Scenario(
        "RUD-9",
        "a rejected completion sets nothing",
        _patch("{a}", {"statusId": "completed", "end": "2024-01-01"}, 400, _invalid_body(_END_BEFORE_START)),
        setup=_DATED,
        then=(_read("{a}", {"completedOn": None, "statusId": "tentative"}),),
    ),
    Scenario(
        "RUD-9",
        "a project created completed has a completedOn",
        _create(
            {"name": "Closed {run}", "clientId": "{client}", "billingTypeId": "tm", "statusId": "completed"},
            200,
            {"statusId": "completed", "completedOn": ANY},
            save={"c": "id", "done": "completedOn"},
        ),
        setup=(_FIND_CLIENT,),
        then=(_patch("{c}", {"start": "{done}"}, 200, {"statusId": "completed"}),),
    ),
    # RUD-10: gated inputs are accepted and ignored.
    Scenario(
        "RUD-10",
        "caps and role tracking without their flag are accepted and not stored",
        _patch(
            "{a}",
            {"maxMemberHoursPerDay": 10, "trackTimeToAssignedRoles": True, "name": "Gated {run}"},
            200,
            {"maxMemberHoursPerDay": None, "trackTimeToAssignedRoles": None},
        ),
        setup=_A,
        then=(
            _patch(
                "{a}",
                {"capMaxMemberHoursPerDay": True, "useRoles": True},
                200,
                {"maxMemberHoursPerDay": None, "trackTimeToAssignedRoles": False},
            ),
        ),
    ),
    Scenario(
        "RUD-10",
        "a gate opened in the same request takes the value",
        _patch(
            "{a}",
            {
                "capMaxMemberHoursPerWeek": True,
                "maxMemberHoursPerWeek": 45,
                "useRoles": True,
                "trackTimeToAssignedRoles": True,
            },
            200,
            {"maxMemberHoursPerWeek": 45, "trackTimeToAssignedRoles": True},
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-10",
        "a detailed budget takes the services revenue and ignores the other amounts",
        _patch(
            "{a}",
            {"budgetServiceRevenue": 150, "budgetBillableHours": 9999, "budgetOtherItemsAmount": 1},
            200,
            {
                "budget": {
                    "revenue": 150,
                    **_NO_BUDGET,
                    "servicesRevenue": 150,
                    "billableHours": 0,
                    "nonBillableHours": 0,
                }
            },
        ),
        setup=(*_A, _patch("{a}", {"useBudget": True, "budgetMode": "detailed"})),
    ),
    Scenario(
        "RUD-10",
        "monthly amounts without useMonthlyBudget are not stored",
        _patch(
            "{a}",
            {"monthlyBudgetServiceRevenue": 5, "monthlyBudgetMode": "summary"},
            200,
            {"monthlyBudgetMode": None},
        ),
        setup=_A,
        then=(
            _patch(
                "{a}",
                {"useMonthlyBudget": True},
                200,
                {"monthlyBudget": {"revenue": 0, **_NO_BUDGET, "billableHours": 0, "nonBillableHours": 0}},
            ),
        ),
    ),
    # RUD-11: "" is null, null unsets.
    Scenario(
        "RUD-11",
        "empty strings are stored as null",
        _patch(
            "{a}",
            {"notes": "", "code": "", "poNumber": "", "cloudFolderUrl": ""},
            200,
            {"notes": None, "code": None, "poNumber": None, "cloudFolderUrl": None},
        ),
        setup=(
            *_A,
            _patch("{a}", {"notes": "n", "code": "c", "poNumber": "p", "cloudFolderUrl": "https://x.test"}),
        ),
        then=(_read("{a}", {"notes": None, "code": None, "poNumber": None, "cloudFolderUrl": None}),),
    ),
    Scenario(
        "RUD-11",
        "null unsets optional fields",
        _patch(
            "{a}", {"code": None, "end": None, "tagIds": None}, 200, {"code": None, "end": None, "tags": []}
        ),
        setup=(*_A, _patch("{a}", {"code": "SCN", "end": "2025-06-30"})),
    ),
    Scenario(
        "RUD-11",
        "only the exact empty string is null",
        _patch("{a}", {"notes": "  "}, 200, {"notes": "  "}),
        setup=_A,
    ),
    Scenario(
        "RUD-11",
        "the name cannot be emptied",
        _patch("{a}", {"name": ""}, 400, _invalid_body("'name' cannot be empty")),
        setup=_A,
    ),
    Scenario(
        "RUD-11",
        "required fields cannot be unset",
        _patch(
            "{a}",
            {"name": None, "billingTypeId": None},
            400,
            _invalid_body("'name' cannot be null", "'billingTypeId' cannot be null"),
        ),
        setup=_A,
    ),
    # RUD-12: key uniqueness.
    Scenario(
        "RUD-12",
        "another project's key is 409",
        _patch("{b}", {"key": "scenario-a-{run}"}, 409, {"status": 409, "message": ANY}),
        setup=_AB,
    ),
    Scenario(
        "RUD-12",
        "the 409 names the key",
        _patch(
            _FIXTURE_WEBSITE,
            {"key": "mobile-app"},
            409,
            {"status": 409, "message": "A project with the key 'mobile-app' already exists."},
        ),
        admin_only=True,
    ),
    Scenario(
        "RUD-12",
        "re-sending the project's own key succeeds",
        _patch("{a}", {"key": "scenario-a-{run}", "name": "Scenario A {run}"}),
        setup=_A,
    ),
    Scenario(
        "RUD-12",
        "a key freed by a change can be taken",
        _patch("{b}", {"key": "scenario-a-{run}"}),
        setup=(*_AB, _patch("{a}", {"key": "scenario-a2-{run}"})),
    ),
    Scenario(
        "RUD-12",
        "stored keys compare trimmed and case-insensitively",
        _patch(_FIXTURE_WEBSITE, {"key": "brand-refresh"}, 409, {"status": 409}),
        given={"projects": {_FIXTURE_BRAND: {"key": " Brand-Refresh "}}},
    ),
    Scenario(
        "RUD-12",
        "a 400 problem wins over the duplicate",
        _patch(
            "{b}",
            {"key": "scenario-a-{run}", "name": "n" * 256},
            400,
            _invalid_body("'name' must be at most 255 characters"),
        ),
        setup=_AB,
    ),
    Scenario(
        "RUD-12",
        "create with a taken key is 409",
        _create(
            {"name": "Copy {run}", "clientId": "{client}", "billingTypeId": "tm", "key": "scenario-a-{run}"},
            409,
            {"status": 409, "message": ANY},
        ),
        setup=_A,
    ),
    # RUD-13: success shapes and neighbours.
    Scenario(
        "RUD-13",
        "update answers 200 with the full nested project, as a read shows it",
        _patch(
            "{a}",
            {"name": "Renamed by a scenario"},
            200,
            {
                "id": ANY,
                "name": "Renamed by a scenario",
                "client": {"id": ANY, "name": ANY},
                "practice": None,
                "projectType": None,
                "projectGroup": None,
                "tags": [],
                "businessUnit": None,
                "salesRepresentative": None,
            },
        ),
        setup=_A,
        then=(
            _read("{a}", {"name": "Renamed by a scenario", "client": {"id": ANY, "name": ANY}, "tags": []}),
        ),
    ),
    Scenario(
        "RUD-13",
        "create requires name, clientId and billingTypeId",
        _create(
            {"notes": "nothing else"},
            400,
            _invalid_body("'name' is required", "'clientId' is required", "'billingTypeId' is required"),
        ),
    ),
    Scenario(
        "RUD-13",
        "create answers 200 with the defaults and a generated key",
        _create(
            {"name": "Scenario Defaults {run}", "clientId": "{client}", "billingTypeId": "fixed"},
            200,
            {
                "id": ANY,
                "key": ANY,
                "createdAt": ANY,
                "statusId": "tentative",
                "recordStatusId": "active",
                "isBillable": True,
                "useBudget": False,
                "tags": [],
            },
            save={"c": "id"},
        ),
        setup=(_FIND_CLIENT,),
        then=(_read("{c}", {"statusId": "tentative", "recordStatusId": "active", "isBillable": True}),),
    ),
    Scenario(
        "RUD-13",
        "create takes the client's currency",
        _create(
            {"name": "Euro {run}", "clientId": _FIXTURE_GLOBEX, "billingTypeId": "tm"},
            200,
            {"currency": "EUR", "client": {"id": _FIXTURE_GLOBEX, "name": "Globex GmbH"}},
        ),
        admin_only=True,
    ),
    Scenario(
        "RUD-13",
        "the list filters on code",
        Call(
            "GET",
            "/projects?code=SCN-{run}",
            status=200,
            expect={"results": [{"code": ANY}], "hasMore": False},
        ),
        setup=(*_A, _patch("{a}", {"code": "SCN-{run}"})),
    ),
    Scenario(
        "RUD-13",
        "the list rejects both cursors at once",
        Call(
            "GET",
            f"/projects?startingAfter={GHOST}&endingBefore={MISSING}",
            status=400,
            expect=_invalid_body("'startingAfter' and 'endingBefore' cannot be used together"),
        ),
    ),
    Scenario(
        "RUD-13",
        "the list rejects a limit over 100",
        Call(
            "GET",
            "/projects?limit=101",
            status=400,
            expect=_invalid_body("'limit' must be less than or equal to 100"),
        ),
    ),
)


# -- the vendor -----------------------------------------------------------------------------
class Ruddr(Vendor):
    id = "ruddr"
    envelope_rule = "RUD-1"
    scenarios = SCENARIOS
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
        "projects": CollectionSpec(
            indexes={"key": lambda r: normalized(r.get("key")), "client": lambda r: r.get("clientId")}
        ),
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

    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        first = violations[0]
        status = first.status
        if first.code is Code.UNAUTHORIZED:
            return Reply(status, {"status": status, "message": UNAUTHORIZED})
        if any(v.location == "path" for v in violations):  # the documented literal, no errors list
            return Reply(
                status, {"status": status, "message": f"Parameter '{first.field}' is not a valid UUID."}
            )
        if status == 400:
            problems = list(dict.fromkeys(_problem(v) for v in violations))
            return Reply(status, {"status": status, "message": INVALID, "errors": problems})
        return Reply(status, {"status": status, "message": first.message})

    def fault_reply(self, status: int, now: datetime) -> Reply:
        if status == 429:  # the errors guide's literal; no header: the docs advise backing off 1, 2, 4, 8 s
            return Reply(429, {"status": 429, "message": "Too many requests"})
        return super().fault_reply(status, now)

    def render(self, ctx: Context, record: Record) -> dict[str, Any]:
        """The response project (RUD-8, RUD-13), always derived from the stored record."""
        state, gates, billing = ctx.state, _gates(record), record["billingTypeId"]
        fixed = billing in FIXED_BILLING
        client = state["clients"].get(record["clientId"]) or {}
        tags = (state["project_tags"].get(t) for t in record.get("tagIds") or ())
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
    def _locate(self, ctx: Context) -> Record:
        not_found = Violation(404, Code.NOT_FOUND, "Project not found.", rule="RUD-2")
        return ctx.locate("projects", _lower(ctx.incoming.path_params.get("id")), not_found)

    def get_project(self, ctx: Context) -> Reply:
        return Reply(200, self.render(ctx, self._locate(ctx)))

    def update_project(self, ctx: Context) -> Reply:
        target = self._locate(ctx)
        change = ctx.change(target)
        _admit(ctx, change)
        new = {**target, **_stored_values(ctx, change.body, WRITABLE)}
        ctx.fire("GEN-1")  # no updatedAt: GEN-11 does not apply to Ruddr
        return Reply(200, self.render(ctx, ctx.commit(change, ctx.state["projects"], new)))

    def create_project(self, ctx: Context) -> Reply:
        change = ctx.change()
        _admit(ctx, change)
        values = _stored_values(ctx, change.body, (*WRITABLE, *CREATE_ONLY))
        client = ctx.state["clients"].get(values["clientId"]) or {}
        new = DEFAULTS | {"currency": client.get("currency") or WORKSPACE_CURRENCY} | values
        new |= {"id": str(uuid.uuid4()), "createdAt": iso_z(ctx.now, 3)}
        new["key"] = new["key"] or _free_key(ctx, new["name"])
        return Reply(200, self.render(ctx, ctx.commit(change, ctx.state["projects"], new)))

    def list_projects(self, ctx: Context) -> Reply:
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


def _admit(ctx: Context, change: Change) -> None:
    """``ctx.admit``, listing the problems as the body orders its fields (missing ones first)."""
    try:
        ctx.admit(change)
    except Rejection as rejection:
        found = rejection.violations
        sent = change.body if isinstance(change.body, Mapping) else ()
        position = {name: i for i, name in enumerate((*WRITABLE, *CREATE_ONLY, *sent))}
        ctx.reject(*sorted(found, key=lambda v: position.get(_top(v.field), -1)))


def _query_problem(field: str, message: str) -> Violation:
    return Violation(400, Code.INVALID, message, field=field, location="query", rule="RUD-13")


def _stored_values(ctx: Context, body: Mapping[str, Any], allowed: Sequence[str]) -> Record:
    """The body's fields as stored: "" -> null (RUD-11), null tags -> [], ids lower-cased."""
    values: Record = {}
    for name in (n for n in allowed if n in body):
        value = None if body[name] == "" else body[name]
        if value is None:
            ctx.fire("RUD-11")
        if name == "tagIds":
            value = list(dict.fromkeys(_lower(t) for t in value or ()))
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
