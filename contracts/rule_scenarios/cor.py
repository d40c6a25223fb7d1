"""The executable scenarios of COR's rules, as data (see :mod:`contracts.rule_scenarios`).

:mod:`contracts.scenarios` runs them against the mock or a real tenant. They are the expected
answers, not behaviour, so they live in the toolkit, apart from the vendor module they check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.rule_scenarios import ANY, Call, Scenario

# -- executable scenarios (contracts.scenarios runs them against the mock or a real tenant) ------
# Portable scenarios create what they need with COR's own create endpoints (external ids made
# unique with ``{run}``); the Integrations API has no GET (COR-8), so a PUT carrying only
# ``metadata`` (a partial update that changes nothing but ``updated_at``) reads a project back.
# Messages are the mock's wording (COR documents error names only), so the error name is asserted.
PROJECTS = "/v2/integrations/projects"
_SF = {"source": "SALESFORCE"}
_JIRA = {"source": "JIRA"}


def _put(external_id: str, body: Any, status: int = 200, expect: Any = None, **kw: Any) -> Call:
    return Call("PUT", f"{PROJECTS}/{external_id}", body, status=status, expect=expect, **kw)


def _post(path: str, body: Any, status: int = 201, expect: Any = None, **kw: Any) -> Call:
    return Call("POST", path, body, status=status, expect=expect, **kw)


def _failed(name: str, message: Any = ANY) -> dict[str, Any]:
    return {"error": name, "message": message}


def _delete(external_id: str, body: Any, status: int = 200, expect: Any = None, **kw: Any) -> Call:
    return Call("DELETE", f"{PROJECTS}/{external_id}", body, status=status, expect=expect, **kw)


def _read(external_id: str, expect: Any, source: Mapping[str, str] = _SF) -> Call:
    """No GET in the Integrations API: an update carrying only ``metadata`` shows the project."""
    return _put(external_id, {"metadata": dict(source)}, 200, expect)


_CREATE_PROJECT = Call(
    "POST",
    PROJECTS,
    {
        "metadata": _SF,
        "id": "SCN-OPP-{run}",
        "name": "Scenario Project",
        "brief": "Created by a scenario",
        "start": "2025-01-15",
        "end": "2025-03-31",
        "status": "active",
    },
)
_CREATE_JIRA_TWIN = Call(
    "POST", PROJECTS, {"metadata": _JIRA, "id": "SCN-OPP-{run}", "name": "Scenario Jira Twin"}
)
_CREATE_CLIENT = Call(
    "POST", "/v2/integrations/clients", {"metadata": _SF, "id": "SCN-ACC-{run}", "name": "Scenario Client"}
)
_P = "SCN-OPP-{run}"
_STORED_DATES = {"start": "2025-01-15 00:00:00", "end": "2025-03-31 00:00:00"}

SCENARIOS = (
    # COR-1: the envelope, the names and their statuses
    Scenario(
        "COR-1",
        "a missing bearer token is 401 Unauthorized",
        _put(_P, {"metadata": _SF, "name": "x"}, 401, _failed("Unauthorized"), token=None),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-1",
        "a non-Bearer Authorization header is 401 Unauthorized",
        _put(
            _P,
            {"metadata": _SF, "name": "x"},
            401,
            _failed("Unauthorized"),
            token=None,
            headers={"Authorization": "Basic dGVzdDp0ZXN0"},
        ),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-1",
        "malformed JSON is a 400 ValidationError in the envelope",
        Call(
            "PUT",
            f"{PROJECTS}/{_P}",
            raw=b'{"metadata": {"source": "SALESFORCE"}, "name": ',
            headers={"Content-Type": "application/json"},
            status=400,
            expect=_failed("ValidationError"),
        ),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-1",
        "a body that is not an object is a 400 ValidationError",
        _put(_P, ["metadata", "SALESFORCE"], 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-1",
        "an unknown project is 404 ProjectNotFoundError",
        _put("SCN-NO-SUCH-PROJECT-404", {"metadata": _SF, "name": "x"}, 404, _failed("ProjectNotFoundError")),
    ),
    Scenario(
        "COR-1",
        "an unknown bearer token is 401 Unauthorized",
        _put(_P, {"metadata": _SF, "name": "x"}, 401, _failed("Unauthorized"), token="scn-no-such-token"),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-1",
        "a form-encoded body is 415 in the envelope",
        Call(
            "PUT",
            f"{PROJECTS}/{_P}",
            raw=b"name=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            status=415,
            expect=_failed("UnsupportedMediaTypeError"),
        ),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-1",
        "an unknown route is 404 NotFoundError in the envelope",
        Call("GET", "/v2/integrations/no-such-route", status=404, expect=_failed("NotFoundError")),
    ),
    # COR-2: metadata.source, required and one of the 12 sources, checked before the lookup
    Scenario(
        "COR-2",
        "an update without metadata is a 400 ValidationError",
        _put(_P, {"name": "No source"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, {"name": "Scenario Project"}),),
    ),
    Scenario(
        "COR-2",
        "metadata without source is a 400 ValidationError",
        _put(_P, {"metadata": {}, "name": "No source"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-2",
        "a source outside the list is a 400 InvalidSourceError",
        _put(_P, {"metadata": {"source": "HUBSPOT"}, "name": "x"}, 400, _failed("InvalidSourceError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-2",
        "sources are compared exactly: 'salesforce' is an InvalidSourceError",
        _put(_P, {"metadata": {"source": "salesforce"}, "name": "x"}, 400, _failed("InvalidSourceError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-2",
        "a non-string source is a ValidationError, not an InvalidSourceError",
        _put(_P, {"metadata": {"source": 42}, "name": "x"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-2",
        "a null source is a ValidationError, not an InvalidSourceError",
        _put(_P, {"metadata": {"source": None}, "name": "x"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-2",
        "the source is checked before the project lookup (400 before 404)",
        _put(
            "SCN-NO-SUCH-PROJECT-404", {"metadata": {"source": "HUBSPOT"}}, 400, _failed("InvalidSourceError")
        ),
    ),
    Scenario(
        "COR-2",
        "create without metadata.source is a 400 ValidationError",
        _post(PROJECTS, {"id": "SCN-NOSRC-{run}", "name": "No source"}, 400, _failed("ValidationError")),
    ),
    Scenario(
        "COR-2",
        "create client with an unknown source is a 400 InvalidSourceError",
        _post(
            "/v2/integrations/clients",
            {"metadata": {"source": "HUBSPOT"}, "id": "SCN-ACC-{run}", "name": "x"},
            400,
            _failed("InvalidSourceError"),
        ),
    ),
    Scenario(
        "COR-2",
        "a delete without metadata.source is a 400 ValidationError and deletes nothing",
        _delete(_P, {"metadata": {}}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, {"name": "Scenario Project"}),),
    ),
    Scenario(
        "COR-2",
        "a delete with a source outside the list is a 400 InvalidSourceError",
        _delete(_P, {"metadata": {"source": "HUBSPOT"}}, 400, _failed("InvalidSourceError")),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, {"name": "Scenario Project"}),),
    ),
    # COR-3: {id} is the external id within metadata.source
    Scenario(
        "COR-3",
        "the same external id under another source is not found",
        _put(_P, {"metadata": _JIRA, "name": "Wrong source"}, 404, _failed("ProjectNotFoundError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-3",
        "the same external id under two sources is two projects",
        _put(_P, {"metadata": _JIRA, "name": "Jira side"}, 200, {"name": "Jira side", "start": None}),
        setup=(_CREATE_PROJECT, _CREATE_JIRA_TWIN),
        then=(
            _read(_P, {"name": "Scenario Project", "brief": "Created by a scenario", **_STORED_DATES}),
            _read(_P, {"name": "Jira side", "brief": None, "start": None}, _JIRA),
        ),
    ),
    Scenario(
        "COR-3",
        "the project lookup (404) answers before schema validation (400)",
        _put(
            "SCN-NO-SUCH-PROJECT-404",
            {"metadata": _SF, "income_type": "barter"},
            404,
            _failed("ProjectNotFoundError"),
        ),
    ),
    Scenario(
        "COR-3",
        "external ids in the path are compared exactly (case-sensitive)",
        _put("scn-opp-{run}", {"metadata": _SF, "name": "x"}, 404, _failed("ProjectNotFoundError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-3",
        "fixture WEB-101 resolves per source: GITHUB's project, not JIRA's",
        _put(
            "WEB-101",
            {"metadata": {"source": "GITHUB"}, "status": "on_hold"},
            200,
            {"id": 155701, "status": "on_hold"},
        ),
        then=(_read("WEB-101", {"id": 155700, "status": "in_progress"}, _JIRA),),
        admin_only=True,
    ),
    # the delete page: the same (source, external id) lookup; the mapping goes with the project
    Scenario(
        "COR-3",
        "a delete removes the project and its mapping: not found after, its external id free again",
        _delete(
            _P,
            {"metadata": _SF},
            200,
            {"message": "Project deleted successfully", "external_id": _P, "cor_id": ANY},
        ),
        setup=(_CREATE_PROJECT,),
        then=(
            _put(_P, {"metadata": _SF}, 404, _failed("ProjectNotFoundError")),
            _delete(_P, {"metadata": _SF}, 404, _failed("ProjectNotFoundError")),
            _post(PROJECTS, {"metadata": _SF, "id": _P, "name": "Recreated"}, 201, {"name": "Recreated"}),
        ),
    ),
    Scenario(
        "COR-3",
        "a delete under another source is not found and deletes nothing",
        _delete(_P, {"metadata": _JIRA}, 404, _failed("ProjectNotFoundError")),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, {"name": "Scenario Project"}),),
    ),
    Scenario(
        "COR-1",
        "a delete without a bearer token is 401 Unauthorized",
        _delete(_P, {"metadata": _SF}, 401, _failed("Unauthorized"), token=None),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, {"name": "Scenario Project"}),),
    ),
    # COR-4: start not after end, on the merged state
    Scenario(
        "COR-4",
        "start after end in one body is a 400 InvalidDateRangeError",
        _put(
            _P,
            {"metadata": _SF, "start": "2025-05-01", "end": "2025-04-30"},
            400,
            _failed("InvalidDateRangeError"),
        ),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, _STORED_DATES),),
    ),
    Scenario(
        "COR-4",
        "an end before the stored start (merged state)",
        _put(_P, {"metadata": _SF, "end": "2025-01-01"}, 400, _failed("InvalidDateRangeError")),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, _STORED_DATES),),
    ),
    Scenario(
        "COR-4",
        "a start after the stored end (merged state)",
        _put(
            _P,
            {"metadata": _SF, "start": "2025-04-01", "name": "Not applied"},
            400,
            _failed("InvalidDateRangeError"),
        ),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, {"name": "Scenario Project", **_STORED_DATES}),),
    ),
    Scenario(
        "COR-4",
        "an impossible date is a ValidationError, not a range error",
        _put(_P, {"metadata": _SF, "end": "2025-02-30"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-4",
        "equal start and end dates are accepted",
        _put(
            _P,
            {"metadata": _SF, "start": "2025-03-31"},
            200,
            {"start": "2025-03-31 00:00:00", "end": "2025-03-31 00:00:00"},
        ),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-4",
        "create with start after end is rejected and stores nothing",
        _post(
            PROJECTS,
            {
                "metadata": _SF,
                "id": "SCN-DATES-{run}",
                "name": "Bad dates",
                "start": "2025-06-01",
                "end": "2025-05-31",
            },
            400,
            _failed("InvalidDateRangeError"),
        ),
        then=(_put("SCN-DATES-{run}", {"metadata": _SF}, 404, _failed("ProjectNotFoundError")),),
    ),
    # COR-5: partial update; income_type and archived
    Scenario(
        "COR-5",
        "only the fields sent change (partial update despite PUT)",
        _put(
            _P,
            {"metadata": _SF, "name": "Renamed"},
            200,
            {"name": "Renamed", "brief": "Created by a scenario"},
        ),
        setup=(_CREATE_PROJECT,),
        then=(
            _read(
                _P, {"name": "Renamed", "brief": "Created by a scenario", "status": "active", **_STORED_DATES}
            ),
        ),
    ),
    Scenario(
        "COR-5",
        "income_type outside fee/one_time/hourly_rate/contract",
        _put(_P, {"metadata": _SF, "income_type": "barter"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-5",
        "a documented income_type and archived are stored",
        _put(
            _P,
            {"metadata": _SF, "income_type": "one_time", "archived": True},
            200,
            {"income_type": "one_time", "archived": True},
        ),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, {"income_type": "one_time", "archived": True, **_STORED_DATES}),),
    ),
    Scenario(
        "COR-5",
        "archived must be a boolean",
        _put(_P, {"metadata": _SF, "archived": "yes"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, {"archived": False}),),
    ),
    Scenario(
        "COR-5",
        "null is not a documented value",
        _put(_P, {"metadata": _SF, "name": None}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-5",
        "create checks income_type too",
        _post(
            PROJECTS,
            {"metadata": _SF, "id": "SCN-INCOME-{run}", "name": "Bad income", "income_type": "barter"},
            400,
            _failed("ValidationError"),
        ),
    ),
    # COR-6: references are external ids of the request's source
    Scenario(
        "COR-6",
        "an unknown client_id is 404 ClientNotFoundError",
        _put(_P, {"metadata": _SF, "client_id": "SCN-NO-SUCH-CLIENT"}, 404, _failed("ClientNotFoundError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-6",
        "a client created through the API is accepted by its external id",
        _put(_P, {"metadata": _SF, "client_id": "SCN-ACC-{run}"}, 200, {"client_id": ANY, **_STORED_DATES}),
        setup=(_CREATE_CLIENT, _CREATE_PROJECT),
    ),
    Scenario(
        "COR-6",
        "a client of another source is not found",
        _put(_P, {"metadata": _JIRA, "client_id": "SCN-ACC-{run}"}, 404, _failed("ClientNotFoundError")),
        setup=(_CREATE_CLIENT, _CREATE_JIRA_TWIN),
    ),
    Scenario(
        "COR-6",
        "an unknown pm_id is a 400 ValidationError",
        _put(_P, {"metadata": _SF, "pm_id": "SCN-NO-SUCH-USER"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-6",
        "an unknown currency_id is a 400 ValidationError",
        _put(_P, {"metadata": _SF, "currency_id": "SCN-NO-SUCH-CURRENCY"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-6",
        "an unknown fee_id is a 400 ValidationError",
        _put(_P, {"metadata": _SF, "fee_id": "SCN-NO-SUCH-FEE"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-6",
        "an unknown contract_id is a 400 ValidationError",
        _put(_P, {"metadata": _SF, "contract_id": "SCN-NO-SUCH-CONTRACT"}, 400, _failed("ValidationError")),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-6",
        "an unknown client answers before an unknown pm_id (404 before 400)",
        _put(
            _P,
            {"metadata": _SF, "pm_id": "SCN-NO-SUCH-USER", "client_id": "SCN-NO-SUCH-CLIENT"},
            404,
            _failed("ClientNotFoundError"),
        ),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-6",
        "an unknown reference answers before a date range error",
        _put(
            _P,
            {"metadata": _SF, "pm_id": "SCN-NO-SUCH-USER", "start": "2025-12-01"},
            400,
            _failed("ValidationError"),
        ),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-6",
        "create with an unknown client_id is 404 ClientNotFoundError",
        _post(
            PROJECTS,
            {"metadata": _SF, "id": "SCN-NOCLIENT-{run}", "name": "x", "client_id": "SCN-NO-SUCH-CLIENT"},
            404,
            _failed("ClientNotFoundError"),
        ),
    ),
    Scenario(
        "COR-6",
        "fixture references resolve to internal ids within the source",
        _put(
            "SF-OPP-12345",
            {
                "metadata": _SF,
                "client_id": "SF-ACC-67891",
                "pm_id": "SF-USER-112",
                "currency_id": "EUR",
                "fee_id": "SF-FEE-RETAINER",
                "contract_id": "SF-CONTRACT-002",
            },
            200,
            {"client_id": 25856, "pm_id": 8547, "currency_id": 2, "fee_id": 302, "contract_id": 4522},
        ),
        admin_only=True,
    ),
    Scenario(
        "COR-6",
        "the same currency code maps per source (JIRA USD is 3, not 1)",
        _put("WEB-101", {"metadata": _JIRA, "currency_id": "USD"}, 200, {"currency_id": 3}),
        admin_only=True,
    ),
    Scenario(
        "COR-6",
        "a fixture user of another source is a ValidationError",
        _put("WEB-101", {"metadata": _JIRA, "pm_id": "SF-USER-111"}, 400, _failed("ValidationError")),
        admin_only=True,
    ),
    # COR-7: the 200 answer
    Scenario(
        "COR-7",
        "success is 200 with the project, internal id and rendered dates",
        _put(
            _P,
            {"metadata": _SF, "evaluation_date": "2025-05-15", "estimated": 18000},
            200,
            {
                "id": ANY,
                "name": ANY,
                "evaluation_date": "2025-05-15 00:00:00",
                "estimated": 18000,
                "archived": False,
                "company_id": ANY,
                "created_at": ANY,
                "updated_at": ANY,
                **_STORED_DATES,
            },
        ),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-7",
        "the seed's update of SF-OPP-12345",
        _put(
            "SF-OPP-12345",
            {
                "metadata": _SF,
                "name": "Website Redesign Project - Phase 2",
                "end": "2025-04-30",
                "estimated_time": 250,
                "status": "in_progress",
                "estimated": 18000,
            },
            200,
            {
                "id": 155693,
                "name": "Website Redesign Project - Phase 2",
                "client_id": 25855,
                "brief": "Complete website overhaul including new branding",
                "start": "2025-01-15 00:00:00",
                "end": "2025-04-30 00:00:00",
                "pm_id": 8546,
                "estimated_time": 250,
                "billable": True,
                "status": "in_progress",
                "estimated": 18000,
                "company_id": 1234,
                "created_at": "2025-01-10T14:30:00Z",
                "updated_at": ANY,
            },
        ),
        admin_only=True,
    ),
    # COR-8: the create neighbours; no GET
    Scenario(
        "COR-8",
        "create project is 201 with COR's project",
        _post(
            PROJECTS,
            {"metadata": _SF, "id": "SCN-NEW-{run}", "name": "New", "start": "2025-02-01", "billable": True},
            201,
            {
                "id": ANY,
                "name": "New",
                "start": "2025-02-01 00:00:00",
                "end": None,
                "billable": True,
                "archived": False,
            },
        ),
        then=(_read("SCN-NEW-{run}", {"start": "2025-02-01 00:00:00", "billable": True}),),
    ),
    Scenario(
        "COR-8",
        "a duplicate external id for the source is 409",
        _post(
            PROJECTS,
            {"metadata": _SF, "id": _P, "name": "Again {run}"},
            409,
            _failed("DuplicateExternalIdError"),
        ),
        setup=(_CREATE_PROJECT,),
        then=(_read(_P, {"brief": "Created by a scenario"}),),
    ),
    Scenario(
        "COR-8",
        "the same external id under another source is created",
        _post(PROJECTS, {"metadata": _JIRA, "id": _P, "name": "Jira {run}"}, 201, {"id": ANY}),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-8",
        "external ids are compared exactly: another case is another project",
        _post(PROJECTS, {"metadata": _SF, "id": "scn-opp-{run}", "name": "Lower {run}"}, 201, {"id": ANY}),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-8",
        "create without id and name is a 400 ValidationError",
        _post(PROJECTS, {"metadata": _SF, "brief": "No id, no name"}, 400, _failed("ValidationError")),
    ),
    Scenario(
        "COR-8",
        "a duplicate client external id for the source is 409",
        _post(
            "/v2/integrations/clients",
            {"metadata": _SF, "id": "SCN-ACC-{run}", "name": "Again {run}"},
            409,
            _failed("DuplicateExternalIdError"),
        ),
        setup=(_CREATE_CLIENT,),
    ),
    Scenario(
        "COR-8",
        "create client is 201 with COR's client",
        _post(
            "/v2/integrations/clients",
            {
                "metadata": _SF,
                "id": "SCN-ACC-{run}",
                "name": "Scenario Client",
                "email_contact": "a@example.com",
            },
            201,
            {"id": ANY, "name": "Scenario Client", "email_contact": "a@example.com", "company_id": ANY},
        ),
        then=(_put(_P, {"metadata": _SF, "client_id": "SCN-ACC-{run}"}, 200, {"client_id": ANY}),),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-8",
        "clients and projects have separate external ids",
        _post(
            "/v2/integrations/clients",
            {"metadata": _SF, "id": _P, "name": "Client {run}"},
            201,
            {"id": ANY, "name": ANY},
        ),
        setup=(_CREATE_PROJECT,),
    ),
    Scenario(
        "COR-8",
        "the fixture's SF-OPP-12345 cannot be created again",
        _post(
            PROJECTS,
            {"metadata": _SF, "id": "SF-OPP-12345", "name": "Again"},
            409,
            _failed("DuplicateExternalIdError"),
        ),
        admin_only=True,
    ),
    Scenario(
        "COR-8",
        "the Integrations API has no GET (405)",
        Call("GET", f"{PROJECTS}/{_P}", status=405, expect=_failed("MethodNotAllowedError")),
        setup=(_CREATE_PROJECT,),
    ),
)
