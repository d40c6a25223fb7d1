"""ZEP rules ZEP-1..ZEP-8, driven over HTTP; every response is spec-checked by ``api``.

What a rule scenario already proves (``contracts/rule_scenarios/zep.py``, run by
``tests/contracts/test_scenarios.py``) is not repeated here. These tests check what a scenario
cannot express: the journal (fired rules, warnings), stored records, whole envelopes and exact
wording, the frozen clock, several variants or sessions, strict mode, orders and paging.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from contracts.conformance import SpecChecker
from contracts.rule_scenarios.zep import NON_NEGATIVE
from mockserver.app import MockApp, create_app
from mockserver.config import ServerConfig
from tests.fixtures.mock import FROZEN_NOW, Api

V = "zep"
NOW = "2025-03-01T12:00:00.000000Z"
STORED = "2024-11-20T15:30:00.000000Z"


def patch(api: Api, project: Any, body: Any, **kw: Any) -> Any:
    return api.call(V, "PATCH", f"/projects/{project}", json=body, **kw)


def create(api: Api, body: Any, **kw: Any) -> Any:
    return api.call(V, "POST", "/projects", json=body, **kw)


def errors(response: Any) -> dict[str, list[str]]:
    body = response.json()
    assert set(body) == {"message", "errors"}
    result: dict[str, list[str]] = body["errors"]
    return result


# -- ZEP-1: Laravel's envelopes ---------------------------------------------------------------
@pytest.mark.parametrize("auth", [None, "Bearer nope", "Basic dGVzdDp0ZXN0", "Bearer"])
def test_ZEP_1_unauthenticated_before_anything_else(api: Api, auth: str | None) -> None:
    headers = {} if auth is None else {"Authorization": auth}
    with api.unchanged(V):
        r = api.call(V, "PATCH", "/projects/9999", json={"name": "y" * 99}, token=None, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"message": "Unauthenticated."}


def test_ZEP_1_project_not_found(api: Api) -> None:
    with api.unchanged(V):
        unknown = patch(api, 9999, {"name": "y" * 99, "customer_id": 999999})
        zero = patch(api, 0, {"name": "x"})  # not a positive integer: no project can match
        read = api.call(V, "GET", "/projects/9999")
    for r in (unknown, zero, read):
        assert r.status_code == 404
        assert r.json() == {"message": "Project not found."}


def test_ZEP_1_non_numeric_id_and_unknown_routes_are_laravel_404s(api: Api) -> None:
    """Laravel's words name the path as sent and the route's methods, as ZEP's recorded answers
    do (found by a fidelity audit: the mock's named neither)."""
    word = patch(api, "abc", {"name": "x"})
    route = api.call(V, "GET", "/nothing/here", check=False)  # not in the spec at all
    slash = api.call(V, "GET", "/projects/", check=False)
    assert [(r.status_code, r.json()) for r in (word, route, slash)] == [
        (404, {"message": "The route zep/api/v1/projects/abc could not be found."}),
        (404, {"message": "The route zep/api/v1/nothing/here could not be found."}),
        (404, {"message": "The route zep/api/v1/projects could not be found."}),  # Laravel trims
    ]
    method = api.call(V, "PUT", "/projects/123", json={"name": "x"}, check=False)
    assert method.status_code == 405
    assert method.headers["allow"] == "DELETE, GET, HEAD, PATCH"  # HEAD is served (a hostile probe)
    assert method.json() == {
        "message": "The PUT method is not supported for route zep/api/v1/projects/123. "
        "Supported methods: GET, HEAD, PATCH, DELETE."
    }
    long_id = patch(api, "9" * 19, {"name": "x"})  # past 64 bits: no route takes it (GEN-13)
    assert long_id.json() == {"message": f"The route zep/api/v1/projects/{'9' * 19} could not be found."}
    listed = api.call(V, "DELETE", "/projects", check=False)
    assert listed.json()["message"].endswith("Supported methods: GET, HEAD, POST.")
    session = api.client.get(
        "/__session/a%20b/zep/api/v1/nope", headers={"Authorization": "Bearer test-token"}
    )
    assert session.json() == {"message": "The route __session/a%20b/zep/api/v1/nope could not be found."}


def test_ZEP_1_message_counts_the_other_errors(api: Api) -> None:
    with api.unchanged(V):
        one = patch(api, 123, {"plan_hours": -5})
        two = patch(api, 123, {"plan_hours": -5, "url": "u" * 256})
        three = patch(api, 123, {"plan_hours": -5, "url": "u" * 256, "currency": "XXX"})
    assert one.status_code == two.status_code == three.status_code == 422
    assert one.json() == {
        "message": "The plan hours field must be at least 0.",
        "errors": {"plan_hours": ["The plan hours field must be at least 0."]},
    }
    assert two.json()["message"] == "The plan hours field must be at least 0. (and 1 more error)"
    assert three.json()["message"] == "The plan hours field must be at least 0. (and 2 more errors)"


def test_ZEP_1_laravel_wording_per_keyword(api: Api) -> None:
    with api.unchanged(V):
        r = patch(
            api,
            123,
            {
                "customer_id": "42",
                "plan_hours": "5",
                "billing_tasks": "yes",
                "keywords": ["web", 7],
                "dynamic_attributes": ["x"],
                "start_date": "2024-02-30",
                "end_date": "2024-7-1",
                "comments": 5,
                "plan_expenses": None,
            },
        )
    assert r.status_code == 422
    assert errors(r) == {
        "start_date": ["The start date field must be a valid date."],
        "end_date": ["The end date field must match the format Y-m-d."],
        "comments": ["The comments field must be a string."],
        "plan_hours": ["The plan hours field must be a number."],
        "plan_expenses": ["The plan expenses field must be a number."],
        "customer_id": ["The customer id field must be an integer."],
        "billing_tasks": ["The billing tasks field must be true or false."],
        "keywords.1": ["The keywords.1 field must be a string."],
        "dynamic_attributes.0": ["The dynamic attributes.0 field must be an array."],
    }


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "message"),
    [
        (
            b"{not json",
            "application/json",
            400,
            "Malformed JSON: Expecting property name enclosed in double quotes at line 1 column 2.",
        ),
        (b"[1, 2]", "application/json", 400, "The request body must be a JSON object."),
        (b'"text"', "application/json", 400, "The request body must be a JSON object."),
        (b"", "application/json", 400, "Request body is required."),
        (b'{"name": "x"}', "text/plain", 415, "The request body must be sent as application/json."),
    ],
)
def test_ZEP_1_unusable_bodies_get_a_message(
    api: Api, raw: bytes, content_type: str, status: int, message: str
) -> None:
    with api.unchanged(V):
        r = api.call(V, "PATCH", "/projects/123", content=raw, headers={"Content-Type": content_type})
    assert r.status_code == status
    assert r.json() == {"message": message}


def test_ZEP_1_too_large_body_is_413(api: Api) -> None:
    with api.unchanged(V):
        r = api.call(
            V,
            "PATCH",
            "/projects/123",
            content=b'{"comments": "' + b"x" * 1_100_000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code == 413
    assert r.json() == {"message": "Request body exceeds 1048576 bytes."}


def test_ZEP_1_forbidden_and_the_order_of_checks(api: Api) -> None:
    with api.unchanged(V):
        read_only = patch(api, 123, {"name": "y" * 99}, token="zep-readonly")
        read_only_unknown = patch(api, 9999, {"name": "x"}, token="zep-readonly")
        create_read_only = create(api, {"name": "x"}, token="zep-readonly")
        get_no_access = api.call(V, "GET", "/projects/123", token="zep-no-access")
        list_no_access = api.call(V, "GET", "/projects", token="zep-no-access")
    # 404 before 403, and 403 before the schema (GEN-6)
    assert read_only_unknown.status_code == 404
    for r in (read_only, create_read_only, get_no_access, list_no_access):
        assert r.status_code == 403
        assert r.json() == {"message": "This action is unauthorized."}
    assert api.call(V, "GET", "/projects/123", token="zep-readonly").status_code == 200


# -- ZEP-2: name ------------------------------------------------------------------------------
def test_ZEP_2_name_length_and_uniqueness(api: Api) -> None:
    with api.unchanged(V):
        too_long = patch(api, 123, {"name": "N" * 65})
        taken = patch(api, 123, {"name": "  intranet "})
        empty = patch(api, 123, {"name": ""})
        null = patch(api, 123, {"name": None})
    assert errors(too_long) == {"name": ["The name field must not be greater than 64 characters."]}
    assert taken.json() == {
        "message": "The name has already been taken.",
        "errors": {"name": ["The name has already been taken."]},
    }
    assert errors(empty) == errors(null) == {"name": ["The name field must be a string."]}
    assert patch(api, 123, {"name": "N" * 64}).status_code == 200


def test_ZEP_2_resending_own_name_succeeds(api: Api) -> None:
    same = patch(api, 123, {"name": "Website Relaunch 2024"})
    recased = patch(api, 123, {"name": "WEBSITE relaunch 2024"})
    assert same.status_code == recased.status_code == 200
    assert api.record(V, "projects", 123)["name"] == "WEBSITE relaunch 2024"


# -- ZEP-3: dates on the merged state ----------------------------------------------------------
def test_ZEP_3_end_date_must_be_strictly_after_start_date(api: Api) -> None:
    message = ["The end date field must be a date after start date."]
    with api.unchanged(V):
        equal = patch(api, 123, {"start_date": "2024-06-30", "end_date": "2024-06-30"})
        reversed_ = patch(api, 123, {"start_date": "2024-07-01", "end_date": "2024-01-31"})
    assert equal.status_code == reversed_.status_code == 422
    assert errors(equal) == errors(reversed_) == {"end_date": message}
    ok = patch(api, 123, {"start_date": "2024-06-29", "end_date": "2024-06-30"})
    assert ok.status_code == 200


def test_ZEP_3_one_sided_patch_is_compared_with_the_stored_date(api: Api) -> None:
    message = {"end_date": ["The end date field must be a date after start date."]}
    with api.unchanged(V):  # stored: 2024-01-15 .. 2024-06-30
        end_only = patch(api, 123, {"end_date": "2024-01-15"})
        start_only = patch(api, 123, {"start_date": "2024-07-01"})
    assert errors(end_only) == errors(start_only) == message
    assert patch(api, 123, {"end_date": "2024-01-16"}).status_code == 200
    cleared = patch(api, 123, {"end_date": None})
    assert cleared.status_code == 200
    assert cleared.json()["data"]["end_date"] is None
    assert patch(api, 123, {"start_date": "2030-01-01"}).status_code == 200  # no end to compare


# -- ZEP-4: non-negative planning values (texts and message: contracts/rule_scenarios/zep.py) ---
def test_ZEP_4_negative_plan_values_are_listed_in_the_specs_order(api: Api) -> None:
    """The scenario compares the errors as a mapping; Laravel lists them in its rule order."""
    with api.unchanged(V):
        r = patch(api, 123, dict.fromkeys(reversed(NON_NEGATIVE), -0.5))
    assert r.status_code == 422
    assert list(errors(r)) == list(NON_NEGATIVE)  # the spec's order, not the body's


# -- ZEP-5: lengths (one too long of each text: contracts/rule_scenarios/zep.py) ----------------
def test_ZEP_5_cost_object_identifier_string_or_non_negative_integer(api: Api) -> None:
    with api.unchanged(V):
        negative = patch(api, 123, {"cost_object_identifier": -1})
        boolean = patch(api, 123, {"cost_object_identifier": True})
    assert list(errors(negative)) == list(errors(boolean)) == ["cost_object_identifier"]
    number = patch(api, 123, {"cost_object_identifier": 4711})
    assert number.status_code == 200
    assert number.json()["data"]["cost_object_identifier"] == "4711"  # ZEP's schema: a string
    assert api.record(V, "projects", 123)["cost_object_identifier"] == 4711


# -- ZEP-6: references -------------------------------------------------------------------------
def test_ZEP_6_known_references_are_stored_and_nullable_ones_cleared(api: Api) -> None:
    r = patch(
        api,
        123,
        {
            "department_id": 3,
            "customer_id": 43,
            "customer_contact_id": 9,
            "customer_billing_address_id": 13,
            "customer_shipping_address_id": 14,
            "currency": "CHF",
            "language": "en",
            "project_status_id": "gesperrt",
        },
    )
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["status"] == {
        "id": "gesperrt",
        "name": "Gesperrt",
        "description": "Locked for time entry",
        "bookable": False,
        "order": 3,
        "color": "#C62828",
    }
    assert (data["customer_id"], data["currency"], data["language"]) == (43, "CHF", "en")
    cleared = patch(api, 123, {"customer_id": None, "customer_contact_id": None, "language": None})
    assert cleared.status_code == 200
    stored = api.record(V, "projects", 123)
    assert stored["customer_id"] is stored["customer_contact_id"] is stored["language"] is None


def test_ZEP_7_update_takes_the_language_as_the_integer_its_page_types(api: Api) -> None:
    """Found by a fidelity audit: the update page says "language (integer)", which was a 422
    ("must be a string"). An integer names a tenant language by its id; it is stored and shown
    as the code, as ZEP's Project schema returns it. An id no language has is ZEP-6's 422."""
    r = patch(api, 123, {"language": 3})
    assert r.status_code == 200
    assert r.json()["data"]["language"] == "fr"
    assert api.record(V, "projects", 123)["language"] == "fr"
    assert api.call(V, "GET", "/projects/123").json()["data"]["language"] == "fr"
    unknown = patch(api, 123, {"language": 99})
    assert (unknown.status_code, unknown.json()["errors"]) == (
        422,
        {"language": ["The selected language is invalid."]},
    )
    for wrong in (True, 2.5, ["de"]):
        refused = patch(api, 123, {"language": wrong})
        assert refused.json()["errors"] == {
            "language": ["The language field must be a string or an integer."]
        }
    assert (
        create(
            api, {"name": "Lang", "department_id": 1, "start_date": "2025-01-01", "language": 2}
        ).status_code
        == 422
    )
    assert api.record(V, "projects", 123)["language"] == "fr"
    state = api.state(V)
    state["languages"]["en"]["id"] = 1  # found by a hostile probe: the smallest code won silently
    refused = api.admin("PUT", "/state/zep", json=state)
    assert refused.status_code == 400
    assert refused.json()["problems"] == ["languages: id 1 names more than one language (de, en)"]


def test_ZEP_6_schema_and_business_errors_share_one_422(api: Api) -> None:
    with api.unchanged(V):
        r = patch(
            api,
            123,
            {
                "name": "Intranet",
                "description": "d" * 256,
                "start_date": "2024-07-01",
                "end_date": "2024-01-31",
                "plan_hours": -1,
                "customer_id": 999999,
                "customer_contact_id": "7",
            },
        )
    assert r.json() == {
        "message": "The name has already been taken. (and 5 more errors)",
        "errors": {
            "name": ["The name has already been taken."],
            "description": ["The description field must not be greater than 255 characters."],
            "end_date": ["The end date field must be a date after start date."],
            "plan_hours": ["The plan hours field must be at least 0."],
            "customer_id": ["The selected customer id is invalid."],
            "customer_contact_id": ["The customer contact id field must be an integer."],
        },
    }


# -- ZEP-7: the success shape, in each page's form --------------------------------------------
def test_ZEP_7_update_answers_data_and_info_in_the_update_pages_short_form(api: Api) -> None:
    r = patch(
        api,
        123,
        {
            "description": "Phase 2",
            "plan_hours": 512.345,
            "plan_expenses": 15000,
            "billing_type": 2,
            "receipts_billability": 1,
            "keywords": ["web"],
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"data", "info"}
    assert body["info"] is None
    data = body["data"]
    assert data["id"] == 123
    assert data["description"] == "Phase 2"
    assert data["plan_hours"] == "512.35"  # the update page: two decimals, rounded half up
    assert data["plan_expenses"] == "15000.00"
    assert data["billing_type"] == {"id": 2, "name": "Fixed price"}
    assert data["receipts_billability"] == {"id": 1, "name": "Billable"}
    assert data["plan_can_exceed"] == {"id": 2, "name": "No, all times can not exceed the plan hours"}
    assert (data["start_date"], data["end_date"]) == ("2024-01-15", "2024-06-30")  # Y-m-d
    assert data["created"] == "2023-12-10T09:00:00.000000Z"
    assert data["modified"] == NOW  # GEN-11
    assert data["categories"] == [3, 7]
    assert data["dynamicAttributes"] == []


def test_ZEP_7_only_sent_fields_change(api: Api) -> None:
    before = api.record(V, "projects", 123)
    assert patch(api, 123, {"comments": "Kickoff done", "unknown_field": 1}).status_code == 200
    after = api.record(V, "projects", 123)
    assert before["modified"] == STORED
    assert after == {**before, "comments": "Kickoff done", "modified": NOW}  # GEN-1, GEN-7
    warnings = api.journal()[-1]["warnings"]
    assert [w["field"] for w in warnings] == ["unknown_field"]


def test_ZEP_7_a_rejected_update_keeps_modified(api: Api) -> None:
    with api.unchanged(V):
        assert patch(api, 123, {"comments": "x", "currency": "XYZ"}).status_code == 422
    assert api.record(V, "projects", 123)["modified"] == STORED


# Project 123 is stored as 2024-01-15..2024-06-30, plan_hours 500, plan_hours_done 120.5,
# billing_type 1, plan_can_exceed 2 ("No, all times can not exceed the plan hours").
LONG_FORM = {
    "start_date": "2024-01-15T00:00:00.000000Z",
    "end_date": "2024-06-30T00:00:00.000000Z",
    "plan_hours": "500.0000000000",
    "plan_expenses": "15000.0000000000",
    "plan_hours_done": "120.5000000000",
    "plan_wage_children": "0.0000000000",
    "plan_hours_per_day": None,
}


def test_ZEP_7_details_answer_in_the_details_pages_long_form(api: Api) -> None:
    r = api.call(V, "GET", "/projects/123")
    assert set(r.json()) == {"data"}
    data = r.json()["data"]
    assert {name: data[name] for name in LONG_FORM} == LONG_FORM
    assert data["plan_can_exceed"] is False  # the details page's boolean
    assert data["billing_type"] == {"id": 1, "name": "Hourly"}  # ZEP's schema; the page shows null
    assert (data["created"], data["modified"]) == ("2023-12-10T09:00:00.000000Z", STORED)


def test_ZEP_7_the_details_read_shows_an_update_in_its_own_form(api: Api) -> None:
    # what Schemathesis' literal update-vs-read comparison cannot see (fuzz_exclusions)
    updated = patch(api, 123, {"plan_hours": 640, "start_date": "2024-02-01", "name": "Relaunch 2"})
    assert updated.status_code == 200
    assert updated.json()["data"]["plan_hours"] == "640.00"
    shown = api.call(V, "GET", "/projects/123").json()["data"]
    assert shown["plan_hours"] == "640.0000000000"
    assert shown["start_date"] == "2024-02-01T00:00:00.000000Z"
    assert shown["name"] == "Relaunch 2"
    assert shown["modified"] == updated.json()["data"]["modified"]


def test_ZEP_7_list_items_answer_in_the_list_pages_long_form(api: Api) -> None:
    (item,) = api.call(V, "GET", "/projects?id[]=123").json()["data"]
    assert {name: item[name] for name in LONG_FORM} == LONG_FORM
    assert item["plan_can_exceed"] is False
    assert item["billing_type"] == {"id": 1, "name": "Hourly"}
    assert item["categories_count"] == 2 and "categories" not in item


def test_ZEP_7_plan_can_exceed_is_true_on_the_read_pages_only_for_option_1(api: Api) -> None:
    yes = {"id": 1, "name": "Yes, all times can exceed the plan hours"}
    assert patch(api, 123, {"plan_can_exceed": 1}).json()["data"]["plan_can_exceed"] == yes
    assert api.call(V, "GET", "/projects/123").json()["data"]["plan_can_exceed"] is True
    assert api.call(V, "GET", "/projects?id[]=123").json()["data"][0]["plan_can_exceed"] is True
    patch(api, 123, {"plan_can_exceed": 7})  # undocumented options are not "yes"
    assert api.call(V, "GET", "/projects/123").json()["data"]["plan_can_exceed"] is False


def test_ZEP_7_create_takes_the_create_pages_example_and_answers_in_its_form(api: Api) -> None:
    # The create page's example body: billing_type by name, plan_can_exceed an integer,
    # plan_hours a JSON number (its customer 12345 is not in the fixtures: 42 here).
    r = create(
        api,
        {
            "name": "Website Relaunch Q4",
            "department_id": 1,
            "start_date": "2024-10-01",
            "end_date": "2024-12-31",
            "project_status_id": "aktiv",
            "customer_id": 42,
            "plan_hours": 500.0,
            "plan_can_exceed": 2,
            "billing_type": "hourly",
        },
    )
    assert r.status_code == 201
    data = r.json()["data"]
    assert (data["start_date"], data["end_date"]) == (
        "2024-10-01T00:00:00.000000Z",
        "2024-12-31T00:00:00.000000Z",
    )
    assert (data["plan_hours"], data["plan_expenses"]) == ("500.0000000000", "0.0000000000")
    assert data["billing_type"] == "hourly"
    assert data["plan_can_exceed"] == {"id": 2, "name": "No, all times can not exceed the plan hours"}
    assert data["created"] == data["modified"] == NOW
    # one stored shape: the name is stored as the number the update page writes
    stored = api.record(V, "projects", data["id"])
    assert (stored["billing_type"], stored["plan_can_exceed"], stored["start_date"]) == (1, 2, "2024-10-01")
    updated = patch(api, data["id"], {"description": "Q4"}).json()["data"]
    assert (updated["start_date"], updated["plan_hours"]) == ("2024-10-01", "500.00")
    assert updated["billing_type"] == {"id": 1, "name": "Hourly"}


def test_ZEP_7_create_also_takes_billing_type_as_the_update_pages_integer(api: Api) -> None:
    body = {"name": "Fixed Price Rollout", "department_id": 1, "start_date": "2025-01-01", "billing_type": 2}
    data = create(api, body).json()["data"]
    assert data["billing_type"] == "fixed_price"  # our name: only "hourly" is documented
    assert api.record(V, "projects", data["id"])["billing_type"] == 2


def test_ZEP_7_each_operation_takes_only_the_billing_type_forms_its_page_documents(api: Api) -> None:
    base = {"name": "Daily Rates", "department_id": 1, "start_date": "2025-01-01"}
    with api.unchanged(V):
        unknown_name = create(api, {**base, "billing_type": "daily"})
        not_a_code = create(api, {**base, "billing_type": True})
        name_on_update = patch(api, 123, {"billing_type": "hourly"})  # the update page: an integer
    assert errors(unknown_name) == {"billing_type": ["The selected billing type is invalid."]}
    assert errors(not_a_code) == {"billing_type": ["The billing type field must be a string or an integer."]}
    assert errors(name_on_update) == {"billing_type": ["The billing type field must be an integer."]}


def test_ZEP_7_timestamps_are_microseconds_and_z_in_every_form(api: Api) -> None:
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000000Z$")
    created = create(api, {"name": "Stamps", "department_id": 1, "start_date": "2025-01-01"}).json()["data"]
    answers = [
        created,
        patch(api, 123, {"comments": "x"}).json()["data"],
        api.call(V, "GET", "/projects/123").json()["data"],
        *api.call(V, "GET", "/projects").json()["data"],
    ]
    for data in answers:
        assert stamp.match(data["created"]) and stamp.match(data["modified"]), data["id"]


def test_ZEP_7_timestamps_keep_whole_seconds_on_a_clock_with_microseconds() -> None:
    """Found by a fidelity audit: an unfrozen clock wrote ``...14:53:43.515628Z``; ZEP's column
    keeps seconds, so every page shows ``.000000Z``."""
    app: MockApp = create_app(ServerConfig(freeze_time="2025-03-01T12:00:00.987654Z", vendors=(V,)))
    fine = Api(app, {V: SpecChecker(app.vendors[V].spec_path)}, "fine clock")
    created = create(fine, {"name": "Fine", "department_id": 1, "start_date": "2025-01-01"}).json()["data"]
    updated = patch(fine, 123, {"comments": "x"}).json()["data"]
    assert created["created"] == created["modified"] == updated["modified"] == NOW


def test_ZEP_7_the_spec_refuses_an_answer_in_another_pages_form(api: Api) -> None:
    """Each operation's schema describes its own form only: the update's answer is no details
    answer, and the details' answer (with info added) is no update answer."""
    updated = patch(api, 123, {"comments": "x"})
    read = api.call(V, "GET", "/projects/123")
    json_type = {"Content-Type": "application/json"}
    as_details = api.checkers[V].response_errors("GET", "/projects/123", 200, json_type, updated.content)
    swapped = json.dumps({**read.json(), "info": None}).encode()
    as_update = api.checkers[V].response_errors("PATCH", "/projects/123", 200, json_type, swapped)
    for found in (as_details, as_update):
        assert len(found) == 1
        assert all(f"at data/{name}:" in found[0] for name in ("start_date", "plan_hours", "plan_can_exceed"))


# -- ZEP-8: neighbours -------------------------------------------------------------------------
def test_ZEP_8_create_then_read_and_update(api: Api) -> None:
    r = create(
        api,
        {
            "name": "Intranet Redesign",
            "department_id": 5,
            "start_date": "2024-03-01",
            "end_date": "2024-09-30",
            "customer_id": 42,
            "plan_hours": 250,
            "plan_can_exceed": 2,
        },
    )
    assert r.status_code == 201
    data = r.json()["data"]
    assert set(r.json()) == {"data"}
    assert data["id"] == 124
    assert data["project_status_id"] == "aktiv"
    assert data["status"]["name"] == "Aktiv"
    assert (data["plan_hours"], data["plan_expenses"]) == ("250.0000000000", "0.0000000000")
    assert data["created"] == data["modified"] == NOW
    assert data["keywords"] == data["categories"] == data["priceTables"] == []
    read = api.call(V, "GET", "/projects/124").json()["data"]
    # the details page differs from the create page only in the enum-coded forms (ZEP-7)
    assert read == {**data, "billing_type": {"id": 1, "name": "Hourly"}, "plan_can_exceed": False}
    assert patch(api, 124, {"plan_hours": 260}).json()["data"]["plan_hours"] == "260.00"


def test_ZEP_8_delete_answers_the_pages_message_and_the_project_is_gone(api: Api) -> None:
    r = api.call(V, "DELETE", "/projects/123")
    assert r.status_code == 200
    assert r.json() == {"message": "Project deleted successfully"}
    assert "ZEP-8" in api.journal()[-1]["rules"]
    assert "123" not in api.state(V)["projects"]
    listed = api.call(V, "GET", "/projects?limit=100").json()
    assert [p["id"] for p in listed["data"]] == [119, 120, 121, 122]
    assert listed["meta"]["total"] == 4
    with api.unchanged(V):
        read = api.call(V, "GET", "/projects/123")
        update = patch(api, 123, {"name": "Back again"})
        again = api.call(V, "DELETE", "/projects/123")
    for gone in (read, update, again):
        assert gone.status_code == 404
        assert gone.json() == {"message": "Project not found."}
    # the name is free again (ZEP-2 looks at the projects that exist)
    assert patch(api, 122, {"name": "Website Relaunch 2024"}).status_code == 200


def test_ZEP_8_delete_of_an_unknown_project_is_404(api: Api) -> None:
    with api.unchanged(V):
        unknown = api.call(V, "DELETE", "/projects/9999")
        zero = api.call(V, "DELETE", "/projects/0")  # not a positive integer: no project can match
        word = api.call(V, "DELETE", "/projects/abc")
    for r in (unknown, zero):
        assert r.status_code == 404
        assert r.json() == {"message": "Project not found."}
    assert word.status_code == 404
    assert word.json() == {"message": "The route zep/api/v1/projects/abc could not be found."}


def test_ZEP_8_delete_needs_the_write_permission_after_the_404(api: Api) -> None:
    with api.unchanged(V):
        read_only = api.call(V, "DELETE", "/projects/123", token="zep-readonly")
        no_access = api.call(V, "DELETE", "/projects/123", token="zep-no-access")
        read_only_unknown = api.call(V, "DELETE", "/projects/9999", token="zep-readonly")
    for r in (read_only, no_access):
        assert r.status_code == 403
        assert r.json() == {"message": "This action is unauthorized."}
    assert read_only_unknown.status_code == 404  # 404 before 403 (GEN-6)


@pytest.mark.parametrize("auth", [None, "Bearer nope"])
def test_ZEP_1_delete_unauthenticated_before_the_404(api: Api, auth: str | None) -> None:
    headers = {} if auth is None else {"Authorization": auth}
    with api.unchanged(V):
        known = api.call(V, "DELETE", "/projects/123", token=None, headers=headers)
        unknown = api.call(V, "DELETE", "/projects/9999", token=None, headers=headers)
    for r in (known, unknown):
        assert r.status_code == 401
        assert r.json() == {"message": "Unauthenticated."}


def test_ZEP_8_create_requires_name_department_and_start_date(api: Api) -> None:
    with api.unchanged(V):
        name_only = create(api, {"name": "Intranet Redesign"})
        empty = create(api, {})
        unknown_department = create(
            api, {"name": "Intranet Redesign", "department_id": 999999, "start_date": "2024-03-01"}
        )
    assert name_only.json() == {
        "message": "The department id field is required. (and 1 more error)",
        "errors": {
            "department_id": ["The department id field is required."],
            "start_date": ["The start date field is required."],
        },
    }
    assert list(errors(empty)) == ["name", "department_id", "start_date"]
    assert errors(unknown_department) == {"department_id": ["The selected department id is invalid."]}


def test_ZEP_8_list_is_a_laravel_page(api: Api) -> None:
    r = api.call(V, "GET", "/projects?limit=2&page=2")
    assert r.status_code == 200
    body = r.json()
    assert [p["id"] for p in body["data"]] == [121, 122]
    assert "categories" not in body["data"][0]
    assert body["data"][0]["categories_count"] == 0
    base = "http://testserver/zep/api/v1/projects"
    assert body["links"] == {
        "first": f"{base}?limit=2&page=1",
        "last": f"{base}?limit=2&page=3",
        "prev": f"{base}?limit=2&page=1",
        "next": f"{base}?limit=2&page=3",
    }
    meta = body["meta"]
    assert (meta["current_page"], meta["from"], meta["to"], meta["last_page"]) == (2, 3, 4, 3)
    assert (meta["per_page"], meta["total"], meta["path"]) == (2, 5, base)
    assert [link["label"] for link in meta["links"]] == ["&laquo; Previous", "1", "2", "3", "Next &raquo;"]
    assert [link["active"] for link in meta["links"]] == [False, False, True, False, False]


def test_ZEP_8_list_filters(api: Api) -> None:
    def ids(query: str) -> list[int]:
        return [p["id"] for p in api.call(V, "GET", f"/projects?{query}").json()["data"]]

    assert ids("id[]=120&id[]=123") == [120, 123]
    assert ids("start_date=2025-01-01") == [120, 121]  # still running on or after that day
    assert ids("end_date=2024-01-31") == [119, 123]  # started on or before that day
    empty = api.call(V, "GET", "/projects?page=9").json()
    assert empty["data"] == []
    assert (empty["meta"]["from"], empty["meta"]["to"]) == (None, None)


def test_ZEP_8_list_query_errors_are_422(api: Api) -> None:
    r = api.call(V, "GET", "/projects?limit=500&page=0")
    assert r.json() == {
        "message": "The limit field must not be greater than 100. (and 1 more error)",
        "errors": {
            "limit": ["The limit field must not be greater than 100."],
            "page": ["The page field must be at least 1."],
        },
    }


def test_ZEP_8_many_pages_get_laravels_window(api: Api) -> None:
    state = api.state(V)
    template = state["projects"]["123"]
    for n in range(1000, 1040):
        state["projects"][str(n)] = {**template, "id": n, "name": f"Project {n}"}
    api.put_state(V, state)
    meta = api.call(V, "GET", "/projects?limit=1&page=20").json()["meta"]
    labels = [link["label"] for link in meta["links"][1:-1]]
    assert labels == ["1", "2", "...", "17", "18", "19", "20", "21", "22", "23", "...", "44", "45"]


def test_ZEP_8_paging_in_a_named_session_keeps_prefix_and_filters(api: Api) -> None:
    """Laravel's links are absolute (the list page's ``path`` is the full URL): on the mock they
    lead back to the same host, session, path and filters (issue 15)."""
    headers = api.headers(V)
    headers.pop("X-Mock-Session")
    base = f"http://testserver/__session/{api.session}-paging/zep/api/v1/projects"
    created = []
    for n in range(9):
        body = {"name": f"Paged {n}", "department_id": 5, "start_date": "2024-03-01"}
        r = api.client.post(base, json=body, headers=headers)
        assert r.status_code == 201, r.text
        created.append(r.json()["data"]["id"])
    wanted = created[1::2] + created[:1]
    query = "&".join(f"id[]={i}" for i in wanted)
    url: str | None = f"{base}?{query}&limit=2"
    seen, links = [], []
    while url is not None:
        r = api.client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        errors = api.checkers[V].response_errors(
            "GET", "/projects", r.status_code, dict(r.headers), r.content, request_headers=headers
        )
        assert not errors, errors
        body = r.json()
        assert body["meta"]["path"] == base
        seen += [p["id"] for p in body["data"]]
        url = body["links"]["next"]
        links += [url] if url else []
    assert seen == sorted(wanted) and len(links) == 2
    encoded = "&".join(f"id%5B%5D={i}" for i in wanted)
    assert links == [f"{base}?{encoded}&limit=2&page=2", f"{base}?{encoded}&limit=2&page=3"]
    default = api.call(V, "GET", "/projects?limit=100").json()["data"]
    assert not {p["id"] for p in default} & set(created)  # nothing leaked to another session


# -- GEN-7 --strict: undocumented fields become a 422 ------------------------------------------
@pytest.fixture(scope="module")
def strict_api() -> Api:
    app: MockApp = create_app(ServerConfig(freeze_time=FROZEN_NOW, strict=True, vendors=(V,)))
    return Api(app, {V: SpecChecker(app.vendors[V].spec_path)}, "strict")


def test_ZEP_1_strict_mode_prohibits_undocumented_fields(strict_api: Api) -> None:
    with strict_api.unchanged(V):
        r = patch(strict_api, 123, {"risk": "high", "plan_hours": -1})
    assert r.json() == {
        "message": "The plan hours field must be at least 0. (and 1 more error)",
        "errors": {
            "plan_hours": ["The plan hours field must be at least 0."],
            "risk": ["The risk field is prohibited."],
        },
    }
