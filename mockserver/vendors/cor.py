"""COR Integrations API: projects by external id (``PUT /v2/integrations/projects/{id}``).

Sources: the seed (developers.projectcor.com/api-reference/integrations/projects/update), the
create-project, delete-project and create-client pages, ``shared/vendors/cor.md`` and the "Mock
decisions" in ``specs/cor.yaml``. COR answers exactly one error per response, ``{"error",
"message"}`` (COR-1), so GEN-5 does not apply: :meth:`Cor.answer` reports the first problem found.

Every record maps an external id of one integration source to COR's internal numeric id:
``{"id": 155693, "source": "SALESFORCE", "external_id": "SF-OPP-12345", ...}``, indexed on
``(source, external_id)`` and compared exactly (GEN-3). Projects store internal numeric
references and ``YYYY-MM-DD`` dates; :meth:`Cor.render` shapes the response (COR-7).
"""

from __future__ import annotations

import hmac
import uuid
from base64 import b64decode
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar

from mockserver.core.change import Change
from mockserver.core.checks import merged_pair, taken_by_other
from mockserver.core.faults import RETRY_AFTER_SECONDS
from mockserver.core.pipeline import context
from mockserver.core.plans import Context, Plan, Target
from mockserver.core.records import from_openapi, schema_of, typed
from mockserver.core.renders import Rendering
from mockserver.core.rules import Provenance, RuleRegistry, decision, doc, inferred
from mockserver.core.spec import SPECS_DIR, load_spec
from mockserver.core.store import Collection, CollectionSpec, Record, VendorState
from mockserver.core.values import Incoming, Reply
from mockserver.core.vendor import Sample, Vendor, token_schema
from mockserver.core.violations import Code, Violation
from mockserver.vendors._common import iso_z

SOURCES = (
    "JIRA", "SALESFORCE", "ADVERTMIND", "QUICKBOOKS", "ZAPIER", "OKTA", "MICROSOFT_DYNAMICS",
    "GITHUB", "MICROSOFT_TEAMS", "VBS", "SAP", "GLOBANT"
)  # fmt: skip
DEFAULT_COMPANY_ID = 1234
TOKEN_PAGE = "https://developers.projectcor.com/quickstart"
REFRESH_PAGE = "https://developers.projectcor.com/api-reference/auth/jwt-refresh-token"
TOKEN_LIFETIME = 3600  # the quickstart's example: "expires_in": 3600
GRANT_FIELDS = ("subject", "permissions", "company_id")
"""What an access token carries, copied from its credentials or from the refresh token's grant."""
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
    "estimated", "deliverables", "work_order", "income_type", "archived"
)  # fmt: skip
"""Project fields stored as sent (dates stay ``YYYY-MM-DD`` until rendered)."""
CREATE_ONLY = ("brand_id", "product_id")
"""Create-only external references, stored as given and never checked (spec decision)."""
DATE_FIELDS = ("start", "end", "evaluation_date")
RENDERED_FIELDS = (
    "name", "client_id", "brief", "start", "end", "pm_id", "estimated_time", "billable", "status",
    "estimated", "currency_id", "fee_id", "contract_id", "evaluation_date", "deliverables",
    "work_order", "income_type", "archived", "company_id", "created_at", "updated_at"
)  # fmt: skip
CLIENT_FIELDS = (
    "name", "business_name", "email_contact", "name_contact", "last_name_contact", "phone",
    "website", "description"
)  # fmt: skip

UPDATE_PAGE = "https://developers.projectcor.com/api-reference/integrations/projects/update"  # the seed
CREATE_PAGE = "https://developers.projectcor.com/api-reference/integrations/projects/create"
DELETE_PAGE = "https://developers.projectcor.com/api-reference/integrations/projects/delete"
PROVENANCE: dict[str, Provenance] = {  # GEN-12: the page each rule follows, or why it has none
    "COR-1": inferred(
        "the pages name the errors but show no error body or status for these endpoints; the "
        "{error, message} envelope and the 400/404/409 mapping are our reading",
        UPDATE_PAGE,
        CREATE_PAGE,
        DELETE_PAGE,
    ),
    "COR-2": doc(UPDATE_PAGE, CREATE_PAGE, DELETE_PAGE),
    "COR-3": doc(UPDATE_PAGE),
    "COR-4": doc(UPDATE_PAGE, note="checking it on the merged state is our decision"),
    "COR-5": doc(UPDATE_PAGE),
    "COR-6": decision(
        "the update page does not say what an unknown reference gets; ClientNotFoundError is the "
        "create page's error for a client, ValidationError the rest"
    ),
    "COR-7": doc(UPDATE_PAGE),
    "COR-8": doc(
        CREATE_PAGE,
        "https://developers.projectcor.com/api-reference/integrations/clients/create",
        note="the pages show the bodies, not the statuses: 201 and 409 are our decision; no "
        "integrations page offers a GET",
    ),
}
rules = RuleRegistry(vendor="cor", prefix="COR", provenance=PROVENANCE)

# -- stored records: every mapped record has COR's numeric id (a lookup turns the keys it finds
# back into integers) and its (source, external id); projects are typed like the spec's Project,
# with dates as stored (YYYY-MM-DD) and the create-only external references.
_SPEC = load_spec(SPECS_DIR / "cor.yaml")
PROJECT = "#/components/schemas/Project"
_TEXT = typed("string", "null")
_MAPPED = {"id": typed("integer"), "source": _TEXT, "external_id": _TEXT}


def _mapped(*texts: str) -> dict[str, Any]:
    return schema_of(("id",), **_MAPPED, **dict.fromkeys(texts, _TEXT))


_PROJECT = from_openapi(
    _SPEC, {"$ref": PROJECT}, required=("id",), nullable=True, **_MAPPED, brand_id=_TEXT, product_id=_TEXT
)
_CLIENT = from_openapi(
    _SPEC, {"$ref": "#/components/schemas/Client"}, required=("id",), nullable=True, **_MAPPED
)


def _error(
    status: int, name: str, message: str, field: str | None = None, *, code: Code, rule: str | None = None
) -> Violation:
    """A violation that already knows its COR error name (``params["error"]``)."""
    return Violation(status, code, message, field=field, rule=rule, params={"error": name})


def _external_key(record: Record) -> tuple[str, str] | None:
    """``(source, external_id)``: the lookup key of every mapped record (COR-3, GEN-3: exact)."""
    source, external_id = record.get("source"), record.get("external_id")
    if not isinstance(source, str) or not isinstance(external_id, str):
        return None
    return source, external_id


def _source(change: Change) -> str:
    """The request's ``metadata.source`` (checked before anything else, see :func:`_source_first`)."""
    metadata = change.body.get("metadata")
    return str(metadata["source"]) if isinstance(metadata, Mapping) else ""


def _find(collection: Collection, source: str, external_id: Any) -> str | None:
    """The key of the record mapped to ``external_id`` within ``source``."""
    found = collection.find("external", (source, external_id))
    return min(found, key=int) if found else None


def resolve(change: Change, field: str) -> int | None:
    """Internal id of the record the body's external id names within the request's source."""
    found = _find(change.state[REFERENCES[field]], _source(change), change.body.get(field))
    return None if found is None else int(found)


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
    "{id} is the external id, looked up within metadata.source; unknown pair -> 404 ProjectNotFoundError.",
    on=("updateProject", "deleteProject"),
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

# Registration order is answer order (Cor.answer reports the first violation): references
# (COR-6) before dates (COR-4) before duplicates (COR-8), as the spec's GEN-6 list says.


@rules.check(
    "COR-6",
    "References are external ids of the request's source: unknown client_id -> 404 "
    "ClientNotFoundError; unknown pm_id, currency_id, fee_id, contract_id -> 400 ValidationError.",
    on=PROJECT_WRITES,
    when=REFERENCES,
)
def _references_exist(change: Change) -> Iterator[Violation]:
    for field in REFERENCES:  # client_id first: its 404 answers before the 400s
        value = change.body.get(field)
        if value is None or resolve(change, field) is not None:
            continue
        status, name = (404, "ClientNotFoundError") if field == "client_id" else (400, "ValidationError")
        message = (
            f"The specified {field} '{value}' does not exist in the integration mappings "
            f"for source {_source(change)}"
        )
        yield _error(status, name, message, field, code=Code.REFERENCE)


@rules.check(
    "COR-4",
    "start after end on the merged state -> 400 InvalidDateRangeError; equal dates are accepted.",
    on=PROJECT_WRITES,
    when=("start", "end"),
)
def _start_not_after_end(change: Change) -> Iterator[Violation]:
    if not (change.touches("start") or change.touches("end")):
        return
    start, end = merged_pair(change, "start", "end")
    if isinstance(start, str) and isinstance(end, str) and start > end:
        message = f"The start date ({start}) is after the end date ({end})"
        yield _error(400, "InvalidDateRangeError", message, "start", code=Code.DATE_RANGE)


@rules.check(
    "COR-8",
    "Create project/client: 201; a duplicate external id for the source -> 409 "
    "DuplicateExternalIdError. No GET: state is read through the admin API.",
    on=CREATES,
)
def _external_id_unique(change: Change) -> Iterator[Violation]:
    external_id, source = change.body.get("id"), _source(change)
    collection, kind = (
        ("projects", "project") if change.operation == "createProject" else ("clients", "client")
    )
    change.fire("GEN-3")  # exact comparison within one source
    if taken_by_other(change, collection, "external", (source, external_id)):
        message = f"A {kind} with the external ID '{external_id}' already exists for source {source}"
        yield _error(409, "DuplicateExternalIdError", message, "id", code=Code.DUPLICATE)


# -- handler plumbing ---------------------------------------------------------------------------
def _source_first(ctx: Context) -> str:
    """COR-2 before COR-3 (the spec's GEN-6 for COR): the project cannot be found without a
    readable JSON object and a valid ``metadata.source``."""
    early = sorted(
        (
            v
            for v in ctx.incoming.body_violations
            if v.code is not Code.SCHEMA or v.field in (None, "metadata", "metadata.source")
        ),
        # an unreadable body first (GEN-9); a missing or mistyped source is a ValidationError
        # and answers before the InvalidSourceError the same value also earns
        key=lambda v: (v.field is not None, v.keyword == "enum"),
    )
    if early:
        if early[0].field is None:
            ctx.fire("GEN-9")
        ctx.reject(*map(ctx.tag, early))
    return str(ctx.body["metadata"]["source"])


def _by_external_id(ctx: Context, external_id: Any) -> str | None:
    """COR-3: the path id is an external id, looked up within the body's source (read first)."""
    ctx.fire("COR-3")
    return _find(ctx.state["projects"], str(ctx.body["metadata"]["source"]), external_id)


def _project_not_found(ctx: Context, external_id: Any) -> Violation:
    source = ctx.body["metadata"]["source"]
    message = f"No project found with the external ID '{external_id}' for source {source}"
    return _error(404, "ProjectNotFoundError", message, code=Code.NOT_FOUND, rule="COR-3")


PROJECT_ID = Target("projects", _project_not_found, key=_by_external_id)
STAMP = "updated_at"


def _apply(ctx: Context, base: Record, change: Change, writable: tuple[str, ...]) -> Record:
    """The record with the body's fields applied; references resolved to internal ids."""
    new = dict(base)
    for field in writable:
        if change.touches(field):
            new[field] = resolve(change, field) if field in REFERENCES else change.body[field]
    return new


def _new_record(collection: str, blank: Record) -> Callable[[Context, Change], Record]:
    """COR-8: a new record mapped to the body's external ``id`` within its source."""

    def new(ctx: Context, change: Change) -> Record:
        stamp = iso_z(ctx.now, 0)
        return blank | {
            "id": ctx.state[collection].next_id(),
            "source": _source(change),
            "external_id": change.body["id"],
            "company_id": _company(ctx),
            "created_at": stamp,
            STAMP: stamp,
        }

    return new


def _company(ctx: Context) -> int:
    """The caller's COR company (tenant): the token record's ``company_id``."""
    company = ctx.identity.record.get("company_id") if ctx.identity else None
    return company if isinstance(company, int) else DEFAULT_COMPANY_ID


# -- the vendor ---------------------------------------------------------------------------------
class Cor(Vendor):
    id = "cor"
    envelope_rule = "COR-1"
    fuzz_exclusions: ClassVar[Mapping[str, str]] = {
        "ensure_resource_availability": "COR answers 404 ClientNotFoundError when a linked create or update "
        "carries an unknown client_id (COR-6); Schemathesis reads any 404 after a create as the created "
        "project having vanished.",
    }
    title = "COR"
    prefix = "/cor"
    rules = rules
    reports_all_errors = False  # COR-1: one error per response (GEN-5 does not apply)
    sample = Sample(
        path="/v2/integrations/projects/SF-OPP-12345",
        body={
            "metadata": {"source": "SALESFORCE"},
            "name": "Website Redesign Project - Phase 2",
            "end": "2025-04-30",
            "estimated_time": 250,
            "status": "in_progress",
            "estimated": 18000,
        },
        rejected={"metadata": {"source": "SALESFORCE"}, "end": "2025-01-01"},  # COR-4
        missing_path="/v2/integrations/projects/SF-OPP-99999",
    )
    collections: ClassVar[Mapping[str, CollectionSpec]] = {
        "tokens": CollectionSpec(
            id_field="token", record_schema=token_schema(company_id=typed("integer", "null"))
        ),
        # POST /v1/oauth/refreshtoken: each live refresh token and the grant it renews; a used
        # one is deleted (rotation), so it is refused afterwards
        "refresh_tokens": CollectionSpec(
            id_field="refresh_token",
            record_schema=schema_of(
                ("refresh_token",),
                refresh_token=typed("string"),
                subject=typed("string", "null"),
                permissions=typed("array", items=typed("string")),
                company_id=typed("integer", "null"),
            ),
        ),
        # POST /v1/oauth/token's API_KEY:CLIENT_SECRET; a token issued for them carries their
        # subject, permissions and company, as the fixture token does
        "credentials": CollectionSpec(
            id_field="api_key",
            record_schema=schema_of(
                ("api_key", "client_secret"),
                api_key=typed("string"),
                client_secret=typed("string"),
                subject=typed("string", "null"),
                permissions=typed("array", items=typed("string")),
                company_id=typed("integer", "null"),
            ),
        ),
        **{
            name: CollectionSpec(indexes={"external": _external_key}, record_schema=schema)
            for name, schema in (
                ("projects", _PROJECT),
                ("clients", _CLIENT),
                ("users", _mapped("first_name", "last_name", "email")),
                ("currencies", _mapped("code", "name")),
                ("fees", _mapped("name")),
                ("contracts", _mapped("name")),
            )
        },
    }

    def operations(self) -> Mapping[str, Plan]:
        project_fields = (*PLAIN_FIELDS, *REFERENCES)
        created = (*project_fields, *CREATE_ONLY)
        return {
            "updateProject": Plan(
                self.updated,
                first=_source_first,
                target=PROJECT_ID,
                writable=project_fields,
                stamp=STAMP,
                apply=_apply,
                fires=("COR-5",),
            ),
            "createProject": Plan(
                self.created,
                first=_source_first,
                creates="projects",
                writable=created,
                stamp=STAMP,
                new=_new_record("projects", dict.fromkeys(created) | {"archived": False}),
                apply=_apply,
                fires=("COR-8",),
            ),
            "createClient": Plan(
                self.created_client,
                first=_source_first,
                creates="clients",
                writable=CLIENT_FIELDS,
                stamp=STAMP,
                new=_new_record("clients", dict.fromkeys(CLIENT_FIELDS)),
                apply=_apply,
                fires=("COR-8",),
            ),
            # the delete page: the same source-first lookup as the update; the record goes with
            # its (source, external id) index entry, so a create may map that external id again.
            # No DeletionError: the mock holds no tasks or time entries a project could keep.
            "deleteProject": Plan(self.deleted, first=_source_first, target=PROJECT_ID, deletes=True),
            "createAccessToken": Plan(self.create_token),
            "refreshAccessToken": Plan(self.refresh_token),
        }

    def timestamp(self, now: datetime) -> str:
        return iso_z(now, 0)

    def answer(self, violations: Sequence[Violation]) -> list[Violation]:
        """COR-1: the first problem found answers, whatever its status (a 404 ClientNotFoundError
        before a 400 on pm_id): checks run in the order the spec's GEN-6 list gives."""
        return list(violations[:1])

    # -- rendering ------------------------------------------------------------------------------
    def renders(self, state: VendorState) -> Iterator[Rendering]:
        """No GET: a stored project is read as the answer to its update (a client never again)."""
        ctx = context(self, "updateProject", state, Incoming("PUT", ""), datetime.now(UTC))
        for project in state["projects"]:
            yield Rendering(
                "projects", project["id"], "updateProject", partial(self.render, ctx, project), PROJECT
            )

    @staticmethod
    def render(ctx: Context, record: Record) -> dict[str, Any]:
        """COR-7: internal numeric ids and references, ``YYYY-MM-DD 00:00:00`` dates."""
        shown: dict[str, Any] = {"id": record["id"]}
        for field in RENDERED_FIELDS:
            value = record.get(field)
            shown[field] = f"{value} 00:00:00" if field in DATE_FIELDS and isinstance(value, str) else value
        shown["archived"] = bool(record.get("archived"))
        ctx.fire("COR-7")
        return shown

    @staticmethod
    def render_client(record: Record) -> dict[str, Any]:
        shown_fields = ("id", *CLIENT_FIELDS, "company_id", "created_at", "updated_at")
        return {f: record.get(f) for f in shown_fields}

    def format_errors(self, violations: Sequence[Violation], now: datetime) -> Reply:
        first = violations[0]
        name, message = _wording(first)
        return Reply(first.status, {"error": name, "message": message})

    def fault_reply(self, status: int, now: datetime) -> Reply:
        reply = super().fault_reply(status, now)
        if status == 429:
            # COR's general docs list 429 "back off and retry" with no header; Retry-After
            # (RFC 6585) is inferred, so a client that honours it has something to honour.
            reply.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return reply

    # -- operations -----------------------------------------------------------------------------
    def updated(self, ctx: Context, record: Record) -> Reply:
        return Reply(200, self.render(ctx, record))

    def created(self, ctx: Context, record: Record) -> Reply:
        return Reply(201, self.render(ctx, record))

    def created_client(self, ctx: Context, record: Record) -> Reply:
        return Reply(201, self.render_client(record))

    def deleted(self, ctx: Context, record: Record) -> Reply:
        """DELETE_PAGE's answer. The pipeline validates no body on a delete, so this reports its
        undocumented fields (GEN-7: a warning, or in strict mode a 400 that rolls the delete
        back, GEN-4), after the lookup as on the update (the spec's GEN-6 for COR)."""
        ctx.validate_body()
        body = {"message": "Project deleted successfully", "external_id": record["external_id"]}
        return Reply(200, body | {"cor_id": record["id"]})

    def create_token(self, ctx: Context, _none: None) -> Reply:
        """POST /v1/oauth/token?grant_type=client_credentials with Basic API_KEY:CLIENT_SECRET
        (TOKEN_PAGE): a bearer token stored in the session's tokens (GEN-8). Wrong credentials
        get 401 in COR's envelope (inferred: COR shows no error body here)."""
        ctx.fire("GEN-8")
        if ctx.incoming.query.get("grant_type") != "client_credentials":
            message = "The grant_type query parameter must be client_credentials"
            ctx.reject(_error(400, "ValidationError", message, "grant_type", code=Code.SCHEMA, rule="GEN-8"))
        key, secret = _basic_credentials(ctx.incoming.headers.get("authorization"))
        client = ctx.state["credentials"].get(key) if key is not None else None
        if client is None or not hmac.compare_digest(
            str(secret).encode(), str(client["client_secret"]).encode()
        ):
            message = "Invalid API key or client secret"
            ctx.reject(_error(401, "Unauthorized", message, code=Code.UNAUTHORIZED, rule="GEN-8"))
        # one token per API key: repeated calls must not pile up records in the session
        key_url = f"{TOKEN_PAGE}#{client['api_key']}"
        return _issue(ctx, f"cor-{uuid.uuid5(uuid.NAMESPACE_URL, key_url)}", client)

    def refresh_token(self, ctx: Context, _none: None) -> Reply:
        """POST /v1/oauth/refreshtoken, form field ``refresh_token``, no Authorization
        (REFRESH_PAGE): a new access token with the grant of the refresh token, and a new
        refresh token. The used one is deleted (rotation, RFC 9700 4.14.2; the page does not
        say), and an unknown or used one gets 401 in COR's envelope, as wrong credentials do on
        the token endpoint (inferred: the page shows no error)."""
        ctx.fire("GEN-8")
        ctx.validate_body()  # 400 ValidationError: no refresh_token, or one sent twice
        sent = ctx.body["refresh_token"]
        grants = ctx.state["refresh_tokens"]
        grant = grants.delete(sent)
        if grant is None:
            message = "The refresh token is invalid or has already been used"
            ctx.reject(_error(401, "Unauthorized", message, code=Code.UNAUTHORIZED, rule="GEN-8"))
        # derived from the used refresh token: new, and the same answer in every run
        return _issue(ctx, f"cor-{uuid.uuid5(uuid.NAMESPACE_URL, f'{REFRESH_PAGE}#{sent}')}", grant)


def _issue(ctx: Context, token: str, grant: Record) -> Reply:
    """Store ``token`` and its refresh token, both carrying ``grant``'s subject, permissions and
    company, and answer the pair. Reissuing a pair (the token endpoint's, one per API key) makes
    its refresh token valid again: a new grant."""
    record = {k: grant.get(k) for k in GRANT_FIELDS} | {"permissions": grant.get("permissions") or []}
    refresh = f"cor-refresh-{uuid.uuid5(uuid.NAMESPACE_URL, token)}"
    ctx.state["tokens"].put({"token": token, **record})
    ctx.state["refresh_tokens"].put({"refresh_token": refresh, **record})
    body = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}
    return Reply(200, body | {"refresh_token": refresh})


def _basic_credentials(header: str | None) -> tuple[str | None, str | None]:
    """``Basic base64(API_KEY:CLIENT_SECRET)`` (RFC 7617), or (None, None) when it is not one."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, bad UTF-8, and a str with a non-ASCII character
        return None, None
    key, sep, secret = decoded.partition(":")
    return (key, secret) if sep else (None, None)


# -- wording ------------------------------------------------------------------------------------
_NAMES: dict[Code, tuple[str, str | None]] = {
    Code.UNAUTHORIZED: ("Unauthorized", "A valid Bearer access token is required"),
    Code.FORBIDDEN: ("Unauthorized", "The access token does not allow this operation"),
    Code.ROUTE_NOT_FOUND: ("NotFoundError", None),
    Code.METHOD_NOT_ALLOWED: ("MethodNotAllowedError", None),
    Code.TOO_LARGE: ("PayloadTooLargeError", None),
    Code.HEADERS_TOO_LARGE: ("RequestHeaderFieldsTooLargeError", None),  # http-errors' name
    Code.INTERNAL: ("InternalServerError", "An unexpected error occurred"),
    Code.RATE_LIMITED: ("TooManyRequestsError", "Too many requests, back off and retry"),
    Code.UNAVAILABLE: ("ServiceUnavailableError", None),
}
_BY_STATUS = {
    401: "Unauthorized",
    404: "NotFoundError",
    409: "DuplicateExternalIdError",
    429: "TooManyRequestsError",
}


def _wording(v: Violation) -> tuple[str, str]:
    """The COR error name and message of one violation (COR-1)."""
    if "error" in v.params:
        return str(v.params["error"]), v.message
    if v.code is Code.SCHEMA:
        return _schema_wording(v)
    if v.code is Code.BAD_JSON:
        if v.keyword == "required":
            return "ValidationError", "The request body is required and must be a JSON object"
        if v.keyword == "form":  # the refresh endpoint's form: its parser's own words
            return "ValidationError", v.message
        return "ValidationError", f"The request body is not valid JSON: {v.message}"
    if v.code is Code.UNSUPPORTED_MEDIA_TYPE:  # the media type the operation takes: JSON or a form
        accepted = " or ".join(map(str, v.params.get("accepted") or ("application/json",)))
        return "UnsupportedMediaTypeError", f"The request body must be sent as {accepted}"
    if v.code is Code.UNKNOWN_FIELD and v.field is not None:
        return "ValidationError", f"The {v.field} field is not a documented field of this operation"
    if v.code is Code.UNKNOWN_FIELD:  # a body where the operation takes none, or a query parameter
        return "ValidationError", v.message
    fallback = "InternalServerError" if v.status >= 500 else "ValidationError"
    name, message = _NAMES.get(v.code, (_BY_STATUS.get(v.status, fallback), None))
    return name, message or v.message


def _schema_wording(v: Violation) -> tuple[str, str]:
    field, keyword, limit, value = v.field, v.keyword, v.params.get("limit"), v.params.get("value")
    if field is None:
        return "ValidationError", "The request body must be a JSON object"
    if v.location != "body":
        # v.message is the core's own sentence ("Missing query parameter 'grant_type'", "query
        # parameter 'x': must be ..."): worded again here, as one sentence of COR's
        if keyword == "required":
            return "ValidationError", f"Missing required {field} {v.location} parameter"
        detail = v.message.removeprefix(f"{v.location} parameter '{field}': ")
        return "ValidationError", f"The {field} {v.location} parameter is invalid: {detail}"
    if keyword == "required":
        return "ValidationError", f"Missing required {field} field"
    if keyword == "enum" and field == "metadata.source":
        return "InvalidSourceError", (
            f"The metadata.source value '{value}' is not a valid integration source; "
            f"expected one of {', '.join(SOURCES)}"
        )
    if keyword == "enum":
        allowed = ", ".join(str(x) for x in limit or () if x is not None)
        return "ValidationError", f"The {field} value '{value}' is invalid; expected one of {allowed}"
    if keyword == "type" and value is None:
        return "ValidationError", f"The {field} field must not be null"
    if keyword == "type":
        article = "an" if str(limit)[:1] in ("a", "e", "i", "o", "u") else "a"
        return "ValidationError", f"The {field} field must be {article} {limit}"
    if keyword in ("format", "pattern") and field.split(".")[-1] in DATE_FIELDS:
        return "ValidationError", f"The {field} field must be a valid date in YYYY-MM-DD format"
    if keyword == "minLength":
        return "ValidationError", f"The {field} field must not be empty"
    return "ValidationError", f"The {field} field {v.message}"


VENDOR = Cor()
