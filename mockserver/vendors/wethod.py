"""Wethod public API (beta): projects (``PATCH /api/projects/{id}``), metadata, whitelists.

Sources: the seed (docs.wethod.com/reference/update-project), the create-project and
timesheet-whitelist pages and the community clients, as summarised in ``shared/vendors/wethod.md``.
Every call carries the tenant headers ``Wethod-Company``/``Wethod-Version`` (WET-1); errors are
``{key, message}`` plus ``failures`` on 400 (WET-2), worded as Symfony's validator words them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, ClassVar

from mockserver.core.change import Change, Identity
from mockserver.core.checks import missing_references, taken_by_other
from mockserver.core.faults import RETRY_AFTER_SECONDS
from mockserver.core.pipeline import Context, Reply
from mockserver.core.rules import RuleRegistry
from mockserver.core.scenarios import ANY, Call, Scenario
from mockserver.core.spec import load_spec
from mockserver.core.store import CollectionSpec, Record
from mockserver.core.vendor import SPECS_DIR, Handler, Sample, Vendor
from mockserver.core.violations import Code, Phase, Rejection, Violation
from mockserver.vendors import _symfony as symfony
from mockserver.vendors._common import as_int, iso_z, page

COMPANY, VERSION = "Wethod-Company", "Wethod-Version"
VIEW, VIEW_OTHER = "pipeline.view", "pipeline.view_other"
EDIT, EDIT_OTHER = "pipeline.edit", "pipeline.edit_other"
CREATE, CREATE_OTHER = "pipeline.create", "pipeline.create_other"
JOB_ORDER = "pipeline.job_order"
INVALID_DATA = "You provided invalid data. Check 'failures' for details."
VERSION_FORMAT = "This value should be a date in the YYYY-MM-DD format."
MAX_LIMIT = 100
"""``limit`` is at most 100 (community SDK README); it is also the default page size."""

PROJECT_WRITES = ("updateProject", "createProject")
CREATE_WHITELIST, DELETE_WHITELIST = "createTimesheetWhitelist", "deleteTimesheetWhitelist"
METADATA_FIELD = re.compile(r"metadata_(\d+)")
REFERENCES = {  # body field -> (collection, noun used in the failure message)
    "client_id": ("clients", "Client"),
    "client_contact_id": ("client_contacts", "Client contact"),
    "pm_id": ("people", "Person"),
    "account_id": ("people", "Person"),
    "job_order_category_id": ("job_order_categories", "Job order category"),
    "project_type_id": ("project_types", "Project type"),
    "project_stage_id": ("project_stages", "Project stage"),
    "business_unit_id": ("business_units", "Business unit"),
}
WHITELIST_REFERENCES = {"project_id": ("projects", "Project"), "person_id": ("people", "Person")}
INTEGER_FIELDS = (*REFERENCES, *WHITELIST_REFERENCES, "id", "limit", "offset", "probability", "duration")
# A create may set what the spec's create body lists (the create page: not the whitelist flag nor
# the opportunity stage); an update those two as well.
CREATE_FIELDS = tuple(
    load_spec(SPECS_DIR / "wethod.yaml")["components"]["schemas"]["ProjectCreate"]["properties"]
)
UPDATE_FIELDS = (*CREATE_FIELDS, "project_stage_id", "is_timesheet_whitelist_enabled")

rules = RuleRegistry(vendor="wethod")


# -- small helpers ----------------------------------------------------------------------------
def _can(identity: Identity | None, permission: str) -> bool:
    return identity is not None and identity.can(permission)


def _manages(identity: Identity | None, project: Mapping[str, Any] | None) -> bool:
    """WET-6: the caller is the project's stored PM or account (never the patched ones)."""
    if identity is None or identity.subject is None or project is None:
        return False
    return identity.subject in (project.get("pm_id"), project.get("account_id"))


def _lacks(identity: Identity | None, project: Mapping[str, Any] | None, own: str, other: str) -> str | None:
    """The permission the caller misses for ``project`` (``own`` on theirs, ``other`` elsewhere)."""
    needed = own if _manages(identity, project) else other
    return None if _can(identity, needed) else needed


def _forbidden(message: str, rule: str | None = None) -> Violation:
    return Violation(403, Code.FORBIDDEN, message, rule=rule)


def _denied(permission: str, action: str, rule: str | None = None) -> Violation:
    target = "a project you do not manage" if permission.endswith("_other") else "this project"
    return _forbidden(f"You need the {permission} permission to {action} {target}.", rule)


def _invalid(field: str, message: str, code: Code = Code.INVALID) -> Violation:
    return Violation(400, code, message, field=field)


def _not_found(noun: str, record_id: Any) -> Violation:
    return Violation(404, Code.NOT_FOUND, f"{noun} {record_id} not found.", rule="WET-2")


def _project_of(change: Change) -> Record | None:
    """The stored project whose PM/account decide a write's permission (WET-6, WET-10)."""
    projects = change.state["projects"]
    if change.operation == CREATE_WHITELIST:  # runs before the schema: the id may be anything
        project_id = change.body.get("project_id")
        return projects.get(project_id) if type(project_id) is int else None
    if change.operation == DELETE_WHITELIST and change.target is not None:
        return projects.get(change.target.get("project_id"))
    return change.target


# -- rules ------------------------------------------------------------------------------------
@rules.check(
    "WET-1",
    "Wethod-Company and Wethod-Version (YYYY-MM-DD) are required: 400 naming the header; an "
    "unknown company is 403.",
    phase=Phase.HEADERS,
    schema_fields=(COMPANY, VERSION),
)
def _tenant(change: Change) -> Iterator[Violation]:
    version, company = change.headers.get(VERSION), change.headers.get(COMPANY)  # case-insensitive
    try:  # the header's pattern admits 2024-13-45; a version is a calendar date
        date.fromisoformat(version or "")
    except ValueError:
        yield _invalid(VERSION, VERSION_FORMAT)
    if not company:
        yield _invalid(COMPANY, "This header is required.")
    elif company not in change.state["companies"]:
        yield _forbidden(f'You do not have access to company "{company}".')


# Claims the validation failures no other rule claims (path and query types, a body that is no
# object, a blank body): what they share is the envelope.
rules.schema(
    "WET-2",
    "Errors are {key, message}; 400 is invalid_data with failures [{field, message}]; 404 "
    "not_found, 412 precondition_failure.",
    codes=(Code.SCHEMA, Code.BAD_JSON),
    fallback=True,
)
rules.schema(
    "WET-3",
    "name <= 500 characters, job_order <= 150 characters.",
    fields=("name", "job_order"),
    keywords=("maxLength",),
)
rules.schema(
    "WET-4",
    "probability is an integer 0..100, duration an integer >= 1.",
    fields=("probability", "duration"),
    keywords=("minimum", "maximum"),
)
rules.schema(
    "WET-5",
    "date_start, due_date and signed_on are YYYY-MM-DD; date_start is stored as the first day of its month.",
    fields=("date_start", "due_date", "signed_on"),
    keywords=("format", "type"),
)
rules.schema(
    "WET-12",
    "Integer fields are strictly typed: '13' for an integer is a failure.",
    fields=INTEGER_FIELDS,
    keywords=("type",),
)
rules.mechanism(
    "WET-13",
    "Success is 200 with the full project and its nested job_order_category; risk and won/lost "
    "feedback are ignored (GEN-7).",
    on=("updateProject",),
)
rules.mechanism(
    "WET-14",
    "Neighbours: GET /api/projects/{id}, GET /api/projects (bare array, limit/offset), "
    "POST /api/projects (201).",
)


@rules.check(
    "WET-6",
    "Writes need pipeline.edit when the caller is the stored project's PM or account, "
    "pipeline.edit_other otherwise (whitelist writes too, WET-10).",
    phase=Phase.PERMISSION,
    on=("updateProject", CREATE_WHITELIST, DELETE_WHITELIST),
)
def _edit_permission(change: Change) -> Iterator[Violation]:
    identity, project = change.identity, _project_of(change)
    if project is None:  # a whitelist entry for an unknown project: WET-8 answers it with 400
        if not (_can(identity, EDIT) or _can(identity, EDIT_OTHER)):
            yield _forbidden(f"You need the {EDIT} or {EDIT_OTHER} permission to edit timesheet whitelists.")
    elif needed := _lacks(identity, project, EDIT, EDIT_OTHER):
        yield _denied(needed, "update" if change.operation == "updateProject" else "edit the whitelist of")


@rules.check(
    "WET-7",
    "Changing job_order (a value other than the stored one) also needs pipeline.job_order.",
    phase=Phase.PERMISSION,
    on=("updateProject",),
)
def _job_order_permission(change: Change) -> Iterator[Violation]:
    stored = change.target.get("job_order") if change.target is not None else None
    changed = change.touches("job_order") and change.body["job_order"] != stored
    if changed and not _can(change.identity, JOB_ORDER):
        yield _forbidden("You need the pipeline.job_order permission to change the job order.")


# Unknown references and metadata errors are validation failures: Phase.SCHEMA, so they share
# the schema's 400 (GEN-5).
@rules.check(
    "WET-8",
    "client_id, client_contact_id, pm_id, account_id, job_order_category_id, project_type_id, "
    "project_stage_id, business_unit_id (and a whitelist entry's project_id, person_id) must "
    "exist: one 400 failure per bad field.",
    phase=Phase.SCHEMA,
    on=(*PROJECT_WRITES, CREATE_WHITELIST),
)
def _references_exist(change: Change) -> Iterator[Violation]:
    references = WHITELIST_REFERENCES if change.operation == CREATE_WHITELIST else REFERENCES
    for field in missing_references(change, {f: c for f, (c, _noun) in references.items()}):
        noun = references[field][1]
        yield _invalid(field, f"{noun} {change.body[field]} does not exist.", Code.REFERENCE)


@rules.check(
    "WET-11",
    "metadata_<N>: N must be a metadata definition; the value must be one of its values when it "
    "lists any; null or '' removes it.",
    phase=Phase.SCHEMA,
    on=PROJECT_WRITES,
)
def _metadata_values(change: Change) -> Iterator[Violation]:
    for name, value in change.body.items():
        match = METADATA_FIELD.fullmatch(name)
        if match is None:
            continue
        definition = change.state["metadata"].get(match[1])
        if definition is None:
            yield _invalid(name, f"Project metadata {match[1]} does not exist.")
        elif value is None or value == "":
            continue
        elif not isinstance(value, str):  # the schema cannot name these fields, so cannot type them
            yield _invalid(name, "This value should be of type string.")
        elif definition.get("values") and value not in definition["values"]:
            allowed = ", ".join(definition["values"])
            yield _invalid(name, f"The value you selected is not a valid choice. Allowed values: {allowed}.")


@rules.check(
    "WET-9",
    "is_timesheet_whitelist_enabled cannot be set to false while the project's whitelist has "
    "people: 412 precondition_failure.",
    on=("updateProject",),
)
def _whitelist_empty_before_disabling(change: Change) -> Iterator[Violation]:
    if change.body.get("is_timesheet_whitelist_enabled") is not False or change.target is None:
        return
    change.fire("GEN-2")  # the stored whitelist decides, not the patch
    if change.state["whitelists"].find("project", as_int(change.target.get("id"))):
        message = "The timesheet whitelist cannot be disabled while it still has people in it."
        yield Violation(412, Code.PRECONDITION, message, field="is_timesheet_whitelist_enabled")


@rules.check(
    "WET-10",
    "Timesheet whitelist endpoints: list, add (201; the same project/person pair again is 409), "
    "remove (200); same permissions as WET-6.",
    on=(CREATE_WHITELIST,),
)
def _whitelist_pair_unique(change: Change) -> Iterator[Violation]:
    project_id, person_id = change.body.get("project_id"), change.body.get("person_id")
    if taken_by_other(change, "whitelists", "pair", (project_id, person_id)):
        message = f"Person {person_id} is already whitelisted on project {project_id}."
        yield Violation(409, Code.CONFLICT, message, field="person_id")


# -- request flow -----------------------------------------------------------------------------
def _change(ctx: Context, target: Record | None) -> Change:
    """Permission rules run before the schema: they see an object body even when the request
    sent none or a non-object (the schema reports those)."""
    return ctx.change(target, body=ctx.body if isinstance(ctx.body, Mapping) else {})


def _admit(ctx: Context, change: Change) -> None:
    """``ctx.admit``, with the failures listed in the order of the body's fields (decision)."""
    try:
        ctx.admit(change)
    except Rejection as rejection:
        order = {name: i for i, name in enumerate(change.body)}
        rejection.violations.sort(key=lambda v: order.get((v.field or "").split(".")[0], len(order)))
        raise


def _locate(ctx: Context, collection: str, noun: str) -> Record:
    record_id = ctx.incoming.path_params.get("id")
    return ctx.locate(collection, record_id, _not_found(noun, record_id))


def _apply(ctx: Context, base: Record, body: Mapping[str, Any], writable: Sequence[str]) -> Record:
    """A new record from ``base`` and the body's writable fields and metadata (GEN-1)."""
    new = dict(base)
    new.update({name: body[name] for name in writable if name in body})
    if isinstance(body.get("date_start"), str):  # the schema checked it is a date
        month = date.fromisoformat(body["date_start"]).replace(day=1).isoformat()
        if month != body["date_start"]:
            ctx.fire("WET-5")
        new["date_start"] = month
    # Metadata values are stored as the `metadata_<N>` fields themselves, present only while
    # they have a value (WET-11), so the stored record reads like the response.
    for name, value in body.items():
        if METADATA_FIELD.fullmatch(name) is None:
            continue
        ctx.fire("WET-11")
        if value is None or value == "":
            new.pop(name, None)
        else:
            new[name] = value
    return new


def _new_project(project_id: int, stamp: str) -> Record:
    fields = (*UPDATE_FIELDS, "reason_why_id", "billing_group_id", "archived_on", "deleted_at")
    return dict.fromkeys(fields) | {
        "id": project_id,
        "created_at": stamp,
        "updated_at": stamp,
        "is_archived": False,
        "is_timesheet_whitelist_enabled": False,
    }


def _require_view(ctx: Context, project: Record | None, whitelist: bool = False) -> None:
    """Reads: pipeline.view on the caller's own projects, pipeline.view_other on the others."""
    if needed := _lacks(ctx.identity, project, VIEW, VIEW_OTHER):
        ctx.reject(_denied(needed, "view the whitelist of" if whitelist else "view", "WET-6"))


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
        "date_start is stored as the first day of its month",
        _patch(
            "{p}",
            {"date_start": "2025-03-17", "due_date": "2025-09-30", "signed_on": "2025-02-28"},
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
            {"date_start": "03/2025", "due_date": "2025-02-30", "signed_on": "20250101"},
            400,
            _failures(("date_start", _BAD_DATE), ("due_date", _BAD_DATE), ("signed_on", _BAD_DATE)),
        ),
        setup=(_CREATE,),
    ),
    Scenario(
        "WET-5",
        "due_date and signed_on clear with null, date_start cannot",
        _patch("{p}", {"date_start": None}, 400, _failures(("date_start", "This value should not be null."))),
        setup=(_CREATE, _patch("{p}", {"due_date": None, "signed_on": None}, 200)),
    ),
    Scenario(
        "WET-5",
        "date_start is normalised on create too",
        Call(
            "POST",
            "/api/projects",
            {"name": "Scenario dated {run}", "date_start": "2025-04-15"},
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


# -- the vendor -----------------------------------------------------------------------------
class Wethod(Vendor):
    id = "wethod"
    envelope_rule = "WET-2"
    scenarios = SCENARIOS
    title = "Wethod"
    prefix = "/wethod"
    rules = rules
    sample_headers: ClassVar[Mapping[str, str]] = {COMPANY: "acme", VERSION: "2024-06-15"}
    dynamic_fields: ClassVar[re.Pattern[str] | None] = METADATA_FIELD
    sample = Sample(
        path="/api/projects/42",
        body={"name": "Website redesign (phase 2)", "probability": 90, "metadata_13": "SMB"},
        rejected={"is_timesheet_whitelist_enabled": False},  # WET-9: its whitelist has people
        missing_path="/api/projects/999999",
        ids={"/api/timesheet-whitelists/{id}": "5"},
    )
    collections: ClassVar[Mapping[str, CollectionSpec]] = {
        "tokens": CollectionSpec(id_field="token"),
        "companies": CollectionSpec(id_field="slug"),
        "projects": CollectionSpec(
            indexes={"pm": lambda r: r.get("pm_id"), "account": lambda r: r.get("account_id")}
        ),
        "people": CollectionSpec(),
        "clients": CollectionSpec(),
        "client_contacts": CollectionSpec(),
        "job_order_categories": CollectionSpec(),
        "project_types": CollectionSpec(),
        "project_stages": CollectionSpec(),
        "business_units": CollectionSpec(),
        "metadata": CollectionSpec(),
        "whitelists": CollectionSpec(
            indexes={
                "project": lambda r: as_int(r.get("project_id")),
                "person": lambda r: as_int(r.get("person_id")),
                "pair": lambda r: (r.get("project_id"), r.get("person_id")),
            }
        ),
    }

    def operations(self) -> Mapping[str, Handler]:
        return {
            "listProjects": self.list_projects,
            "createProject": self.create_project,
            "getProject": self.get_project,
            "updateProject": self.update_project,
            "listProjectMetadata": self.list_metadata,
            "listTimesheetWhitelists": self.list_whitelists,
            "createTimesheetWhitelist": self.create_whitelist,
            "getTimesheetWhitelist": self.get_whitelist,
            "deleteTimesheetWhitelist": self.delete_whitelist,
        }

    def render(self, ctx: Context, record: Record) -> dict[str, Any]:
        shown = {k: v for k, v in record.items() if not METADATA_FIELD.fullmatch(k)}
        category_id = record.get("job_order_category_id")
        category = None if category_id is None else ctx.state["job_order_categories"].get(category_id)
        shown["job_order_category"] = None if category is None else dict(category)
        metadata = [k for k in record if METADATA_FIELD.fullmatch(k)]
        for key in sorted(metadata, key=lambda k: int(k.split("_")[1])):
            if record[key] not in (None, ""):  # only metadata with a value appear (WET-11)
                shown[key] = record[key]
        return shown

    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        status = violations[0].status
        if status == 400:
            pairs = dict.fromkeys((v.field or "body", _failure_message(v)) for v in violations)
            failures = [{"field": field, "message": message} for field, message in pairs]
            return Reply(400, {"key": "invalid_data", "message": INVALID_DATA, "failures": failures})
        messages = dict.fromkeys(_PLAIN.get(v.code, v.message) for v in violations)
        key = _KEYS.get(status, "internal_error" if status >= 500 else "invalid_request")
        return Reply(status, {"key": key, "message": " ".join(messages)})

    def fault_reply(self, status: int, now: datetime) -> Reply:
        reply = super().fault_reply(status, now)
        if status == 429:
            # Wethod's community SDK and CLI wait the seconds of x-ratelimit-retry-after (WET-R16
            # in shared/vendors/wethod.md: SDK-level evidence, not in the endpoint docs).
            reply.headers["x-ratelimit-retry-after"] = str(RETRY_AFTER_SECONDS)
        return reply

    # -- projects -------------------------------------------------------------------------------
    def get_project(self, ctx: Context) -> Reply:
        project = _locate(ctx, "projects", "Project")
        _require_view(ctx, project)
        ctx.fire("WET-14")
        return Reply(200, self.render(ctx, project))

    def list_projects(self, ctx: Context) -> Reply:
        identity, projects = ctx.identity, ctx.state["projects"]
        subject = identity.subject if identity is not None else None
        mine = set() if subject is None else projects.find("pm", subject) | projects.find("account", subject)
        if _can(identity, VIEW_OTHER):
            ids = [str(r["id"]) for r in projects if _can(identity, VIEW) or str(r["id"]) not in mine]
        elif _can(identity, VIEW):
            ids = list(mine)
        else:
            ctx.reject(_forbidden("You need the pipeline.view permission to list projects.", "WET-14"))
        ids.sort(key=lambda i: as_int(i) or 0)
        chunk = page(ids, ctx.incoming.query.get("limit"), ctx.incoming.query.get("offset"), MAX_LIMIT)
        ctx.fire("WET-14")
        return Reply(200, [self.render(ctx, projects.get(i) or {}) for i in chunk])

    def create_project(self, ctx: Context) -> Reply:
        change = _change(ctx, None)
        # create page: pipeline.create when the caller is the new project's PM or account
        owner = {"pm_id": change.body.get("pm_id"), "account_id": change.body.get("account_id")}
        if needed := _lacks(ctx.identity, owner, CREATE, CREATE_OTHER):
            what = "create a project" + (" you do not manage" if needed == CREATE_OTHER else "")
            ctx.reject(_forbidden(f"You need the {needed} permission to {what}.", "WET-14"))
        _admit(ctx, change)
        projects = ctx.state["projects"]
        base = _new_project(projects.next_id(), iso_z(ctx.now))
        stored = ctx.commit(change, projects, _apply(ctx, base, change.body, CREATE_FIELDS))
        ctx.fire("WET-14")
        return Reply(201, self.render(ctx, stored))

    def update_project(self, ctx: Context) -> Reply:
        project = _locate(ctx, "projects", "Project")
        change = _change(ctx, project)
        _admit(ctx, change)
        new = _apply(ctx, project, change.body, UPDATE_FIELDS) | {"updated_at": iso_z(ctx.now)}
        ctx.fire("GEN-1")
        ctx.fire("GEN-11")
        stored = ctx.commit(change, ctx.state["projects"], new)
        ctx.fire("WET-13")
        return Reply(200, self.render(ctx, stored))

    def list_metadata(self, ctx: Context) -> Reply:
        definitions = sorted(ctx.state["metadata"], key=lambda r: as_int(r.get("id")) or 0)
        query = ctx.incoming.query
        return Reply(200, page(definitions, query.get("limit"), query.get("offset"), MAX_LIMIT))

    # -- timesheet whitelists -------------------------------------------------------------------
    def list_whitelists(self, ctx: Context) -> Reply:
        ctx.fire("WET-10")
        query, identity = ctx.incoming.query, ctx.identity
        whitelists, projects = ctx.state["whitelists"], ctx.state["projects"]
        project_id, person_id = as_int(query.get("project_id")), as_int(query.get("person_id"))
        if not (_can(identity, VIEW) or _can(identity, VIEW_OTHER)):
            message = "You need the pipeline.view permission to view timesheet whitelists."
            ctx.reject(_forbidden(message, "WET-6"))
        if project_id is not None and projects.get(project_id) is not None:
            _require_view(ctx, projects.get(project_id), whitelist=True)
        wanted = {"project": project_id, "person": person_id}
        filters = [whitelists.find(index, key) for index, key in wanted.items() if key is not None]
        ids = set.intersection(*filters) if filters else {str(r["id"]) for r in whitelists}
        entries = [e for e in (whitelists.get(i) for i in ids) if e is not None]
        visible = [
            e for e in entries if not _lacks(identity, projects.get(e["project_id"]), VIEW, VIEW_OTHER)
        ]
        visible.sort(key=lambda e: as_int(e.get("id")) or 0)
        return Reply(200, page(visible, query.get("limit"), query.get("offset"), MAX_LIMIT))

    def get_whitelist(self, ctx: Context) -> Reply:
        entry = _locate(ctx, "whitelists", "Timesheet whitelist")
        _require_view(ctx, ctx.state["projects"].get(entry.get("project_id")), whitelist=True)
        ctx.fire("WET-10")
        return Reply(200, dict(entry))

    def create_whitelist(self, ctx: Context) -> Reply:
        change = _change(ctx, None)
        _admit(ctx, change)
        whitelists, stamp = ctx.state["whitelists"], iso_z(ctx.now)
        entry = {"id": whitelists.next_id(), "created_at": stamp, "updated_at": stamp}
        entry |= {name: change.body[name] for name in WHITELIST_REFERENCES}
        stored = ctx.commit(change, whitelists, entry)
        ctx.fire("WET-10")
        return Reply(201, dict(stored))

    def delete_whitelist(self, ctx: Context) -> Reply:
        entry = _locate(ctx, "whitelists", "Timesheet whitelist")
        ctx.checks(Phase.PERMISSION, _change(ctx, entry))
        ctx.state["whitelists"].delete(entry["id"])
        ctx.fire("WET-10")
        return Reply(200, dict(entry))


# -- error wording (WET-2's envelope; failures in Symfony's words) --------------------------------
_KEYS = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failure",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}
_PLAIN = {
    Code.UNAUTHORIZED: "The provided API token is missing or invalid.",
    Code.ROUTE_NOT_FOUND: "The requested route does not exist.",
    Code.METHOD_NOT_ALLOWED: "This method is not allowed on this route.",
    Code.UNSUPPORTED_MEDIA_TYPE: "The request body must be application/json.",
    Code.TOO_LARGE: "The request body is too large.",
    Code.INTERNAL: "An internal error occurred.",
    Code.RATE_LIMITED: "Too many requests. Retry later.",
}


def _failure_message(v: Violation) -> str:
    """Symfony's words, except where Wethod's own show: headers, the version format, the page size."""
    schema = v.code is Code.SCHEMA
    if schema and v.keyword == "required" and v.location == "header":
        return "This header is required."
    if schema and v.keyword != "required" and v.field == VERSION:
        return VERSION_FORMAT
    if schema and v.location == "query" and v.field == "limit" and v.keyword in ("minimum", "maximum"):
        return symfony.range_message(1, MAX_LIMIT)
    return symfony.failure_message(v)


VENDOR = Wethod()
