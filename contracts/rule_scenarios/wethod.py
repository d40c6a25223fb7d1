"""The executable scenarios of Wethod's rules, as data (see :mod:`contracts.rule_scenarios`).

:mod:`contracts.scenarios` runs them against the mock or a real tenant. They are the expected
answers, not behaviour, so they live in the toolkit, apart from the vendor module they check.
"""

from __future__ import annotations

from typing import Any

from contracts.rule_scenarios import ANY, Call, Scenario

# The documented wording and names, written again on purpose: scenarios are the expected answers,
# so they do not read them from the implementation they check.
COMPANY, VERSION = "Wethod-Company", "Wethod-Version"
INVALID_DATA = "You provided invalid data. Check 'failures' for details."
VERSION_FORMAT = "This value should be a date in the YYYY-MM-DD format."


# -- executable scenarios (contracts.scenarios runs them against the mock or a real tenant) ------
# Fixture cast for the admin-only ones (mockserver/fixtures/wethod.json): project 42 (PM 11,
# account 12, whitelist on with people 31 and 14: entries 5, 6), 43 (PM 11, account 13, whitelist
# on and empty), 44 (PM 13, whitelist off but holding person 15: entry 7); metadata 13 (Segment:
# Enterprise, SMB, Public sector), 14 (free text), 15 (Region); job order category 2 (Consulting).
def _patch(project: str, body: Any, status: int, expect: Any = None, **kw: Any) -> Call:
    return Call("PATCH", f"/api/projects/{project}", body, status=status, expect=expect, **kw)


def _get(path: str, expect: Any = None, status: int = 200, **kw: Any) -> Call:
    return Call("GET", path, status=status, expect=expect, **kw)


def _failures(*pairs: tuple[str, Any]) -> dict[str, Any]:
    """WET-2's 400 envelope with exactly these failures, in this order."""
    failures = [{"field": field, "message": message} for field, message in pairs]
    return {"key": "invalid_data", "message": INVALID_DATA, "failures": failures}


def _error(key: str, message: Any = ANY) -> dict[str, Any]:
    return {"key": key, "message": message}


_CREATE = Call("POST", "/api/projects", {"name": "Scenario project {run}"}, status=201, save={"p": "id"})
_WHITELIST = "/api/timesheet-whitelists"
_NOT_INT = "This value should be of type int."
_BAD_DATE = "This value is not a valid date (YYYY-MM-DD)."
_EDIT_OTHER = "You need the pipeline.edit_other permission to update a project you do not manage."
_NO_JOB_ORDER = "You need the pipeline.job_order permission to change the job order."
_NOT_EMPTY = "The timesheet whitelist cannot be disabled while it still has people in it."
_REFERENCES = (
    ("client_id", "Client"),
    ("client_contact_id", "Client contact"),
    ("pm_id", "Person"),
    ("account_id", "Person"),
    ("job_order_category_id", "Job order category"),
    ("project_type_id", "Project type"),
    ("project_stage_id", "Project stage"),
    ("business_unit_id", "Business unit"),
)

SCENARIOS = (
    # WET-1 tenant headers
    Scenario(
        "WET-1",
        "missing company and version headers: one failure per header",
        _patch(
            "999999",
            {"name": "x"},
            400,
            _failures(
                (COMPANY, "This header is required."),
                (VERSION, "This header is required."),
            ),
            drop_headers=(COMPANY, VERSION),
        ),
    ),
    Scenario(
        "WET-1",
        "a version that is not a calendar date (2024-13-45)",
        _patch(
            "{p}", {"name": "x"}, 400, _failures((VERSION, VERSION_FORMAT)), headers={VERSION: "2024-13-45"}
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-1",
        "a version in another format (15/06/2024)",
        _get("/api/projects", _failures((VERSION, VERSION_FORMAT)), 400, headers={VERSION: "15/06/2024"}),
    ),
    Scenario(
        "WET-1",
        "a blank company header",
        _get(
            "/api/projects",
            _failures((COMPANY, "This value should not be blank.")),
            400,
            headers={COMPANY: ""},
        ),
    ),
    Scenario(
        "WET-1",
        "an unknown company is 403, before the 404 and the 400",
        _patch(
            "999999",
            {"probability": 500},
            403,
            _error("forbidden", 'You do not have access to company "no-such-company".'),
            headers={COMPANY: "no-such-company"},
        ),
    ),
    Scenario(
        "WET-1",
        "every endpoint needs the headers (whitelists)",
        _get(_WHITELIST, _failures((VERSION, "This header is required.")), 400, drop_headers=(VERSION,)),
    ),
    # WET-2 error envelope
    Scenario(
        "WET-2",
        "400 is invalid_data with failures [{field, message}]",
        _patch(
            "{p}",
            {"probability": 101},
            400,
            _failures(("probability", "This value should be less than or equal to 100.")),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-2",
        "404 is not_found",
        _patch("999999", {"name": "x"}, 404, _error("not_found", "Project 999999 not found.")),
    ),
    Scenario(
        "WET-2",
        "malformed JSON is a failure on body",
        Call(
            "PATCH",
            "/api/projects/{p}",
            raw=b"{not json",
            headers={"Content-Type": "application/json"},
            status=400,
            expect=_failures(("body", ANY)),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-2",
        "a body that is not an object",
        Call(
            "PATCH",
            "/api/projects/{p}",
            [1, 2],
            status=400,
            expect=_failures(("body", "This value should be of type object.")),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-2",
        "a path id below 1 is a failure on id",
        _get("/api/projects/0", _failures(("id", "This value should be greater than or equal to 1.")), 400),
    ),
    Scenario(
        "WET-2",
        "a wrong content type is 415 in the same envelope",
        Call(
            "PATCH",
            "/api/projects/{p}",
            raw=b"name=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            status=415,
            expect=_error("unsupported_media_type"),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-2",
        "412 is precondition_failure",
        _patch(
            "42", {"is_timesheet_whitelist_enabled": False}, 412, _error("precondition_failure", _NOT_EMPTY)
        ),
        admin_only=True,
    ),
    # WET-3 lengths
    Scenario(
        "WET-3",
        "name over 500 and job_order over 150 characters",
        _patch(
            "{p}",
            {"name": "n" * 501, "job_order": "j" * 151},
            400,
            _failures(
                ("name", "This value is too long. It should have 500 characters or less."),
                ("job_order", "This value is too long. It should have 150 characters or less."),
            ),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-3",
        "exactly 500 and 150 characters are accepted",
        _patch("{p}", {"name": "n" * 500, "job_order": "j" * 150}, 200),
        setup=(_CREATE,),
        then=(_get("/api/projects/{p}", {"name": "n" * 500, "job_order": "j" * 150}),),
    ),
    Scenario(
        "WET-3",
        "the limit applies on create too",
        Call(
            "POST",
            "/api/projects",
            {"name": "n" * 501},
            status=400,
            expect=_failures(("name", "This value is too long. It should have 500 characters or less.")),
        ),
    ),
    # WET-4 probability and duration
    Scenario(
        "WET-4",
        "probability below 0 and duration below 1",
        _patch(
            "{p}",
            {"probability": -1, "duration": 0},
            400,
            _failures(
                ("probability", "This value should be greater than or equal to 0."),
                ("duration", "This value should be greater than or equal to 1."),
            ),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-4",
        "a fractional probability is not an integer",
        _patch("{p}", {"probability": 50.5}, 400, _failures(("probability", _NOT_INT))),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-4",
        "the bounds themselves are accepted (0 and 100, duration 1)",
        _patch("{p}", {"probability": 0, "duration": 1}, 200, {"probability": 0, "duration": 1}),
        setup=(_CREATE,),
        then=(
            _patch("{p}", {"probability": 100}, 200),
            _get("/api/projects/{p}", {"probability": 100, "duration": 1}),
        ),
    ),
    # WET-5 dates
    Scenario(
        "WET-5",
        "start_date is stored as the first day of its month, shown as date_start",
        _patch(
            "{p}",
            {"start_date": "2025-03-17", "due_date": "2025-09-30", "signed_on": "2025-02-28"},
            200,
            {"date_start": "2025-03-01", "due_date": "2025-09-30", "signed_on": "2025-02-28"},
        ),
        setup=(_CREATE,),
        then=(_get("/api/projects/{p}", {"date_start": "2025-03-01"}),),
    ),
    Scenario(
        "WET-5",
        "dates must be real YYYY-MM-DD dates",
        _patch(
            "{p}",
            {"start_date": "03/2025", "due_date": "2025-02-30", "signed_on": "20250101"},
            400,
            _failures(("start_date", _BAD_DATE), ("due_date", _BAD_DATE), ("signed_on", _BAD_DATE)),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-5",
        "due_date and signed_on clear with null, start_date cannot",
        _patch("{p}", {"start_date": None}, 400, _failures(("start_date", "This value should not be null."))),
        setup=(_CREATE, _patch("{p}", {"due_date": None, "signed_on": None}, 200)),
    ),
    Scenario(
        "WET-5",
        "start_date is normalised on create too",
        Call(
            "POST",
            "/api/projects",
            {"name": "Scenario dated {run}", "start_date": "2025-04-15"},
            status=201,
            expect={"date_start": "2025-04-01"},
        ),
    ),
    # WET-6 edit permissions
    Scenario(
        "WET-6",
        "a PM without edit_other cannot update another's project",
        _patch("44", {"name": "x"}, 403, _error("forbidden", _EDIT_OTHER), token="wethod-pm"),
        admin_only=True,
    ),
    Scenario(
        "WET-6",
        "assigning oneself as PM in the same patch does not count",
        _patch("44", {"pm_id": 11}, 403, _error("forbidden", _EDIT_OTHER), token="wethod-pm"),
        admin_only=True,
    ),
    Scenario(
        "WET-6",
        "the PM without pipeline.edit cannot update their own project",
        _patch(
            "42",
            {"name": "x"},
            403,
            _error("forbidden", "You need the pipeline.edit permission to update this project."),
            token="wethod-edit-other-only",
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-6",
        "the PM with pipeline.edit updates their own project",
        _patch("42", {"name": "By the PM"}, 200, {"name": "By the PM"}, token="wethod-pm"),
        then=(_get("/api/projects/42", {"name": "By the PM"}),),
        admin_only=True,
    ),
    Scenario(
        "WET-6",
        "the account with pipeline.edit updates their project",
        _patch(
            "43", {"name": "By the account"}, 200, {"name": "By the account"}, token="wethod-no-job-order"
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-6",
        "edit_other suffices on a project one does not manage",
        _patch("44", {"name": "By another"}, 200, {"name": "By another"}, token="wethod-edit-other-only"),
        admin_only=True,
    ),
    Scenario(
        "WET-6",
        "an unknown project is 404 before the 403",
        _patch("999999", {"probability": 500}, 404, _error("not_found"), token="wethod-viewer"),
        admin_only=True,
    ),
    Scenario(
        "WET-6",
        "403 comes before the 400",
        _patch("42", {"probability": 500}, 403, _error("forbidden", _EDIT_OTHER), token="wethod-viewer"),
        admin_only=True,
    ),
    # WET-7 job order permission
    Scenario(
        "WET-7",
        "changing job_order without pipeline.job_order",
        _patch(
            "43",
            {"job_order": "JO-2025-001"},
            403,
            _error("forbidden", _NO_JOB_ORDER),
            token="wethod-no-job-order",
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-7",
        "clearing job_order is a change too",
        _patch("42", {"job_order": None}, 403, _error("forbidden", _NO_JOB_ORDER), token="wethod-pm"),
        admin_only=True,
    ),
    Scenario(
        "WET-7",
        "re-sending the stored job_order needs no extra permission",
        _patch(
            "43",
            {"job_order": "JO-2024-043", "probability": 60},
            200,
            {"job_order": "JO-2024-043", "probability": 60},
            token="wethod-no-job-order",
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-7",
        "both missing permissions are reported together",
        _patch(
            "44",
            {"job_order": "JO-X"},
            403,
            _error("forbidden", f"{_EDIT_OTHER} {_NO_JOB_ORDER}"),
            token="wethod-viewer",
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-7",
        "with pipeline.job_order the job order changes",
        _patch("{p}", {"job_order": "JO-SCN-1"}, 200, {"job_order": "JO-SCN-1"}),
        setup=(_CREATE,),
        then=(_get("/api/projects/{p}", {"job_order": "JO-SCN-1"}),),
    ),
    # WET-8 references
    Scenario(
        "WET-8",
        "unknown references: one failure per field",
        _patch(
            "{p}",
            dict.fromkeys((field for field, _noun in _REFERENCES), 999999),
            400,
            _failures(*((field, f"{noun} 999999 does not exist.") for field, noun in _REFERENCES)),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-8",
        "reference and schema failures together, in body order",
        _patch(
            "{p}",
            {"probability": 150, "client_id": 999999, "duration": 0, "pm_id": "11"},
            400,
            _failures(
                ("probability", "This value should be less than or equal to 100."),
                ("client_id", "Client 999999 does not exist."),
                ("duration", "This value should be greater than or equal to 1."),
                ("pm_id", _NOT_INT),
            ),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-8",
        "an unknown client on create",
        Call(
            "POST",
            "/api/projects",
            {"client_id": 999999},
            status=400,
            expect=_failures(
                ("client_id", "Client 999999 does not exist."),
                ("name", "This value should not be blank."),
            ),
        ),
    ),
    Scenario(
        "WET-8",
        "existing references and null succeed",
        _patch(
            "{p}",
            {
                "client_id": 8,
                "client_contact_id": None,
                "pm_id": 13,
                "project_stage_id": 6,
                "business_unit_id": None,
            },
            200,
            {
                "client_id": 8,
                "client_contact_id": None,
                "pm_id": 13,
                "project_stage_id": 6,
                "business_unit_id": None,
            },
        ),
        setup=(_CREATE,),
        admin_only=True,
    ),
    Scenario(
        "WET-8",
        "a whitelist entry's unknown project and person",
        Call(
            "POST",
            _WHITELIST,
            {"project_id": 999999, "person_id": 999999},
            status=400,
            expect=_failures(
                ("project_id", "Project 999999 does not exist."),
                ("person_id", "Person 999999 does not exist."),
            ),
        ),
    ),
    # WET-9 whitelist flag
    Scenario(
        "WET-9",
        "disabling a whitelist with people is 412 and nothing changes",
        _patch(
            "42",
            {"is_timesheet_whitelist_enabled": False, "name": "Renamed"},
            412,
            _error("precondition_failure", _NOT_EMPTY),
        ),
        then=(
            _get("/api/projects/42", {"is_timesheet_whitelist_enabled": True, "name": "Website redesign"}),
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-9",
        "re-sending false on a disabled whitelist that still has people is 412",
        _patch(
            "44", {"is_timesheet_whitelist_enabled": False}, 412, _error("precondition_failure", _NOT_EMPTY)
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-9",
        "enabling, then disabling an empty whitelist, succeed",
        _patch(
            "{p}", {"is_timesheet_whitelist_enabled": True}, 200, {"is_timesheet_whitelist_enabled": True}
        ),
        setup=(_CREATE,),
        then=(
            _patch(
                "{p}",
                {"is_timesheet_whitelist_enabled": False},
                200,
                {"is_timesheet_whitelist_enabled": False},
            ),
            _get("/api/projects/{p}", {"is_timesheet_whitelist_enabled": False}),
        ),
    ),
    Scenario(
        "WET-9",
        "disabling succeeds once the people are removed",
        _patch(
            "42", {"is_timesheet_whitelist_enabled": False}, 200, {"is_timesheet_whitelist_enabled": False}
        ),
        setup=(Call("DELETE", f"{_WHITELIST}/5"), Call("DELETE", f"{_WHITELIST}/6")),
        admin_only=True,
    ),
    Scenario(
        "WET-9",
        "validation failures come before the precondition",
        _patch(
            "42",
            {"is_timesheet_whitelist_enabled": False, "probability": 150},
            400,
            _failures(("probability", "This value should be less than or equal to 100.")),
        ),
        admin_only=True,
    ),
    # WET-10 whitelist endpoints
    Scenario(
        "WET-10",
        "adding a person is 201, and the project's whitelist then blocks disabling",
        Call(
            "POST",
            _WHITELIST,
            {"project_id": 43, "person_id": 12},
            status=201,
            expect={"id": ANY, "created_at": ANY, "updated_at": ANY, "project_id": 43, "person_id": 12},
        ),
        then=(
            _get(f"{_WHITELIST}?project_id=43", [{"project_id": 43, "person_id": 12}]),
            _patch("43", {"is_timesheet_whitelist_enabled": False}, 412, _error("precondition_failure")),
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-10",
        "the same project/person pair again is 409",
        Call(
            "POST",
            _WHITELIST,
            {"project_id": 42, "person_id": 31},
            status=409,
            expect=_error("conflict", "Person 31 is already whitelisted on project 42."),
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-10",
        "the list filters by project and person",
        _get(f"{_WHITELIST}?project_id=42&person_id=14", [{"id": 6, "project_id": 42, "person_id": 14}]),
        admin_only=True,
    ),
    Scenario(
        "WET-10",
        "a new project's whitelist is empty",
        _get(_WHITELIST + "?project_id={p}", []),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-10",
        "removing an entry is 200 with the entry, then it is gone",
        Call("DELETE", f"{_WHITELIST}/5", status=200, expect={"id": 5, "project_id": 42, "person_id": 31}),
        then=(
            _get(f"{_WHITELIST}/5", _error("not_found", "Timesheet whitelist 5 not found."), 404),
            _get(f"{_WHITELIST}?project_id=42", [{"id": 6}]),
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-10",
        "removing an unknown entry is 404",
        Call(
            "DELETE",
            f"{_WHITELIST}/999999",
            status=404,
            expect=_error("not_found", "Timesheet whitelist 999999 not found."),
        ),
    ),
    Scenario(
        "WET-10",
        "a string id and a missing person are 400",
        Call(
            "POST",
            _WHITELIST,
            {"project_id": "42"},
            status=400,
            expect=_failures(("project_id", _NOT_INT), ("person_id", "This value should not be blank.")),
        ),
    ),
    Scenario(
        "WET-10",
        "whitelist writes on another's project need edit_other",
        Call(
            "POST",
            _WHITELIST,
            {"project_id": 44, "person_id": 11},
            token="wethod-pm",
            status=403,
            expect=_error(
                "forbidden",
                "You need the pipeline.edit_other permission to edit the whitelist of a project "
                "you do not manage.",
            ),
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-10",
        "removing from another's project needs edit_other too",
        Call("DELETE", f"{_WHITELIST}/7", token="wethod-pm", status=403, expect=_error("forbidden")),
        admin_only=True,
    ),
    Scenario(
        "WET-10",
        "the PM edits their own project's whitelist",
        Call("POST", _WHITELIST, {"project_id": 42, "person_id": 15}, token="wethod-pm", status=201),
        then=(_get(f"{_WHITELIST}?project_id=42&person_id=15", [{"project_id": 42, "person_id": 15}]),),
        admin_only=True,
    ),
    Scenario(
        "WET-10",
        "without any edit permission whitelists cannot change",
        Call(
            "POST",
            _WHITELIST,
            {"project_id": 999999, "person_id": 11},
            token="wethod-viewer",
            status=403,
            expect=_error(
                "forbidden",
                "You need the pipeline.edit or pipeline.edit_other permission to edit timesheet whitelists.",
            ),
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-10",
        "reading another's whitelist needs view_other",
        _get(
            f"{_WHITELIST}?project_id=44",
            _error(
                "forbidden",
                "You need the pipeline.view_other permission to view the whitelist of a project "
                "you do not manage.",
            ),
            403,
            token="wethod-pm",
        ),
        admin_only=True,
    ),
    # WET-11 metadata
    Scenario(
        "WET-11",
        "an unknown metadata definition",
        _patch(
            "{p}",
            {"metadata_999999": "x"},
            400,
            _failures(("metadata_999999", "Project metadata 999999 does not exist.")),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-11",
        "unknown definition, a value outside the choices and a non-string, together",
        _patch(
            "{p}",
            {"metadata_999": "Enterprise", "metadata_13": "Startup", "metadata_14": 42, "name": "n" * 501},
            400,
            _failures(
                ("metadata_999", "Project metadata 999 does not exist."),
                (
                    "metadata_13",
                    "The value you selected is not a valid choice. "
                    "Allowed values: Enterprise, SMB, Public sector.",
                ),
                ("metadata_14", "This value should be of type string."),
                ("name", "This value is too long. It should have 500 characters or less."),
            ),
        ),
        setup=(_CREATE,),
        admin_only=True,
    ),
    Scenario(
        "WET-11",
        "set a choice, free text; null and '' remove",
        _patch(
            "{p}",
            {"metadata_13": "Public sector", "metadata_14": "Anything goes"},
            200,
            {"metadata_13": "Public sector", "metadata_14": "Anything goes"},
        ),
        setup=(_CREATE,),
        then=(
            _patch(
                "{p}",
                {"metadata_13": None, "metadata_14": "", "metadata_15": "South"},
                200,
                {"metadata_15": "South"},
            ),
            _get("/api/projects/{p}", {"metadata_15": "South"}),
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-11",
        "metadata set on create appear in the answer",
        Call(
            "POST",
            "/api/projects",
            {"name": "Scenario segmented {run}", "metadata_13": "SMB"},
            status=201,
            expect={"metadata_13": "SMB"},
        ),
        admin_only=True,
    ),
    # WET-12 strict integers
    Scenario(
        "WET-12",
        "strings, floats and booleans are not integers",
        _patch(
            "{p}",
            {"client_id": "13", "probability": "50", "duration": 4.5, "pm_id": True},
            400,
            _failures(
                ("client_id", _NOT_INT),
                ("probability", _NOT_INT),
                ("duration", _NOT_INT),
                ("pm_id", _NOT_INT),
            ),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-12",
        "query integers are strict too",
        _get(f"{_WHITELIST}?project_id=abc", _failures(("project_id", _NOT_INT)), 400),
    ),
    # WET-13 success
    Scenario(
        "WET-13",
        "200 with the full project; absent fields keep their value",
        _patch(
            "{p}",
            {"name": "Renamed by a scenario", "probability": 90},
            200,
            {
                "id": ANY,
                "name": "Renamed by a scenario",
                "probability": 90,
                "job_order": "JO-SCN-13",
                "job_order_category": None,
                "created_at": ANY,
                "updated_at": ANY,
                "is_timesheet_whitelist_enabled": False,
            },
        ),
        setup=(_CREATE, _patch("{p}", {"job_order": "JO-SCN-13"}, 200)),
        then=(_get("/api/projects/{p}", {"name": "Renamed by a scenario", "job_order": "JO-SCN-13"}),),
    ),
    Scenario(
        "WET-13",
        "the nested job_order_category follows the id",
        _patch(
            "42",
            {"job_order_category_id": 2},
            200,
            {
                "job_order_category_id": 2,
                "job_order_category": {"id": 2, "name": "Consulting"},
                "job_order": "JO-2024-042",
            },
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-13",
        "risk, won/lost feedback and archiving are ignored",
        _patch(
            "{p}",
            {"risk": "high", "won_lost_feedback": "price", "is_archived": True, "probability": 20},
            200,
            {"is_archived": False, "probability": 20},
        ),
        setup=(_CREATE,),
        then=(_get("/api/projects/{p}", {"is_archived": False}),),
    ),
    # WET-14 neighbours
    Scenario(
        "WET-14",
        "create is 201 and the project reads back",
        Call(
            "POST",
            "/api/projects",
            {"name": "Scenario created {run}", "probability": 50, "duration": 4},
            status=201,
            expect={"id": ANY, "probability": 50, "duration": 4, "is_timesheet_whitelist_enabled": False},
            save={"p": "id", "name": "name"},
        ),
        then=(_get("/api/projects/{p}", {"probability": 50, "duration": 4, "job_order_category": None}),),
    ),
    Scenario(
        "WET-14",
        "the list pages with limit",
        _get("/api/projects?limit=1", [{"id": ANY, "name": ANY}]),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-14",
        "limit above 100 is a failure",
        _get("/api/projects?limit=101", _failures(("limit", "This value should be between 1 and 100.")), 400),
    ),
    Scenario(
        "WET-14",
        "updated_at=gte: lists what changed since (an incremental sync)",
        _get("/api/projects?updated_at=gte:{u}", [{"id": "{p}"}]),
        setup=(
            Call(
                "POST",
                "/api/projects",
                {"name": "Scenario synced {run}"},
                status=201,
                save={"p": "id", "u": "updated_at"},
            ),
        ),
    ),
    Scenario(
        "WET-14",
        "a malformed list filter is a failure naming it",
        _get("/api/projects?updated_at=after:2024-01-01T00:00:00Z", _failures(("updated_at", ANY)), 400),
    ),
    Scenario(
        "WET-14",
        "an unknown project is 404",
        _get("/api/projects/999999", _error("not_found", "Project 999999 not found."), 404),
    ),
    Scenario(
        "WET-14",
        "a PM lists only the projects they manage",
        _get("/api/projects", [{"id": 42}, {"id": 43}], token="wethod-pm"),
        admin_only=True,
    ),
    Scenario(
        "WET-14",
        "reading another's project needs view_other",
        _get(
            "/api/projects/44",
            _error(
                "forbidden",
                "You need the pipeline.view_other permission to view a project you do not manage.",
            ),
            403,
            token="wethod-pm",
        ),
        admin_only=True,
    ),
    Scenario(
        "WET-14",
        "creating a project for another PM needs create_other",
        Call(
            "POST",
            "/api/projects",
            {"name": "x", "pm_id": 12},
            token="wethod-pm",
            status=403,
            expect=_error(
                "forbidden",
                "You need the pipeline.create_other permission to create a project you do not manage.",
            ),
        ),
        admin_only=True,
    ),
)
