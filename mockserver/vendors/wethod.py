"""Wethod public API (beta): projects (``PATCH /api/projects/{id}``), metadata, whitelists.

Sources: the seed (docs.wethod.com/reference/update-project), the create-project and
timesheet-whitelist pages and the community clients, as summarised in ``shared/vendors/wethod.md``.
Every call carries the tenant headers ``Wethod-Company``/``Wethod-Version`` (WET-1); errors are
``{key, message}`` plus ``failures`` on 400 (WET-2), worded as Symfony's validator words them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, ClassVar

from mockserver.core.change import Change
from mockserver.core.checks import missing_references, taken_by_other
from mockserver.core.faults import RETRY_AFTER_SECONDS
from mockserver.core.pipeline import context
from mockserver.core.plans import Context, Plan, Target
from mockserver.core.records import from_openapi, schema_of, typed
from mockserver.core.renders import Rendering
from mockserver.core.rules import Provenance, RuleRegistry, decision, doc, inferred
from mockserver.core.spec import SPECS_DIR, load_spec
from mockserver.core.store import CollectionSpec, Record, VendorState, value_of
from mockserver.core.values import Identity, Incoming, Reply
from mockserver.core.vendor import Sample, Vendor, token_schema
from mockserver.core.violations import Code, Phase, Violation
from mockserver.vendors import _symfony as symfony
from mockserver.vendors._common import as_int, iso_z, page
from mockserver.vendors._wethod_list import filter_problem, filtered

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
_SPEC = load_spec(SPECS_DIR / "wethod.yaml")
START_MONTH = "start_date"
"""The start month's request key: Wethod's OpenAPI (through the SDK generated from it) names it
``start_date`` in create and update bodies and ``date_start`` in the project (WET-5)."""
CREATE_FIELDS = tuple(_SPEC["components"]["schemas"]["ProjectCreate"]["properties"])
UPDATE_FIELDS = (*CREATE_FIELDS, "project_stage_id", "is_timesheet_whitelist_enabled")

UPDATE_PAGE = "https://docs.wethod.com/reference/update-project"  # the seed
CREATE_PAGE = "https://docs.wethod.com/reference/create-project"
WHITELIST_CREATE_PAGE = "https://docs.wethod.com/reference/create-timesheet-whitelist"
LIST_PAGE = "https://docs.wethod.com/reference/list-projects"
PROVENANCE: dict[str, Provenance] = {  # GEN-12: the page each rule follows, or why it has none
    "WET-1": doc(UPDATE_PAGE, note="the headers are documented; the 400/403 statuses are our decision"),
    "WET-2": doc(UPDATE_PAGE, WHITELIST_CREATE_PAGE),
    "WET-3": doc(UPDATE_PAGE),
    "WET-4": doc(
        CREATE_PAGE,
        UPDATE_PAGE,
        note="the update page swaps the two descriptions; its response schema and the create page agree",
    ),
    "WET-5": doc(
        CREATE_PAGE,
        UPDATE_PAGE,
        note="storing the first of the month is our decision; no page shows the request key: "
        "start_date is what the SDK generated from Wethod's OpenAPI sends",
    ),
    "WET-6": doc(UPDATE_PAGE),
    "WET-7": doc(UPDATE_PAGE, note="the 403 status is our decision"),
    "WET-8": decision(
        "no page says what an unknown reference gets; 400 invalid_data is the documented validation error"
    ),
    "WET-9": doc(UPDATE_PAGE, note="the page states the rule, not its status: 412 is our decision"),
    "WET-10": doc(
        WHITELIST_CREATE_PAGE,
        "https://docs.wethod.com/reference/get-timesheet-whitelist",
        "https://docs.wethod.com/reference/delete-timesheet-whitelist",
        note="409 for a repeated pair is read from the listed 409; the list endpoint follows the "
        "community SDK; the delete body is our decision",
    ),
    "WET-11": doc(UPDATE_PAGE, note="checking N and its allowed values is our decision"),
    "WET-12": inferred(
        "a third-party CLI's notes say a string fails for an integer field; no Wethod page says so",
        "https://github.com/enricodelazzari/wethod-cli/blob/main/skills/wethod/SKILL.md",
    ),
    "WET-13": doc(UPDATE_PAGE),
    "WET-14": doc(
        CREATE_PAGE,
        LIST_PAGE,
        note="GET one follows the community SDK; of the list filters, project_stage_id too, and "
        "how a bare value and a malformed filter are answered is our decision",
    ),
}
rules = RuleRegistry(vendor="wethod", prefix="WET", provenance=PROVENANCE)

# -- stored records: typed like the spec's reads; a project also holds its metadata values --------
PROJECT, METADATA, WHITELIST = [
    f"#/components/schemas/{n}" for n in ("Project", "ProjectMetadata", "TimesheetWhitelist")
]
_PROJECT = from_openapi(_SPEC, {"$ref": PROJECT}, required=("id",), job_order_category={})
_PROJECT["patternProperties"] = {"^metadata_[0-9]+$": typed("string", "null")}  # WET-11: text values


def _named(**fields: Any) -> dict[str, Any]:
    """People, clients and the other lists a project refers to by integer id."""
    return schema_of(("id",), id=typed("integer"), name=typed("string", "null"), **fields)


_NAMED = _named()


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
    "start_date, due_date and signed_on are YYYY-MM-DD; the start month is stored (and shown as "
    "date_start) as the first day of its month.",
    fields=(START_MONTH, "due_date", "signed_on"),
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
    "Neighbours: GET /api/projects/{id}, GET /api/projects (bare array, limit/offset, the list "
    "page's filters), POST /api/projects (201).",
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
    when=("job_order",),
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
    when=(*REFERENCES, *WHITELIST_REFERENCES),
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
    when=("is_timesheet_whitelist_enabled",),
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
PROJECT_ID = Target("projects", lambda _ctx, project_id: _not_found("Project", project_id))
WHITELIST_ID = Target("whitelists", lambda _ctx, entry_id: _not_found("Timesheet whitelist", entry_id))
STAMP = "updated_at"


def _apply(ctx: Context, base: Record, change: Change, writable: tuple[str, ...]) -> Record:
    """A new record from ``base`` and the body's writable fields and metadata (GEN-1)."""
    body = change.body
    new = dict(base)
    new.update({name: body[name] for name in writable if name in body and name != START_MONTH})
    if isinstance(body.get(START_MONTH), str):  # the schema checked it is a date
        month = date.fromisoformat(body[START_MONTH]).replace(day=1).isoformat()
        if month != body[START_MONTH]:
            ctx.fire("WET-5")
        new["date_start"] = month  # requests say start_date, the project says date_start
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


def _new_project(ctx: Context, change: Change) -> Record:
    fields = (*UPDATE_FIELDS, "date_start", "reason_why_id", "billing_group_id", "archived_on", "deleted_at")
    stamp = iso_z(ctx.now)
    return dict.fromkeys([f for f in fields if f != START_MONTH]) | {
        "id": ctx.state["projects"].next_id(),
        "created_at": stamp,
        STAMP: stamp,
        "is_archived": False,
        "is_timesheet_whitelist_enabled": False,
    }


def _new_entry(ctx: Context, change: Change) -> Record:
    stamp = iso_z(ctx.now)
    return {"id": ctx.state["whitelists"].next_id(), "created_at": stamp, STAMP: stamp}


def _may_create(ctx: Context, _none: Record | None) -> Violation | None:
    """The create page: pipeline.create when the caller is the new project's PM or account."""
    body = ctx.body if isinstance(ctx.body, Mapping) else {}
    owner = {"pm_id": body.get("pm_id"), "account_id": body.get("account_id")}
    if needed := _lacks(ctx.identity, owner, CREATE, CREATE_OTHER):
        what = "create a project" + (" you do not manage" if needed == CREATE_OTHER else "")
        return _forbidden(f"You need the {needed} permission to {what}.", "WET-14")
    return None


def _view_denied(ctx: Context, project: Record | None, action: str = "view") -> Violation | None:
    """Reads: pipeline.view on the caller's own projects, pipeline.view_other on the others."""
    needed = _lacks(ctx.identity, project, VIEW, VIEW_OTHER)
    return None if needed is None else _denied(needed, action, "WET-6")


def _may_view(ctx: Context, project: Record | None) -> Violation | None:
    return _view_denied(ctx, project)


def _may_view_whitelist(ctx: Context, entry: Record | None) -> Violation | None:
    """A whitelist entry is read as its project is."""
    project = ctx.state["projects"].get(entry.get("project_id")) if entry is not None else None
    return _view_denied(ctx, project, "view the whitelist of")


def _entry(ctx: Context, entry: Record) -> Reply:
    return Reply(200, dict(entry))


def _created_entry(ctx: Context, entry: Record) -> Reply:
    return Reply(201, dict(entry))


# -- the vendor -----------------------------------------------------------------------------
class Wethod(Vendor):
    id = "wethod"
    envelope_rule = "WET-2"
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
        # the subject is a person id: WET-6 compares it with a project's pm_id and account_id
        "tokens": CollectionSpec(id_field="token", record_schema=token_schema(typed("integer", "null"))),
        "companies": CollectionSpec(
            id_field="slug",
            record_schema=schema_of(("slug",), slug=typed("string"), name=typed("string", "null")),
        ),
        "projects": CollectionSpec(
            indexes={"pm": value_of("pm_id"), "account": value_of("account_id")},
            record_schema=_PROJECT,
        ),
        "people": CollectionSpec(record_schema=_named(email=typed("string", "null"))),
        "clients": CollectionSpec(record_schema=_NAMED),
        "client_contacts": CollectionSpec(record_schema=_named(client_id=typed("integer", "null"))),
        "job_order_categories": CollectionSpec(
            record_schema=from_openapi(
                _SPEC, {"$ref": "#/components/schemas/JobOrderCategory"}, required=("id",)
            )
        ),
        "project_types": CollectionSpec(record_schema=_NAMED),
        "project_stages": CollectionSpec(record_schema=_NAMED),
        "business_units": CollectionSpec(record_schema=_NAMED),
        "metadata": CollectionSpec(record_schema=from_openapi(_SPEC, {"$ref": METADATA}, required=("id",))),
        "whitelists": CollectionSpec(
            indexes={
                "project": lambda r: as_int(r.get("project_id")),
                "person": lambda r: as_int(r.get("person_id")),
                "pair": lambda r: (r.get("project_id"), r.get("person_id")),
            },
            record_schema=from_openapi(
                _SPEC, {"$ref": WHITELIST}, required=("id", "project_id", "person_id")
            ),
        ),
    }

    def operations(self) -> Mapping[str, Plan]:
        # updates and whitelist writes: WET-6 and WET-7 are permission-phase rules of their own
        return {
            "listProjects": Plan(self.list_projects),
            "createProject": Plan(
                self.created,
                creates="projects",
                permission=_may_create,
                writable=CREATE_FIELDS,
                stamp=STAMP,
                new=_new_project,
                apply=_apply,
                fires=("WET-14",),
            ),
            "getProject": Plan(self.shown, target=PROJECT_ID, permission=_may_view, fires=("WET-14",)),
            "updateProject": Plan(
                self.shown,
                target=PROJECT_ID,
                writable=UPDATE_FIELDS,
                stamp=STAMP,
                apply=_apply,
                fires=("WET-13",),
            ),
            "listProjectMetadata": Plan(self.list_metadata),
            "listTimesheetWhitelists": Plan(self.list_whitelists),
            "createTimesheetWhitelist": Plan(
                _created_entry,
                creates="whitelists",
                writable=tuple(WHITELIST_REFERENCES),
                stamp=STAMP,
                new=_new_entry,
                fires=("WET-10",),
            ),
            "getTimesheetWhitelist": Plan(
                _entry, target=WHITELIST_ID, permission=_may_view_whitelist, fires=("WET-10",)
            ),
            "deleteTimesheetWhitelist": Plan(_entry, target=WHITELIST_ID, deletes=True, fires=("WET-10",)),
        }

    def timestamp(self, now: datetime) -> str:
        return iso_z(now)

    def order_errors(self, change: Change, violations: list[Violation]) -> list[Violation]:
        """Failures in the order of the body's fields (decision)."""
        order = {name: i for i, name in enumerate(change.body)}
        return sorted(violations, key=lambda v: order.get((v.field or "").split(".")[0], len(order)))

    def render(self, ctx: Context, record: Record) -> dict[str, Any]:
        shown = {k: v for k, v in record.items() if not METADATA_FIELD.fullmatch(k)}
        category_id = record.get("job_order_category_id")
        category = None if category_id is None else ctx.state["job_order_categories"].get(category_id)
        shown["job_order_category"] = None if category is None else dict(category)
        metadata = [k for k in record if METADATA_FIELD.fullmatch(k)]
        # by number, without int(): a seeded metadata_<5000 digits> passes Python's digit limit
        for key in sorted(metadata, key=lambda k: (len(k), k)):
            if record[key] not in (None, ""):  # only metadata with a value appear (WET-11)
                shown[key] = record[key]
        return shown

    def renders(self, state: VendorState) -> Iterator[Rendering]:
        ctx = context(self, "getProject", state, Incoming("GET", ""), datetime.now(UTC))
        for project in state["projects"]:  # listProjects renders each the same way
            yield Rendering(
                "projects", project["id"], "getProject", partial(self.render, ctx, project), PROJECT
            )
        for definition in state["metadata"]:  # listed as stored
            yield Rendering(
                "metadata", definition["id"], "listProjectMetadata", partial(dict, definition), METADATA
            )
        for entry in state["whitelists"]:
            yield Rendering(
                "whitelists", entry["id"], "getTimesheetWhitelist", partial(dict, entry), WHITELIST
            )

    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        status = violations[0].status
        if status == 400:
            pairs = dict.fromkeys([(_failed_field(v), _failure_message(v)) for v in violations])
            failures = [{"field": field, "message": message} for field, message in pairs]
            return Reply(400, {"key": "invalid_data", "message": INVALID_DATA, "failures": failures})
        messages = dict.fromkeys([_PLAIN.get(v.code, v.message) for v in violations])
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
    def shown(self, ctx: Context, project: Record) -> Reply:
        return Reply(200, self.render(ctx, project))

    def created(self, ctx: Context, project: Record) -> Reply:
        return Reply(201, self.render(ctx, project))

    def list_projects(self, ctx: Context, _none: None) -> Reply:
        identity, projects = ctx.identity, ctx.state["projects"]
        subject = identity.subject if identity is not None else None
        mine = set() if subject is None else projects.find("pm", subject) | projects.find("account", subject)
        if _can(identity, VIEW_OTHER):
            ids = [str(r["id"]) for r in projects if _can(identity, VIEW) or str(r["id"]) not in mine]
        elif _can(identity, VIEW):
            ids = list(mine)
        else:
            ctx.reject(_forbidden("You need the pipeline.view permission to list projects.", "WET-14"))
        found = filtered(ctx, [r for r in [projects.get(i) for i in ids] if r is not None])
        found.sort(key=lambda r: as_int(r.get("id")) or 0)
        chunk = page(found, ctx.incoming.query.get("limit"), ctx.incoming.query.get("offset"), MAX_LIMIT)
        ctx.fire("WET-14")
        return Reply(200, [self.render(ctx, project) for project in chunk])

    def list_metadata(self, ctx: Context, _none: None) -> Reply:
        definitions = sorted(ctx.state["metadata"], key=lambda r: as_int(r.get("id")) or 0)
        query = ctx.incoming.query
        return Reply(200, page(definitions, query.get("limit"), query.get("offset"), MAX_LIMIT))

    # -- timesheet whitelists -------------------------------------------------------------------
    def list_whitelists(self, ctx: Context, _none: None) -> Reply:
        ctx.fire("WET-10")
        query, identity = ctx.incoming.query, ctx.identity
        whitelists, projects = ctx.state["whitelists"], ctx.state["projects"]
        project_id, person_id = as_int(query.get("project_id")), as_int(query.get("person_id"))
        if not (_can(identity, VIEW) or _can(identity, VIEW_OTHER)):
            message = "You need the pipeline.view permission to view timesheet whitelists."
            ctx.reject(_forbidden(message, "WET-6"))
        if project_id is not None and projects.get(project_id) is not None:
            denied = _view_denied(ctx, projects.get(project_id), "view the whitelist of")
            if denied is not None:
                ctx.reject(denied)
        wanted = {"project": project_id, "person": person_id}
        filters = [whitelists.find(index, key) for index, key in wanted.items() if key is not None]
        ids = set.intersection(*filters) if filters else {str(r["id"]) for r in whitelists}
        entries = [e for e in [whitelists.get(i) for i in ids] if e is not None]
        visible = [
            e for e in entries if not _lacks(identity, projects.get(e["project_id"]), VIEW, VIEW_OTHER)
        ]
        visible.sort(key=lambda e: as_int(e.get("id")) or 0)
        return Reply(200, page(visible, query.get("limit"), query.get("offset"), MAX_LIMIT))


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


def _failed_field(v: Violation) -> str:
    """The field a failure names: the body when none is, or the whole request (bytes the HTTP
    parser refused)."""
    return v.field or ("request" if v.location == "request" else "body")


def _failure_message(v: Violation) -> str:
    """Symfony's words, except where Wethod's own show: headers, the version format, the page size,
    the list filters."""
    schema = v.code is Code.SCHEMA
    if schema and v.keyword == "required" and v.location == "header":
        return "This header is required."
    if schema and v.keyword != "required" and v.field == VERSION:
        return VERSION_FORMAT
    if schema and v.location == "query" and v.field == "limit" and v.keyword in ("minimum", "maximum"):
        return symfony.range_message(1, MAX_LIMIT)
    if schema and v.location == "query" and (problem := filter_problem(v.field, v.params.get("value"))):
        return problem  # the list page's filter syntax, worded the same whichever check found it
    return symfony.failure_message(v)


VENDOR = Wethod()
