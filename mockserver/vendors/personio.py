"""Personio Attendances API v2: projects (``PATCH /v2/projects/{id}``) and their members.

Source: the seed's OpenAPI fragment (developer.personio.de/reference/patch_v2-projects-id) and
``shared/vendors/personio.md``. Errors are ``application/problem+json`` with a fresh trace id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar, Final

from mypy_extensions import mypyc_attr

from mockserver.core.change import Change
from mockserver.core.checks import normalized, taken_by_other
from mockserver.core.faults import RETRY_AFTER_SECONDS
from mockserver.core.pipeline import context
from mockserver.core.plans import Context, Plan, Target, sent
from mockserver.core.records import from_openapi, schema_of, typed
from mockserver.core.renders import Rendering
from mockserver.core.rules import Provenance, RuleRegistry, doc
from mockserver.core.spec import SPECS_DIR, load_spec
from mockserver.core.store import CollectionSpec, FieldsKey, Record, VendorState
from mockserver.core.values import NO_BODY, Incoming, Reply
from mockserver.core.vendor import Sample, Vendor, token_schema
from mockserver.core.violations import Code, Violation
from mockserver.vendors._common import as_int, iso_z, random_uuid

PROBLEM_JSON = "application/problem+json"
ERRORS_DOC = "https://developer.personio.de/reference/errors"
SUBPROJECT_FORBIDDEN = ("cost_center", "assigned_to_all", "project_type", "client_name", "billable")
WRITES = ("updateProject", "createProject")
# What `include` may ask GET /v2/projects{,/id} for, in the spec's order: "not included by
# default for performance reasons", so a stored counter never shows unasked.
INCLUDABLE = (
    "tracked_minutes",
    "sub_projects_tracked_minutes",
    "sub_projects_count",
    "tracked_periods_count",
)
READ, WRITE = "projects:read", "projects:write"

UPDATE_PAGE = "https://developer.personio.de/reference/patch_v2-projects-id"  # the seed
TOKEN_PAGE = "https://developer.personio.de/reference/post_v2-auth-token"
FORM = "application/x-www-form-urlencoded"
CREATE_PAGE = "https://developer.personio.de/reference/post_v2-projects"
DELETE_PAGE = "https://developer.personio.de/reference/delete_v2-projects-id"
PROVENANCE: dict[str, Provenance] = {  # GEN-12: the page each rule follows, or why it has none
    "PER-1": doc(UPDATE_PAGE),
    "PER-2": doc(UPDATE_PAGE),
    "PER-3": doc(UPDATE_PAGE, note="that null cannot clear name or status is our decision"),
    "PER-4": doc(UPDATE_PAGE, note="the scope, all projects, is our decision"),
    "PER-5": doc(UPDATE_PAGE),
    "PER-6": doc(UPDATE_PAGE),
    "PER-7": doc(UPDATE_PAGE, note="equal dates pass, as in the page's valid example"),
    "PER-8": doc(UPDATE_PAGE),
    "PER-9": doc(CREATE_PAGE, UPDATE_PAGE),
    "PER-10": doc(UPDATE_PAGE),
    "PER-11": doc(UPDATE_PAGE),
    "PER-12": doc(UPDATE_PAGE),
    "PER-13": doc(UPDATE_PAGE),
    "PER-14": doc(
        CREATE_PAGE,
        "https://developer.personio.de/reference/get_v2-projects-id",
        "https://developer.personio.de/reference/get_v2-projects",
        "https://developer.personio.de/reference/get_v2-projects-id-members",
        "https://developer.personio.de/reference/post_v2-projects-id-members",
        "https://developer.personio.de/reference/delete_v2-projects-id-members",
        DELETE_PAGE,
        note='create "returns the newly created project ID"; its body was not captured, so '
        '{"id": ...} is our reading. The delete\'s 422 body is not shown either: its title is the '
        "page's example name, its detail ours; attendances are the seeded tracked_periods_count",
    ),
}
rules = RuleRegistry(vendor="personio", prefix="PER", provenance=PROVENANCE)

# Records are stored as the read renders them (PER-11's inherited fields aside): typed like the
# spec's Project; a parent reference needs its id (render looks the parent up).
_SPEC = load_spec(SPECS_DIR / "personio.yaml")
PROJECT = "#/components/schemas/Project"
PROJECT_MEMBER = "#/components/schemas/ProjectMember"
_NAMED = schema_of(("id",), id=typed("string"), name=typed("string", "null"))
_PERMISSIONS = typed("array", items=typed("string"))


def _error(
    status: int, title: str, detail: str, field: str | None = None, rule: str | None = None
) -> Violation:
    return Violation(status, Code.INVALID, detail, field=field, rule=rule, params={"title": title})


def _is_subproject(change: Change) -> bool:
    stored = change.target is not None and change.target.get("parent_project")
    return bool(stored or (change.operation in WRITES and change.body.get("parent_project")))


def _date(change: Change, name: str) -> str | None:
    value = change.value(name)
    return value.get("date") if isinstance(value, Mapping) else None


_CLEARING_KEYS: Final = {"start": "date", "end": "date", "cost_center": "id"}


def _cleared(values: dict[str, Any]) -> dict[str, Any]:
    """``start``/``end`` sent as ``{"date": null}`` and ``cost_center`` as ``{"id": null}`` clear
    the field like ``null`` does (PER-3): the project shows ``null``, as its ProjectDate and
    CostCenterReference admit no null inner value."""
    return {k: None if _is_cleared(k, v) else v for k, v in values.items()}


def _is_cleared(name: str, value: Any) -> bool:
    inner = _CLEARING_KEYS.get(name)
    return inner is not None and isinstance(value, Mapping) and value.get(inner) is None


# -- rules ------------------------------------------------------------------------------------
rules.schema(
    "PER-2",
    "Non-object bodies and wrongly typed fields: 400 'Input must be valid JSON'.",
    keywords=("type",),
    codes=(Code.SCHEMA, Code.BAD_JSON),
)
rules.schema(
    "PER-12",
    "description <= 1000, client_name <= 255, project_type <= 255.",
    fields=("description", "client_name", "project_type"),
    keywords=("maxLength",),
)
rules.mechanism("PER-1", "Errors are problem+json with a fresh personio_trace_id each time.")
rules.mechanism("PER-11", "Subprojects show their parent's billable and assigned_to_all.")
rules.mechanism("PER-13", "Success is 204 with no body; 404 'Resource not found'.", on=("updateProject",))
rules.mechanism(
    "PER-14",
    "Neighbours: create (201 with the new id), read, list, delete (with its subprojects and their "
    "members; 422 if any has attendances), members list/add/remove.",
)


@rules.check(
    "PER-3",
    "status must be ACTIVE or ARCHIVED; name and status cannot be null.",
    on=WRITES,
    schema_fields=("status",),
    schema_keywords=("enum",),
    when=("name", "status"),
)
def _name_status_not_null(change: Change) -> Iterator[Violation]:
    for name in ("name", "status"):
        if change.touches(name) and change.body[name] is None:
            yield _error(
                400, "Invalid field value", f"Invalid value for field: {name}. It cannot be null.", name
            )


@rules.check(
    "PER-4", "Duplicate name among all projects: 422 'Duplicate project name.'", on=WRITES, when=("name",)
)
def _unique_name(change: Change) -> Iterator[Violation]:
    name = change.body.get("name")
    if change.touches("name") and taken_by_other(change, "projects", "name", normalized(name)):
        yield _error(
            422,
            "Duplicate project name.",
            f"A project with the name '{name}' already exists. Please choose a different name.",
            "name",
        )


@rules.check(
    "PER-5",
    "Duplicate project_code across all projects: 422; at most 255 characters.",
    on=WRITES,
    schema_fields=("project_code",),
    schema_keywords=("maxLength",),
    when=("project_code",),
)
def _unique_code(change: Change) -> Iterator[Violation]:
    code = change.body.get("project_code")
    if change.touches("project_code") and taken_by_other(change, "projects", "code", normalized(code)):
        yield _error(
            422,
            "Duplicate project code.",
            f"A project with the code '{code}' already exists. Please choose a different code.",
            "project_code",
        )


@rules.check(
    "PER-6", "cost_center.id must exist: 422 'Cost center does not exist.'", on=WRITES, when=("cost_center",)
)
def _cost_center_exists(change: Change) -> Iterator[Violation]:
    cost_center = change.body.get("cost_center")
    wanted = cost_center.get("id") if isinstance(cost_center, Mapping) else None
    if wanted is not None and wanted not in change.state["cost_centers"]:
        yield _error(
            422,
            "Cost center does not exist.",
            "The provided cost center ID does not exist. Please ensure that the cost center ID is correct.",
            "cost_center.id",
        )


@rules.check(
    "PER-7",
    "start.date after end.date on the merged state: 422 'Invalid start date'.",
    on=WRITES,
    when=("start", "end"),
)
def _start_not_after_end(change: Change) -> Iterator[Violation]:
    if not (change.touches("start") or change.touches("end")):
        return
    if change.touches("start") != change.touches("end") and change.target is not None:
        change.fire("GEN-2")
    start, end = _date(change, "start"), _date(change, "end")
    if start and end and start > end:
        yield _error(
            422, "Invalid start date", "Project start date cannot be greater than end date.", "start.date"
        )


@rules.check(
    "PER-8",
    "A subproject may not set cost_center, assigned_to_all, project_type, client_name, billable.",
    on=WRITES,
    when=SUBPROJECT_FORBIDDEN,
)
def _subproject_fields(change: Change) -> Iterator[Violation]:
    if not _is_subproject(change):
        return
    offending = [f for f in SUBPROJECT_FORBIDDEN if f in change.body]
    if offending:
        yield _error(
            422,
            "Unsupported field set for subproject.",
            f"The following fields should not be set for a subproject: [{', '.join(offending)}]",
            offending[0],
        )


@rules.check(
    "PER-9",
    "parent_project.id must exist and must not itself be a subproject.",
    on=WRITES,
    when=("parent_project",),
)
def _parent_exists(change: Change) -> Iterator[Violation]:
    parent_ref = change.body.get("parent_project")
    if not isinstance(parent_ref, Mapping) or parent_ref.get("id") is None:
        return
    parent = change.state["projects"].get(parent_ref["id"])
    if parent is None:
        yield _error(
            422,
            "Parent project does not exist.",
            "The provided parent project ID does not exist. "
            "Please ensure that the parent project ID is correct.",
            "parent_project.id",
        )
    elif parent.get("parent_project"):
        yield _error(
            422,
            "Parent project does not exist.",
            f"Project '{parent['id']}' is a subproject; only top-level projects can be parents.",
            "parent_project.id",
        )


@rules.effect("PER-10", "assigned_to_all false -> true removes every member.", on=("updateProject",))
def _assign_all_clears_members(change: Change) -> bool:
    assert change.target is not None
    assert change.new is not None
    if not change.target.get("assigned_to_all") and change.new.get("assigned_to_all"):
        members = change.state["members"]
        for member_id in list(members.find("project", change.target["id"])):
            members.delete(member_id)
        return True
    return False


# -- the vendor -----------------------------------------------------------------------------
NOT_FOUND = Violation(404, Code.NOT_FOUND, "The requested resource is not found.", rule="PER-13")
PROJECT_ID = Target("projects", lambda _ctx, _id: NOT_FOUND)
STAMP = "updated_at"


def _apply(ctx: Context, base: Record, change: Change, writable: tuple[str, ...]) -> Record:
    return {**base, **_cleared(sent(change, writable))}


def _new_project(ctx: Context, change: Change) -> Record:
    """The create page's defaults; ``parent_project`` makes a subproject (PER-14)."""
    stamp = iso_z(ctx.now, 0)
    new = dict.fromkeys(_WRITABLE) | {"assigned_to_all": False, "billable": False, "parent_project": None}
    return new | {"id": str(ctx.state["projects"].next_id()), "created_at": stamp, STAMP: stamp}


def _no_content(ctx: Context, record: Record) -> Reply:
    return Reply(204, NO_BODY)


def _created(ctx: Context, record: Record) -> Reply:
    # the create page: "Create a project and return the newly created project ID"
    return Reply(201, {"id": record["id"]})


@mypyc_attr(allow_interpreted_subclasses=True)  # tests derive vendors from it
class Personio(Vendor):
    query_status = 422  # the list and members pages document 422 for an invalid limit or include
    id = "personio"
    envelope_rule = "PER-1"
    fuzz_exclusions: ClassVar[Mapping[str, str]] = {
        "use_after_free": "DELETE /v2/projects/{id}/members removes the members, not the project; "
        "Schemathesis takes the project itself for deleted and expects a 404 on its next read.",
    }
    title = "Personio"
    prefix = "/personio"
    rules = rules
    sample = Sample(
        path="/v2/projects/1001",
        body={"name": "Website Relaunch 2025", "status": "ACTIVE", "end": {"date": "2025-09-30"}},
        rejected={"name": "Internal Tools"},
        missing_path="/v2/projects/999999",
    )
    collections: ClassVar[Mapping[str, CollectionSpec]] = {
        "tokens": CollectionSpec(id_field="token", record_schema=token_schema()),
        # POST /v2/auth/token's client credentials; a token issued for them carries their
        # subject and permissions (the scopes available to the client)
        "credentials": CollectionSpec(
            id_field="client_id",
            record_schema=schema_of(
                ("client_id", "client_secret", "permissions"),
                client_id=typed("string"),
                client_secret=typed("string"),
                subject=typed("string", "null"),
                permissions=_PERMISSIONS,
            ),
        ),
        "projects": CollectionSpec(
            indexes={
                "name": FieldsKey(normalized, "name"),
                "code": FieldsKey(normalized, "project_code"),
                "parent": FieldsKey(lambda parent: (parent or {}).get("id"), "parent_project"),
            },
            record_schema=from_openapi(_SPEC, {"$ref": PROJECT}, required=("id",)),
        ),
        "cost_centers": CollectionSpec(record_schema=_NAMED),
        "persons": CollectionSpec(record_schema=_NAMED),
        "members": CollectionSpec(
            indexes={"project": lambda r: r.get("project_id")},
            record_schema=schema_of(
                ("id", "project_id", "person_id"),
                id=typed("string"),
                project_id=typed("string"),
                person_id=typed("string"),
            ),
        ),
    }

    forbidden = Violation(403, Code.FORBIDDEN, "Access denied to perform project operations.", rule="PER-13")

    def operations(self) -> Mapping[str, Plan]:
        return {
            "updateProject": Plan(
                _no_content,
                target=PROJECT_ID,
                permission=WRITE,
                writable=_WRITABLE,
                stamp=STAMP,
                apply=_apply,
            ),
            "createProject": Plan(
                _created,
                creates="projects",
                permission=WRITE,
                # parent_project makes a subproject; an update never re-parents (PER-8)
                writable=(*_WRITABLE, "parent_project"),
                stamp=STAMP,
                new=_new_project,
                apply=_apply,
                fires=("PER-14",),
            ),
            "getProject": Plan(self.shown, target=PROJECT_ID, permission=READ, fires=("PER-14",)),
            "listProjects": Plan(self.list_projects, permission=READ),
            "listProjectMembers": Plan(self.list_members, target=PROJECT_ID, permission=READ),
            "addProjectMembers": Plan(self.add_members, target=PROJECT_ID, permission=WRITE),
            "removeProjectMembers": Plan(self.remove_members, target=PROJECT_ID, permission=WRITE),
            "deleteProject": Plan(
                self.delete_project, target=PROJECT_ID, permission=WRITE, deletes=True, fires=("PER-14",)
            ),
            "createAccessToken": Plan(self.create_token),
        }

    def timestamp(self, now: datetime) -> str:
        return iso_z(now, 0)

    # -- rendering ----------------------------------------------------------------------------
    def render(self, ctx: Context, record: Record, include: Collection[str] | None = None) -> dict[str, Any]:
        """The project as a read shows it, with the counters ``include`` asks for (the request's,
        unless given) and no others."""
        shown = {k: v for k, v in record.items() if k not in INCLUDABLE}
        parent_ref = record.get("parent_project")
        parent = ctx.state["projects"].get(parent_ref["id"]) if parent_ref else None
        if parent is not None:  # PER-11: inherited, also after the parent changes
            shown["billable"] = parent.get("billable")
            shown["assigned_to_all"] = parent.get("assigned_to_all")
            ctx.fire("PER-11")
        asked = _included(ctx.incoming.query) if include is None else include
        if asked:
            shown |= _counters(ctx.state, record, asked)
        return shown

    def renders(self, state: VendorState) -> Iterator[Rendering]:
        ctx = context(self, "getProject", state, Incoming("GET", ""), datetime.now(UTC))
        # listProjects renders each the same way; every counter, so a seeded one that breaks
        # the spec (a negative tracked_minutes) is refused here, not by a later read
        for project in state["projects"]:
            render = partial(self.render, ctx, project, INCLUDABLE)
            yield Rendering("projects", project["id"], "getProject", render, PROJECT)
        for member in state["members"]:
            yield Rendering(
                "members", member["id"], "listProjectMembers", partial(_member, member), PROJECT_MEMBER
            )

    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        oauth = _oauth_body(violations[0])
        if oauth is not None:  # the token endpoint's own OAuth 2.0 error body, always 400
            body = {"timestamp": iso_z(now, 0), "trace_id": random_uuid(), **oauth}
            return Reply(400, body, media_type=PROBLEM_JSON)
        errors: list[dict[str, Any]] = []
        for item in map(self._error_item, violations):
            if item not in errors:  # two bad items of one list read alike (include=x,y)
                errors.append(item)
        body = {"personio_trace_id": random_uuid(), "timestamp": iso_z(now, 0), "errors": errors}
        return Reply(violations[0].status, body, media_type=PROBLEM_JSON)

    def fault_reply(self, status: int, now: datetime) -> Reply:
        reply = super().fault_reply(status, now)
        if status == 429:
            # Personio documents rate limits (token endpoint, v1 employees) but no 429 header for
            # v2 resources; Retry-After (RFC 6585) is inferred.
            reply.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return reply

    @staticmethod
    def _error_item(v: Violation) -> dict[str, Any]:
        title, kind = _TITLES.get(v.code, ("Invalid request", None))
        detail = v.message
        if "title" in v.params:
            title = v.params["title"]
        elif v.code is Code.SCHEMA:
            title, detail = _schema_wording(v)
        item: dict[str, Any] = {"title": title, "detail": detail}
        if kind:
            item["type"] = f"{ERRORS_DOC}#common.{kind}"
        if v.field:
            item["_meta"] = {"field": v.field}
        return item

    # -- replies ------------------------------------------------------------------------------
    def shown(self, ctx: Context, record: Record) -> Reply:
        return Reply(200, self.render(ctx, record))

    def list_projects(self, ctx: Context, _none: None) -> Reply:
        query = ctx.incoming.query
        wanted = {
            "id": _as_set(query.get("id")),
            "name": _as_set(query.get("name")),
            "status": _as_set(query.get("status")),
            "project_code": _as_set(query.get("project_code")),
        }
        parents = _as_set(query.get("parent_project.id"))
        top_only = query.get("top_level_only") in (True, "true")
        found = []
        for record in ctx.state["projects"]:
            if any(values and str(record.get(k)) not in values for k, values in wanted.items()):
                continue
            parent_id = (record.get("parent_project") or {}).get("id")
            if (top_only and parent_id) or (parents and parent_id not in parents):
                continue
            found.append(record)
        found.sort(key=lambda r: as_int(r["id"]) or 0)
        filters = {k: sorted(v) for k, v in wanted.items()} | {"parent": sorted(parents), "top": top_only}
        after = _read_cursor(ctx, filters, lambda position: as_int(position) is not None)
        if after is not None:  # keyset: a project deleted between pages moves nothing
            found = [r for r in found if (as_int(r["id"]) or 0) > (as_int(after) or 0)]
        limit = as_int(query.get("limit")) or 100
        chunk = found[:limit]
        ctx.fire("PER-14")
        meta = _page_meta(ctx, chunk[-1]["id"] if len(found) > limit else None, filters)
        return Reply(200, {"_data": [self.render(ctx, r) for r in chunk], "_meta": meta})

    @staticmethod
    def _check_members_call(ctx: Context, project: Record, managing: bool) -> None:
        """After the pipeline's 404 and 403: the body, then a subproject has no members."""
        ctx.validate_body()
        if managing and project.get("parent_project"):
            ctx.reject(
                _error(
                    422,
                    "Can't manage members with subproject",
                    "Subprojects cannot have members; manage the members of the parent project.",
                    rule="PER-14",
                )
            )
        ctx.fire("PER-14")

    def _member_list(self, ctx: Context, project_id: str) -> list[dict[str, Any]]:
        members = ctx.state["members"]
        ids = sorted(members.find("project", project_id))
        return [_member(members.get(i)) for i in ids]  # type: ignore[arg-type]

    def list_members(self, ctx: Context, project: Record) -> Reply:
        """Paged like the project list: the members page documents ``limit`` and ``cursor``."""
        self._check_members_call(ctx, project, managing=False)
        scope = {"project": project["id"]}  # a cursor of another project's members is invalid
        after = _read_cursor(ctx, scope, bool)
        members = ctx.state["members"]
        ids = sorted(members.find("project", project["id"]))
        if after is not None:
            ids = [i for i in ids if i > f"{project['id']}:{after}"]
        limit = as_int(ctx.incoming.query.get("limit")) or 200
        chunk = [members.get(i) for i in ids[:limit]]
        shown = [_member(m) for m in chunk if m is not None]
        last = chunk[-1]["person_id"] if len(ids) > limit and chunk[-1] is not None else None
        return Reply(200, {"_data": shown, "_meta": _page_meta(ctx, last, scope)})

    def add_members(self, ctx: Context, project: Record) -> Reply:
        self._check_members_call(ctx, project, managing=True)
        person_ids = [m["person"]["id"] for m in ctx.body.get("members", [])]
        unknown = [p for p in person_ids if p not in ctx.state["persons"]]
        if unknown:
            ctx.reject(
                _error(
                    422,
                    "Person not found",
                    f"No person with id(s) {', '.join(unknown)} exists.",
                    "members",
                    rule="PER-14",
                )
            )
        members = ctx.state["members"]
        for person_id in person_ids:  # adding an existing member is a no-op
            members.put(
                {"id": f"{project['id']}:{person_id}", "project_id": project["id"], "person_id": person_id}
            )
        if project.get("assigned_to_all"):  # members and assigned-to-all exclude each other
            ctx.state["projects"].put({**project, "assigned_to_all": False, STAMP: self.timestamp(ctx.now)})
        return Reply(201, {"_data": self._member_list(ctx, project["id"]), "_meta": {"links": {}}})

    def delete_project(self, ctx: Context, project: Record) -> Reply:
        """The pipeline has answered 404 and 403 and deleted ``project``; its subprojects go too
        ("All its sub projects will be deleted as well", DELETE_PAGE), with every member of the
        deleted projects. Any of them with attendances is the page's 422, and the rejection undoes
        the whole call, the pipeline's delete included (GEN-4)."""
        projects, members = ctx.state["projects"], ctx.state["members"]
        doomed, seen = [project], {project["id"]}
        for parent in doomed:  # the whole tree: a seeded state may nest deeper than one level
            for child_id in sorted(projects.find("parent", parent["id"]) - seen, key=_id_order):
                child = projects.get(child_id)
                if child is not None:
                    seen.add(child_id)
                    doomed.append(child)
        # the mock tracks no attendances: a seeded tracked_periods_count stands for them
        busy = [p["id"] for p in doomed if _stored_count(p, "tracked_periods_count") > 0]
        if busy:
            ctx.reject(
                _error(
                    422,
                    "Project has attendances",  # the page's example name; it shows no body
                    "The project cannot be deleted because it or its sub projects have attendances: "
                    f"[{', '.join(busy)}]",
                    rule="PER-14",
                )
            )
        for doomed_project in doomed:
            for member_id in list(members.find("project", doomed_project["id"])):  # find's set is live
                members.delete(member_id)
            projects.delete(doomed_project["id"])  # the target is gone already: a no-op for it
        return Reply(204, NO_BODY)

    def create_token(self, ctx: Context, _none: None) -> Reply:
        """POST /v2/auth/token: client credentials -> a bearer token with the client's
        permissions, stored in the session's tokens (GEN-8). Each problem gets the error the
        page's own example request for it gets (TOKEN_PAGE; all 400)."""
        ctx.fire("GEN-8")
        form = _token_form(ctx)
        client = ctx.state["credentials"].get(form.get("client_id"))
        secret = form.get("client_secret")
        if client is None or not isinstance(secret, str):
            ctx.reject(_oauth_error("invalid_client"))
        if not hmac.compare_digest(secret.encode(), str(client["client_secret"]).encode()):
            ctx.reject(_oauth_error("unauthorized_client"))
        held = [p for p in SCOPES if p in client.get("permissions", ())]
        asked = str(form.get("scope") or "").split()
        if any(name not in SCOPES for name in asked):
            ctx.reject(_oauth_error("invalid_scope"))
        if any(name not in held for name in asked):
            ctx.reject(_oauth_error("invalid_grant"))
        granted = [p for p in held if p in asked] if asked else held
        # "the token remains the same i.e. stable, for a period of 24 hours"
        # (developer.personio.de/v2.0/reference/authentication): one token per client and scope
        key = f"{TOKEN_PAGE}#{client['client_id']}#{' '.join(granted)}"
        token = f"papi-{uuid.uuid5(uuid.NAMESPACE_URL, key)}"
        ctx.state["tokens"].put({"token": token, "subject": client.get("subject"), "permissions": granted})
        body = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}
        return Reply(200, body | {"scope": " ".join(granted)})

    def remove_members(self, ctx: Context, project: Record) -> Reply:
        self._check_members_call(ctx, project, managing=True)
        sent = ctx.incoming.query.get("person_id")
        everyone = sent is None  # only an absent person_id means all: the spec refuses an empty one
        wanted = _as_set(sent)
        members = ctx.state["members"]
        for member_id in list(members.find("project", project["id"])):
            record = members.get(member_id)
            if record is not None and (everyone or record["person_id"] in wanted):
                members.delete(member_id)
        return Reply(204, NO_BODY)


_WRITABLE = (
    "name",
    "status",
    "project_code",
    "description",
    "cost_center",
    "assigned_to_all",
    "start",
    "end",
    "billable",
    "client_name",
    "project_type",
)

_TITLES: dict[Code, tuple[str, str | None]] = {
    Code.UNAUTHORIZED: ("Unauthorized", "unauthorized"),
    Code.FORBIDDEN: ("Access denied", "forbidden_response"),
    Code.NOT_FOUND: ("Resource not found", "resource_not_found"),
    Code.ROUTE_NOT_FOUND: ("Resource not found", "resource_not_found"),
    Code.METHOD_NOT_ALLOWED: ("Method not allowed", None),
    Code.BAD_JSON: ("Input must be valid JSON", None),
    Code.UNSUPPORTED_MEDIA_TYPE: ("Unsupported media type", None),
    Code.TOO_LARGE: ("Payload too large", None),
    Code.HEADERS_TOO_LARGE: ("Request headers too large", None),
    Code.UNKNOWN_FIELD: ("Invalid field value", None),
    Code.INTERNAL: ("Internal server error", None),
    Code.RATE_LIMITED: ("Too many requests", None),
    Code.UNAVAILABLE: ("Service unavailable", None),
    Code.UPSTREAM: ("Upstream unavailable", None),  # the validation proxy's 502/504
}


def _schema_wording(v: Violation) -> tuple[str, str]:
    if v.location == "query":  # the list and members pages' 422 wording, e.g. for limit=300
        return "Invalid field value", f"Invalid value for field: {v.field}. {_query_reason(v)}"
    if v.keyword == "type" and not v.field:  # the body itself: the update page's own sentence
        return "Input must be valid JSON", "The provided input is not a JSON object."
    if v.keyword == "type":
        return "Input must be valid JSON", f"The provided input is not valid: {v.message}" + (
            f" (field: {v.field})" if v.field else ""
        )
    if v.keyword == "required":
        return "Missing required fields", f"The following required fields are missing: [{v.field}]"
    if v.keyword == "enum":
        allowed = ", ".join(str(x) for x in v.params.get("limit", ()) if x is not None)
        return "Invalid field value", f"Invalid value for field: {v.field}. Supported values are [{allowed}]"
    return "Invalid field value", f"Invalid value for field: {v.field}. {v.message}"


def _query_reason(v: Violation) -> str:
    limit = v.params.get("limit")
    if v.keyword == "enum":
        return "Supported values are [" + ", ".join(str(x) for x in limit or () if x is not None) + "]"
    if v.keyword == "minimum":
        return f"The value must be at least {limit}."
    if v.keyword == "maximum":
        return f"The value must be at most {limit}."
    if v.keyword == "type":
        return f"The value must be of type {limit}."
    return "The value is not valid."


_CURSOR_MAX = 256
"""Characters: a cursor holds an id and a 16-digit digest of the filters."""


def _decoded_cursor(raw: str) -> Any:
    """What a cursor holds, or None. One longer than any handed out is not decoded: json.loads
    of a deeply nested one raised RecursionError, a 500 (found by a hostile probe)."""
    if len(raw) > _CURSOR_MAX:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except ValueError:  # binascii.Error and JSONDecodeError (and bad UTF-8) are ValueErrors
        return None


def _digest(scope: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()[:16]


def _page_meta(ctx: Context, last: str | None, scope: Mapping[str, Any]) -> dict[str, Any]:
    """``_meta.links.next`` while more follow: the request's own absolute URL (session prefix,
    path and every filter as sent) with an opaque cursor, as the list page's example shows
    (``https://api.personio.de/v2/projects?limit=1&cursor=eyJpZCI6IjEyMzQifQ``)."""
    if last is None:
        return {"links": {}}
    position = json.dumps({"id": str(last), "q": _digest(scope)}, separators=(",", ":"))
    cursor = base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")
    return {"links": {"next": {"href": ctx.incoming.link({"cursor": cursor})}}}


def _read_cursor(ctx: Context, scope: Mapping[str, Any], valid: Callable[[str], bool]) -> str | None:
    """The last id the previous page showed, or None on the first page. A cursor this list did not
    hand out for these filters (garbled, tampered, from other filters) is an invalid query
    parameter: 422, as the list pages document for one."""
    raw = ctx.incoming.query.get("cursor")
    if raw is None or raw == "":
        return None
    decoded = _decoded_cursor(str(raw))
    position = decoded.get("id") if isinstance(decoded, dict) else None
    if not (isinstance(position, str) and valid(position) and decoded.get("q") == _digest(scope)):
        message = "The cursor was not handed out by this list for these filters."
        ctx.reject(Violation(422, Code.SCHEMA, message, field="cursor", location="query", rule="PER-14"))
    return position


# -- POST /v2/auth/token ------------------------------------------------------------------------
SCOPES = (READ, WRITE)  # the mock's permission names: Personio's project scope names were not found
TOKEN_LIFETIME = 86400  # "The default value is 1 day." (TOKEN_PAGE, expires_in)
# RFC 6749's grant types and the registered URN ones are "not supported"; anything else is a bad grant
_KNOWN_GRANTS = ("authorization_code", "password", "refresh_token", "implicit")
_GRANT_URN = "urn:ietf:params:oauth:grant-type:"
_OAUTH: dict[str, tuple[str, str]] = {  # error -> (error_description, error_uri anchor), TOKEN_PAGE's
    "invalid_request": (
        "The request has missing or invalid required parameters.",
        "invalid_request.required_parameters_missing",
    ),
    "invalid_client": (
        "Client authentication failed (e.g., unknown client, wrong secret, no client authentication "
        "included, or unsupported authentication method).",
        "invalid_client",
    ),
    "invalid_grant": (
        "Error in the authorization flow. Examples: client doesn't have access to all attributes in the "
        "requested scope, refresh token has been revoked, authorization code has already been consumed...",
        "invalid_grant",
    ),
    "unauthorized_client": (
        "Client is not allowed to use the specified grant type flow.",
        "unauthorized_client",
    ),
    "unsupported_grant_type": (
        "The requested authorization grant type is not supported by the server.",
        "unsupported_grant_type",
    ),
    "invalid_scope": ("One of the requested scopes is invalid.", "invalid_scope"),
}
_CONTENT_TYPE_ERROR = {
    "error": "invalid_request",
    "error_description": f'The content type of the request must be "{FORM}".',
    "type": f"{ERRORS_DOC}#credentials.oauth2.invalid_request.invalid_request_content_type",
}


def _oauth_error(error: str, meta: Mapping[str, Any] | None = None) -> Violation:
    description, anchor = _OAUTH[error]
    body: dict[str, Any] = {
        "error": error,
        "error_description": description,
        "error_uri": f"{ERRORS_DOC}#credentials.oauth2.{anchor}",
    }
    if meta is not None:
        body["meta"] = dict(meta)
    return Violation(400, Code.INVALID, description, rule="GEN-8", params={"oauth": body})


def _oauth_body(v: Violation) -> dict[str, Any] | None:
    if "oauth" in v.params:
        return dict(v.params["oauth"])
    if v.code is Code.UNSUPPORTED_MEDIA_TYPE and FORM in v.message.partition("expected")[2]:
        # the 415 of an operation that takes forms (only the token endpoint does) is the
        # page's documented 400; the message is connexion's "Invalid Content-type (...), expected [...]"
        return dict(_CONTENT_TYPE_ERROR)
    return None


def _token_form(ctx: Context) -> Mapping[str, Any]:
    """The form, or the first documented error it earns, in the page's order of examples."""
    incoming = ctx.incoming
    if any(v.code is not Code.SCHEMA for v in incoming.body_violations):  # undecodable (GEN-13)
        ctx.reject(_oauth_error("invalid_request"))
    found = ctx.body_violations()  # schema problems, and undocumented fields under --strict (GEN-7)
    form: Mapping[str, Any] = incoming.body if isinstance(incoming.body, Mapping) else {}
    grant = form.get("grant_type")
    if grant is None:
        ctx.reject(_oauth_error("invalid_request", {"missing_parameters": ["grant_type"]}))
    if isinstance(grant, str) and grant != "client_credentials":
        known = grant in _KNOWN_GRANTS or grant.startswith(_GRANT_URN)
        if known:
            ctx.reject(_oauth_error("unsupported_grant_type", {"grant_type": grant}))
        ctx.reject(_oauth_error("invalid_grant"))
    invalid = sorted({v.field for v in found if v.field and v.keyword != "required"})
    if invalid:  # a field sent twice, or (strict) an undocumented one
        ctx.reject(_oauth_error("invalid_request", {"invalid_parameters": invalid}))
    return form


def _included(query: Mapping[str, Any]) -> set[str]:
    """The counters ``include`` names; the request check already refused any other value (422)."""
    return _as_set(query.get("include")) & set(INCLUDABLE)


def _counters(state: VendorState, record: Record, asked: Collection[str]) -> dict[str, int]:
    """The mock tracks no time: ``tracked_minutes`` and ``tracked_periods_count`` are what the
    record carries (seeded by fixtures or the admin API; 0 when absent), the ``sub_projects_*``
    ones are derived from the children (the parent index); a stored value of those is ignored."""
    projects = state["projects"]
    children: list[Record] = []
    if any(name.startswith("sub_projects_") for name in asked):
        found = [projects.get(i) for i in projects.find("parent", record["id"])]
        children = [child for child in found if child is not None]
    values = {
        "tracked_minutes": _stored_count(record, "tracked_minutes"),
        "sub_projects_tracked_minutes": sum(_stored_count(c, "tracked_minutes") for c in children),
        "sub_projects_count": len(children),
        "tracked_periods_count": _stored_count(record, "tracked_periods_count"),
    }
    return {name: values[name] for name in INCLUDABLE if name in asked}


def _stored_count(record: Record, name: str) -> int:
    value = record.get(name)
    return value if isinstance(value, int) else 0


def _id_order(project_id: str) -> tuple[int, str]:
    return as_int(project_id) or 0, project_id


def _member(member: Record) -> dict[str, Any]:
    return {"person": {"id": member["person_id"]}}


def _as_set(value: Any) -> set[str]:
    if value is None:
        return set()
    items = value if isinstance(value, list) else str(value).split(",")
    return {str(i) for i in items if str(i)}


VENDOR = Personio()
