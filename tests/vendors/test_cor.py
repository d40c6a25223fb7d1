"""COR rules COR-1..COR-8, driven over HTTP; every response is spec-checked by ``api`` (GEN-10).

What a rule scenario already proves (``contracts/rule_scenarios/cor.py``, run by
``tests/contracts/test_scenarios.py``) is not repeated here. These tests check what a scenario
cannot express: the journal (fired rules, warnings), stored records, whole envelopes and exact
wording, the frozen clock, several variants or sessions, strict mode, orders and paging.

Fixture map (mockserver/fixtures/cor.json): SALESFORCE SF-OPP-12345 -> project 155693 (the seed's
project: client SF-ACC-67890 -> 25855, pm SF-USER-111 -> 8546, 2025-01-15..2025-03-31);
SALESFORCE SF-OPP-12346 -> 155694 (no dates); JIRA WEB-101 -> 155700 and GITHUB WEB-101 -> 155701
(the same external id under two sources); QUICKBOOKS QB-EST-1042 -> 155702 (archived).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from jsonschema import Draft4Validator

from contracts.conformance import SpecChecker
from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.core.spec import load_spec
from mockserver.vendors.cor import VENDOR
from tests.fixtures.mock import FROZEN_NOW, Api

V = "cor"
SEED = "SF-OPP-12345"
SEED_ID = "155693"
SOURCES = [
    "JIRA",
    "SALESFORCE",
    "ADVERTMIND",
    "QUICKBOOKS",
    "ZAPIER",
    "OKTA",
    "MICROSOFT_DYNAMICS",
    "GITHUB",
    "MICROSOFT_TEAMS",
    "VBS",
    "SAP",
    "GLOBANT",
]
SF = {"source": "SALESFORCE"}
NOW = "2025-03-01T12:00:00Z"


def put(api: Api, external_id: str, body: Any, **kw: Any) -> Any:
    return api.call(V, "PUT", f"/v2/integrations/projects/{external_id}", json=body, **kw)


def create(api: Api, body: Any, **kw: Any) -> Any:
    return api.call(V, "POST", "/v2/integrations/projects", json=body, **kw)


def create_client(api: Api, body: Any, **kw: Any) -> Any:
    return api.call(V, "POST", "/v2/integrations/clients", json=body, **kw)


def delete(api: Api, external_id: str, body: Any, **kw: Any) -> Any:
    return api.call(V, "DELETE", f"/v2/integrations/projects/{external_id}", json=body, **kw)


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error", "message"}, body  # COR-1: exactly the envelope
    return response.status_code, body["error"], body["message"]


def project(api: Api, internal_id: str) -> dict[str, Any]:
    return api.record(V, "projects", internal_id)


def by_external(api: Api, collection: str, source: str, external_id: str) -> dict[str, Any]:
    found = [
        r
        for r in api.state(V)[collection].values()
        if r["source"] == source and r["external_id"] == external_id
    ]
    assert len(found) == 1, found
    return found[0]


def last_entry(api: Api) -> dict[str, Any]:
    return api.journal()[-1]


def assert_error_schema(body: Any) -> None:
    """For responses the spec cannot describe (unknown route or method): the Error schema."""
    schema = load_spec(VENDOR.spec_path)["components"]["schemas"]["Error"]
    assert not list(Draft4Validator(schema).iter_errors(body)), body


# -- COR-1: envelope, one error, statuses ---------------------------------------------------------
def test_COR_1_one_error_per_response_even_with_several_bad_fields(api: Api) -> None:
    body = {"metadata": SF, "name": 5, "start": "15/01/2025", "income_type": "weekly", "archived": "yes"}
    with api.unchanged(V):
        r = put(api, SEED, body)
    # GEN-5 does not apply: the first violation (by field) answers, alone
    assert error(r) == (400, "ValidationError", "The archived field must be a boolean")
    assert len(last_entry(api)["violations"]) == 1
    assert "COR-1" in last_entry(api)["rules"]


@pytest.mark.parametrize(
    ("external_id", "body", "expected"),
    [
        (SEED, {"metadata": {"source": "HUBSPOT"}}, (400, "InvalidSourceError")),
        (SEED, {"metadata": SF, "end": "2025-01-01"}, (400, "InvalidDateRangeError")),
        (SEED, {"metadata": SF, "pm_id": "SF-USER-999"}, (400, "ValidationError")),
        (SEED, {"metadata": {"source": "JIRA"}}, (404, "ProjectNotFoundError")),
        (SEED, {"metadata": SF, "client_id": "SF-ACC-00000"}, (404, "ClientNotFoundError")),
    ],
)
def test_COR_1_status_of_each_error_name(
    api: Api, external_id: str, body: Any, expected: tuple[int, str]
) -> None:
    with api.unchanged(V):
        r = put(api, external_id, body)
    assert error(r)[:2] == expected


def test_COR_1_duplicate_is_409(api: Api) -> None:
    with api.unchanged(V):
        r = create(api, {"metadata": SF, "id": SEED, "name": "Website Redesign Project (again)"})
    assert error(r) == (
        409,
        "DuplicateExternalIdError",
        "A project with the external ID 'SF-OPP-12345' already exists for source SALESFORCE",
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer unknown-token"},
        {"Authorization": "Basic dGVzdDp0ZXN0"},
        {"Authorization": "Bearer"},
    ],
)
def test_COR_1_401_unauthorized_for_missing_or_bad_token(api: Api, headers: dict[str, str]) -> None:
    with api.unchanged(V):
        r = put(api, SEED, {"metadata": SF, "name": "x"}, token=None, headers=headers)
    assert error(r) == (401, "Unauthorized", "A valid Bearer access token is required")


def test_COR_1_401_comes_before_every_other_check(api: Api) -> None:
    with api.unchanged(V):
        r = put(api, "NOPE", {"metadata": {"source": "HUBSPOT"}}, token="wrong")
        created = create(api, {"name": 5}, token=None)
    assert error(r)[:2] == error(created)[:2] == (401, "Unauthorized")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "The request body is not valid JSON: malformed JSON: "),
        (b"[1, 2]", "The request body must be a JSON object"),
        (b'"text"', "The request body must be a JSON object"),
        (b"", "The request body is required and must be a JSON object"),
        (b'{"metadata": {"source": "SALESFORCE"}, "estimated": NaN}', "The request body is not valid JSON: "),
    ],
)
def test_COR_1_bad_json_is_a_validation_error(api: Api, raw: bytes, message: str) -> None:
    with api.unchanged(V):
        r = api.call(
            V,
            "PUT",
            f"/v2/integrations/projects/{SEED}",
            content=raw,
            headers={"Content-Type": "application/json"},
        )
    status, name, text = error(r)
    assert (status, name) == (400, "ValidationError")
    # the parser's own detail (position, offending token) follows the prefix
    assert text == message if message.endswith("object") else text.startswith(message), text
    if b"NaN" in raw:
        assert "NaN" in text
    elif raw.startswith(b"{not"):
        assert "line 1 column 2" in text


def test_COR_1_wrong_content_type_and_oversized_body(api: Api) -> None:
    with api.unchanged(V):
        form = api.call(
            V,
            "PUT",
            f"/v2/integrations/projects/{SEED}",
            content=b"name=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        huge = api.call(
            V,
            "POST",
            "/v2/integrations/clients",
            content=b'{"name": "' + b"x" * (1024 * 1024) + b'"}',
            headers={"Content-Type": "application/json"},
        )
    assert error(form) == (
        415,
        "UnsupportedMediaTypeError",
        "The request body must be sent as application/json",
    )
    assert error(huge) == (413, "PayloadTooLargeError", "Request body exceeds 1048576 bytes")


def test_COR_1_unknown_route_and_method_use_the_envelope(api: Api) -> None:
    # Not describable by the spec (no such operation): checked against its Error schema instead.
    route = api.call(V, "GET", "/v2/integrations/teams", check=False)
    no_get = api.call(V, "GET", f"/v2/integrations/projects/{SEED}", check=False)  # COR-8: no GET
    assert error(route) == (404, "NotFoundError", "The requested route does not exist.")
    assert error(no_get) == (405, "MethodNotAllowedError", "This method is not allowed on this route.")
    assert_error_schema(route.json())
    assert_error_schema(no_get.json())


# -- COR-2: metadata.source ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "Website Redesign Project - Phase 2"}, "Missing required metadata field"),
        ({"metadata": {}, "name": "x"}, "Missing required metadata.source field"),
        ({"metadata": None}, "The metadata field must not be null"),
        ({"metadata": "SALESFORCE"}, "The metadata field must be an object"),
        ({"metadata": {"source": None}}, "The metadata.source field must not be null"),
        ({"metadata": {"source": 7}}, "The metadata.source field must be a string"),
    ],
)
def test_COR_2_source_is_required_validation_error(api: Api, body: Any, message: str) -> None:
    with api.unchanged(V):
        r = put(api, SEED, body)
    assert error(r) == (400, "ValidationError", message)
    assert "COR-2" in last_entry(api)["rules"]


@pytest.mark.parametrize("source", ["HUBSPOT", "salesforce", " SALESFORCE", ""])
def test_COR_2_unknown_source_is_invalid_source_error(api: Api, source: str) -> None:
    with api.unchanged(V):
        r = put(api, SEED, {"metadata": {"source": source}, "name": "x"})
        created = create(api, {"metadata": {"source": source}, "id": "HS-1", "name": "x"})
        client = create_client(api, {"metadata": {"source": source}, "id": "HS-1", "name": "x"})
    expected = (
        400,
        "InvalidSourceError",
        f"The metadata.source value '{source}' is not a valid integration source; "
        "expected one of " + ", ".join(SOURCES),
    )
    assert error(r) == error(created) == error(client) == expected


def test_COR_2_source_is_checked_before_the_project_lookup(api: Api) -> None:
    with api.unchanged(V):
        invalid = put(api, "NO-SUCH-PROJECT", {"metadata": {"source": "HUBSPOT"}})
        missing = put(api, "NO-SUCH-PROJECT", {"name": "x"})
        not_object = api.call(
            V,
            "PUT",
            "/v2/integrations/projects/NO-SUCH-PROJECT",
            content=b"[]",
            headers={"Content-Type": "application/json"},
        )
    assert error(invalid)[:2] == (400, "InvalidSourceError")
    assert error(missing)[:2] == error(not_object)[:2] == (400, "ValidationError")


def test_COR_2_missing_source_on_creates(api: Api) -> None:
    with api.unchanged(V):
        project_r = create(api, {"id": "SF-OPP-20001", "name": "Mobile App"})
        client_r = create_client(api, {"id": "SF-ACC-70000"})
    assert error(project_r) == error(client_r) == (400, "ValidationError", "Missing required metadata field")


@pytest.mark.parametrize("source", SOURCES)
def test_COR_2_every_documented_source_is_accepted(api: Api, source: str) -> None:
    r = create_client(api, {"metadata": {"source": source}, "id": "EXT-1", "name": "Initech"})
    assert r.status_code == 201
    assert by_external(api, "clients", source, "EXT-1")["id"] == r.json()["id"]


# -- COR-3: external id within the source --------------------------------------------------------
def test_COR_3_same_external_id_under_two_sources_is_two_projects(api: Api) -> None:
    github_before = project(api, "155701")
    r = put(api, "WEB-101", {"metadata": {"source": "JIRA"}, "name": "Checkout Revamp v2"})
    assert r.status_code == 200
    assert r.json()["id"] == 155700
    assert project(api, "155700")["name"] == "Checkout Revamp v2"
    assert project(api, "155701") == github_before
    r = put(api, "WEB-101", {"metadata": {"source": "GITHUB"}, "status": "in_progress"})
    assert r.json()["id"] == 155701
    assert r.json()["name"] == "Checkout Revamp - Engineering"
    assert project(api, "155700")["status"] == "in_progress"  # JIRA's own value, untouched


@pytest.mark.parametrize(
    ("external_id", "source"),
    [
        (SEED, "JIRA"),
        ("SF-OPP-99999", "SALESFORCE"),
        ("sf-opp-12345", "SALESFORCE"),
        ("WEB-101", "SALESFORCE"),
    ],
)
def test_COR_3_unknown_pair_is_project_not_found(api: Api, external_id: str, source: str) -> None:
    with api.unchanged(V):
        r = put(
            api, external_id, {"metadata": {"source": source}, "name": "Website Redesign Project - Phase 2"}
        )
    assert error(r) == (
        404,
        "ProjectNotFoundError",
        f"No project found with the external ID '{external_id}' for source {source}",
    )


def test_COR_3_not_found_comes_before_the_rest_of_the_schema(api: Api) -> None:
    with api.unchanged(V):
        r = put(
            api,
            "NO-SUCH-PROJECT",
            {"metadata": SF, "name": 5, "income_type": "weekly", "client_id": "SF-ACC-00000"},
        )
    assert error(r)[:2] == (404, "ProjectNotFoundError")


# -- COR-4: dates on the merged state ------------------------------------------------------------
def test_COR_4_start_after_end_in_the_body(api: Api) -> None:
    with api.unchanged(V):
        r = put(api, SEED, {"metadata": SF, "start": "2025-05-01", "end": "2025-04-30"})
    assert error(r) == (
        400,
        "InvalidDateRangeError",
        "The start date (2025-05-01) is after the end date (2025-04-30)",
    )


def test_COR_4_GEN_2_one_sided_update_against_the_stored_date(api: Api) -> None:
    # stored: start 2025-01-15, end 2025-03-31
    with api.unchanged(V):
        end_only = put(api, SEED, {"metadata": SF, "end": "2025-01-01"})
        start_only = put(api, SEED, {"metadata": SF, "start": "2025-04-01"})
    assert error(end_only) == (
        400,
        "InvalidDateRangeError",
        "The start date (2025-01-15) is after the end date (2025-01-01)",
    )
    assert error(start_only) == (
        400,
        "InvalidDateRangeError",
        "The start date (2025-04-01) is after the end date (2025-03-31)",
    )
    assert "GEN-2" in last_entry(api)["rules"]


def test_COR_4_equal_dates_and_one_sided_without_stored_counterpart(api: Api) -> None:
    equal = put(api, SEED, {"metadata": SF, "end": "2025-01-15"})
    assert equal.status_code == 200
    assert equal.json()["start"] == equal.json()["end"] == "2025-01-15 00:00:00"
    open_ended = put(api, "SF-OPP-12346", {"metadata": SF, "end": "2020-01-01"})  # no stored start
    assert open_ended.status_code == 200
    assert project(api, "155694")["end"] == "2020-01-01"


# -- COR-5: partial update, income_type, archived ------------------------------------------------
def test_COR_5_only_fields_present_change(api: Api) -> None:
    before = project(api, SEED_ID)
    r = put(api, SEED, {"metadata": SF, "brief": "Now with a design system"})
    assert r.status_code == 200
    after = project(api, SEED_ID)
    assert after == {**before, "brief": "Now with a design system", "updated_at": NOW}  # GEN-11
    assert {"GEN-1", "GEN-11", "COR-5"} <= set(last_entry(api)["rules"])


def test_COR_5_income_type_and_archived(api: Api) -> None:
    r = put(
        api,
        SEED,
        {
            "metadata": SF,
            "income_type": "fee",
            "archived": True,
            "evaluation_date": "2025-05-15",
            "deliverables": "New website",
            "work_order": "WO-2025-002",
        },
    )
    assert r.status_code == 200
    shown = r.json()
    assert (shown["income_type"], shown["archived"]) == ("fee", True)
    assert shown["evaluation_date"] == "2025-05-15 00:00:00"
    stored = project(api, SEED_ID)
    assert (stored["income_type"], stored["archived"], stored["work_order"]) == ("fee", True, "WO-2025-002")
    unarchived = put(
        api,
        "QB-EST-1042",
        {"metadata": {"source": "QUICKBOOKS"}, "archived": False, "income_type": "one_time"},
    )
    assert unarchived.json()["archived"] is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "income_type",
            "weekly",
            "The income_type value 'weekly' is invalid; expected one of fee, one_time, hourly_rate, contract",
        ),
        (
            "income_type",
            "FEE",
            "The income_type value 'FEE' is invalid; expected one of fee, one_time, hourly_rate, contract",
        ),
        ("archived", "true", "The archived field must be a boolean"),
        ("archived", 1, "The archived field must be a boolean"),
        ("name", None, "The name field must not be null"),
        ("estimated_time", "250", "The estimated_time field must be a number"),
        ("end", "2025-02-30", "The end field must be a valid date in YYYY-MM-DD format"),
        ("start", "2025-01-15T00:00:00", "The start field must be a valid date in YYYY-MM-DD format"),
    ],
)
def test_COR_5_schema_violations_are_validation_errors(
    api: Api, field: str, value: Any, message: str
) -> None:
    with api.unchanged(V):
        r = put(api, SEED, {"metadata": SF, field: value})
    assert error(r) == (400, "ValidationError", message)


def test_COR_5_undocumented_fields_are_ignored_GEN_7(api: Api) -> None:
    before = project(api, SEED_ID)
    r = put(
        api,
        SEED,
        {"metadata": {**SF, "tenant": "acme"}, "id": "SF-OPP-OTHER", "company_id": 9, "name": "Renamed"},
    )
    assert r.status_code == 200
    after = project(api, SEED_ID)
    assert after == {**before, "name": "Renamed", "updated_at": NOW}  # the external id stays
    warnings = {w["field"] for w in last_entry(api)["warnings"]}
    assert warnings == {"metadata.tenant", "id", "company_id"}


@pytest.fixture(scope="module")
def strict_api() -> Api:
    app = create_app(ServerConfig(freeze_time=FROZEN_NOW, strict=True, vendors=(V,)))
    return Api(app, {V: SpecChecker(app.vendors[V].spec_path)}, "cor-strict")


def test_COR_5_strict_mode_rejects_undocumented_fields_GEN_7(strict_api: Api) -> None:
    with strict_api.unchanged(V):
        r = put(strict_api, SEED, {"metadata": SF, "colour": "blue"})
    assert error(r) == (
        400,
        "ValidationError",
        "The colour field is not a documented field of this operation",
    )


def test_GEN_7_strict_mode_words_a_body_on_the_token_call_which_takes_none(strict_api: Api) -> None:
    """Found by a hostile probe: COR named the field "None"."""
    auth = {"Authorization": "Basic " + base64.b64encode(b"cor-api-key:cor-client-secret").decode()}
    headers = {**auth, "Content-Type": "application/json"}
    r = strict_api.call(
        V, "POST", "/v1/oauth/token?grant_type=client_credentials", token=None, json={"a": 1}, headers=headers
    )
    assert error(r) == (400, "ValidationError", "This operation takes no request body")


# -- COR-6: references are external ids of the source --------------------------------------------
def test_COR_6_unknown_client_is_client_not_found(api: Api) -> None:
    with api.unchanged(V):
        unknown = put(api, SEED, {"metadata": SF, "client_id": "SF-ACC-00000"})
        other_source = put(api, "WEB-101", {"metadata": {"source": "JIRA"}, "client_id": "SF-ACC-67890"})
        on_create = create(
            api, {"metadata": SF, "id": "SF-OPP-20004", "name": "Mobile App", "client_id": "SF-ACC-00000"}
        )
    assert (
        error(unknown)
        == error(on_create)
        == (
            404,
            "ClientNotFoundError",
            "The specified client_id 'SF-ACC-00000' does not exist in the integration mappings for "
            "source SALESFORCE",
        )
    )
    assert error(other_source)[:2] == (404, "ClientNotFoundError")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pm_id", "SF-USER-999"),
        ("currency_id", "GBP"),
        ("fee_id", "SF-FEE-NONE"),
        ("contract_id", "SF-CONTRACT-999"),
        ("currency_id", "usd"),
        ("pm_id", "octo-tomas"),
    ],
)
def test_COR_6_unknown_other_reference_is_validation_error(api: Api, field: str, value: str) -> None:
    with api.unchanged(V):
        r = put(api, SEED, {"metadata": SF, field: value})
        created = create(api, {"metadata": SF, "id": "SF-OPP-20003", "name": "Mobile App", field: value})
    expected = (
        400,
        "ValidationError",
        f"The specified {field} '{value}' does not exist in the integration mappings for source SALESFORCE",
    )
    assert error(r) == error(created) == expected


def test_COR_6_known_references_are_stored_as_internal_ids(api: Api) -> None:
    r = put(
        api,
        SEED,
        {
            "metadata": SF,
            "client_id": "SF-ACC-67891",
            "pm_id": "SF-USER-112",
            "currency_id": "EUR",
            "fee_id": "SF-FEE-RETAINER",
            "contract_id": "SF-CONTRACT-002",
        },
    )
    assert r.status_code == 200
    expected = {"client_id": 25856, "pm_id": 8547, "currency_id": 2, "fee_id": 302, "contract_id": 4522}
    shown, stored = r.json(), project(api, SEED_ID)
    assert {k: shown[k] for k in expected} == {k: stored[k] for k in expected} == expected
    # the same external currency code resolves per source
    jira = put(api, "WEB-101", {"metadata": {"source": "JIRA"}, "currency_id": "USD"})
    assert jira.json()["currency_id"] == 3


# -- COR-7: the success body ---------------------------------------------------------------------
def test_COR_7_seed_example_response(api: Api) -> None:
    r = put(
        api,
        SEED,
        {
            "metadata": SF,
            "name": "Website Redesign Project - Phase 2",
            "end": "2025-04-30",
            "estimated_time": 250,
            "status": "in_progress",
            "estimated": 18000,
        },
    )
    assert r.status_code == 200
    assert r.json() == {
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
        "currency_id": 1,
        "fee_id": None,
        "contract_id": 4521,
        "evaluation_date": None,
        "deliverables": None,
        "work_order": "WO-2025-001",
        "income_type": None,
        "archived": False,
        "company_id": 1234,
        "created_at": "2025-01-10T14:30:00Z",
        "updated_at": NOW,
    }
    stored = project(api, SEED_ID)
    assert stored["end"] == "2025-04-30"
    assert stored["external_id"] == SEED
    assert "COR-7" in last_entry(api)["rules"]


def test_COR_7_resending_the_same_values_succeeds(api: Api) -> None:
    body = {
        "metadata": SF,
        "name": "Website Redesign Project",
        "start": "2025-01-15",
        "end": "2025-03-31",
        "client_id": "SF-ACC-67890",
    }
    first, second = put(api, SEED, body), put(api, SEED, body)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()


# -- COR-8: create project and client ------------------------------------------------------------
def test_COR_8_create_project_then_update_it_by_external_id(api: Api) -> None:
    body = {
        "metadata": SF,
        "id": "SF-OPP-20001",
        "name": "Website Redesign Project",
        "client_id": "SF-ACC-67890",
        "brief": "Complete website overhaul",
        "start": "2025-01-15",
        "end": "2025-03-31",
        "pm_id": "SF-USER-111",
        "estimated_time": 200,
        "billable": True,
        "status": "active",
        "estimated": 15000,
        "contract_id": "SF-CONTRACT-001",
        "work_order": "WO-2025-001",
        "brand_id": "SF-BRAND-1",
        "product_id": "SF-PROD-9",
    }
    r = create(api, body)
    assert r.status_code == 201
    shown = r.json()
    assert shown["id"] == 155703  # COR's internal id, not the external one
    assert (shown["client_id"], shown["pm_id"], shown["contract_id"]) == (25855, 8546, 4521)
    assert shown["start"] == "2025-01-15 00:00:00"
    assert shown["archived"] is False
    assert shown["created_at"] == shown["updated_at"] == NOW
    stored = by_external(api, "projects", "SALESFORCE", "SF-OPP-20001")
    assert stored["id"] == 155703
    assert stored["brand_id"] == "SF-BRAND-1"
    updated = put(api, "SF-OPP-20001", {"metadata": SF, "status": "in_progress"})
    assert updated.status_code == 200
    assert updated.json()["id"] == 155703


def test_COR_8_duplicate_external_id_is_per_source_and_exact(api: Api) -> None:
    with api.unchanged(V):
        dup = create(api, {"metadata": {"source": "JIRA"}, "id": "WEB-101", "name": "Again"})
    assert error(dup)[:2] == (409, "DuplicateExternalIdError")
    # the same external id under a source that does not have it yet; case and spaces count (GEN-3)
    for source, external_id in [("SAP", "WEB-101"), ("JIRA", "web-101"), ("JIRA", "WEB-101 ")]:
        r = create(api, {"metadata": {"source": source}, "id": external_id, "name": "New"})
        assert r.status_code == 201, r.text
    assert by_external(api, "projects", "JIRA", "web-101")["name"] == "New"


def test_COR_8_create_requires_id_and_name(api: Api) -> None:
    with api.unchanged(V):
        neither = create(api, {"metadata": SF, "brief": "No external id and no name"})
        no_name = create(api, {"metadata": SF, "id": "SF-OPP-20005"})
        empty = create(api, {"metadata": SF, "id": "", "name": "x"})
    assert error(neither) == (400, "ValidationError", "Missing required id field")
    assert error(no_name) == (400, "ValidationError", "Missing required name field")
    assert error(empty) == (400, "ValidationError", "The id field must not be empty")


def test_COR_8_create_client_then_reference_it(api: Api) -> None:
    client = {
        "metadata": {"source": "ZAPIER"},
        "id": "ZAP-ACC-1",
        "name": "Acme Corporation",
        "business_name": "Acme Corporation LLC",
        "email_contact": "contact@acme.com",
        "name_contact": "Jane",
        "last_name_contact": "Smith",
        "phone": "+1 555-0100",
        "website": "https://acme.com",
        "description": "Enterprise software",
    }
    r = create_client(api, client)
    assert r.status_code == 201
    assert r.json() == {
        "id": 25904,
        **{k: v for k, v in client.items() if k not in ("metadata", "id")},
        "company_id": 1234,
        "created_at": NOW,
        "updated_at": NOW,
    }
    with api.unchanged(V):
        dup = create_client(api, {**client, "name": "Acme Corporation (again)"})
    assert error(dup) == (
        409,
        "DuplicateExternalIdError",
        "A client with the external ID 'ZAP-ACC-1' already exists for source ZAPIER",
    )
    created = create(
        api,
        {"metadata": {"source": "ZAPIER"}, "id": "ZAP-DEAL-1", "name": "Rollout", "client_id": "ZAP-ACC-1"},
    )
    assert created.status_code == 201
    assert created.json()["client_id"] == 25904


def test_COR_8_create_client_requires_id_and_name(api: Api) -> None:
    with api.unchanged(V):
        r = create_client(api, {"metadata": SF, "id": "SF-ACC-70000"})
    assert error(r) == (400, "ValidationError", "Missing required name field")


# -- DELETE /v2/integrations/projects/{id} (developers.projectcor.com/api-reference/integrations/
# projects/delete: body {"metadata": {"source"}}, 200 {message, external_id, cor_id}) ----------
def test_COR_3_delete_answers_the_pages_body_and_frees_the_external_id(api: Api) -> None:
    before = api.state(V)["projects"]
    r = delete(api, SEED, {"metadata": SF})
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "Project deleted successfully", "external_id": SEED, "cor_id": 155693}
    assert "COR-3" in last_entry(api)["rules"]
    after = api.state(V)["projects"]
    assert after == {k: v for k, v in before.items() if k != SEED_ID}  # that project, nothing else
    with api.unchanged(V):
        gone_put = put(api, SEED, {"metadata": SF, "name": "x"})
        gone_delete = delete(api, SEED, {"metadata": SF})
    expected = (
        404,
        "ProjectNotFoundError",
        f"No project found with the external ID '{SEED}' for source SALESFORCE",
    )
    assert error(gone_put) == error(gone_delete) == expected
    # the mapping went with the project: the external id is free for a create again (COR-8)
    again = create(api, {"metadata": SF, "id": SEED, "name": "Website Redesign Project"})
    assert again.status_code == 201, again.text
    assert again.json()["id"] == 155703  # a new COR project, not the deleted one back
    assert put(api, SEED, {"metadata": SF, "status": "active"}).json()["id"] == 155703


def test_COR_3_delete_looks_the_project_up_within_the_source(api: Api) -> None:
    github = project(api, "155701")
    r = delete(api, "WEB-101", {"metadata": {"source": "JIRA"}})
    assert r.json() == {"message": "Project deleted successfully", "external_id": "WEB-101", "cor_id": 155700}
    state = api.state(V)["projects"]
    assert "155700" not in state
    assert state["155701"] == github  # GITHUB's WEB-101 is another project
    with api.unchanged(V):
        other = delete(api, "WEB-101", {"metadata": SF})
    assert error(other)[:2] == (404, "ProjectNotFoundError")


@pytest.mark.parametrize(
    ("external_id", "source"),
    [("SF-OPP-99999", "SALESFORCE"), (SEED, "JIRA"), ("sf-opp-12345", "SALESFORCE"), ("WEB-101", "SAP")],
)
def test_COR_3_delete_of_an_unknown_pair_is_project_not_found(
    api: Api, external_id: str, source: str
) -> None:
    with api.unchanged(V):
        r = delete(api, external_id, {"metadata": {"source": source}})
    assert error(r) == (
        404,
        "ProjectNotFoundError",
        f"No project found with the external ID '{external_id}' for source {source}",
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ("ValidationError", "Missing required metadata field")),
        ({"metadata": {}}, ("ValidationError", "Missing required metadata.source field")),
        ({"metadata": None}, ("ValidationError", "The metadata field must not be null")),
        ({"metadata": {"source": None}}, ("ValidationError", "The metadata.source field must not be null")),
        ({"metadata": {"source": 7}}, ("ValidationError", "The metadata.source field must be a string")),
        (
            {"metadata": {"source": "salesforce"}},
            (
                "InvalidSourceError",
                "The metadata.source value 'salesforce' is not a valid integration source; "
                "expected one of " + ", ".join(SOURCES),
            ),
        ),
    ],
)
def test_COR_2_delete_needs_a_valid_source_and_deletes_nothing_without(
    api: Api, body: Any, expected: tuple[str, str]
) -> None:
    for external_id in (SEED, "NO-SUCH-PROJECT"):  # the source is read before the lookup
        with api.unchanged(V):
            r = delete(api, external_id, body)
        assert error(r) == (400, *expected)
        assert "COR-2" in last_entry(api)["rules"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The request body is required and must be a JSON object"),
        (b'{"metadata": ', "The request body is not valid JSON: "),
        (b'["metadata"]', "The request body must be a JSON object"),
    ],
)
def test_COR_2_delete_without_a_readable_body_is_a_validation_error(
    api: Api, raw: bytes, message: str
) -> None:
    with api.unchanged(V):
        r = api.call(
            V,
            "DELETE",
            f"/v2/integrations/projects/{SEED}",
            content=raw,
            headers={"Content-Type": "application/json"},
        )
    status, name, text = error(r)
    assert (status, name) == (400, "ValidationError")
    assert text.startswith(message), text


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer unknown-token"}, {"Authorization": "Bearer"}]
)
def test_COR_1_delete_without_a_valid_token_is_401(api: Api, headers: dict[str, str]) -> None:
    with api.unchanged(V):
        r = delete(api, SEED, {"metadata": SF}, token=None, headers=headers)
    assert error(r) == (401, "Unauthorized", "A valid Bearer access token is required")


def test_COR_3_delete_ignores_undocumented_fields_with_a_warning_GEN_7(api: Api) -> None:
    r = delete(api, SEED, {"metadata": {**SF, "tenant": "acme"}, "force": True})
    assert r.status_code == 200, r.text
    assert SEED_ID not in api.state(V)["projects"]
    assert {w["field"] for w in last_entry(api)["warnings"]} == {"metadata.tenant", "force"}


def test_COR_3_strict_delete_with_an_undocumented_field_deletes_nothing_GEN_7(strict_api: Api) -> None:
    with strict_api.unchanged(V):
        r = delete(strict_api, SEED, {"metadata": SF, "force": True})
        missing = delete(strict_api, "NO-SUCH-PROJECT", {"metadata": SF, "force": True})
    assert error(r) == (400, "ValidationError", "The force field is not a documented field of this operation")
    assert error(missing)[:2] == (404, "ProjectNotFoundError")  # the lookup first, as on the update


# -- POST /v1/oauth/token (GEN-8; COR's quickstart: Basic API_KEY:CLIENT_SECRET, grant in the query) --
TOKEN_PATH = "/v1/oauth/token?grant_type=client_credentials"


def basic(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def cor_token(api: Api, headers: dict[str, str], path: str = TOKEN_PATH) -> Any:
    return api.call(V, "POST", path, token=None, headers=headers)


def test_GEN_8_cor_client_credentials_get_a_token_that_updates_projects(api: Api) -> None:
    r = cor_token(api, basic("cor-api-key", "cor-client-secret"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["refresh_token"]
    update = {"metadata": SF, "name": "Renamed with an issued token"}
    done = api.call(V, "PUT", f"/v2/integrations/projects/{SEED}", json=update, token=body["access_token"])
    assert done.status_code == 200 and done.json()["name"] == "Renamed with an issued token"
    assert done.json()["company_id"] == 1234  # the credentials' company, as the fixture token's


@pytest.mark.parametrize(
    "headers",
    [
        basic("cor-api-key", "wrong-secret"),
        basic("unknown-key", "cor-client-secret"),
        {},
        {"Authorization": "Basic not-base64!"},
        {"Authorization": "Bearer test-token"},
    ],
    ids=["wrong secret", "unknown key", "no header", "malformed", "bearer"],
)
def test_GEN_8_COR_1_cor_wrong_credentials_are_401_in_cor_envelope(api: Api, headers: dict[str, str]) -> None:
    with api.unchanged(V):
        r = cor_token(api, headers)
    assert r.status_code == 401
    assert r.json() == {"error": "Unauthorized", "message": "Invalid API key or client secret"}


def test_GEN_8_COR_1_cor_credentials_with_a_non_ascii_byte_are_401(api: Api) -> None:
    """Found by a hostile probe: b64decode refuses a str with a non-ASCII character by a
    ValueError that is not a binascii.Error, and the token call was a 500."""
    headers = [(b"authorization", "Basic Y29yé".encode("latin-1")), (b"x-mock-session", api.session.encode())]
    with api.unchanged(V):
        r = api.client.request("POST", "/cor" + TOKEN_PATH, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"error": "Unauthorized", "message": "Invalid API key or client secret"}


@pytest.mark.parametrize("path", ["/v1/oauth/token?grant_type=password", "/v1/oauth/token"])
def test_GEN_8_COR_1_cor_token_needs_the_client_credentials_grant(api: Api, path: str) -> None:
    r = cor_token(api, basic("cor-api-key", "cor-client-secret"), path)
    assert r.status_code == 400 and r.json()["error"] == "ValidationError"


def test_GEN_8_cor_token_from_one_session_is_401_in_another(api: Api) -> None:
    token = cor_token(api, basic("cor-api-key", "cor-client-secret")).json()["access_token"]
    other = Api(api.app, api.checkers, api.session + "-other")
    update = {"metadata": SF, "name": "Elsewhere"}
    r = other.call(V, "PUT", f"/v2/integrations/projects/{SEED}", json=update, token=token)
    assert r.status_code == 401 and r.json()["error"] == "Unauthorized"


def test_GEN_8_COR_1_cor_token_without_grant_type_names_the_parameter_once(api: Api) -> None:
    """The message was "The query parameter grant_type Missing query parameter 'grant_type'":
    COR's wording wrapped around the core's own sentence."""
    with api.unchanged(V):
        r = cor_token(api, basic("cor-api-key", "cor-client-secret"), "/v1/oauth/token")
    assert error(r) == (400, "ValidationError", "Missing required grant_type query parameter")


# -- POST /v1/oauth/refreshtoken (developers.projectcor.com/api-reference/auth/jwt-refresh-token:
# form field refresh_token, no Authorization; rotation and the errors are the spec's decisions) --
REFRESH_PATH = "/v1/oauth/refreshtoken"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# a second API key with its own subject and company, so a grant carried over is told from the default
OTHER_CLIENT = {
    "api_key": "cor-api-key-2",
    "client_secret": "cor-client-secret-2",
    "subject": "cor-other-bot",
    "permissions": ["integrations:write"],
    "company_id": 5678,
}


def refresh(api: Api, refresh_token: str, headers: dict[str, str] = FORM) -> Any:
    form = f"refresh_token={refresh_token}".encode()
    return api.call(V, "POST", REFRESH_PATH, content=form, token=None, headers=headers)


def other_client_tokens(api: Api) -> dict[str, Any]:
    state = api.state(V)
    state["credentials"]["cor-api-key-2"] = OTHER_CLIENT
    api.put_state(V, state)
    r = cor_token(api, basic("cor-api-key-2", "cor-client-secret-2"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_GEN_8_cor_refresh_token_gives_a_new_access_token_for_the_same_grant(api: Api) -> None:
    first = other_client_tokens(api)
    r = refresh(api, first["refresh_token"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}  # the page's fields
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["access_token"] != first["access_token"]
    assert body["refresh_token"] != first["refresh_token"]
    stored = api.state(V)["tokens"][body["access_token"]]
    grant = {k: OTHER_CLIENT[k] for k in ("subject", "permissions", "company_id")}
    assert stored == {"token": body["access_token"], **grant}
    assert "GEN-8" in last_entry(api)["rules"]


def test_GEN_8_cor_refreshed_token_works_on_project_calls_as_its_grant(api: Api) -> None:
    refreshed = refresh(api, other_client_tokens(api)["refresh_token"]).json()["access_token"]
    update = {"metadata": SF, "name": "Renamed with a refreshed token"}
    done = put(api, SEED, update, token=refreshed)
    assert done.status_code == 200 and done.json()["name"] == "Renamed with a refreshed token"
    created = create(
        api, {"metadata": SF, "id": "SF-OPP-REFRESHED", "name": "Made after a refresh"}, token=refreshed
    )
    assert created.status_code == 201, created.text
    assert created.json()["company_id"] == 5678  # the grant's company, not the default 1234


def test_GEN_8_cor_refresh_needs_no_authorization_and_ignores_one(api: Api) -> None:
    """The page's request carries no Authorization header; a bearer sent anyway changes nothing."""
    r = refresh(api, "test-refresh-token", headers={**FORM, "Authorization": "Bearer unknown-token"})
    assert r.status_code == 200, r.text
    assert put(api, SEED, {"metadata": SF}, token=r.json()["access_token"]).status_code == 200


def test_GEN_8_COR_1_cor_refresh_token_rotates_the_used_one_is_refused(api: Api) -> None:
    first = refresh(api, "test-refresh-token")  # the fixtures' refresh token, test-token's grant
    assert first.status_code == 200, first.text
    with api.unchanged(V):
        again = refresh(api, "test-refresh-token")
    assert error(again) == (401, "Unauthorized", "The refresh token is invalid or has already been used")
    second = refresh(api, first.json()["refresh_token"])  # its successor works, once
    assert second.status_code == 200, second.text
    assert error(refresh(api, first.json()["refresh_token"]))[:2] == (401, "Unauthorized")
    # access tokens already issued stay valid (COR's JWTs live for expires_in; the mock's never expire)
    for token in (first.json()["access_token"], second.json()["access_token"]):
        assert put(api, SEED, {"metadata": SF}, token=token).status_code == 200
    assert set(api.state(V)["refresh_tokens"]) == {second.json()["refresh_token"]}


@pytest.mark.parametrize(
    "refresh_token",
    ["no-such-refresh-token", "test-token", "cor-refresh-0", ""],
    ids=["unknown", "an access token", "made up", "empty"],
)
def test_GEN_8_COR_1_cor_unknown_refresh_token_is_401_in_cor_envelope(api: Api, refresh_token: str) -> None:
    with api.unchanged(V):
        r = refresh(api, refresh_token)
    assert error(r) == (401, "Unauthorized", "The refresh token is invalid or has already been used")
    assert "COR-1" in last_entry(api)["rules"] and "GEN-4" in last_entry(api)["rules"]


def test_GEN_8_cor_refresh_token_from_one_session_is_401_in_another(api: Api) -> None:
    issued = cor_token(api, basic("cor-api-key", "cor-client-secret")).json()["refresh_token"]
    other = Api(api.app, api.checkers, api.session + "-other")
    assert error(refresh(other, issued))[:2] == (401, "Unauthorized")
    assert refresh(api, issued).status_code == 200  # still unused in its own session


@pytest.mark.parametrize(
    ("form", "headers", "expected"),
    [
        (b"", FORM, (400, "ValidationError", "Missing required refresh_token field")),
        (b"other=1", FORM, (400, "ValidationError", "Missing required refresh_token field")),
        (
            b"refresh_token=test-refresh-token&refresh_token=test-refresh-token",
            FORM,
            (400, "ValidationError", "The refresh_token field must be a string"),
        ),
        (
            b'{"refresh_token": "test-refresh-token"}',
            {"Content-Type": "application/json"},
            (
                415,
                "UnsupportedMediaTypeError",
                "The request body must be sent as application/x-www-form-urlencoded",
            ),
        ),
    ],
    ids=["no body", "no refresh_token", "sent twice", "json"],
)
def test_GEN_9_COR_1_cor_refresh_malformed_request(
    api: Api, form: bytes, headers: dict[str, str], expected: tuple[int, str, str]
) -> None:
    with api.unchanged(V):
        r = api.call(V, "POST", REFRESH_PATH, content=form, token=None, headers=headers)
    assert error(r) == expected


def test_GEN_9_COR_1_cor_refresh_form_that_cannot_be_decoded(api: Api) -> None:
    with api.unchanged(V):
        r = api.call(V, "POST", REFRESH_PATH, content=b"refresh_token=%ff", token=None, headers=FORM)
    status, name, message = error(r)
    assert (status, name) == (400, "ValidationError")
    assert message.startswith("The form body cannot be decoded: ")  # not "... is not valid JSON"


def test_GEN_8_cor_refresh_tokens_round_trip_through_the_admin_state(api: Api) -> None:
    issued = cor_token(api, basic("cor-api-key", "cor-client-secret")).json()["refresh_token"]
    state = api.state(V)
    assert issued in state["refresh_tokens"]
    api.admin("POST", "/reset")
    assert error(refresh(api, issued))[:2] == (401, "Unauthorized")  # a reset forgets it
    api.put_state(V, state)
    assert refresh(api, issued).status_code == 200
