"""Wethod rules WET-1..WET-14, driven over HTTP; every response is spec-checked by ``api``.

What a rule scenario already proves (``contracts/rule_scenarios/wethod.py``, run by
``tests/contracts/test_scenarios.py``) is not repeated here. These tests check what a scenario
cannot express: the journal (fired rules, warnings), stored records, whole envelopes and exact
wording, the frozen clock, several variants or sessions, strict mode, orders and paging.
WET-4, WET-7 and WET-8 have their scenarios alone.

Fixture cast (mockserver/fixtures/wethod.json): project 42 (PM 11, account 12, whitelist on with
people 31 and 14), 43 (PM 11, account 13, whitelist on and empty), 44 (PM 13, account 12,
whitelist off with person 15), 45 (archived), 46 (bare). Tokens: test-token (everything,
person 16), wethod-pm (view+edit, person 11), wethod-edit-other-only (no pipeline.edit,
person 11), wethod-no-job-order (person 13), wethod-viewer (person 14), wethod-no-access.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest

from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.core.spec import SPECS_DIR, load_spec
from tests.fixtures.mock import FROZEN_NOW, Api

V = "wethod"
INVALID = "You provided invalid data. Check 'failures' for details."
NOW = FROZEN_NOW.replace("Z", ".000Z")  # Wethod stamps carry milliseconds


def patch(api: Api, project: Any, body: Any, **kw: Any) -> Any:
    return api.call(V, "PATCH", f"/api/projects/{project}", json=body, **kw)


def failures(response: Any) -> list[tuple[str, str]]:
    body = response.json()
    assert body["key"] == "invalid_data"
    assert body["message"] == INVALID
    return [(f["field"], f["message"]) for f in body["failures"]]


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"key", "message"}
    return response.status_code, body["key"], body["message"]


def last_rules(api: Api) -> list[str]:
    rules: list[str] = api.journal()[-1]["rules"]
    return rules


# -- WET-1 tenant headers -----------------------------------------------------------------------
def test_WET_1_missing_headers_are_400_naming_each_header(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, 42, {"name": "x"}, drop_headers=("Wethod-Company", "Wethod-Version"))
    assert r.status_code == 400
    assert failures(r) == [
        ("Wethod-Company", "This header is required."),
        ("Wethod-Version", "This header is required."),
    ]
    assert "WET-1" in last_rules(api)


def test_WET_1_unknown_company_is_403_before_404_and_400(api: Api) -> None:
    with api.unchanged(V):
        unknown_project = patch(api, 9999, {"probability": 500}, headers={"Wethod-Company": "globex"})
        known_project = patch(api, 42, {"name": "x"}, headers={"Wethod-Company": "ACME"})
    assert error(unknown_project) == (403, "forbidden", 'You do not have access to company "globex".')
    assert error(known_project)[0] == 403


def test_WET_1_bad_token_is_401_before_header_checks(api: Api) -> None:
    with api.unchanged(V):
        missing = patch(api, 42, {"name": "x"}, token=None, drop_headers=("Wethod-Company",))
        wrong = patch(api, 42, {"name": "x"}, token="no-such-token")
    assert error(missing) == (401, "unauthorized", "The provided API token is missing or invalid.")
    assert error(wrong)[:2] == (401, "unauthorized")


@pytest.mark.parametrize(
    "path",
    [
        "/api/projects",
        "/api/projects/42",
        "/api/project-metadata",
        "/api/timesheet-whitelists",
        "/api/timesheet-whitelists/5",
    ],
)
def test_WET_1_every_endpoint_needs_the_headers(api: Api, path: str) -> None:
    missing = api.call(V, "GET", path, drop_headers=("Wethod-Version",))
    unknown = api.call(V, "GET", path, headers={"Wethod-Company": "initech"})
    assert missing.status_code == 400
    assert failures(missing) == [("Wethod-Version", "This header is required.")]
    assert error(unknown)[:2] == (403, "forbidden")


# -- WET-2 error envelope -----------------------------------------------------------------------
def test_WET_2_envelopes_for_each_status(api: Api) -> None:
    with api.unchanged(V):
        invalid = patch(api, 42, {"probability": 101})
        missing = patch(api, 9999, {"name": "x"})
        precondition = patch(api, 42, {"is_timesheet_whitelist_enabled": False})
        conflict = api.call(V, "POST", "/api/timesheet-whitelists", json={"project_id": 42, "person_id": 31})
        forbidden = patch(api, 42, {"name": "x"}, token="wethod-viewer")
    assert invalid.status_code == 400
    assert invalid.json() == {
        "key": "invalid_data",
        "message": INVALID,
        "failures": [{"field": "probability", "message": "This value should be less than or equal to 100."}],
    }
    assert error(missing) == (404, "not_found", "Project 9999 not found.")
    assert error(precondition) == (
        412,
        "precondition_failure",
        "The timesheet whitelist cannot be disabled while it still has people in it.",
    )
    assert error(conflict) == (409, "conflict", "Person 31 is already whitelisted on project 42.")
    assert error(forbidden)[:2] == (403, "forbidden")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            b"{not json",
            "The request body is not valid JSON (malformed JSON: Expecting property "
            "name enclosed in double quotes at line 1 column 2).",
        ),
        (b"[1, 2]", "This value should be of type object."),
        (b'"text"', "This value should be of type object."),
        (b"", "The request body should not be blank."),
    ],
)
def test_WET_2_bad_bodies_are_invalid_data_on_body(api: Api, raw: bytes, message: str) -> None:
    with api.unchanged(V):
        r = api.call(
            V, "PATCH", "/api/projects/42", content=raw, headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 400
    assert failures(r) == [("body", message)]


def test_WET_2_wrong_content_type_unknown_route_and_method(api: Api) -> None:
    with api.unchanged(V):
        media = api.call(
            V,
            "PATCH",
            "/api/projects/42",
            content=b"name=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        route = api.call(V, "GET", "/api/nothing-here", check=False)
        method = api.call(V, "PUT", "/api/projects/42", json={}, check=False)
    assert error(media) == (415, "unsupported_media_type", "The request body must be application/json.")
    assert error(route) == (404, "not_found", "The requested route does not exist.")
    assert error(method) == (405, "method_not_allowed", "This method is not allowed on this route.")


# -- WET-3 lengths --------------------------------------------------------------------------------
def test_WET_3_name_and_job_order_lengths(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, 42, {"name": "n" * 501, "job_order": "j" * 151})
    assert r.status_code == 400
    assert failures(r) == [
        ("name", "This value is too long. It should have 500 characters or less."),
        ("job_order", "This value is too long. It should have 150 characters or less."),
    ]
    assert "WET-3" in last_rules(api)
    ok = patch(api, 42, {"name": "n" * 500, "job_order": "j" * 150})
    assert ok.status_code == 200
    stored = api.record(V, "projects", 42)
    assert (len(stored["name"]), len(stored["job_order"])) == (500, 150)


# -- WET-5 dates --------------------------------------------------------------------------------
def test_WET_5_date_start_sent_as_a_request_key_is_ignored_with_a_warning(api: Api) -> None:
    # Wethod's OpenAPI names the request key start_date; date_start is the response's name only
    before = api.record(V, "projects", 42)["date_start"]
    r = patch(api, 42, {"date_start": "2030-01-01"})
    assert r.status_code == 200
    assert api.record(V, "projects", 42)["date_start"] == before
    assert [w["field"] for w in api.journal()[-1]["warnings"]] == ["date_start"]


def test_WET_5_start_date_is_stored_as_first_day_of_month(api: Api) -> None:
    r = patch(api, 42, {"start_date": "2025-03-17", "due_date": "2025-09-30"})
    assert r.status_code == 200
    assert r.json()["date_start"] == "2025-03-01"
    assert r.json()["due_date"] == "2025-09-30"
    assert api.record(V, "projects", 42)["date_start"] == "2025-03-01"
    assert "WET-5" in last_rules(api)


def test_WET_5_nullable_dates_are_cleared_by_null(api: Api) -> None:
    assert patch(api, 42, {"due_date": None, "signed_on": None}).status_code == 200
    stored = api.record(V, "projects", 42)
    assert stored["due_date"] is None
    assert stored["signed_on"] is None
    with api.unchanged(V):
        r = patch(api, 42, {"start_date": None})
    assert failures(r) == [("start_date", "This value should not be null.")]


# -- WET-6 permissions ----------------------------------------------------------------------------
def test_WET_6_order_is_404_then_403_then_400(api: Api) -> None:
    with api.unchanged(V):
        missing = patch(api, 9999, {"probability": 500}, token="wethod-viewer")
        forbidden = patch(api, 42, {"probability": 500}, token="wethod-viewer")
        invalid = patch(api, 42, {"probability": 500}, token="wethod-pm")
    assert error(missing)[:2] == (404, "not_found")
    assert error(forbidden)[:2] == (403, "forbidden")
    assert invalid.status_code == 400


# -- WET-9 whitelist flag -----------------------------------------------------------------------
def test_WET_9_cannot_disable_a_whitelist_with_people(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, 42, {"is_timesheet_whitelist_enabled": False, "name": "Renamed"})
    assert error(r) == (
        412,
        "precondition_failure",
        "The timesheet whitelist cannot be disabled while it still has people in it.",
    )
    assert "WET-9" in last_rules(api)
    stored = api.record(V, "projects", 42)
    assert stored["is_timesheet_whitelist_enabled"] is True
    assert stored["name"] == "Website redesign"
    assert stored["updated_at"] == "2024-06-15T08:00:00.000Z"


def test_WET_9_disabling_an_empty_whitelist_and_enabling_succeed(api: Api) -> None:
    disabled = patch(api, 43, {"is_timesheet_whitelist_enabled": False})
    assert disabled.status_code == 200
    assert disabled.json()["is_timesheet_whitelist_enabled"] is False
    enabled = patch(api, 44, {"is_timesheet_whitelist_enabled": True})
    assert enabled.status_code == 200
    assert api.record(V, "projects", 44)["is_timesheet_whitelist_enabled"] is True


# -- WET-10 whitelist endpoints -----------------------------------------------------------------
def test_WET_10_list_filters_by_project_and_person(api: Api) -> None:
    by_project = api.call(V, "GET", "/api/timesheet-whitelists?project_id=42").json()
    assert [(e["id"], e["person_id"]) for e in by_project] == [(5, 31), (6, 14)]
    by_person = api.call(V, "GET", "/api/timesheet-whitelists?person_id=15").json()
    assert [e["id"] for e in by_person] == [7]
    both = api.call(V, "GET", "/api/timesheet-whitelists?project_id=42&person_id=14").json()
    assert [e["id"] for e in both] == [6]
    paged = api.call(V, "GET", "/api/timesheet-whitelists?limit=1&offset=1").json()
    assert [e["id"] for e in paged] == [6]
    assert api.call(V, "GET", "/api/timesheet-whitelists/7").json()["project_id"] == 44


def test_WET_10_add_conflict_and_remove(api: Api) -> None:
    created = api.call(V, "POST", "/api/timesheet-whitelists", json={"project_id": 43, "person_id": 12})
    assert created.status_code == 201
    assert created.json() == {
        "id": 8,
        "created_at": NOW,
        "updated_at": NOW,
        "project_id": 43,
        "person_id": 12,
    }
    with api.unchanged(V):
        again = api.call(V, "POST", "/api/timesheet-whitelists", json={"project_id": 43, "person_id": 12})
    assert error(again) == (409, "conflict", "Person 12 is already whitelisted on project 43.")
    # the project's whitelist now has a person: WET-9 applies to it
    assert patch(api, 43, {"is_timesheet_whitelist_enabled": False}).status_code == 412
    removed = api.call(V, "DELETE", "/api/timesheet-whitelists/8")
    assert removed.status_code == 200
    assert removed.json()["person_id"] == 12
    assert "8" not in api.state(V)["whitelists"]
    gone = api.call(V, "DELETE", "/api/timesheet-whitelists/8")
    assert error(gone) == (404, "not_found", "Timesheet whitelist 8 not found.")


def test_WET_10_whitelist_writes_use_the_project_permissions(api: Api) -> None:
    with api.unchanged(V):
        other = api.call(
            V,
            "POST",
            "/api/timesheet-whitelists",
            json={"project_id": 44, "person_id": 11},
            token="wethod-pm",
        )
        remove_other = api.call(V, "DELETE", "/api/timesheet-whitelists/7", token="wethod-pm")
        viewer = api.call(
            V,
            "POST",
            "/api/timesheet-whitelists",
            json={"project_id": 999999, "person_id": 11},
            token="wethod-viewer",
        )
    message = (
        "You need the pipeline.edit_other permission to edit the whitelist of a project you do not manage."
    )
    assert error(other) == (403, "forbidden", message)
    assert error(remove_other) == (403, "forbidden", message)
    assert error(viewer) == (
        403,
        "forbidden",
        "You need the pipeline.edit or pipeline.edit_other permission to edit timesheet whitelists.",
    )
    own = api.call(
        V, "POST", "/api/timesheet-whitelists", json={"project_id": 42, "person_id": 15}, token="wethod-pm"
    )
    assert own.status_code == 201
    assert api.call(V, "DELETE", "/api/timesheet-whitelists/5", token="wethod-pm").status_code == 200


def test_WET_10_whitelist_reads_need_view_permissions(api: Api) -> None:
    other = api.call(V, "GET", "/api/timesheet-whitelists?project_id=44", token="wethod-pm")
    assert error(other) == (
        403,
        "forbidden",
        "You need the pipeline.view_other permission to view the whitelist of a project you do not manage.",
    )
    entry = api.call(V, "GET", "/api/timesheet-whitelists/7", token="wethod-pm")
    assert error(entry)[:2] == (403, "forbidden")
    mine = api.call(V, "GET", "/api/timesheet-whitelists", token="wethod-pm").json()
    assert [e["project_id"] for e in mine] == [42, 42]
    nobody = api.call(V, "GET", "/api/timesheet-whitelists", token="wethod-no-access")
    assert error(nobody)[:2] == (403, "forbidden")


# -- WET-11 metadata ----------------------------------------------------------------------------
def test_WET_11_set_and_remove_metadata(api: Api) -> None:
    r = patch(api, 42, {"metadata_13": "Public sector", "metadata_14": None, "metadata_15": ""})
    assert r.status_code == 200
    shown = r.json()
    assert shown["metadata_13"] == "Public sector"
    assert "metadata_14" not in shown
    assert "metadata_15" not in shown
    stored = api.record(V, "projects", 42)
    assert sorted(k for k in stored if k.startswith("metadata")) == ["metadata_13"]
    assert stored["metadata_13"] == "Public sector"
    free = patch(api, 42, {"metadata_14": "Anything goes", "metadata_15": "South"})
    assert (free.json()["metadata_14"], free.json()["metadata_15"]) == ("Anything goes", "South")
    # documented by pattern, so never a GEN-7 warning
    assert api.journal()[-1]["warnings"] == []


def test_WET_11_unknown_definition_bad_choice_and_type_together(api: Api) -> None:
    with api.unchanged(V):
        r = patch(
            api,
            42,
            {"metadata_999": "Enterprise", "metadata_13": "Startup", "metadata_14": 42, "name": "n" * 501},
        )
    assert r.status_code == 400
    assert failures(r) == [
        ("metadata_999", "Project metadata 999 does not exist."),
        (
            "metadata_13",
            "The value you selected is not a valid choice. Allowed values: Enterprise, SMB, Public sector.",
        ),
        ("metadata_14", "This value should be of type string."),
        ("name", "This value is too long. It should have 500 characters or less."),
    ]
    assert "WET-11" in last_rules(api)


def test_WET_11_only_metadata_with_a_value_appear(api: Api) -> None:
    project = api.call(V, "GET", "/api/projects/43").json()
    assert [k for k in project if k.startswith("metadata")] == ["metadata_13"]
    bare = api.call(V, "GET", "/api/projects/46").json()
    assert [k for k in bare if k.startswith("metadata")] == []


def test_WET_11_seeded_metadata_are_shown_in_number_order_whatever_their_length(api: Api) -> None:
    """Found by a hostile probe: ordering by int() refused a seeded metadata_<5000 digits> (Python's
    digit limit), and the state document's 400 quoted the ValueError."""
    document = api.state(V)
    huge = "metadata_" + "9" * 5000
    document["projects"]["43"].update({huge: "far", "metadata_10": "ten", "metadata_2": "two"})
    api.put_state(V, document)
    project = api.call(V, "GET", "/api/projects/43").json()
    assert [k for k in project if k.startswith("metadata")] == [
        "metadata_2",
        "metadata_10",
        "metadata_13",
        huge,
    ]


# -- WET-12 strict integers ---------------------------------------------------------------------
def test_WET_12_strings_floats_and_booleans_are_not_integers(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, 42, {"client_id": "13", "probability": "50", "duration": 4.0, "pm_id": True})
    assert r.status_code == 400
    assert failures(r) == [
        ("client_id", "This value should be of type int."),
        ("probability", "This value should be of type int."),
        ("duration", "This value should be of type int."),
        ("pm_id", "This value should be of type int."),
    ]
    assert "WET-12" in last_rules(api)
    query = api.call(V, "GET", "/api/timesheet-whitelists?project_id=abc")
    assert failures(query) == [("project_id", "This value should be of type int.")]


# -- WET-13 success -----------------------------------------------------------------------------
def test_WET_13_success_is_the_full_project_with_its_category(api: Api) -> None:
    r = patch(api, 42, {"name": "Website redesign (phase 2)", "probability": 90, "job_order_category_id": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "Website redesign (phase 2)"
    assert body["probability"] == 90
    assert body["job_order"] == "JO-2024-042"  # GEN-1: absent fields keep their value
    assert body["job_order_category"]["id"] == 2
    assert body["job_order_category"]["name"] == "Consulting"
    assert body["updated_at"] == NOW  # GEN-11
    assert body["created_at"] == "2024-01-10T08:00:00.000Z"
    assert api.record(V, "projects", 42)["updated_at"] == NOW
    assert {"WET-13", "GEN-1", "GEN-11"} <= set(last_rules(api))


def test_WET_13_risk_won_lost_and_archiving_are_ignored_and_journalled(api: Api) -> None:
    r = patch(
        api,
        42,
        {"risk": "high", "won_lost_feedback": "price", "is_archived": True, "name": "Website redesign"},
    )  # its own name again: no uniqueness rule
    assert r.status_code == 200
    assert r.json()["is_archived"] is False
    stored = api.record(V, "projects", 42)
    assert "risk" not in stored
    assert stored["is_archived"] is False
    warned = sorted(w["field"] for w in api.journal()[-1]["warnings"])
    assert warned == ["is_archived", "risk", "won_lost_feedback"]


def test_WET_13_strict_mode_rejects_undocumented_fields_but_not_metadata(
    checkers: Any,
) -> None:
    strict = Api(
        create_app(ServerConfig(strict=True, vendors=(V,), freeze_time=FROZEN_NOW)), checkers, "strict"
    )
    with strict.unchanged(V):
        r = patch(strict, 42, {"risk": "high", "metadata_13": "SMB"})
    assert failures(r) == [("risk", "This field was not expected.")]


# -- WET-14 neighbours --------------------------------------------------------------------------
def test_WET_14_get_and_list_projects(api: Api) -> None:
    project = api.call(V, "GET", "/api/projects/42")
    assert project.status_code == 200
    assert project.json()["metadata_13"] == "Enterprise"
    listed = api.call(V, "GET", "/api/projects").json()
    assert [p["id"] for p in listed] == [42, 43, 44, 45, 46]
    paged = api.call(V, "GET", "/api/projects?limit=2&offset=2").json()
    assert [p["id"] for p in paged] == [44, 45]
    missing = api.call(V, "GET", "/api/projects/9999")
    assert error(missing) == (404, "not_found", "Project 9999 not found.")
    too_many = api.call(V, "GET", "/api/projects?limit=101")
    assert failures(too_many) == [("limit", "This value should be between 1 and 100.")]


def test_WET_14_reads_follow_view_permissions(api: Api) -> None:
    mine = api.call(V, "GET", "/api/projects", token="wethod-pm").json()
    assert [p["id"] for p in mine] == [42, 43]
    other = api.call(V, "GET", "/api/projects/44", token="wethod-pm")
    assert error(other) == (
        403,
        "forbidden",
        "You need the pipeline.view_other permission to view a project you do not manage.",
    )
    nobody = api.call(V, "GET", "/api/projects", token="wethod-no-access")
    assert error(nobody) == (403, "forbidden", "You need the pipeline.view permission to list projects.")
    assert api.call(V, "GET", "/api/projects/44", token="wethod-viewer").status_code == 200


def test_WET_14_create_project(api: Api) -> None:
    created = api.call(
        V,
        "POST",
        "/api/projects",
        json={
            "name": "Mobile app",
            "client_id": 7,
            "pm_id": 11,
            "account_id": 12,
            "job_order_category_id": 1,
            "probability": 50,
            "start_date": "2025-04-15",
            "duration": 4,
            "metadata_13": "SMB",
            "is_timesheet_whitelist_enabled": True,
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["id"] == 47
    assert body["date_start"] == "2025-04-01"  # WET-5 on create too
    assert body["metadata_13"] == "SMB"
    assert body["is_timesheet_whitelist_enabled"] is False  # not settable on create
    assert body["job_order_category"]["name"] == "Development"
    assert (body["created_at"], body["updated_at"]) == (NOW, NOW)
    assert api.call(V, "GET", "/api/projects/47").json() == body


def test_WET_14_metadata_definitions_are_listed(api: Api) -> None:
    listed = api.call(V, "GET", "/api/project-metadata").json()
    assert [(m["id"], m["key"]) for m in listed] == [(13, "Segment"), (14, "Notes"), (15, "Region")]
    assert listed[0]["values"] == ["Enterprise", "SMB", "Public sector"]


# -- WET-14 list filters (https://docs.wethod.com/reference/list-projects) -----------------------
# Fixture projects: probability 42: 75, 43: 50, 44: 90, 45: 100, 46: none; date_start 42:
# 2024-07-01, 43: 2024-09-01, 44: 2024-03-01, 45: 2023-10-01, 46: none; project_stage_id 42: 4,
# 43: 5, 44 and 45: 6, 46: none; every updated_at 2024-06-15T08:00:00.000Z, none deleted.
STAMPS = {42: "2024-01-01T00:00:00.000Z", 43: "2024-02-01T00:00:00.000Z", 44: "2024-03-01T00:00:00.000Z"}
STAMPS |= {45: "2024-04-01T00:00:00.000Z", 46: "2024-05-01T00:00:00.000Z"}


OPERATORS = "eq, neq, gt, gte, lt, lte, in, nin, bt"
NOT_A_DATETIME = "This value is not a valid datetime:"
USE_ISO = "(use YYYY-MM-DDTHH:MM:SSZ or an offset such as %2B02:00)"


def listed(api: Api, query: str, **kw: Any) -> list[int]:
    r = api.call(V, "GET", f"/api/projects?{query}", **kw)
    assert r.status_code == 200, r.text
    assert api.journal()[-1]["warnings"] == []  # every filter is documented: no GEN-7 warning
    return [p["id"] for p in r.json()]


def seed(api: Api, **fields_by_project: dict[str, Any]) -> None:
    """The fixture state with some project fields replaced (through the admin state API)."""
    state = api.state(V)
    for project, fields in fields_by_project.items():
        state["projects"][project.removeprefix("p")].update(fields)
    api.put_state(V, state)


def test_WET_14_incremental_sync_sees_only_the_projects_updated_since(api: Api) -> None:
    since = "updated_at=gte:2025-03-01T12:00:00Z"
    assert listed(api, since) == []
    assert patch(api, 43, {"name": "Touched"}).status_code == 200  # updated_at: the frozen now
    assert listed(api, since) == [43]
    assert listed(api, "updated_at=gte:2025-03-01T13:00:00%2B01:00") == [43]  # the same instant
    assert listed(api, f"updated_at={NOW}") == [43]  # a bare value is eq:
    assert listed(api, "updated_at=gt:2025-03-01T12:00:00Z") == []
    assert listed(api, "updated_at=lt:2025-03-01T12:00:00Z") == [42, 44, 45, 46]
    assert "WET-14" in last_rules(api)


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("updated_at=eq:2024-03-01T00:00:00Z", [44]),
        ("updated_at=neq:2024-03-01T00:00:00Z", [42, 43, 45, 46]),
        ("updated_at=gt:2024-03-01T00:00:00Z", [45, 46]),
        ("updated_at=gte:2024-03-01T00:00:00Z", [44, 45, 46]),
        ("updated_at=lt:2024-03-01T00:00:00Z", [42, 43]),
        ("updated_at=lte:2024-03-01T00:00:00.000Z", [42, 43, 44]),
        ("updated_at=in:2024-01-01T00:00:00Z,2024-05-01T02:00:00%2B02:00", [42, 46]),
        ("updated_at=nin:2024-01-01T00:00:00Z,2024-05-01T00:00:00Z", [43, 44, 45]),
        ("updated_at=bt:2024-02-01T00:00:00Z,2024-04-01T00:00:00Z", [43, 44, 45]),  # inclusive
        ("updated_at=bt:2024-04-01T00:00:00Z,2024-02-01T00:00:00Z", []),  # min above max
        ("probability=75", [42]),
        ("probability=eq:075", [42]),
        ("probability=gte:90", [44, 45]),
        ("probability=neq:75", [43, 44, 45]),  # 46 has none: null matches no operator
        ("probability=nin:50,75", [44, 45]),
        ("probability=bt:0,100", [42, 43, 44, 45]),
        ("date_start=2024-07-01", [42]),
        ("date_start=lt:2024-07-01", [44, 45]),
        ("date_start=bt:2024-01-01,2024-12-31", [42, 43, 44]),
        ("date_start=in:2023-10-01,2024-09-01", [43, 45]),
        ("project_stage_id=6", [44, 45]),
        ("project_stage_id=99", []),
    ],
)
def test_WET_14_each_filter_and_operator_selects_the_stored_projects(
    api: Api, query: str, ids: list[int]
) -> None:
    seed(api, **{f"p{p}": {"updated_at": stamp} for p, stamp in STAMPS.items()})
    assert listed(api, query) == ids


def test_WET_14_filters_combine_and_page_after_filtering(api: Api) -> None:
    both = "probability=gte:50&date_start=gte:2024-03-01"
    assert listed(api, both) == [42, 43, 44]
    assert listed(api, f"{both}&limit=2") == [42, 43]
    assert listed(api, f"{both}&limit=2&offset=2") == [44]
    assert listed(api, f"{both}&limit=1&offset=1") == [43]
    assert listed(api, f"{both}&project_stage_id=5") == [43]
    assert listed(api, f"{both}&offset=3") == []


def test_WET_14_filters_apply_to_the_projects_the_token_may_view(api: Api) -> None:
    assert listed(api, "probability=gte:75", token="wethod-pm") == [42]  # 44, 45 are not theirs


def test_WET_14_deleted_projects_are_left_out_unless_asked_for(api: Api) -> None:
    seed(api, p45={"deleted_at": "2024-11-05T10:00:00.000Z"})
    assert listed(api, "") == [42, 43, 44, 46]
    assert listed(api, "deleted=exclude") == [42, 43, 44, 46]
    assert listed(api, "deleted=include") == [42, 43, 44, 45, 46]
    assert listed(api, "deleted=only") == [45]
    assert listed(api, "deleted=only&deleted_at=gte:2024-11-01T00:00:00Z") == [45]
    assert listed(api, "deleted=include&deleted_at=lt:2024-11-01T00:00:00Z") == []
    assert listed(api, "deleted_at=gte:2024-11-01T00:00:00Z") == []  # deleted=exclude still holds


def test_WET_14_malformed_filters_are_400_each_naming_its_parameter(api: Api) -> None:
    query = "updated_at=2024-01-01&probability=after:5&date_start=bt:2024-01-01&deleted=maybe"
    with api.unchanged(V):
        r = api.call(V, "GET", f"/api/projects?{query}")
    assert r.status_code == 400
    assert failures(r) == [
        ("updated_at", f'{NOT_A_DATETIME} "2024-01-01" {USE_ISO}.'),
        ("probability", f'The operator "after" is not one of {OPERATORS}.'),
        ("date_start", "bt takes two values: bt:{value_min},{value_max}."),
        ("deleted", "The value you selected is not a valid choice."),
    ]
    assert "WET-2" in last_rules(api)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        # the + of an offset sent unencoded reads as a space
        (
            "updated_at=gte:2024-01-01T00:00:00+02:00",
            f'{NOT_A_DATETIME} "2024-01-01T00:00:00 02:00" {USE_ISO}. A + sent unencoded reads as a '
            "space: send it as %2B.",
        ),
        ("updated_at=GTE:2024-01-01T00:00:00Z", f'The operator "GTE" is not one of {OPERATORS}.'),
        ("updated_at=bt:2024-01-01T00:00:00Z", "bt takes two values: bt:{value_min},{value_max}."),
        ("updated_at=gte:2024-02-30T00:00:00Z", f'{NOT_A_DATETIME} "2024-02-30T00:00:00Z" {USE_ISO}.'),
        ("date_start=2024-02-30", 'This value is not a valid date: "2024-02-30" (use YYYY-MM-DD).'),
        ("probability=101", 'This value should be between 0 and 100: "101".'),
        ("probability=lt:-5", 'This value should be between 0 and 100: "-5".'),
        ("probability=in:50,high", 'This value should be of type int: "high".'),
        ("probability=gte:50,60", "gte: takes one value; use in:, nin: or bt: for several."),
        ("probability=50,60", "A bare value is one value; use in:, nin: or bt: for several."),
        ("deleted_at=eq:" + "9" * 60, f'{NOT_A_DATETIME} "{"9" * 40}…" {USE_ISO}.'),
    ],
)
def test_WET_14_a_malformed_filter_is_one_precise_failure(api: Api, query: str, message: str) -> None:
    with api.unchanged(V):
        r = api.call(V, "GET", f"/api/projects?{query}")
    assert failures(r) == [(query.split("=", 1)[0], message)]


def test_WET_14_a_malformed_filter_is_400_after_the_403(api: Api) -> None:
    # GEN-6: the spec's pattern is checked with the other parameters, before the permission (as
    # limit is); the calendar, which no pattern holds, after it
    calendar = api.call(V, "GET", "/api/projects?date_start=2024-02-30", token="wethod-no-access")
    assert error(calendar)[0] == 403
    shape = api.call(V, "GET", "/api/projects?date_start=soon", token="wethod-no-access")
    assert shape.status_code == 400


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("updated_at", "2024-01-01T00:00:00Z"),
        ("updated_at", "gte:2024-01-01T00:00:00.123456+02:00"),
        ("updated_at", "in:2024-01-01T00:00:00Z,2024-01-02T00:00:00-05:30"),
        ("updated_at", "2024-01-01"),
        ("updated_at", "2024-01-01T24:00:00Z"),
        ("updated_at", "2024-01-01T00:00:00"),
        ("updated_at", "bt:2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z"),
        ("date_start", "nin:2024-01-01,2024-12-31"),
        ("date_start", "2024-13-01"),
        ("date_start", "2024-1-01"),
        ("probability", "bt:0,100"),
        ("probability", "000"),
        ("probability", "1000"),
        ("probability", "eq:"),
        ("probability", "like:5"),
        ("deleted_at", "lte:2024-06-15T08:00:00Z"),
    ],
)
def test_WET_14_the_spec_patterns_and_the_mock_agree_on_every_filter(api: Api, name: str, value: str) -> None:
    """What the spec's pattern admits, the mock accepts (calendar dates aside), and conversely:
    generated clients, Schemathesis and the mock read one syntax."""
    schemas = load_spec(SPECS_DIR / "wethod.yaml")["components"]["schemas"]
    kind = {"updated_at": "DateTimeFilter", "deleted_at": "DateTimeFilter", "date_start": "DateFilter"}
    pattern = schemas[kind.get(name, "ProbabilityFilter")]["pattern"]
    r = api.call(V, "GET", "/api/projects?" + urlencode({name: value}))
    assert (r.status_code == 200) == (re.search(pattern, value) is not None)
