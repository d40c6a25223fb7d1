"""The executable scenarios of Ruddr's rules, as data (see :mod:`contracts.rule_scenarios`).

:mod:`contracts.scenarios` runs them against the mock or a real tenant. They are the expected
answers, not behaviour, so they live in the toolkit, apart from the vendor module they check.
"""

from __future__ import annotations

from typing import Any

from contracts.rule_scenarios import ANY, Call, Scenario

# The documented wording and names, written again on purpose: scenarios are the expected answers,
# so they do not read them from the implementation they check.
UNAUTHORIZED = "The provided bearer token is missing or invalid."
INVALID = "There was a problem processing your request. See errors for more details."


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


_ADMIN = "d1980029-6c43-4af9-88ac-7b9066944f34"
"""A workspace member of the fixtures: create requires a project admin (RUD-13) and the API
under test offers no member list here, so against another workspace set this to one of its own."""
_FIND_CLIENT = Call("GET", "/projects?limit=1", save={"client": "results.0.client.id"})
_CREATE_A = Call(
    "POST",
    "/projects",
    {
        "name": "Scenario A {run}",
        "clientId": "{client}",
        "billingTypeId": "tm",
        "key": "scenario-a-{run}",
        "projectAdminId": _ADMIN,
    },
    save={"a": "id"},
)
_CREATE_B = Call(
    "POST",
    "/projects",
    {
        "name": "Scenario B {run}",
        "clientId": "{client}",
        "billingTypeId": "tm",
        "key": "scenario-b-{run}",
        "projectAdminId": _ADMIN,
    },
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
                "projectAdminId": _ADMIN,
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
            {
                "name": "Closed {run}",
                "clientId": "{client}",
                "billingTypeId": "tm",
                "projectAdminId": _ADMIN,
                "statusId": "completed",
            },
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
        "values that trim to an empty string are null, ids and dates included",
        _patch(
            "{a}",
            {"notes": "  ", "code": "\t", "end": " \n ", "practiceId": "   "},
            200,
            {"notes": None, "code": None, "end": None, "practice": None},
        ),
        setup=(*_A, _patch("{a}", {"notes": "n", "code": "c", "end": "2025-06-30"})),
    ),
    Scenario(
        "RUD-11",
        "a blank name gets the answer null gets",
        _patch(
            "{a}",
            {"name": "   ", "key": ""},
            400,
            _invalid_body("'name' cannot be null", "'key' cannot be null"),
        ),
        setup=_A,
    ),
    Scenario(
        "RUD-11",
        "a blank required field on create is null, as the answer says",
        _create(
            {"name": " ", "clientId": "{client}", "billingTypeId": "tm", "projectAdminId": _ADMIN},
            400,
            _invalid_body("'name' cannot be null"),
        ),
        setup=(_FIND_CLIENT,),
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
            {
                "name": "Copy {run}",
                "clientId": "{client}",
                "billingTypeId": "tm",
                "key": "scenario-a-{run}",
                "projectAdminId": _ADMIN,
            },
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
            _invalid_body(
                "'name' is required",
                "'clientId' is required",
                "'billingTypeId' is required",
                "'projectAdminId' is required",
            ),
        ),
    ),
    Scenario(
        "RUD-13",
        "create answers 200 with the defaults and a generated key",
        _create(
            {
                "name": "Scenario Defaults {run}",
                "clientId": "{client}",
                "billingTypeId": "fixed",
                "projectAdminId": _ADMIN,
            },
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
            {
                "name": "Euro {run}",
                "clientId": _FIXTURE_GLOBEX,
                "billingTypeId": "tm",
                "projectAdminId": _ADMIN,
            },
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
