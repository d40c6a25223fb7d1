"""The executable scenarios of ZEP's rules, as data (see :mod:`contracts.rule_scenarios`).

:mod:`contracts.scenarios` runs them against the mock or a real tenant. They are the expected
answers, not behaviour, so they live in the toolkit, apart from the vendor module they check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.rule_scenarios import ANY, Call, Scenario

# The documented wording and names, written again on purpose: scenarios are the expected answers,
# so they do not read them from the implementation they check.
NOT_FOUND = "Project not found."
NON_NEGATIVE = (  # ZEP-4
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


def _midnight(day: str) -> str:
    """A date as the details, list and create pages show it (ZEP-7)."""
    return f"{day}T00:00:00.000000Z"


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
        # Laravel names the path as sent, which differs per tenant (the mock's tests check it)
        _patch("abc", {"name": "x"}, 404, _message(ANY)),
    ),
    Scenario(
        "ZEP-1",
        "an unknown route under the prefix is Laravel's route 404",
        Call("GET", "/nothing/here", status=404, expect=_message(ANY)),
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
        then=(_read("{a}", {"start_date": _midnight("2025-01-01"), "end_date": _midnight("2025-01-02")}),),
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
                **{name: f"The {name.replace('_', ' ')} field must be at least 0." for name in NON_NEGATIVE},
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
                    "cost_object_identifier": [
                        "The cost object identifier field must be a string of at most 32 characters or "
                        "an integer of at least 0."
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
        "update answers 200 {data, info: null} in the update page's form, a read in the details page's",
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
        then=(
            _read(
                "{a}",
                {
                    "description": "Phase 2",
                    "plan_hours": "512.3450000000",
                    "plan_expenses": "15000.0000000000",
                    "billing_type": {"id": 1},
                },
            ),
        ),
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
                    "start_date": _midnight("2025-01-01"),
                    "end_date": _midnight("2025-06-30"),
                    "plan_hours": None,
                },
            ),
        ),
    ),
    Scenario(
        "ZEP-7",
        "create takes the create page's example forms and answers in its form; each page its own",
        _post(
            {
                "name": "Scenario Q4 {run}",
                "department_id": DEPARTMENT,
                "start_date": "2024-10-01",
                "end_date": "2024-12-31",
                "plan_hours": 500.0,
                "plan_can_exceed": 2,
                "billing_type": "hourly",
            },
            201,
            {
                "data": {
                    "start_date": _midnight("2024-10-01"),
                    "end_date": _midnight("2024-12-31"),
                    "plan_hours": "500.0000000000",
                    "plan_can_exceed": {"id": 2, "name": "No, all times can not exceed the plan hours"},
                    "billing_type": "hourly",
                    "created": ANY,
                }
            },
            save={"q": "data.id"},
        ),
        then=(
            _read("{q}", {"start_date": _midnight("2024-10-01"), "plan_can_exceed": False}),
            Call(
                "GET",
                "/projects?id[]={q}",
                status=200,
                expect={"data": [{"plan_hours": "500.0000000000", "plan_can_exceed": False}]},
            ),
            _patch(
                "{q}",
                {"description": "Q4"},
                200,
                {"data": {"start_date": "2024-10-01", "plan_hours": "500.00"}, "info": None},
            ),
        ),
    ),
    Scenario(
        "ZEP-7",
        "create refuses a billing type name its page does not document",
        _post(
            {
                "name": "Daily {run}",
                "department_id": DEPARTMENT,
                "start_date": "2025-01-01",
                "billing_type": "daily",
            },
            422,
            _invalid(
                "The selected billing type is invalid.", billing_type="The selected billing type is invalid."
            ),
        ),
    ),
    Scenario(
        "ZEP-7",
        "update takes billing_type as the integer its page types, not by name",
        _patch(
            "{a}",
            {"billing_type": "hourly"},
            422,
            _invalid(
                "The billing type field must be an integer.",
                billing_type="The billing type field must be an integer.",
            ),
        ),
        setup=(_CREATE_A,),
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
                    "start_date": _midnight("2025-03-01"),
                    "end_date": None,
                    "plan_hours": "250.0000000000",
                    "plan_expenses": "0.0000000000",
                    "currency": "EUR",
                    "keywords": [],
                    "created": ANY,
                    "modified": ANY,
                }
            },
            save={"c": "data.id"},
        ),
        then=(_read("{c}", {"start_date": _midnight("2025-03-01"), "plan_hours": "250.0000000000"}),),
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
    Scenario(
        "ZEP-8",
        "delete answers the delete page's message, and a read no longer finds the project",
        Call("DELETE", "/projects/{a}", status=200, expect=_message("Project deleted successfully")),
        setup=(_CREATE_A,),
        then=(Call("GET", "/projects/{a}", status=404, expect=_message(NOT_FOUND)),),
    ),
    Scenario(
        "ZEP-8",
        "a read-only token cannot delete (403)",
        Call(
            "DELETE",
            "/projects/123",
            status=403,
            expect=_message("This action is unauthorized."),
            token="zep-readonly",
        ),
        admin_only=True,
    ),
)
