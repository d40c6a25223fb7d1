"""The executable scenarios of Personio's rules, as data (see :mod:`contracts.rule_scenarios`).

:mod:`contracts.scenarios` runs them against the mock or a real tenant. They are the expected
answers, not behaviour, so they live in the toolkit, apart from the vendor module they check.
"""

from __future__ import annotations

from typing import Any

from contracts.rule_scenarios import ANY, Call, Scenario


# -- executable scenarios (contracts.scenarios runs them against the mock or a real tenant) ------
def _patch(project: str, body: Any, status: int, expect: Any = None, **kw: Any) -> Call:
    return Call("PATCH", f"/v2/projects/{project}", body, status=status, expect=expect, **kw)


def _titled(*titles: str) -> dict[str, Any]:
    return {"errors": [{"title": t} for t in titles]}


_CREATE_TOP = Call(
    "POST",
    "/v2/projects",
    {"name": "Scenario A {run}", "status": "ACTIVE", "project_code": "SCN-A-{run}"},
    save={"a": "id"},
)
_CREATE_OTHER = Call(
    "POST",
    "/v2/projects",
    {"name": "Scenario B {run}", "status": "ACTIVE", "project_code": "SCN-B-{run}"},
    save={"b": "id"},
)
_CREATE_SUB = Call(
    "POST",
    "/v2/projects",
    {"name": "Scenario Sub {run}", "status": "ACTIVE", "parent_project": {"id": "{a}"}},
    save={"sub": "id"},
)

SCENARIOS = (
    Scenario(
        "PER-1",
        "errors are problem+json with a trace id",
        _patch("999999", {"name": "x"}, 404, {"personio_trace_id": ANY, "timestamp": ANY, "errors": ANY}),
    ),
    Scenario(
        "PER-2",
        "a wrongly typed field is 'Input must be valid JSON'",
        _patch("{a}", {"billable": "not a boolean"}, 400, _titled("Input must be valid JSON")),
        setup=(_CREATE_TOP,),
    ),
    Scenario(
        "PER-3",
        "status outside ACTIVE/ARCHIVED",
        _patch("{a}", {"status": "INVALID"}, 400, _titled("Invalid field value")),
        setup=(_CREATE_TOP,),
    ),
    Scenario(
        "PER-3",
        "name cannot be cleared",
        _patch("{a}", {"name": None}, 400, _titled("Invalid field value")),
        setup=(_CREATE_TOP,),
    ),
    Scenario(
        "PER-4",
        "a duplicate name, compared case-insensitively",
        _patch("{a}", {"name": "scenario b {run}"}, 422, _titled("Duplicate project name.")),
        setup=(_CREATE_TOP, _CREATE_OTHER),
    ),
    Scenario(
        "PER-4",
        "re-sending the project's own name succeeds",
        _patch("{a}", {"name": "Scenario A {run}"}, 204),
        setup=(_CREATE_TOP,),
    ),
    Scenario(
        "PER-5",
        "a duplicate project code, also against subprojects",
        _patch("{a}", {"project_code": "scn-b-{run}"}, 422, _titled("Duplicate project code.")),
        setup=(_CREATE_TOP, _CREATE_OTHER),
    ),
    Scenario(
        "PER-6",
        "an unknown cost center",
        _patch(
            "{a}", {"cost_center": {"id": "no-such-cost-center"}}, 422, _titled("Cost center does not exist.")
        ),
        setup=(_CREATE_TOP,),
    ),
    Scenario(
        "PER-7",
        "an end before the stored start (merged state)",
        _patch("{a}", {"end": {"date": "2024-12-31"}}, 422, _titled("Invalid start date")),
        setup=(_CREATE_TOP, _patch("{a}", {"start": {"date": "2025-01-01"}}, 204)),
    ),
    Scenario(
        "PER-7",
        "equal start and end dates are accepted",
        _patch("{a}", {"start": {"date": "2025-03-01"}, "end": {"date": "2025-03-01"}}, 204),
        setup=(_CREATE_TOP,),
    ),
    Scenario(
        "PER-8",
        "a subproject may not set billable or client_name",
        _patch(
            "{sub}",
            {"billable": True, "client_name": "ACME"},
            422,
            _titled("Unsupported field set for subproject."),
        ),
        setup=(_CREATE_TOP, _CREATE_SUB),
    ),
    Scenario(
        "PER-9",
        "the parent project must exist",
        Call(
            "POST",
            "/v2/projects",
            {"name": "Orphan {run}", "status": "ACTIVE", "parent_project": {"id": "404404404"}},
            status=422,
            expect=_titled("Parent project does not exist."),
        ),
    ),
    Scenario(
        "PER-9",
        "a subproject cannot be a parent",
        Call(
            "POST",
            "/v2/projects",
            {"name": "Grandchild {run}", "status": "ACTIVE", "parent_project": {"id": "{sub}"}},
            status=422,
            expect=_titled("Parent project does not exist."),
        ),
        setup=(_CREATE_TOP, _CREATE_SUB),
    ),
    Scenario(
        "PER-10",
        "assigning to all employees removes the members",
        _patch("1001", {"assigned_to_all": True}, 204),
        then=(Call("GET", "/v2/projects/1001/members", status=200, expect={"_data": []}),),
        admin_only=True,
    ),
    Scenario(
        "PER-11",
        "a subproject shows its parent's billable flag",
        _patch("{a}", {"billable": True}, 204),
        setup=(_CREATE_TOP, _CREATE_SUB),
        then=(Call("GET", "/v2/projects/{sub}", status=200, expect={"billable": True}),),
    ),
    Scenario(
        "PER-12",
        "description longer than 1000 characters",
        _patch("{a}", {"description": "d" * 1001}, 400, _titled("Invalid field value")),
        setup=(_CREATE_TOP,),
    ),
    Scenario(
        "PER-13",
        "success is 204, and a read shows the change",
        _patch("{a}", {"description": "Updated by a scenario"}, 204),
        setup=(_CREATE_TOP,),
        then=(Call("GET", "/v2/projects/{a}", status=200, expect={"description": "Updated by a scenario"}),),
    ),
    Scenario(
        "PER-13",
        "a token without the projects permission gets 403",
        _patch("1001", {"name": "x"}, 403, _titled("Access denied"), token="personio-readonly"),
        admin_only=True,
    ),
    Scenario(
        "PER-13",
        "an unknown project is 404",
        _patch("999999", {"name": "x"}, 404, _titled("Resource not found")),
    ),
    Scenario(
        "PER-14",
        "subprojects cannot have members",
        Call(
            "POST",
            "/v2/projects/{sub}/members",
            {"members": [{"person": {"id": "501"}}]},
            status=422,
            expect=_titled("Can't manage members with subproject"),
        ),
        setup=(_CREATE_TOP, _CREATE_SUB),
    ),
    Scenario(
        "PER-14",
        "include adds the counters it names: a new project's subproject, no time tracked",
        Call(
            "GET",
            "/v2/projects/{a}?include=sub_projects_count,tracked_minutes",
            status=200,
            expect={"id": "{a}", "sub_projects_count": 1, "tracked_minutes": 0},
        ),
        setup=(_CREATE_TOP, _CREATE_SUB),
    ),
    Scenario(
        "PER-14",
        "deleting a project deletes its subprojects",
        Call("DELETE", "/v2/projects/{a}", status=204),
        setup=(_CREATE_TOP, _CREATE_SUB),
        then=(
            Call("GET", "/v2/projects/{a}", status=404, expect=_titled("Resource not found")),
            Call("GET", "/v2/projects/{sub}", status=404, expect=_titled("Resource not found")),
        ),
    ),
    Scenario(
        "PER-14",
        "a project whose subproject has attendances cannot be deleted",
        Call("DELETE", "/v2/projects/1001", status=422, expect=_titled("Project has attendances")),
        admin_only=True,  # the fixture's 1001 and 1002 carry attendances; the API cannot make any
    ),
)
