"""COR Integrations API: projects by external id (``PUT /v2/integrations/projects/{id}``).

Sources: the seed (developers.projectcor.com/api-reference/integrations/projects/update), the
create-project and create-client pages, ``shared/vendors/cor.md`` and the decisions written in
``specs/cor.yaml``. COR answers exactly one error per response, ``{"error", "message"}``
(COR-1), so GEN-5 does not apply: the first failed check in the order of the spec's GEN-6
section answers.

Every record maps an external id of one integration source to COR's internal numeric id:
``{"id": 155693, "source": "SALESFORCE", "external_id": "SF-OPP-12345", ...}``, indexed on
``(source, external_id)`` and compared exactly (GEN-3). Projects store internal numeric
references and ``YYYY-MM-DD`` dates; :meth:`Cor.render` shapes the response (COR-7).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from mockserver.core.change import Change
from mockserver.core.checks import merged_pair, taken_by_other
from mockserver.core.pipeline import Context, Reply
from mockserver.core.rules import RuleRegistry
from mockserver.core.store import CollectionSpec, Record
from mockserver.core.vendor import Handler, Sample, Vendor
from mockserver.core.violations import Code, Phase, Rejection, Violation
from mockserver.vendors._common import iso_z

SOURCES = (
    "JIRA", "SALESFORCE", "ADVERTMIND", "QUICKBOOKS", "ZAPIER", "OKTA", "MICROSOFT_DYNAMICS",
    "GITHUB", "MICROSOFT_TEAMS", "VBS", "SAP", "GLOBANT",
)
DEFAULT_COMPANY_ID = 1234
PROJECT_WRITES = ("updateProject", "createProject")
CREATES = ("createProject", "createClient")

REFERENCES: dict[str, str] = {
    "client_id": "clients",
    "pm_id": "users",
    "currency_id": "currencies",
    "fee_id": "fees",
    "contract_id": "contracts",
}
"""Request fields holding external ids, and the collection they resolve in (COR-6)."""

PLAIN_FIELDS = (
    "name", "brief", "start", "end", "estimated_time", "billable", "status", "evaluation_date",
    "estimated", "deliverables", "work_order", "income_type", "archived",
)
"""Project fields stored as sent (dates stay ``YYYY-MM-DD`` until rendered)."""
CREATE_ONLY = ("brand_id", "product_id")
"""Create-only external references, stored as given and never checked (spec decision)."""
DATE_FIELDS = ("start", "end", "evaluation_date")
RENDERED_FIELDS = (
    "name", "client_id", "brief", "start", "end", "pm_id", "estimated_time", "billable", "status",
    "estimated", "currency_id", "fee_id", "contract_id", "evaluation_date", "deliverables",
    "work_order", "income_type", "archived", "company_id", "created_at", "updated_at",
)
CLIENT_FIELDS = (
    "name", "business_name", "email_contact", "name_contact", "last_name_contact", "phone",
    "website", "description",
)

rules = RuleRegistry(vendor="cor")


def _error(status: int, name: str, message: str, field: str | None = None, *,
           code: Code = Code.INVALID, rule: str | None = None) -> Violation:
    """A violation that already knows its COR error name (``params["error"]``)."""
    return Violation(status, code, message, field=field, rule=rule, params={"error": name})


def _external_key(record: Record) -> tuple[str, str] | None:
    """``(source, external_id)``: the lookup key of every mapped record (COR-3, GEN-3: exact)."""
    source, external_id = record.get("source"), record.get("external_id")
    if not isinstance(source, str) or not isinstance(external_id, str):
        return None
    return source, external_id


def _source(change: Change) -> str:
    """The request's ``metadata.source`` (the handler checked it before anything else)."""
    metadata = change.body.get("metadata")
    return str(metadata["source"]) if isinstance(metadata, Mapping) else ""


def resolve(change: Change, field: str) -> int | None:
    """Internal id of the record the body's external id names within the request's source."""
    collection = change.state[REFERENCES[field]]
    found = collection.find("external", (_source(change), change.body.get(field)))
    return int(min(found, key=int)) if found else None


# -- rules ------------------------------------------------------------------------------------
rules.mechanism(
    "COR-1",
    "One error per response: {error, message}; ValidationError, InvalidSourceError and "
    "InvalidDateRangeError 400, ProjectNotFoundError and ClientNotFoundError 404, "
    "DuplicateExternalIdError 409, Unauthorized 401.",
)
rules.schema(
    "COR-2",
    "metadata.source is required (400 ValidationError) and one of the 12 sources "
    "(400 InvalidSourceError); checked before the project lookup.",
    fields=("metadata",),
    keywords=("required", "type", "enum"),
)
rules.mechanism(
    "COR-3",
    "{id} is the external id, looked up within metadata.source; unknown pair -> 404 "
    "ProjectNotFoundError.",
    on=("updateProject",),
)
rules.schema(
    "COR-5",
    "PUT is a partial update; income_type is one of fee, one_time, hourly_rate, contract; "
    "archived is a boolean.",
    fields=("income_type", "archived"),
    keywords=("enum", "type"),
    on=PROJECT_WRITES,
)
rules.mechanism(
    "COR-7",
    "Success is 200 with the project: internal numeric id and references, dates "
    "'YYYY-MM-DD 00:00:00', timestamps '...Z'.",
    on=PROJECT_WRITES,
)

# Business checks run in registration order and the first violation answers (see _admit):
# references (COR-6) before dates (COR-4) before duplicates (COR-8), as the spec orders them.


@rules.check(
    "COR-6",
    "References are external ids of the request's source: unknown client_id -> 404 "
    "ClientNotFoundError; unknown pm_id, currency_id, fee_id, contract_id -> 400 ValidationError.",
    on=PROJECT_WRITES,
)
def _references_exist(change: Change) -> Iterator[Violation]:
    source = _source(change)
    for field in REFERENCES:  # client_id first: its 404 answers before the 400s
        value = change.body.get(field)
        if not change.touches(field) or value is None or resolve(change, field) is not None:
            continue
        if field == "client_id":
            yield _error(404, "ClientNotFoundError",
                         f"The specified client_id '{value}' does not exist in the integration "
                         f"mappings for source {source}", field, code=Code.REFERENCE)
        else:
            yield _error(400, "ValidationError",
                         f"The specified {field} '{value}' does not exist in the integration "
                         f"mappings for source {source}", field, code=Code.REFERENCE)


@rules.check(
    "COR-4",
    "start after end on the merged state -> 400 InvalidDateRangeError; equal dates are accepted.",
    on=PROJECT_WRITES,
)
def _start_not_after_end(change: Change) -> Iterator[Violation]:
    if not (change.touches("start") or change.touches("end")):
        return
    start, end = merged_pair(change, "start", "end")
    if isinstance(start, str) and isinstance(end, str) and start > end:
        yield _error(400, "InvalidDateRangeError",
                     f"The start date ({start}) is after the end date ({end})", "start",
                     code=Code.DATE_RANGE)


@rules.check(
    "COR-8",
    "Create project/client: 201; a duplicate external id for the source -> 409 "
    "DuplicateExternalIdError. No GET: state is read through the admin API.",
    on=CREATES,
)
def _external_id_unique(change: Change) -> Iterator[Violation]:
    external_id = change.body.get("id")
    source = _source(change)
    collection, kind = (
        ("projects", "project") if change.operation == "createProject" else ("clients", "client")
    )
    change.fire("GEN-3")  # exact comparison within one source
    if taken_by_other(change, collection, "external", (source, external_id)):
        yield _error(409, "DuplicateExternalIdError",
                     f"A {kind} with the external ID '{external_id}' already exists for source "
                     f"{source}", "id", code=Code.DUPLICATE)


# -- handler plumbing ---------------------------------------------------------------------------
def _one_error(handler: Callable[[Cor, Context], Reply]) -> Callable[[Cor, Context], Reply]:
    """COR-1: COR's envelope carries one error, so a rejection answers with its first violation."""

    @functools.wraps(handler)
    def wrapped(self: Cor, ctx: Context) -> Reply:
        try:
            return handler(self, ctx)
        except Rejection as rejection:
            ctx.fire("COR-1")
            raise Rejection(rejection.violations[:1]) from None

    return wrapped


def _gate_source(ctx: Context) -> str:
    """GEN-6 for COR: a JSON object with a valid metadata.source comes before the 404 (COR-2)."""
    violations = ctx.incoming.body_violations
    bad_input = [v for v in violations if v.code is not Code.SCHEMA]
    if bad_input:  # malformed JSON, missing body
        ctx.fire("GEN-9")
        ctx.reject(*bad_input)
    not_object = [v for v in violations if v.field is None]
    if not_object:
        ctx.fire("GEN-9")
        ctx.reject(*not_object)
    source_problems = [v for v in violations if v.field in ("metadata", "metadata.source")]
    if source_problems:
        # a missing or wrongly typed source is a ValidationError; only a string outside the
        # list is an InvalidSourceError, so those answer first when both are reported
        source_problems.sort(key=lambda v: v.keyword == "enum")
        ctx.reject(*[dataclasses.replace(v, rule="COR-2") for v in source_problems])
    return str(ctx.body["metadata"]["source"])


def _admit(ctx: Context, change: Change) -> None:
    """Like :meth:`Context.admit`, but business checks answer one at a time, in order (COR-1):
    the first rule (in registration order) that finds a violation rejects with it."""
    ctx.checks(Phase.PERMISSION, change)
    ctx.validate_body()
    for rule in rules.checks(Phase.BUSINESS, ctx.operation):
        assert rule.fn is not None
        for violation in rule.fn(change):
            ctx.reject(violation if violation.rule else dataclasses.replace(violation, rule=rule.id))


def _apply(change: Change, record: Record, fields: Sequence[str]) -> Record:
    """The record with the body's fields applied; references resolved to internal ids."""
    new = dict(record)
    for field in fields:
        if not change.touches(field):
            continue
        new[field] = resolve(change, field) if field in REFERENCES else change.body[field]
    return new


# -- the vendor ---------------------------------------------------------------------------------
class Cor(Vendor):
    id = "cor"
    title = "COR"
    prefix = "/cor"
    rules = rules
    reports_all_errors = False  # COR-1: one error per response (GEN-5 does not apply)
    sample = Sample(
        path="/v2/integrations/projects/SF-OPP-12345",
        body={"metadata": {"source": "SALESFORCE"}, "name": "Website Redesign Project - Phase 2",
              "end": "2025-04-30", "estimated_time": 250, "status": "in_progress",
              "estimated": 18000},
        rejected={"metadata": {"source": "SALESFORCE"}, "end": "2025-01-01"},  # COR-4
        missing_path="/v2/integrations/projects/SF-OPP-99999",
    )
    collections: ClassVar[Mapping[str, CollectionSpec]] = {
        "tokens": CollectionSpec(id_field="token"),
        "projects": CollectionSpec(indexes={"external": _external_key}),
        "clients": CollectionSpec(indexes={"external": _external_key}),
        "users": CollectionSpec(indexes={"external": _external_key}),
        "currencies": CollectionSpec(indexes={"external": _external_key}),
        "fees": CollectionSpec(indexes={"external": _external_key}),
        "contracts": CollectionSpec(indexes={"external": _external_key}),
    }

    def operations(self) -> Mapping[str, Handler]:
        return {
            "updateProject": self.update_project,
            "createProject": self.create_project,
            "createClient": self.create_client,
        }

    # -- rendering ------------------------------------------------------------------------------
    @staticmethod
    def render(ctx: Context, record: Record) -> dict[str, Any]:
        """COR-7: internal numeric ids and references, ``YYYY-MM-DD 00:00:00`` dates."""
        shown: dict[str, Any] = {"id": record["id"]}
        for field in RENDERED_FIELDS:
            value = record.get(field)
            if field in DATE_FIELDS and isinstance(value, str):
                value = f"{value} 00:00:00"
            shown[field] = value
        shown["archived"] = bool(record.get("archived"))
        ctx.fire("COR-7")
        return shown

    @staticmethod
    def render_client(record: Record) -> dict[str, Any]:
        shown = {"id": record["id"]} | {f: record.get(f) for f in CLIENT_FIELDS}
        return shown | {f: record.get(f) for f in ("company_id", "created_at", "updated_at")}

    # -- errors -------------------------------------------------------------------------------
    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        first = violations[0]
        name, message = _wording(first)
        return Reply(first.status, {"error": name, "message": message})

    # -- operations -----------------------------------------------------------------------------
    @_one_error
    def update_project(self, ctx: Context) -> Reply:
        source = _gate_source(ctx)
        external_id = ctx.incoming.path_params.get("id")
        found = ctx.state["projects"].find("external", (source, external_id))
        not_found = _error(
            404, "ProjectNotFoundError",
            f"No project found with the external ID '{external_id}' for source {source}",
            code=Code.NOT_FOUND, rule="COR-3",
        )
        target = ctx.locate("projects", min(found, key=int) if found else None, not_found)
        ctx.fire("COR-3")
        change = ctx.change(target)
        _admit(ctx, change)
        new = _apply(change, target, (*PLAIN_FIELDS, *REFERENCES))
        new["updated_at"] = iso_z(ctx.now, 0)
        for rule_id in ("GEN-1", "GEN-11", "COR-5"):
            ctx.fire(rule_id)
        record = ctx.commit(change, ctx.state["projects"], new)
        return Reply(200, self.render(ctx, record))

    @_one_error
    def create_project(self, ctx: Context) -> Reply:
        source = _gate_source(ctx)
        change = ctx.change()
        _admit(ctx, change)
        projects = ctx.state["projects"]
        stamp = iso_z(ctx.now, 0)
        blank: Record = dict.fromkeys((*PLAIN_FIELDS, *REFERENCES, *CREATE_ONLY))
        blank |= {
            "id": projects.next_id(),
            "source": source,
            "external_id": change.body["id"],
            "archived": False,
            "company_id": _company(ctx),
            "created_at": stamp,
            "updated_at": stamp,
        }
        new = _apply(change, blank, (*PLAIN_FIELDS, *REFERENCES, *CREATE_ONLY))
        record = ctx.commit(change, projects, new)
        ctx.fire("COR-8")
        return Reply(201, self.render(ctx, record))

    @_one_error
    def create_client(self, ctx: Context) -> Reply:
        source = _gate_source(ctx)
        change = ctx.change()
        _admit(ctx, change)
        clients = ctx.state["clients"]
        stamp = iso_z(ctx.now, 0)
        blank: Record = dict.fromkeys(CLIENT_FIELDS)
        blank |= {
            "id": clients.next_id(),
            "source": source,
            "external_id": change.body["id"],
            "company_id": _company(ctx),
            "created_at": stamp,
            "updated_at": stamp,
        }
        record = ctx.commit(change, clients, _apply(change, blank, CLIENT_FIELDS))
        ctx.fire("COR-8")
        return Reply(201, self.render_client(record))


def _company(ctx: Context) -> int:
    """The caller's COR company (tenant): the token record's ``company_id``."""
    company = ctx.identity.record.get("company_id") if ctx.identity else None
    return company if isinstance(company, int) else DEFAULT_COMPANY_ID


# -- wording ------------------------------------------------------------------------------------
_NAMES: dict[Code, tuple[str, str | None]] = {
    Code.UNAUTHORIZED: ("Unauthorized", "A valid Bearer access token is required"),
    Code.FORBIDDEN: ("Unauthorized", "The access token does not allow this operation"),
    Code.NOT_FOUND: ("NotFoundError", None),
    Code.ROUTE_NOT_FOUND: ("NotFoundError", None),
    Code.METHOD_NOT_ALLOWED: ("NotFoundError", None),
    Code.TOO_LARGE: ("PayloadTooLargeError", None),
    Code.UNSUPPORTED_MEDIA_TYPE: (
        "UnsupportedMediaTypeError", "The request body must be sent as application/json"),
    Code.INTERNAL: ("InternalServerError", "An unexpected error occurred"),
    Code.DUPLICATE: ("DuplicateExternalIdError", None),
    Code.DATE_RANGE: ("InvalidDateRangeError", None),
}
_TYPES = {"string": "a string", "number": "a number", "integer": "an integer",
          "boolean": "a boolean", "object": "an object", "array": "an array"}


def _wording(v: Violation) -> tuple[str, str]:
    """The COR error name and message of one violation (COR-1)."""
    if "error" in v.params:
        return str(v.params["error"]), v.message
    if v.code is Code.SCHEMA:
        return _schema_wording(v)
    if v.code is Code.BAD_JSON:
        if v.keyword == "required":
            return "ValidationError", "The request body is required and must be a JSON object"
        return "ValidationError", f"The request body is not valid JSON: {v.message}"
    if v.code is Code.UNKNOWN_FIELD:
        return "ValidationError", f"The {v.field} field is not a documented field of this operation"
    name, message = _NAMES.get(v.code, (_fallback_name(v.status), None))
    return name, message or v.message


def _fallback_name(status: int) -> str:
    if status == 401:
        return "Unauthorized"
    if status == 404:
        return "NotFoundError"
    if status == 409:
        return "DuplicateExternalIdError"
    if status == 429:
        return "TooManyRequestsError"
    if status >= 500:
        return "InternalServerError"
    return "ValidationError"


def _schema_wording(v: Violation) -> tuple[str, str]:
    field, keyword, limit = v.field, v.keyword, v.params.get("limit")
    value = v.params.get("value")
    if field is None:
        return "ValidationError", "The request body must be a JSON object"
    if v.location != "body":
        return "ValidationError", f"The {v.location} parameter {field} {v.message}"
    if keyword == "required":
        return "ValidationError", f"Missing required {field} field"
    if keyword == "enum" and field == "metadata.source":
        return "InvalidSourceError", (
            f"The metadata.source value '{value}' is not a valid integration source; "
            f"expected one of {', '.join(SOURCES)}")
    if keyword == "enum":
        allowed = ", ".join(str(x) for x in limit or () if x is not None)
        return "ValidationError", (
            f"The {field} value '{value}' is invalid; expected one of {allowed}")
    if keyword == "type" and value is None:
        return "ValidationError", f"The {field} field must not be null"
    if keyword == "type":
        return "ValidationError", f"The {field} field must be {_TYPES.get(str(limit), limit)}"
    if keyword in ("format", "pattern") and field.split(".")[-1] in DATE_FIELDS:
        return "ValidationError", f"The {field} field must be a valid date in YYYY-MM-DD format"
    if keyword == "minLength":
        return "ValidationError", f"The {field} field must not be empty"
    return "ValidationError", f"The {field} field {v.message}"


VENDOR = Cor()
