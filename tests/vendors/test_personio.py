"""Personio rules PER-1..PER-14, driven over HTTP; every response is spec-checked by ``api``.

What a rule scenario already proves (``contracts/rule_scenarios/personio.py``, run by
``tests/contracts/test_scenarios.py``) is not repeated here. These tests check what a scenario
cannot express: the journal (fired rules, warnings), stored records, whole envelopes and exact
wording, the frozen clock, several variants or sessions, strict mode, orders and paging.
PER-9 has its scenarios alone (``scripts/test -k PER-9``).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from contracts.conformance import SpecChecker
from mockserver.app import create_app
from mockserver.config import ServerConfig
from tests.fixtures.mock import FROZEN_NOW, Api

V = "personio"


def patch(api: Api, project: str, body: Any, **kw: Any) -> Any:
    return api.call(V, "PATCH", f"/v2/projects/{project}", json=body, **kw)


def titles(response: Any) -> list[str]:
    return [e["title"] for e in response.json()["errors"]]


def test_PER_1_errors_are_problem_json_with_fresh_trace_ids(api: Api) -> None:
    first = patch(api, "9999", {"name": "x"})
    second = patch(api, "9999", {"name": "x"})
    assert first.headers["content-type"].startswith("application/problem+json")
    body = first.json()
    assert set(body) == {"personio_trace_id", "timestamp", "errors"}
    assert body["personio_trace_id"] != second.json()["personio_trace_id"]


@pytest.mark.parametrize(
    "raw",
    [b"[1, 2]", b'"text"', b"{not json", b'{"billable": "not a boolean"}', b'{"start": {"date": 5}}'],
)
def test_PER_2_non_object_or_wrong_type_is_invalid_json(api: Api, raw: bytes) -> None:
    with api.unchanged(V):
        r = api.call(
            V, "PATCH", "/v2/projects/1001", content=raw, headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 400
    assert titles(r) == ["Input must be valid JSON"]
    if raw in (b"[1, 2]", b'"text"'):  # the update page's own sentence (found by a fidelity audit)
        assert r.json()["errors"][0]["detail"] == "The provided input is not a JSON object."


def test_PER_3_status_outside_enum_and_null_name_or_status(api: Api) -> None:
    with api.unchanged(V):
        bad_status = patch(api, "1001", {"status": "INVALID"})
        nulls = patch(api, "1001", {"name": None, "status": None})
    assert bad_status.status_code == 400
    assert bad_status.json()["errors"][0]["detail"] == (
        "Invalid value for field: status. Supported values are [ACTIVE, ARCHIVED]"
    )
    assert nulls.status_code == 400
    assert titles(nulls) == ["Invalid field value", "Invalid field value"]
    assert [e["_meta"]["field"] for e in nulls.json()["errors"]] == ["name", "status"]


def test_PER_3_other_nullable_fields_are_cleared_by_null(api: Api) -> None:
    r = patch(api, "1001", {"description": None, "cost_center": None, "end": None})
    assert r.status_code == 204
    stored = api.record(V, "projects", "1001")
    assert stored["description"] is None and stored["cost_center"] is None and stored["end"] is None


def test_PER_3_a_null_date_clears_start_and_end(api: Api) -> None:
    # Found by scripts/fuzz: {"date": null} was stored as is, and every later read, list and the
    # create answer broke the spec (a project's date is never null; the date object is).
    assert patch(api, "1001", {"start": {"date": None}, "end": {"date": None}}).status_code == 204
    shown = api.call(V, "GET", "/v2/projects/1001").json()
    assert shown["start"] is None and shown["end"] is None
    created = api.call(
        V, "POST", "/v2/projects", json={"name": "Dateless", "status": "ACTIVE", "start": {"date": None}}
    )
    assert created.status_code == 201
    assert api.call(V, "GET", f"/v2/projects/{created.json()['id']}").json()["start"] is None
    listed = api.call(V, "GET", "/v2/projects").json()["_data"]
    assert all(p["start"] is None or p["start"]["date"] for p in listed)


def test_PER_3_a_null_cost_center_id_clears_the_cost_center(api: Api) -> None:
    # Found by scripts/fuzz: {"id": null} was stored as is and broke every later read.
    assert patch(api, "1001", {"cost_center": {"id": None}}).status_code == 204
    assert api.call(V, "GET", "/v2/projects/1001").json()["cost_center"] is None
    created = api.call(
        V, "POST", "/v2/projects", json={"name": "No centre", "status": "ACTIVE", "cost_center": {"id": None}}
    )
    assert created.status_code == 201
    assert api.call(V, "GET", f"/v2/projects/{created.json()['id']}").json()["cost_center"] is None


def test_PER_4_duplicate_name_compared_trimmed_and_case_insensitively(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, "1001", {"name": "  internal TOOLS "})
    assert r.status_code == 422
    assert titles(r) == ["Duplicate project name."]
    assert "'  internal TOOLS '" in r.json()["errors"][0]["detail"]


def test_PER_4_resending_own_name_succeeds(api: Api) -> None:
    assert patch(api, "1001", {"name": "Website Relaunch"}).status_code == 204
    assert patch(api, "1001", {"name": "WEBSITE RELAUNCH"}).status_code == 204


def test_PER_5_duplicate_code_across_top_level_and_subprojects(api: Api) -> None:
    with api.unchanged(V):
        against_sub = patch(api, "1001", {"project_code": "prj-1002"})
        from_sub = patch(api, "1002", {"project_code": "PRJ-1003"})
        too_long = patch(api, "1001", {"project_code": "C" * 256})
    assert against_sub.status_code == from_sub.status_code == 422
    assert titles(against_sub) == titles(from_sub) == ["Duplicate project code."]
    assert too_long.status_code == 400
    assert patch(api, "1001", {"project_code": "PRJ-1001"}).status_code == 204


def test_PER_6_unknown_cost_center(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, "1001", {"cost_center": {"id": "0000"}})
    assert r.status_code == 422
    assert titles(r) == ["Cost center does not exist."]
    assert patch(api, "1001", {"cost_center": {"id": "5678"}}).status_code == 204


def test_PER_7_start_after_end_on_merged_state(api: Api) -> None:
    with api.unchanged(V):
        both = patch(api, "1001", {"start": {"date": "2025-02-01"}, "end": {"date": "2025-01-01"}})
        end_only = patch(api, "1001", {"end": {"date": "2024-12-31"}})  # stored start 2025-01-01
    assert both.status_code == end_only.status_code == 422
    assert titles(end_only) == ["Invalid start date"]
    equal = patch(api, "1001", {"start": {"date": "2025-03-01"}, "end": {"date": "2025-03-01"}})
    assert equal.status_code == 204


def test_PER_8_subproject_fields_are_refused_and_named(api: Api) -> None:
    with api.unchanged(V):
        r = patch(api, "1002", {"billable": True, "client_name": "ACME", "name": "Design"})
        via_body = patch(api, "1003", {"parent_project": {"id": "1001"}, "project_type": "x"})
    assert r.status_code == via_body.status_code == 422
    assert titles(r) == ["Unsupported field set for subproject."]
    assert r.json()["errors"][0]["detail"].endswith("[client_name, billable]")
    ok = patch(api, "1002", {"name": "Design phase", "project_code": "PRJ-D"})
    assert ok.status_code == 204


def test_PER_8_parent_project_never_reparents(api: Api) -> None:
    assert patch(api, "1004", {"parent_project": {"id": "1001"}, "name": "Legacy"}).status_code == 204
    assert api.record(V, "projects", "1004")["parent_project"] is None


def test_PER_10_assigning_to_all_removes_members(api: Api) -> None:
    members = api.call(V, "GET", "/v2/projects/1001/members").json()["_data"]
    assert len(members) == 2
    assert patch(api, "1001", {"assigned_to_all": True}).status_code == 204
    assert api.call(V, "GET", "/v2/projects/1001/members").json()["_data"] == []


def test_PER_11_subprojects_show_parent_billable_and_assignment(api: Api) -> None:
    assert patch(api, "1001", {"billable": False, "assigned_to_all": True}).status_code == 204
    sub = api.call(V, "GET", "/v2/projects/1002").json()
    assert sub["billable"] is False and sub["assigned_to_all"] is True


def test_PER_12_lengths(api: Api) -> None:
    with api.unchanged(V):
        r = patch(
            api, "1001", {"description": "d" * 1001, "client_name": "c" * 256, "project_type": "t" * 256}
        )
    assert r.status_code == 400
    assert sorted(e["_meta"]["field"] for e in r.json()["errors"]) == [
        "client_name",
        "description",
        "project_type",
    ]


def test_PER_13_success_is_204_without_body_and_moves_updated_at(api: Api) -> None:
    r = patch(api, "1001", {"description": "Updated"})
    assert r.status_code == 204 and r.content == b""
    stored = api.record(V, "projects", "1001")
    assert stored["description"] == "Updated"
    assert stored["updated_at"] == "2025-03-01T12:00:00Z"


def test_PER_14_create_read_list_and_members(api: Api) -> None:
    created = api.call(
        V, "POST", "/v2/projects", json={"name": "New", "status": "ACTIVE", "project_code": "N-1"}
    )
    assert created.status_code == 201
    new_id = created.json()["id"]
    assert api.call(V, "GET", f"/v2/projects/{new_id}").json()["name"] == "New"
    listed = api.call(V, "GET", "/v2/projects?limit=2").json()
    assert len(listed["_data"]) == 2 and "next" in listed["_meta"]["links"]
    added = api.call(
        V, "POST", f"/v2/projects/{new_id}/members", json={"members": [{"person": {"id": "503"}}]}
    )
    assert added.status_code == 201
    assert added.json()["_data"] == [{"person": {"id": "503"}}]
    removed = api.call(V, "DELETE", f"/v2/projects/{new_id}/members?person_id=503")
    assert removed.status_code == 204
    assert api.call(V, "GET", f"/v2/projects/{new_id}/members").json()["_data"] == []


@pytest.mark.parametrize("sent", ["person_id=", "person_id=,,", "person_id=501,,502"])
def test_PER_14_removing_members_with_an_empty_person_id_is_422_and_removes_none(api: Api, sent: str) -> None:
    """Found by a hostile probe: an empty person_id read as no ids, which meant "all", and removed
    every member; only an absent person_id means all (the spec's description)."""
    with api.unchanged(V):
        r = api.call(V, "DELETE", f"/v2/projects/1001/members?{sent}")
    assert r.status_code == 422
    assert r.json()["errors"][0]["detail"] == "Invalid value for field: person_id. The value is not valid."
    assert api.call(V, "DELETE", "/v2/projects/1001/members").status_code == 204  # absent: all
    assert api.call(V, "GET", "/v2/projects/1001/members").json()["_data"] == []


def test_PER_14_create_answers_201_with_the_new_id_only(api: Api) -> None:
    created = api.call(V, "POST", "/v2/projects", json={"name": "Id Only", "status": "ACTIVE"})
    assert created.status_code == 201
    (new_id,) = created.json().values()
    assert created.json() == {"id": new_id}
    assert api.call(V, "GET", f"/v2/projects/{new_id}").json()["name"] == "Id Only"


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("include=bogus", "Invalid value for field: include. Supported values are [tracked_minutes,"),
        ("include=", "Invalid value for field: include. Supported values are"),
        # two bad items read alike: one error, not two identical ones (found by a hostile probe)
        ("include=tracked_minutes,,", "Invalid value for field: include. Supported values are"),
        ("include=x,y", "Invalid value for field: include. Supported values are"),
        ("limit=0", "Invalid value for field: limit. The value must be at least 1."),
        ("limit=abc", "Invalid value for field: limit. The value must be of type integer."),
    ],
)
def test_PER_14_an_invalid_list_parameter_is_422_as_the_spec_documents(
    api: Api, query: str, detail: str
) -> None:
    r = api.call(V, "GET", f"/v2/projects?{query}")
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["title"] == "Invalid field value" and error["detail"].startswith(detail)
    members = api.call(V, "GET", "/v2/projects/1001/members?limit=300")
    assert members.status_code == 422
    assert (
        members.json()["errors"][0]["detail"]
        == "Invalid value for field: limit. The value must be at most 200."
    )


def test_PER_14_members_rules(api: Api) -> None:
    with api.unchanged(V):
        sub = api.call(V, "POST", "/v2/projects/1002/members", json={"members": [{"person": {"id": "503"}}]})
        unknown = api.call(
            V, "POST", "/v2/projects/1001/members", json={"members": [{"person": {"id": "999"}}]}
        )
    assert sub.status_code == unknown.status_code == 422
    assert titles(sub) == ["Can't manage members with subproject"]
    assert titles(unknown) == ["Person not found"]
    converted = api.call(
        V, "POST", "/v2/projects/1003/members", json={"members": [{"person": {"id": "503"}}]}
    )
    assert converted.status_code == 201
    assert api.call(V, "GET", "/v2/projects/1003").json()["assigned_to_all"] is False


# -- PER-14: DELETE /v2/projects/{id} (developer.personio.de/reference/delete_v2-projects-id) -------
def delete(api: Api, project: str, **kw: Any) -> Any:
    return api.call(V, "DELETE", f"/v2/projects/{project}", **kw)


def created(api: Api, body: dict[str, Any]) -> str:
    r = api.call(V, "POST", "/v2/projects", json={"status": "ACTIVE", **body})
    assert r.status_code == 201, r.text
    project_id: str = r.json()["id"]
    return project_id


def test_PER_14_delete_takes_the_subprojects_and_all_their_members_with_it(api: Api) -> None:
    top = created(api, {"name": "Doomed", "project_code": "DOOM"})
    subs = [created(api, {"name": f"Doomed {n}", "parent_project": {"id": top}}) for n in (1, 2)]
    added = api.call(V, "POST", f"/v2/projects/{top}/members", json={"members": [{"person": {"id": "503"}}]})
    assert added.status_code == 201
    document = api.state(V)  # the API gives subprojects no members; one seeded must go as well
    document["members"][f"{subs[0]}:504"] = {
        "id": f"{subs[0]}:504",
        "project_id": subs[0],
        "person_id": "504",
    }
    api.put_state(V, document)
    before = api.state(V)

    r = delete(api, top)

    assert r.status_code == 204 and r.content == b""
    assert "PER-14" in api.journal()[-1]["rules"]
    gone = {top, *subs}
    for project_id in gone:
        assert delete(api, project_id).status_code == 404
        assert api.call(V, "GET", f"/v2/projects/{project_id}").status_code == 404
    assert gone.isdisjoint(listed(api, ""))
    after = api.state(V)
    assert after["projects"] == {k: v for k, v in before["projects"].items() if k not in gone}
    assert after["members"] == {k: v for k, v in before["members"].items() if v["project_id"] not in gone}
    assert {"1001:501", "1001:502"} <= set(after["members"])  # other projects keep theirs


def test_PER_14_deleting_a_subproject_leaves_its_parent(api: Api) -> None:
    top = created(api, {"name": "Parent"})
    sub = created(api, {"name": "Child", "parent_project": {"id": top}})
    assert delete(api, sub).status_code == 204
    shown = api.call(V, "GET", f"/v2/projects/{top}?include=sub_projects_count")
    assert shown.status_code == 200 and shown.json()["sub_projects_count"] == 0


def test_PER_14_delete_takes_a_seeded_deeper_tree_and_survives_a_cycle(api: Api) -> None:
    """Found by a hostile probe: a seeded state may nest deeper than the one level a call can
    make (and even loop); the delete left a grandchild pointing at its deleted parent."""
    state = api.state(V)
    base = {k: v for k, v in state["projects"]["1003"].items() if k not in ("parent_project",)}

    def project(pid: str, name: str, parent: str | None, **extra: Any) -> dict[str, Any]:
        shown = {**base, "id": pid, "name": name, "project_code": f"C{pid}", **extra}
        return {**shown, "parent_project": {"id": parent} if parent else None}

    state["projects"] |= {
        "2001": project("2001", "Top", None),
        "2002": project("2002", "Child", "2001"),
        "2003": project("2003", "Grandchild", "2002"),
        "2004": project("2004", "Loop A", "2005"),
        "2005": project("2005", "Loop B", "2004"),
    }
    api.put_state(V, state)
    busy = {
        **state,
        "projects": {
            **state["projects"],
            "2003": project("2003", "Grandchild", "2002", tracked_periods_count=1),
        },
    }
    api.put_state(V, busy)
    refused = delete(api, "2001")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["detail"].endswith("have attendances: [2003]")
    api.put_state(V, state)
    assert delete(api, "2001").status_code == 204
    for gone in ("2001", "2002", "2003"):
        assert api.call(V, "GET", f"/v2/projects/{gone}").status_code == 404
    assert delete(api, "2004").status_code == 204
    assert api.call(V, "GET", "/v2/projects/2005").status_code == 404


@pytest.mark.parametrize(
    ("seed", "target", "busy"),
    [
        ({}, "1001", "1001, 1002"),  # the fixture project and its subproject both have attendances
        ({}, "1002", "1002"),  # a subproject alone
        ({"sub": 3}, "top", "sub"),  # only a subproject has them: the parent cannot go either
        ({"top": 1}, "top", "top"),  # only the parent has them: its subproject stays too
    ],
    ids=["fixture 1001", "fixture subproject 1002", "subproject only", "parent only"],
)
def test_PER_14_delete_is_422_and_deletes_nothing_when_a_project_has_attendances(
    api: Api, seed: dict[str, int], target: str, busy: str
) -> None:
    ids = {"1001": "1001", "1002": "1002"}
    ids["top"] = created(api, {"name": "Tracked"})
    ids["sub"] = created(api, {"name": "Tracked child", "parent_project": {"id": ids["top"]}})
    document = api.state(V)  # the mock tracks no time: attendances are the seeded counter
    for name, count in seed.items():
        document["projects"][ids[name]]["tracked_periods_count"] = count
    api.put_state(V, document)
    with api.unchanged(V):
        r = delete(api, ids[target])
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    named = ", ".join(ids[name] for name in busy.split(", "))
    assert r.json()["errors"] == [
        {
            "title": "Project has attendances",
            "detail": "The project cannot be deleted because it or its sub projects have attendances: "
            f"[{named}]",
        }
    ]


@pytest.mark.parametrize(
    ("project", "token", "status", "title"),
    [
        ("999999", "test-token", 404, "Resource not found"),
        ("999999", "personio-readonly", 404, "Resource not found"),  # GEN-6: 404 before 403
        ("1004", "personio-readonly", 403, "Access denied"),
        ("1004", "personio-no-access", 403, "Access denied"),
        ("1004", None, 401, "Unauthorized"),
        ("1004", "no-such-token", 401, "Unauthorized"),
    ],
)
def test_PER_14_delete_refusals_404_403_401_change_nothing(
    api: Api, project: str, token: str | None, status: int, title: str
) -> None:
    with api.unchanged(V):
        r = delete(api, project, token=token)
    assert r.status_code == status
    assert titles(r) == [title]
    assert delete(api, "1004").status_code == 204  # the full token may: no attendances on 1004


# -- PER-14: `include` counters on the read and the list ------------------------------------------
COUNTERS = ("tracked_minutes", "sub_projects_tracked_minutes", "sub_projects_count", "tracked_periods_count")
# mockserver/fixtures/personio.json: 1001 carries 2400 minutes in 12 periods, its one subproject
# 1002 carries 900 minutes
FIXTURE_1001 = {
    "tracked_minutes": 2400,
    "sub_projects_tracked_minutes": 900,
    "sub_projects_count": 1,
    "tracked_periods_count": 12,
}


def counters(project: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in project.items() if k in COUNTERS}


def listed(api: Api, query: str) -> dict[str, dict[str, Any]]:
    r = api.call(V, "GET", f"/v2/projects?limit=200&{query}")
    assert r.status_code == 200, r.text
    return {p["id"]: p for p in r.json()["_data"]}


@pytest.mark.parametrize(
    "asked",
    [(), *((name,) for name in COUNTERS), ("sub_projects_count", "tracked_minutes"), COUNTERS],
    ids=lambda asked: ",".join(asked) or "none",
)
def test_PER_14_include_shows_exactly_the_counters_asked_for(api: Api, asked: tuple[str, ...]) -> None:
    stored = api.record(V, "projects", "1001")
    assert stored["tracked_minutes"] == 2400  # the record carries them, asked for or not
    query = f"include={','.join(asked)}" if asked else ""
    expected = {name: FIXTURE_1001[name] for name in asked}
    got = api.call(V, "GET", f"/v2/projects/1001?{query}")
    assert got.status_code == 200, got.text
    assert counters(got.json()) == expected
    assert counters(listed(api, query)["1001"]) == expected


def test_PER_14_include_counts_follow_the_subprojects_and_the_seeded_counters(api: Api) -> None:
    everything = "include=" + ",".join(COUNTERS)
    sub = api.call(
        V, "POST", "/v2/projects", json={"name": "Sub", "status": "ACTIVE", "parent_project": {"id": "1001"}}
    )
    assert sub.status_code == 201
    sub_id = sub.json()["id"]
    shown = api.call(V, "GET", f"/v2/projects/1001?{everything}").json()
    assert counters(shown) == FIXTURE_1001 | {"sub_projects_count": 2}  # the new one tracked nothing
    new = api.call(V, "GET", f"/v2/projects/{sub_id}?{everything}").json()
    assert counters(new) == dict.fromkeys(COUNTERS, 0)  # absent counters are 0
    # seeded through the admin API; a derived counter stored on a record is ignored
    document = api.state(V)
    document["projects"][sub_id] |= {"tracked_minutes": 60, "tracked_periods_count": 2}
    document["projects"]["1001"]["sub_projects_count"] = 99
    document["projects"]["1003"]["sub_projects_tracked_minutes"] = 5
    api.put_state(V, document)
    assert api.call(V, "GET", "/v2/projects/1003").json().keys().isdisjoint(COUNTERS)
    shown = api.call(V, "GET", f"/v2/projects/1001?{everything}").json()
    assert counters(shown) == FIXTURE_1001 | {"sub_projects_count": 2, "sub_projects_tracked_minutes": 960}
    assert counters(listed(api, everything)["1003"]) == dict.fromkeys(COUNTERS, 0)
    assert counters(api.call(V, "GET", f"/v2/projects/{sub_id}?include=tracked_periods_count").json()) == {
        "tracked_periods_count": 2
    }


def test_PER_14_include_list_and_read_agree_and_paging_keeps_it(api: Api) -> None:
    everything = "include=" + ",".join(COUNTERS)
    whole = listed(api, everything)
    assert set(whole) == {"1001", "1002", "1003", "1004"}
    for project_id, project in whole.items():
        assert project == api.call(V, "GET", f"/v2/projects/{project_id}?{everything}").json()
    assert counters(whole["1002"]) == {
        "tracked_minutes": 900,
        "sub_projects_tracked_minutes": 0,
        "sub_projects_count": 0,
        "tracked_periods_count": 5,
    }
    first = api.call(V, "GET", "/v2/projects?limit=1&include=sub_projects_count").json()
    assert counters(first["_data"][0]) == {"sub_projects_count": 1}
    following = first["_meta"]["links"]["next"]["href"].split("/personio", 1)[1]
    second = api.call(V, "GET", following).json()["_data"]
    assert [(p["id"], counters(p)) for p in second] == [("1002", {"sub_projects_count": 0})]


def test_PER_14_include_counters_cannot_be_written_GEN_7(api: Api) -> None:
    sent = {"tracked_minutes": 5, "sub_projects_count": 7, "tracked_periods_count": 1}
    assert patch(api, "1001", {"description": "Counted", **sent}).status_code == 204
    stored = api.record(V, "projects", "1001")
    assert stored["description"] == "Counted"
    assert (stored["tracked_minutes"], stored["tracked_periods_count"]) == (2400, 12)
    assert "sub_projects_count" not in stored
    created = api.call(V, "POST", "/v2/projects", json={"name": "Counted", "status": "ACTIVE", **sent})
    assert created.status_code == 201
    assert api.record(V, "projects", created.json()["id"]).keys().isdisjoint(COUNTERS)
    warned = [sorted(w["field"] for w in entry["warnings"]) for entry in api.journal()[-2:]]
    assert warned == [sorted(sent)] * 2
    assert all(w["rule"] == "GEN-7" for entry in api.journal()[-2:] for w in entry["warnings"])


def test_PER_14_include_counters_are_refused_in_strict_mode_GEN_7() -> None:
    app = create_app(ServerConfig(freeze_time=FROZEN_NOW, strict=True, vendors=(V,)))
    strict = Api(app, {V: SpecChecker(app.vendors[V].spec_path)}, "personio-strict")
    with strict.unchanged(V):
        r = patch(strict, "1001", {"tracked_minutes": 5})
    assert r.status_code == 400
    assert [(e["title"], e["_meta"]["field"]) for e in r.json()["errors"]] == [
        ("Invalid field value", "tracked_minutes")
    ]


def test_PER_14_a_seeded_counter_the_read_could_not_show_is_refused_by_admin_state(api: Api) -> None:
    """The render probe renders every counter: a negative one would break the spec only with
    include, so it must be refused before any read answers it."""
    document = api.state(V)
    document["projects"]["1002"]["tracked_minutes"] = -5
    with api.unchanged(V):
        refused = api.admin("PUT", f"/state/{V}", json=document, headers={"Content-Type": "application/json"})
    assert refused.status_code == 400, refused.text
    problems = refused.json()["problems"]
    assert (
        "projects['1002']: as getProject answers it, tracked_minutes must be greater than or equal to 0"
        in problems
    )
    assert any(p.startswith("projects['1001']: ") and "sub_projects_tracked_minutes" in p for p in problems)


# -- PER-14: paging links reproduce the request (issue 15) --------------------------------------
def _named(api: Api, name: str) -> tuple[str, dict[str, str]]:
    """The base URL of session ``name`` as a client without custom headers uses it."""
    headers = api.headers(V)
    headers.pop("X-Mock-Session")
    return f"http://testserver/__session/{name}/personio", headers


def _pages(api: Api, url: str, headers: dict[str, str]) -> tuple[list[str], list[str]]:
    """Follows ``_meta.links.next.href`` to the end: the ids seen and the links followed."""
    ids: list[str] = []
    links: list[str] = []
    while True:
        r = api.client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        path = url.split("/personio", 1)[1]
        errors = api.checkers[V].response_errors(
            "GET", path, r.status_code, dict(r.headers), r.content, request_headers=headers
        )
        assert not errors, errors
        body = r.json()
        ids += [item["id"] if "id" in item else item["person"]["id"] for item in body["_data"]]
        following = body["_meta"]["links"].get("next")
        if following is None:
            return ids, links
        url = following["href"]
        links.append(url)


def test_PER_14_paging_in_a_named_session_keeps_prefix_and_filters(api: Api) -> None:
    name = f"{api.session}-paging"
    base, headers = _named(api, name)
    created = []
    for n in range(1, 13):
        body = {"name": f"Paged {n}", "status": "ACTIVE", "project_code": f"PG-{n:02d}"}
        r = api.client.post(f"{base}/v2/projects", json=body, headers=headers)
        assert r.status_code == 201, r.text
        created.append(r.json()["id"])
    codes = ",".join(f"PG-{n:02d}" for n in (2, 3, 5, 7, 8, 11, 12))
    ids, links = _pages(api, f"{base}/v2/projects?project_code={codes}&limit=2", headers)
    assert ids == [created[n - 1] for n in (2, 3, 5, 7, 8, 11, 12)]
    assert len(links) == 3
    for link in links:  # absolute, as the list page's example; same session, path and filters
        assert link.startswith(f"{base}/v2/projects?project_code={codes}&limit=2&cursor=")
    everything, _ = _pages(api, f"{base}/v2/projects?limit=5", headers)
    assert set(created) <= set(everything) and len(everything) == len(set(everything))
    default = api.call(V, "GET", "/v2/projects?limit=200").json()["_data"]
    assert not {p["id"] for p in default} & set(created)  # nothing leaked to another session


def test_PER_14_cursors_are_opaque_and_an_invalid_one_is_422(api: Api) -> None:
    first = api.call(V, "GET", "/v2/projects?status=ACTIVE&limit=1").json()
    cursor = first["_meta"]["links"]["next"]["href"].rsplit("cursor=", 1)[1]
    assert not cursor.isdigit()
    tampered = base64.urlsafe_b64encode(b'{"id":"1001","q":"0000000000000000"}').decode()
    nested = base64.urlsafe_b64encode(b"[" * 5000).decode()  # was a RecursionError, a 500
    short_nested = base64.urlsafe_b64encode(b"[" * 150).decode()  # within the length cap
    for bad in ("zzz", "2", tampered, cursor[:-2], nested, short_nested, "é" * 10):
        r = api.call(V, "GET", f"/v2/projects?status=ACTIVE&limit=1&cursor={bad}")
        assert r.status_code == 422, (bad, r.text)
        (error,) = r.json()["errors"]
        assert error["title"] == "Invalid field value"
        assert error["detail"] == "Invalid value for field: cursor. The value is not valid."
    other_filters = api.call(V, "GET", f"/v2/projects?status=ARCHIVED&limit=1&cursor={cursor}")
    assert other_filters.status_code == 422
    assert api.call(V, "GET", f"/v2/projects?status=ACTIVE&limit=1&cursor={cursor}").status_code == 200


def test_PER_14_members_page_like_projects(api: Api) -> None:
    name = f"{api.session}-members"
    base, headers = _named(api, name)
    persons = ["501", "502", "503", "504"]
    added = api.client.post(
        f"{base}/v2/projects/1001/members",
        json={"members": [{"person": {"id": p}} for p in persons]},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    ids, links = _pages(api, f"{base}/v2/projects/1001/members?limit=1", headers)
    assert ids == persons and len(links) == 3
    assert all(link.startswith(f"{base}/v2/projects/1001/members?limit=1&cursor=") for link in links)
    # a cursor of project 1001's members does not page another project's
    cursor = links[0].rsplit("cursor=", 1)[1]
    r = api.client.get(f"{base}/v2/projects/1003/members?limit=1&cursor={cursor}", headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["detail"] == "Invalid value for field: cursor. The value is not valid."


# -- POST /v2/auth/token (GEN-8: tokens, with the identities and permissions of the fixtures) -----
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
OAUTH_ERRORS = "https://developer.personio.de/reference/errors#credentials.oauth2."
CLIENTS = {  # mockserver/fixtures/personio.json "credentials": the three fixture tokens' identities
    "full": ("papi-client-full", "papi-secret-full"),
    "read-only": ("papi-client-readonly", "papi-secret-readonly"),
    "no access": ("papi-client-no-access", "papi-secret-no-access"),
}


def get_token(api: Api, form: str | bytes, **kw: Any) -> Any:
    raw = form.encode() if isinstance(form, str) else form
    return api.call(V, "POST", "/v2/auth/token", content=raw, token=None, headers=FORM, **kw)


def credentials(client: str, **extra: str) -> str:
    client_id, secret = CLIENTS[client]
    fields = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, **extra}
    return "&".join(f"{k}={v}" for k, v in fields.items())


@pytest.mark.parametrize(
    ("client", "scope", "read", "write"),
    [
        ("full", "projects:read projects:write", 200, 204),
        ("read-only", "projects:read", 200, 403),
        ("no access", "", 403, 403),
    ],
)
def test_GEN_8_personio_client_credentials_get_a_token_with_their_permissions(
    api: Api, client: str, scope: str, read: int, write: int
) -> None:
    r = get_token(api, credentials(client))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400 and body["scope"] == scope
    token = body["access_token"]
    assert token.startswith("papi-")
    assert api.call(V, "GET", "/v2/projects/1001", token=token).status_code == read
    assert patch(api, "1001", {"description": "via an issued token"}, token=token).status_code == write


def test_GEN_8_personio_token_is_stable_and_a_narrower_scope_narrows_it(api: Api) -> None:
    first, again = (get_token(api, credentials("full")).json() for _ in range(2))
    assert first["access_token"] == again["access_token"]  # "stable, for a period of 24 hours"
    narrow = get_token(api, credentials("full", scope="projects:read")).json()
    assert narrow["scope"] == "projects:read" and narrow["access_token"] != first["access_token"]
    assert patch(api, "1001", {"description": "x"}, token=narrow["access_token"]).status_code == 403


def test_GEN_8_personio_token_from_one_session_is_401_in_another(api: Api) -> None:
    token = get_token(api, credentials("full")).json()["access_token"]
    other = Api(api.app, api.checkers, api.session + "-other")
    r = other.call(V, "GET", "/v2/projects/1001", token=token)
    assert r.status_code == 401
    assert (
        other.call(V, "GET", "/v2/projects/1001", token=token).json()["errors"][0]["title"] == "Unauthorized"
    )


@pytest.mark.parametrize(
    ("form", "error", "anchor", "meta"),
    [  # the page's own example requests, with its error for each (all 400)
        ("client_id=papi-client-full", "invalid_request", "invalid_request.required_parameters_missing",
         {"missing_parameters": ["grant_type"]}),
        ("grant_type=client_credentials&client_id=client_who", "invalid_client", "invalid_client", None),
        ("grant_type=client_credentials&client_id=papi-client-full", "invalid_client", "invalid_client", None),
        ("grant_type=lilu_dallas_multipass", "invalid_grant", "invalid_grant", None),
        ("grant_type=urn:ietf:params:oauth:grant-type:device_code", "unsupported_grant_type",
         "unsupported_grant_type", {"grant_type": "urn:ietf:params:oauth:grant-type:device_code"}),
        (credentials("full").replace("papi-secret-full", "verY-wr0ng-p4ssw0rd"), "unauthorized_client",
         "unauthorized_client", None),
        (credentials("full", scope="personio:person:read+fake_scope:777"), "invalid_scope", "invalid_scope", None),
        (credentials("read-only", scope="projects:write"), "invalid_grant", "invalid_grant", None),
        ("grant_type=client_credentials&grant_type=client_credentials&client_id=papi-client-full"
         "&client_secret=papi-secret-full", "invalid_request", "invalid_request.required_parameters_missing",
         {"invalid_parameters": ["grant_type"]}),
    ],
)  # fmt: skip
def test_GEN_8_personio_token_errors_are_the_documented_400s(
    api: Api, form: str, error: str, anchor: str, meta: dict[str, Any] | None
) -> None:
    with api.unchanged(V):
        r = get_token(api, form)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["error"] == error and body["error_uri"] == OAUTH_ERRORS + anchor
    assert body.get("meta") == meta
    assert {"timestamp", "trace_id", "error_description"} <= set(body)


def test_GEN_8_personio_token_in_json_is_the_documented_content_type_400(api: Api) -> None:
    body = {"grant_type": "client_credentials", "client_id": "papi-client-full", "client_secret": "x"}
    r = api.call(V, "POST", "/v2/auth/token", json=body, token=None)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"
    assert r.json()["type"] == OAUTH_ERRORS + "invalid_request.invalid_request_content_type"


def test_GEN_13_personio_token_form_with_a_lone_surrogate_is_invalid_request(api: Api) -> None:
    r = get_token(api, credentials("full", scope="%ED%A0%80"))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_GEN_8_personio_credentials_are_validated_and_loaded_by_admin_state(api: Api) -> None:
    document = api.state(V)
    document["credentials"]["papi-client-new"] = {
        "client_id": "papi-client-new",
        "client_secret": "s3cret",
        "subject": "api-client",
        "permissions": ["projects:read"],
    }
    api.put_state(V, document)
    r = get_token(api, "grant_type=client_credentials&client_id=papi-client-new&client_secret=s3cret")
    assert r.status_code == 200 and r.json()["scope"] == "projects:read"
    document["credentials"]["broken"] = {"client_id": "broken", "permissions": "all"}
    refused = api.admin("PUT", f"/state/{V}", json=document, headers={"Content-Type": "application/json"})
    assert 400 <= refused.status_code < 500, refused.text
