"""Ruddr rules RUD-1..RUD-13, driven over HTTP; every response is spec-checked by ``api``.

What a rule scenario already proves (``contracts/rule_scenarios/ruddr.py``, run by
``tests/contracts/test_scenarios.py``) is not repeated here. These tests check what a scenario
cannot express: the journal (fired rules, warnings), stored records, whole envelopes and exact
wording, the frozen clock, several variants or sessions, strict mode, orders and paging.
"""

from __future__ import annotations

from typing import Any

import pytest

from contracts.conformance import SpecChecker
from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.core.spec import SPECS_DIR, load_spec
from tests.fixtures.mock import FROZEN_NOW, Api

V = "ruddr"
INVALID = "There was a problem processing your request. See errors for more details."

WEBSITE = "572e66b1-60a6-4935-853f-b59b053112e6"  # fixed, completed, budgets, caps, roles: the seed's
MOBILE = "0d4f8a2c-7e1b-4c6d-9f3a-5b8e2c1d7a94"  # tm, key mobile-app, start 2025-01-06
BRAND = "6a1e9c3f-2d7b-4f8a-8c4e-1b5d9f0a3e72"  # fixed_recurring, EUR, monthly budget only
MIGRATION = "e7c3a5f1-9b2d-4a6e-b8f4-3d1c7e9a5b26"  # tm, archived, hidden stored values
ONBOARDING = "2b9d7f4a-1e6c-4d3b-a9f5-8c0e2b6d4a17"  # non_billable, internal client
MISSING = "00000000-0000-4000-8000-000000000000"

ACME = "9b577a12-dd68-4df6-9f48-d8071684bfca"
GLOBEX = "3c1e7a52-0f4b-4d8e-9a61-5b2f8c7d9e01"
NORTHWIND = "b5e3c8a1-4d2f-4a6b-9c7e-1f8d3a2b6c90"  # internal
DATA_PRACTICE = "2a7c4e19-8b3d-4f6a-a1c5-9d0e7b2f4c63"
MARKETING = "5d8f1a3c-7e2b-4c9d-b6a4-0e3f9c1d2a58"
CONSULTING = "e8b1d4f6-2c9a-4a7e-8d3b-5f0c1e9a6b24"
HIGH = "9166a6d1-dbc6-43b5-abcf-450cbfcfd891"
RETAINER = "6e4b2d8f-9a1c-4f7e-b3d5-2c8a0f6e9b71"
JANE = "d1980029-6c43-4af9-88ac-7b9066944f34"
PRIYA = "4f7a1c9e-6d3b-4e2f-8a5c-0b9e2d7f3a16"

EXAMPLES = load_spec(SPECS_DIR / "ruddr.yaml")["components"]["examples"]


def patch(api: Api, project: str, body: Any, **kw: Any) -> Any:
    return api.call(V, "PATCH", f"/projects/{project}", json=body, **kw)


def get(api: Api, project: str, **kw: Any) -> Any:
    return api.call(V, "GET", f"/projects/{project}", **kw)


NEW = {"clientId": ACME, "billingTypeId": "tm", "projectAdminId": JANE}
"""What a create needs besides a name (RUD-13)."""


def create(api: Api, body: Any, **kw: Any) -> Any:
    return api.call(V, "POST", "/projects", json=body, **kw)


def errors(response: Any) -> list[str]:
    body = response.json()
    assert body["status"] == response.status_code == 400
    assert body["message"] == INVALID
    return list(body["errors"])


def stored(api: Api, project: str) -> dict[str, Any]:
    return api.record(V, "projects", project)


def fired(api: Api) -> list[str]:
    return list(api.journal()[-1]["rules"])


# -- RUD-1 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic dGVzdDp0ZXN0"])
def test_RUD_1_401_envelope_is_the_documented_literal(api: Api, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with api.unchanged(V):
        r = patch(api, WEBSITE, {"name": "x"}, token=None, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"status": 401, "message": "The provided bearer token is missing or invalid."}


def test_RUD_1_every_validation_problem_is_one_string_in_one_400(api: Api) -> None:
    body = {
        "name": "n" * 256,
        "billingTypeId": "hourly",
        "statusId": "cancelled",
        "key": "Website_Redesign",
        "currency": "dollars",
        "maxMemberHoursPerDay": "8",
        "practiceId": MISSING,  # a business problem, reported with the schema ones (GEN-5)
        "end": "2025-02-28",  # before the stored start 2025-03-01 (GEN-2)
    }
    with api.unchanged(V):
        r = patch(api, WEBSITE, body)
    assert errors(r) == [
        "'name' must be at most 255 characters",
        "'billingTypeId' must be one of: tm, fixed, fixed_recurring, non_billable",
        "'statusId' must be one of: tentative, not_started, in_progress, paused, completed",
        "'key' must contain only lowercase letters, digits and single dashes",
        "'currency' must be a 3-letter ISO 4217 currency code",
        "'maxMemberHoursPerDay' must be an integer",
        "'practiceId' does not match an existing practice",
        "'end' must be on or after 'start'",
    ]
    assert {"GEN-5", "GEN-4", "RUD-1", "RUD-3", "RUD-4", "RUD-7", "RUD-5"} <= set(fired(api))


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "problem"),
    [
        (b"[1, 2]", "application/json", 400, "The request body must be a JSON object"),
        (b'{"name": ', "application/json", 400, None),
        # the errors guide lists no 415; a wrong format is its 400 (found by a fidelity audit)
        (b'{"name": "x"}', "text/plain", 400, "Content-Type must be application/json"),
        (b"name=x", "application/x-www-form-urlencoded", 400, "Content-Type must be application/json"),
    ],
)
def test_RUD_1_bad_bodies_use_the_envelope(
    api: Api, raw: bytes, content_type: str, status: int, problem: str | None
) -> None:
    with api.unchanged(V):
        r = api.call(V, "PATCH", f"/projects/{WEBSITE}", content=raw, headers={"Content-Type": content_type})
    assert r.status_code == status
    body = r.json()
    assert body["status"] == status and body["message"]
    if status == 400:
        assert len(errors(r)) == 1
    if problem:
        assert errors(r) == [problem]


def test_RUD_1_nulls_types_and_formats_are_worded_per_field(api: Api) -> None:
    body = {
        "clientId": None,
        "useRoles": "yes",
        "start": "2025-02-30",
        "tagIds": [HIGH, "nope"],
        "budgetServiceRevenue": "lots",
    }
    with api.unchanged(V):
        r = patch(api, WEBSITE, body)
    assert errors(r) == [
        "'clientId' cannot be null",
        "'useRoles' must be a boolean",
        "'start' must be a valid date (YYYY-MM-DD)",
        "'tagIds[1]' must be a valid UUID",
        "'budgetServiceRevenue' must be a number",
    ]


def test_RUD_1_unknown_route_and_method_use_the_envelope(api: Api) -> None:
    route = api.call(V, "GET", "/no-such-route", check=False)
    assert route.status_code == 404
    assert route.json() == {"status": 404, "message": "The requested route does not exist."}
    method = api.call(V, "DELETE", f"/projects/{WEBSITE}", check=False)
    assert method.status_code == 405
    assert set(method.json()) == {"status", "message"}


# -- RUD-2 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1001", "572e66b1-60a6-4935-853f-b59b053112e"])
def test_RUD_2_malformed_id_is_400_with_the_documented_message(api: Api, method: str, bad_id: str) -> None:
    with api.unchanged(V):
        r = api.call(V, method, f"/projects/{bad_id}", json={"name": 5} if method == "PATCH" else None)
    assert r.status_code == 400
    assert r.json() == {"status": 400, "message": "Parameter 'id' is not a valid UUID."}
    assert "RUD-2" in fired(api)


# -- RUD-3 -------------------------------------------------------------------------------------
LIMITS = {"name": 255, "notes": 5000, "code": 255, "poNumber": 255, "cloudFolderUrl": 1024}


def test_RUD_3_lengths_over_the_limit_are_each_reported(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, MOBILE, {field: "x" * (limit + 1) for field, limit in LIMITS.items()})
    assert errors(r) == [f"'{field}' must be at most {limit} characters" for field, limit in LIMITS.items()]
    assert "RUD-3" in fired(api)


# -- RUD-4 -------------------------------------------------------------------------------------
ENUMS = {
    "billingTypeId": "tm, fixed, fixed_recurring, non_billable",
    "statusId": "tentative, not_started, in_progress, paused, completed",
    "recordStatusId": "active, archived",
    "revenueRecognitionMethod": "invoiced, manual",
    "budgetMode": "summary, detailed, aggregated",
    "monthlyBudgetMode": "summary, detailed",
}


def test_RUD_4_values_outside_each_enum_are_reported(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, WEBSITE, dict.fromkeys(ENUMS, "aggregated_hourly"))
    assert errors(r) == [f"'{field}' must be one of: {values}" for field, values in ENUMS.items()]
    assert "RUD-4" in fired(api)


def test_RUD_4_cancelled_is_not_writable_but_can_be_shown(api: Api) -> None:
    with api.unchanged(V):
        assert patch(api, MOBILE, {"statusId": "cancelled"}).status_code == 400
    document = api.state(V)
    document["projects"][MOBILE] = {**document["projects"][MOBILE], "statusId": "cancelled"}
    api.put_state(V, document)
    assert get(api, MOBILE).json()["statusId"] == "cancelled"
    listed = api.call(V, "GET", "/projects?statusId=cancelled").json()["results"]
    assert [p["id"] for p in listed] == [MOBILE]


# -- RUD-5 -------------------------------------------------------------------------------------
def test_RUD_5_start_after_end_in_the_same_request(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, MOBILE, {"start": "2025-07-01", "end": "2025-06-30"})
    assert errors(r) == ["'end' must be on or after 'start'"]
    assert "RUD-5" in fired(api)


def test_RUD_5_GEN_2_one_sided_patch_is_checked_against_the_stored_date(api: Api) -> None:
    with api.unchanged(V):  # stored 2025-01-06 .. 2025-06-30
        end_only = patch(api, MOBILE, {"end": "2025-01-05"})
        start_only = patch(api, MOBILE, {"start": "2025-07-01"})
    assert errors(end_only) == errors(start_only) == ["'end' must be on or after 'start'"]
    assert "GEN-2" in fired(api)


# -- RUD-6 -------------------------------------------------------------------------------------
def test_RUD_6_currency_must_be_a_known_iso_code(api: Api) -> None:
    with api.unchanged(V):
        unknown = patch(api, MOBILE, {"currency": "XYZ"})
        malformed = patch(api, MOBILE, {"currency": "usd"})
        too_long = patch(api, MOBILE, {"currency": "EURO"})
    assert errors(unknown) == ["'currency' must be a supported ISO 4217 currency code ('XYZ' is not)"]
    assert errors(malformed) == errors(too_long) == ["'currency' must be a 3-letter ISO 4217 currency code"]
    assert "RUD-6" in fired(api)
    r = patch(api, MOBILE, {"currency": "CHF"})
    assert r.status_code == 200 and r.json()["currency"] == "CHF"


# -- RUD-7 -------------------------------------------------------------------------------------
def test_RUD_7_every_unknown_reference_is_listed(api: Api) -> None:
    ghost = "11111111-1111-4111-8111-111111111111"
    body = {
        "clientId": ghost,
        "practiceId": ghost,
        "businessUnitId": ghost,
        "projectTypeId": ghost,
        "tagIds": [HIGH, ghost, MISSING],
        "salesRepresentativeId": ghost,
    }
    with api.unchanged(V):
        r = patch(api, MOBILE, body)
    assert errors(r) == [
        "'clientId' does not match an existing client",
        "'practiceId' does not match an existing practice",
        "'businessUnitId' does not match an existing business unit",
        "'projectTypeId' does not match an existing project type",
        "'tagIds[1]' does not match an existing project tag",
        "'tagIds[2]' does not match an existing project tag",
        "'salesRepresentativeId' does not match an existing member",
    ]
    assert "RUD-7" in fired(api)


def test_RUD_7_existing_references_are_stored_and_nested(api: Api) -> None:
    body = {
        "clientId": GLOBEX,
        "practiceId": DATA_PRACTICE.upper(),
        "businessUnitId": MARKETING,
        "projectTypeId": CONSULTING,
        "tagIds": [RETAINER, HIGH, RETAINER],
        "salesRepresentativeId": PRIYA,
    }
    r = patch(api, MOBILE, body)
    assert r.status_code == 200
    shown = r.json()
    assert shown["client"] == {"id": GLOBEX, "name": "Globex GmbH"}
    assert shown["practice"] == {"id": DATA_PRACTICE, "name": "Data & Analytics"}
    assert shown["businessUnit"] == {"id": MARKETING, "name": "Marketing"}
    assert shown["projectType"] == {"id": CONSULTING, "name": "Brand Consulting"}
    assert shown["tags"] == [{"id": RETAINER, "name": "Retainer"}, {"id": HIGH, "name": "High Priority"}]
    assert shown["salesRepresentative"] == {"id": PRIYA, "name": "Priya Patel"}
    record = stored(api, MOBILE)
    assert record["practiceId"] == DATA_PRACTICE and record["tagIds"] == [RETAINER, HIGH]


def test_RUD_7_create_checks_client_and_project_admin(api: Api) -> None:
    with api.unchanged(V):
        r = create(
            api,
            {
                "name": "Ghost",
                "clientId": MISSING,
                "billingTypeId": "tm",
                "projectAdminId": MISSING,
                "tagIds": [MISSING],
            },
        )
    assert errors(r) == [
        "'clientId' does not match an existing client",
        "'projectAdminId' does not match an existing member",
        "'tagIds[0]' does not match an existing project tag",
    ]


# -- RUD-8 -------------------------------------------------------------------------------------
def test_RUD_8_stored_values_behind_closed_gates_are_shown_as_null(api: Api) -> None:
    record = stored(api, MIGRATION)
    assert record["revenueRecognitionMethod"] == "invoiced" and record["maxMemberHoursPerDay"] == 6
    shown = get(api, MIGRATION).json()
    assert shown["isBillable"] is True
    assert shown["revenueRecognitionMethod"] is None  # tm billing
    assert shown["maxMemberHoursPerDay"] is None  # cap flag off
    assert shown["trackTimeToAssignedRoles"] is None  # roles off
    assert shown["budgetMode"] is None and "budget" not in shown
    assert shown["monthlyBudgetMode"] is None and "monthlyBudget" not in shown
    assert shown["isProductive"] is None  # external client
    deprecated = ("fixedFee", "fixedRecurringFee", "fixedRecurringStart", "fixedRecurringEnd")
    assert all(shown[k] is None for k in deprecated)
    assert "RUD-8" in fired(api)


def test_RUD_8_internal_non_billable_project(api: Api) -> None:
    shown = get(api, ONBOARDING).json()
    assert shown["isBillable"] is False
    assert shown["isProductive"] is False
    assert shown["client"] == {"id": NORTHWIND, "name": "Northwind Consulting"}


def documented(example: str) -> dict[str, Any]:
    """A spec example, except isProductive: the seed shows true for Acme Corp while the spec's
    create example (same client) shows null "external client"; RUD-8 decides null."""
    return {**EXAMPLES[example]["value"], "isProductive": None}


def test_RUD_8_the_seed_project_renders_as_documented(api: Api) -> None:
    assert get(api, WEBSITE).json() == documented("ProjectWebsiteRedesign")


def test_RUD_8_derived_fields_follow_the_merged_state(api: Api) -> None:
    tm = patch(
        api,
        WEBSITE,
        {"billingTypeId": "tm", "useBudget": False, "capMaxMemberHoursPerWeek": False, "useRoles": False},
    ).json()
    assert tm["revenueRecognitionMethod"] is None
    assert tm["budgetMode"] is None and "budget" not in tm and tm["monthlyBudget"]["revenue"] == 25000
    assert tm["maxMemberHoursPerWeek"] is None and tm["maxMemberHoursPerDay"] == 8
    assert tm["trackTimeToAssignedRoles"] is None
    back = patch(
        api,
        WEBSITE,
        {"billingTypeId": "fixed", "useBudget": True, "capMaxMemberHoursPerWeek": True, "useRoles": True},
    ).json()
    assert back["revenueRecognitionMethod"] == "invoiced"  # hidden, not lost
    assert back["budgetMode"] == "detailed" and back["budget"]["revenue"] == 150000
    assert back["maxMemberHoursPerWeek"] == 40 and back["trackTimeToAssignedRoles"] is True
    non_billable = patch(api, WEBSITE, {"billingTypeId": "non_billable"}).json()
    assert non_billable["isBillable"] is False


# -- RUD-9 -------------------------------------------------------------------------------------
def test_RUD_9_completing_sets_completed_on_to_today(api: Api) -> None:
    r = patch(api, MOBILE, {"statusId": "completed"})
    assert r.status_code == 200 and r.json()["completedOn"] == "2025-03-01"
    assert stored(api, MOBILE)["completedOn"] == "2025-03-01"
    assert "RUD-9" in fired(api)


def test_RUD_9_staying_completed_keeps_the_date_and_leaving_clears_it(api: Api) -> None:
    again = patch(api, WEBSITE, {"statusId": "completed", "name": "Website Redesign"})
    assert again.json()["completedOn"] == "2026-03-15"
    left = patch(api, WEBSITE, {"statusId": "paused"})
    assert left.json()["completedOn"] is None
    assert stored(api, WEBSITE)["completedOn"] is None


def test_RUD_9_created_completed(api: Api) -> None:
    r = create(api, {"name": "Closed Deal", **NEW, "statusId": "completed"})
    assert r.status_code == 200 and r.json()["completedOn"] == "2025-03-01"


# -- RUD-10 ------------------------------------------------------------------------------------
def test_RUD_10_caps_and_role_tracking_without_their_flag_are_ignored(api: Api) -> None:
    r = patch(
        api,
        MIGRATION,
        {
            "maxMemberHoursPerDay": 10,
            "maxMemberHoursPerWeek": 45,
            "trackTimeToAssignedRoles": False,
            "name": "ERP Migration",
        },
    )
    assert r.status_code == 200
    assert r.json()["maxMemberHoursPerDay"] is None and r.json()["trackTimeToAssignedRoles"] is None
    record = stored(api, MIGRATION)
    assert record["name"] == "ERP Migration"
    assert (record["maxMemberHoursPerDay"], record["maxMemberHoursPerWeek"]) == (6, None)  # not stored
    assert record["trackTimeToAssignedRoles"] is True
    assert "RUD-10" in fired(api)
    opened = patch(api, MIGRATION, {"capMaxMemberHoursPerDay": True}).json()
    assert opened["maxMemberHoursPerDay"] == 6  # the value sent while closed was never stored


def test_RUD_10_gate_opened_in_the_same_request_takes_the_value(api: Api) -> None:
    r = patch(
        api,
        MIGRATION,
        {
            "capMaxMemberHoursPerWeek": True,
            "maxMemberHoursPerWeek": 45,
            "useRoles": True,
            "trackTimeToAssignedRoles": False,
        },
    )
    assert r.json()["maxMemberHoursPerWeek"] == 45 and r.json()["trackTimeToAssignedRoles"] is False
    assert "RUD-10" not in fired(api)


def test_RUD_10_budget_amounts_need_use_budget_and_summary_mode(api: Api) -> None:
    # useBudget true, budgetMode detailed: services revenue is used, the other amounts are not.
    r = patch(
        api,
        WEBSITE,
        {"budgetServiceRevenue": 150000, "budgetBillableHours": 9999, "budgetOtherItemsAmount": 1},
    )
    assert r.json()["budget"] == {
        "revenue": 160000,
        "servicesRevenue": 150000,
        "otherRevenue": 10000,
        "billableExpenses": 5000,
        "nonBillableExpenses": 2000,
        "billableHours": 1400,
        "nonBillableHours": 200,
    }
    # useMonthlyBudget false: every monthly amount is ignored.
    brand = patch(api, MIGRATION, {"monthlyBudgetServiceRevenue": 5, "monthlyBudgetMode": "summary"}).json()
    assert "monthlyBudget" not in brand
    assert stored(api, MIGRATION)["monthlyBudgetServiceRevenue"] == 0


def test_RUD_10_documented_update_example_uses_summary_amounts(api: Api) -> None:
    r = patch(
        api,
        WEBSITE,
        {
            "name": "Website Redesign 2.0",
            "start": "2025-04-01",
            "end": "2025-10-31",
            "statusId": "in_progress",
            "useBudget": True,
            "budgetMode": "summary",
            "budgetServiceRevenue": 160000,
            "budgetBillableHours": 1500,
            "notes": "",
            "tagIds": [HIGH],
        },
    )
    assert r.status_code == 200
    assert r.json() == documented("ProjectUpdated")


# -- RUD-11 ------------------------------------------------------------------------------------
def test_RUD_11_empty_strings_are_stored_as_null(api: Api) -> None:
    r = patch(api, WEBSITE, {"notes": "", "code": "", "poNumber": "", "cloudFolderUrl": ""})
    assert r.status_code == 200
    record = stored(api, WEBSITE)
    assert [record[k] for k in ("notes", "code", "poNumber", "cloudFolderUrl")] == [None] * 4
    assert "RUD-11" in fired(api)


def test_RUD_11_null_unsets_optional_fields(api: Api) -> None:
    r = patch(
        api,
        MOBILE,
        {"practiceId": None, "tagIds": None, "salesRepresentativeId": None, "code": None, "end": None},
    )
    assert r.status_code == 200
    shown = r.json()
    assert shown["practice"] is None and shown["tags"] == [] and shown["salesRepresentative"] is None
    assert shown["code"] is None and shown["end"] is None
    assert stored(api, MOBILE)["tagIds"] == []


@pytest.mark.parametrize("blank", ["  ", "\t", "\n", " \r\n\t ", "\u00a0"])
def test_RUD_11_values_that_trim_to_empty_are_null(api: Api, blank: str) -> None:
    r = patch(
        api, MOBILE, {"notes": blank, "code": blank, "end": blank, "practiceId": blank, "tagIds": [HIGH]}
    )
    assert r.status_code == 200, r.text
    record = stored(api, MOBILE)
    assert [record[k] for k in ("notes", "code", "end", "practiceId")] == [None] * 4


@pytest.mark.parametrize("field", ["name", "key", "clientId", "billingTypeId", "currency", "statusId"])
def test_RUD_11_a_blank_gets_exactly_the_answer_null_gets(api: Api, field: str) -> None:
    with api.unchanged(V):
        blank = patch(api, MOBILE, {field: "   "})
        null = patch(api, MOBILE, {field: None})
    assert blank.status_code == null.status_code == 400
    assert blank.json() == null.json()


def test_RUD_11_on_create_a_blank_required_field_is_null(api: Api) -> None:
    with api.unchanged(V):
        blank = create(api, {**NEW, "name": " \t"})
        null = create(api, {**NEW, "name": None})
    assert errors(blank) == errors(null) == ["'name' cannot be null"]
    assert create(api, {**NEW, "name": "Fresh", "notes": "  "}).json()["notes"] is None


# -- RUD-12 ------------------------------------------------------------------------------------
def test_RUD_12_duplicate_key_is_409(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, WEBSITE, {"key": "mobile-app"})
    assert r.status_code == 409
    assert r.json() == {"status": 409, "message": "A project with the key 'mobile-app' already exists."}
    assert "RUD-12" in fired(api)


def test_RUD_12_GEN_3_own_key_re_sent_succeeds(api: Api) -> None:
    assert patch(api, MOBILE, {"key": "mobile-app", "name": "Mobile App"}).status_code == 200
    assert "GEN-3" in fired(api)
    assert patch(api, MOBILE, {"key": "mobile-app-v2"}).status_code == 200
    assert patch(api, WEBSITE, {"key": "mobile-app"}).status_code == 200  # freed


def test_RUD_12_create_with_a_taken_key_and_generated_keys(api: Api) -> None:
    base = NEW
    with api.unchanged(V):
        taken = create(api, {**base, "name": "Website Redesign Phase 2", "key": "website-redesign"})
    assert taken.status_code == 409
    first = create(api, {**base, "name": "Website Redesign"}).json()
    second = create(api, {**base, "name": "Website  Redesign!"}).json()
    accents = create(api, {**base, "name": "Données & Café"}).json()
    assert (first["key"], second["key"], accents["key"]) == (
        "website-redesign-2",
        "website-redesign-3",
        "donnees-cafe",
    )


# -- RUD-13 ------------------------------------------------------------------------------------
def test_RUD_13_update_answers_200_with_the_full_nested_project(api: Api) -> None:
    r = patch(api, MOBILE, {"name": "Mobile App 2"})
    assert r.status_code == 200
    shown = r.json()
    assert shown["name"] == "Mobile App 2"
    assert shown["client"] == {"id": ACME, "name": "Acme Corp"}
    assert shown["tags"] == [{"id": HIGH, "name": "High Priority"}, {"id": RETAINER, "name": "Retainer"}]
    assert shown["projectGroup"] is None
    assert {"RUD-13", "GEN-1"} <= set(fired(api)) and "GEN-11" not in fired(api)
    assert shown == get(api, MOBILE).json()


def test_RUD_13_create_requires_name_client_billing_type_and_project_admin(api: Api) -> None:
    with api.unchanged(V):
        r = create(api, {"notes": "nothing else"})
    assert errors(r) == [
        "'name' is required",
        "'clientId' is required",
        "'billingTypeId' is required",
        "'projectAdminId' is required",
    ]
    assert "RUD-13" in fired(api)


def test_RUD_13_the_project_admin_must_be_a_workspace_member(api: Api) -> None:
    with api.unchanged(V):
        unknown = create(api, {"name": "Orphan", **NEW, "projectAdminId": ACME})
        blank = create(api, {"name": "Orphan", **NEW, "projectAdminId": "  "})
    assert errors(unknown) == ["'projectAdminId' does not match an existing member"]
    assert errors(blank) == ["'projectAdminId' cannot be null"]


def test_RUD_13_create_answers_200_with_defaults(api: Api) -> None:
    r = create(
        api,
        {
            "name": "Data Platform Rollout",
            "clientId": GLOBEX,
            "billingTypeId": "fixed",
            "projectAdminId": JANE,
            "tagIds": [HIGH],
            "isProductive": True,
        },
    )
    assert r.status_code == 200
    shown = r.json()
    assert shown["key"] == "data-platform-rollout"
    assert shown["statusId"] == "tentative" and shown["recordStatusId"] == "active"
    assert shown["currency"] == "EUR"  # the client's currency
    assert shown["createdAt"] == "2025-03-01T12:00:00.000Z"
    assert shown["isProductive"] is None  # external client
    assert shown["tags"] == [{"id": HIGH, "name": "High Priority"}]
    assert get(api, shown["id"]).json() == shown
    assert stored(api, shown["id"])["projectAdminId"] == JANE


def test_RUD_13_create_internal_project_keeps_is_productive(api: Api) -> None:
    r = create(
        api,
        {
            "name": "Bench Time",
            "clientId": NORTHWIND,
            "billingTypeId": "non_billable",
            "projectAdminId": JANE,
            "isProductive": True,
        },
    )
    assert r.json()["isProductive"] is True and r.json()["isBillable"] is False


def test_RUD_13_list_newest_first_with_cursors(api: Api) -> None:
    newest_first = [BRAND, MOBILE, WEBSITE, ONBOARDING, MIGRATION]
    everything = api.call(V, "GET", "/projects").json()
    assert [p["id"] for p in everything["results"]] == newest_first and everything["hasMore"] is False
    first = api.call(V, "GET", "/projects?limit=2").json()
    assert [p["id"] for p in first["results"]] == newest_first[:2] and first["hasMore"] is True
    second = api.call(V, "GET", f"/projects?limit=2&startingAfter={MOBILE}").json()
    assert [p["id"] for p in second["results"]] == newest_first[2:4] and second["hasMore"] is True
    back = api.call(V, "GET", f"/projects?limit=2&endingBefore={ONBOARDING}").json()
    assert [p["id"] for p in back["results"]] == newest_first[1:3] and back["hasMore"] is True
    assert "RUD-13" in fired(api)


def test_RUD_13_list_filters(api: Api) -> None:
    def ids(query: str) -> list[str]:
        return [p["id"] for p in api.call(V, "GET", f"/projects?{query}").json()["results"]]

    assert ids(f"clientId={ACME}") == [MOBILE, WEBSITE]
    assert ids("code=WR-001") == [WEBSITE]
    assert ids("statusId=in_progress") == [MOBILE, ONBOARDING]
    assert ids("recordStatusId=archived") == [MIGRATION]
    assert ids(f"clientId={ACME}&statusId=completed") == [WEBSITE]


def test_RUD_13_list_rejects_bad_queries(api: Api) -> None:
    both = api.call(V, "GET", f"/projects?startingAfter={MOBILE}&endingBefore={WEBSITE}")
    assert errors(both) == ["'startingAfter' and 'endingBefore' cannot be used together"]
    unknown = api.call(V, "GET", f"/projects?startingAfter={MISSING}")
    assert errors(unknown) == ["'startingAfter' does not match an existing project"]
    bad = api.call(V, "GET", "/projects?limit=101&clientId=acme")
    assert errors(bad) == ["'limit' must be less than or equal to 100", "'clientId' must be a valid UUID"]


def test_RUD_7_patch_ignores_the_create_only_project_admin(api: Api) -> None:
    r = api.call(
        V, "PATCH", f"/projects/{WEBSITE}", json={"projectAdminId": "00000000-0000-4000-8000-00000000dead"}
    )
    assert r.status_code == 200
    assert api.journal()[-1]["warnings"][0]["field"] == "projectAdminId"


# -- GEN-7 for query parameters (issue 15: tap-ruddr sends dateOnAfter) --------------------------
def test_GEN_7_an_undocumented_query_parameter_is_a_journal_warning(api: Api) -> None:
    r = api.call(V, "GET", "/projects?limit=2&dateOnAfter=2024-01-01")
    assert r.status_code == 200 and len(r.json()["results"]) == 2  # ignored, as the real API does
    entry = api.journal()[-1]
    assert entry["violations"] == []
    (warning,) = entry["warnings"]
    assert warning["field"] == "dateOnAfter" and warning["location"] == "query"
    assert (warning["code"], warning["rule"]) == ("unknown_field", "GEN-7")
    assert "GEN-7" in entry["rules"]
    api.call(V, "GET", "/projects?limit=2")
    assert api.journal()[-1]["warnings"] == []  # documented parameters only: no warning


def test_GEN_7_strict_mode_answers_an_undocumented_query_parameter_with_400() -> None:
    app = create_app(ServerConfig(freeze_time=FROZEN_NOW, strict=True, vendors=(V,)))
    strict = Api(app, {V: SpecChecker(app.vendors[V].spec_path)}, "strict")
    r = strict.call(V, "GET", "/projects?dateOnAfter=2024-01-01&limit=0")
    assert errors(r) == [  # with the documented parameter's own error (GEN-5)
        "'limit' must be greater than or equal to 1",
        "'dateOnAfter' is not a documented query parameter of this operation",
    ]
    assert strict.call(V, "GET", "/projects?limit=2").status_code == 200


def test_the_base_url_answers_the_keys_workspace(api: Api) -> None:
    """Found by a fidelity audit: the guides' first request, ``GET /api/workspace``, was a 404
    (source: https://docs.ruddr.io/guides/quick-start). A generated client joins the spec's
    path "/" to the base URL, so the trailing slash reaches it too (the oracle checks that form)."""
    answer = api.call(V, "GET", "/")
    assert answer.json() == {"id": "af7d3ba3-785d-4bae-9d1f-6897e15db5f6", "name": "My Workspace"}
    bare = api.call(V, "GET", "", check=False)  # the guides' form: the oracle knows no path ""
    assert (bare.status_code, bare.json()) == (200, answer.json())
    assert api.call(V, "GET", "/", token=None).json() == {
        "status": 401,
        "message": "The provided bearer token is missing or invalid.",
    }
    assert api.call(V, "POST", "/", json={}, check=False).status_code == 405
    assert api.call(V, "GET", "//", check=False).status_code == 404  # only the base itself


def test_a_state_without_a_workspace_has_no_valid_key(api: Api) -> None:
    state = api.state(V)
    acme = "c0ffee00-0000-4000-8000-000000000001"
    api.put_state(V, {**state, "workspace": {acme: {"id": acme, "name": "Acme"}}})
    assert api.call(V, "GET", "/").json() == {"id": acme, "name": "Acme"}
    two = {acme: {"id": acme, "name": "Acme"}, WEBSITE: {"id": WEBSITE, "name": "Other"}}
    refused = api.admin("PUT", "/state/ruddr", json={**state, "workspace": two})
    assert refused.status_code == 400  # found by a hostile probe: the smallest id won silently
    assert refused.json()["problems"] == [
        f"workspace: an API key belongs to one workspace, not 2 ({', '.join(sorted(two))})"
    ]
    api.put_state(V, {**state, "workspace": {}})
    assert api.call(V, "GET", "/").status_code == 401
    assert api.call(V, "GET", f"/projects/{WEBSITE}").status_code == 200  # the projects stay readable
