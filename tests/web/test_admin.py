"""The admin API of INTERFACE.md: health, reset, state, journal, rules, and session isolation."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from starlette.testclient import TestClient

from mockserver import native
from mockserver.app import MockApp, create_app
from mockserver.config import ServerConfig
from mockserver.core.spec import load_spec
from mockserver.web.admin import ADMIN_SPEC
from tests.fixtures.mock import Api

V = "personio"
RENAME = {"name": "Renamed by test"}
AUTH = {"Authorization": "Bearer test-token"}


def test_health_lists_the_vendors(api: Api) -> None:
    r = api.admin("GET", "/health")
    assert r.status_code == 200
    shown = {
        "status": "ok",
        "vendors": sorted(api.app.vendors),
        "rate_limits": False,
        "compiled": native.COMPILED,
    }
    assert r.json() == shown


def test_sessions_are_isolated(api: Api) -> None:
    other = Api(api.app, api.checkers, api.session + "-other")
    assert api.call(V, "PATCH", "/v2/projects/1001", json=RENAME).status_code == 204
    assert api.record(V, "projects", "1001")["name"] == RENAME["name"]
    assert other.record(V, "projects", "1001")["name"] == "Website Relaunch"
    assert other.journal() == []


def test_GEN_4_refused_calls_naming_new_sessions_do_not_push_out_one_in_use() -> None:
    """Found by a hostile probe: 1,001 calls to an unknown path, each naming a new session, forgot
    a session's writes (its state came back from the fixtures)."""
    client = TestClient(create_app(ServerConfig(vendors=("personio",), max_sessions=5)))
    victim = {"Authorization": "Bearer test-token", "X-Mock-Session": "victim"}
    assert client.patch("/personio/v2/projects/1001", json=RENAME, headers=victim).status_code == 204
    for i in range(20):
        junk = {"X-Mock-Session": f"junk-{i}"}
        assert client.get("/personio/no-such-route", headers=junk).status_code == 404
        assert client.patch("/personio/v2/projects/1001", json=RENAME, headers=junk).status_code == 401
        assert client.get("/nothing-here", headers=junk).status_code == 404
    assert client.get("/personio/v2/projects/1001", headers=victim).json()["name"] == RENAME["name"]
    names = [s["name"] for s in client.get("/__admin/sessions").json()["sessions"]]
    assert "victim" in names and len(names) <= 5


def test_admin_calls_make_a_session_only_when_their_task_uses_it(api: Api) -> None:
    """Listing, health and refused admin calls name a session and make none (the README says
    listing creates none; a header naming one made it)."""

    def names() -> list[str]:
        return [s["name"] for s in api.client.get("/__admin/sessions").json()["sessions"]]

    header = {"X-Mock-Session": "only-named"}
    for path in ("/sessions", "/health", "/requests?limit=-1", "/nothing-here"):
        api.client.get(f"/__admin{path}", headers=header)
    api.client.post("/__admin/faults", content=b"x" * (2**20 + 1), headers=header)  # 413
    assert "only-named" not in names()
    assert api.client.get("/__admin/requests", headers=header).status_code == 200  # uses it
    assert "only-named" in names()


def test_a_session_can_be_named_in_the_path_instead_of_a_header(api: Api) -> None:
    # /__session/NAME/... serves clients that can change their base URL but not their headers.
    headers = {"Authorization": "Bearer test-token"}
    base = f"/__session/{api.session}/personio"
    r = api.client.patch(f"{base}/v2/projects/1001", json=RENAME, headers=headers)
    assert r.status_code == 204
    assert api.record(V, "projects", "1001")["name"] == RENAME["name"]
    assert api.client.get(f"/__session/{api.session}/__admin/requests").json()["requests"][0]["status"] == 204
    default = api.client.get("/personio/v2/projects/1001", headers=headers)
    assert default.json()["name"] == "Website Relaunch"


@pytest.mark.parametrize(("segment", "name"), [("a%2Fb", "a/b"), ("a%252Fb", "a%2Fb"), ("caf%C3%A9", "café")])
def test_a_session_named_in_the_path_is_decoded_once(api: Api, segment: str, name: str) -> None:
    """Found by a hostile probe: the name was decoded twice (a%252Fb became a/b), and an encoded
    slash in it cut the path (a%2Fb was the session a and a 404)."""
    headers = {"Authorization": "Bearer test-token"}
    r = api.client.patch(f"/__session/{segment}/personio/v2/projects/1001", json=RENAME, headers=headers)
    assert r.status_code == 204, r.text
    state = api.client.get(f"/__session/{segment}/__admin/state/personio").json()
    assert state["projects"]["1001"]["name"] == RENAME["name"]
    (entry,) = api.client.get(f"/__session/{segment}/__admin/requests").json()["requests"]
    assert (entry["session"], entry["path"]) == (name, "/personio/v2/projects/1001")
    listed = api.client.get(f"/__session/{segment}/personio/v2/projects?limit=1", headers=headers)
    assert f"/__session/{segment}/personio/v2/projects?" in listed.json()["_meta"]["links"]["next"]["href"]


@pytest.mark.parametrize(
    ("segment", "sent", "name"),
    [("caf%C3%A9", "café".encode(), "café"), ("%FF", b"\xff", "\u00ff"), ("%FE", b"\xfe", "\u00fe")],
)
def test_a_session_name_is_the_same_session_in_the_header_and_in_the_path(
    api: Api, segment: str, sent: bytes, name: str
) -> None:
    """Found by a hostile probe: the header was read as Latin-1 (café became cafÃ©) and the path
    as UTF-8 with replacement (%FF and %FE both became U+FFFD): a dashboard's copied curl line
    reached another session. Both read UTF-8, and bytes that are not UTF-8 as Latin-1."""
    auth = (b"authorization", b"Bearer test-token")
    own = api.session.encode()  # the app is the module's: another test may have used the name
    r = api.client.patch(
        "/personio/v2/projects/1001", json=RENAME, headers=[auth, (b"x-mock-session", own + sent)]
    )
    assert r.status_code == 204, r.text
    (entry,) = api.client.get(f"/__session/{api.session}{segment}/__admin/requests").json()["requests"]
    assert entry["session"] == api.session + name
    listed = api.client.get("/__admin/sessions").json()["sessions"]
    assert [s["name"] for s in listed].count(api.session + name) == 1


@pytest.mark.parametrize("vid", ["cor", "personio", "ruddr", "wethod", "zep"])
def test_an_empty_session_name_in_the_path_is_a_400_and_never_the_default_session(api: Api, vid: str) -> None:
    """Found by a hostile probe: ``/__session//zep/...`` (a harness whose session variable was
    empty) was served, and written, in the default session."""
    vendor = api.app.vendors[vid]
    sample = vendor.sample
    method = "PUT" if vid == "cor" else "PATCH"
    headers = {**api.headers(vid), "X-Mock-Session": api.session}
    default_before = api.client.get(f"/__admin/state/{vid}").json()
    r = api.client.request(
        method, f"/__session/{vendor.prefix}{sample.path}", json=sample.body, headers=headers
    )
    assert r.status_code in (400, 422), r.text
    assert "The session name in /__session/NAME/ is empty" in r.text
    errors = api.checkers[vid].response_errors(method, sample.path, r.status_code, dict(r.headers), r.content)
    assert not errors, errors  # the vendor's own envelope (GEN-10)
    assert api.client.get(f"/__admin/state/{vid}").json() == default_before
    assert api.journal() == []  # not the header's session either
    admin = api.client.get("/__session//__admin/requests")
    assert admin.json() == {
        "status": 400,
        "message": "The session name in /__session/NAME/ is empty: name the session, or leave the prefix out.",
    }


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_an_empty_session_header_is_a_400_and_never_the_default_session(api: Api, blank: str) -> None:
    """Found by a hostile probe: ``X-Mock-Session:`` with nothing in it wrote to the default
    session, as ``/__session//`` did."""
    default_before = api.client.get("/__admin/state/personio").json()
    headers = {**api.headers("personio"), "X-Mock-Session": blank}
    r = api.client.patch("/personio/v2/projects/1001", json={"description": "x"}, headers=headers)
    assert r.status_code == 400
    assert r.json()["errors"][0]["detail"] == (
        "The X-Mock-Session header is empty: name the session, or leave the header out."
    )
    admin = api.client.get("/__admin/requests", headers={"X-Mock-Session": blank})
    assert admin.status_code == 400
    assert api.client.get("/__admin/state/personio").json() == default_before


def test_the_journal_keeps_the_path_as_sent_where_decoding_changed_it(api: Api) -> None:
    """Found by a hostile probe: "copy as curl" rebuilt the URL from the decoded path, so an id
    with %3F, %23, %20 or %2F replayed as a query, a fragment, a space or a slash."""
    sent = "/zep/api/v1/projects/a%3Fb%23c%20d%2F"
    api.client.get(sent, headers=api.headers("zep"))
    api.call("zep", "GET", "/projects/123")
    odd, plain = api.journal()
    assert (odd["path"], odd["raw_path"]) == ("/zep/api/v1/projects/a?b#c d/", sent)
    assert "raw_path" not in plain  # only where it differs


def test_reset_restores_fixtures_and_clears_the_journal(api: Api) -> None:
    api.call(V, "PATCH", "/v2/projects/1001", json=RENAME)
    assert api.admin("POST", "/reset").status_code == 200
    assert api.record(V, "projects", "1001")["name"] == "Website Relaunch"
    assert api.journal() == []


def test_state_round_trips_and_drives_the_vendor_api(api: Api) -> None:
    state = api.state(V)
    assert {"tokens", "projects"} <= set(state)
    assert "test-token" in state["tokens"]
    state["projects"]["1001"]["name"] = "Seeded"
    api.put_state(V, state)
    assert api.call(V, "GET", "/v2/projects/1001").json()["name"] == "Seeded"


def test_bad_state_documents_are_rejected_whole(api: Api) -> None:
    before = api.state(V)
    bad_documents = [
        b"[]",
        b"{not json",
        b'{"unknown_collection": {}}',
        b'{"projects": []}',
        b'{"projects": {"1": {"id": "2"}}}',
        b'{"projects": {"1": "text"}}',
    ]
    for raw in bad_documents:
        r = api.admin("PUT", f"/state/{V}", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, raw
        assert r.json()["status"] == 400
    assert api.state(V) == before


def test_unknown_vendor_state_is_404(api: Api) -> None:
    assert api.admin("GET", "/state/nope").status_code == 404


def test_a_journal_filter_by_an_unknown_vendor_is_404_not_an_empty_journal(api: Api) -> None:
    """Found by an interface audit: ``?vendor=nope`` answered ``[]``, as if nothing was called."""
    r = api.admin("GET", "/requests?vendor=persnio")
    assert r.status_code == 404
    assert r.json()["message"].startswith("unknown vendor 'persnio'; known: ['cor', 'personio'")


def test_journal_records_each_call_and_can_be_cleared(api: Api) -> None:
    api.call(V, "PATCH", "/v2/projects/1001", json={"name": "Internal Tools", "extra": 1})
    (entry,) = api.journal()
    assert entry["vendor"] == V and entry["operation"] == "updateProject"
    assert entry["method"] == "PATCH" and entry["status"] == 422
    assert entry["request"]["body"] == {"name": "Internal Tools", "extra": 1}
    assert entry["response"]["body"]["errors"][0]["title"] == "Duplicate project name."
    assert "PER-4" in entry["rules"]
    assert entry["violations"][0]["rule"] == "PER-4"
    assert entry["warnings"][0]["field"] == "extra"
    assert api.admin("GET", "/requests?vendor=zep").json()["requests"] == []
    assert api.admin("DELETE", "/requests").status_code == 200
    assert api.journal() == []


def test_the_journal_names_the_operation_of_a_call_refused_before_the_rules_or_answered_by_a_fault(
    api: Api,
) -> None:
    """Found by an interface audit: a 401 and a fault's answer were journalled with operation
    null, so a filter by operation missed them."""
    no_token = api.call(V, "PATCH", "/v2/projects/1001", json={}, headers={"Authorization": ""})
    faulted = api.call(V, "GET", "/v2/projects/1001", headers={"X-Mock-Fault": "status=429"})
    unrouted = api.client.get("/personio/v2/nowhere", headers=api.headers(V))
    assert (no_token.status_code, faulted.status_code, unrouted.status_code) == (401, 429, 404)
    assert [e["operation"] for e in api.journal()] == ["updateProject", "getProject", None]


def test_GEN_7_the_journal_names_undocumented_query_parameters_and_body_fields(api: Api) -> None:
    """One call with both: each is a warning of its own location; the session prefix in the path
    and the X-Mock-* headers are the mock's own, not parameters."""
    headers = api.headers(V)
    headers.pop("X-Mock-Session")
    path = f"/__session/{api.session}-q/personio/v2/projects/1001?colour=blue&shade=dark"
    r = api.client.patch(path, json={"name": "Fine", "extra": 1}, headers=headers)
    assert r.status_code == 204, r.text
    journal = api.admin("GET", "/requests", headers={"X-Mock-Session": f"{api.session}-q"}).json()
    (entry,) = journal["requests"]
    shown = [(w["location"], w["field"], w["rule"]) for w in entry["warnings"]]
    assert shown == [("query", "colour", "GEN-7"), ("query", "shade", "GEN-7"), ("body", "extra", "GEN-7")]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=-1", "query parameter 'limit': must be greater than or equal to 1"),
        ("limit=" + "9" * 400, "query parameter 'limit': must be less than or equal to 10000"),
        ("limit=abc", "query parameter 'limit': must be of type integer"),
        ("after=%D9%A3", "query parameter 'after': must be of type integer"),  # an Arabic-Indic 3
    ],
    ids=["negative", "400 digits", "text", "unicode digit"],
)
def test_GEN_9_the_admin_api_refuses_a_parameter_its_spec_forbids(api: Api, query: str, message: str) -> None:
    """Its parameters were checked and the verdict dropped: -1 reached islice (a 500), text was
    silently ignored."""
    api.call(V, "GET", "/v2/projects/1001")
    r = api.admin("GET", f"/requests?{query}")
    assert r.status_code == 400
    assert r.json() == {"status": 400, "message": message, "field": query.partition("=")[0]}
    assert len(api.admin("GET", "/requests?limit=1&after=0").json()["requests"]) == 1


def test_GEN_4_a_key_given_twice_in_an_admin_document_is_refused_and_changes_nothing(api: Api) -> None:
    """Found by a hostile probe: the last of two keys silently won, so a state document ending in
    ``,"projects":{}}`` emptied the projects, and a fault with two statuses stored the second."""
    state = api.admin("GET", f"/state/{V}").text
    emptied = api.admin("PUT", f"/state/{V}", content=state[:-1] + ',"projects":{}}')
    assert emptied.status_code == 400
    assert emptied.json()["message"] == "the key 'projects' is given twice in one object"
    assert api.admin("GET", f"/state/{V}").text == state
    fault = api.admin("POST", "/faults", content=b'{"vendor":"zep","status":500,"status":429}')
    assert fault.status_code == 400
    assert fault.json()["message"] == "the key 'status' is given twice in one object"
    assert api.admin("GET", "/faults").json()["faults"] == []
    huge = api.admin("PUT", f"/state/{V}", content=b'{"projects": 1' + b"1" * 5000 + b"}")
    assert huge.json()["message"] == "a JSON number has more than 4300 digits, beyond any double"


def test_rules_report_catalog_and_fire_counts(api: Api) -> None:
    def fired() -> int:
        rules = api.admin("GET", "/rules").json()["rules"]
        return next(r["fired"] for r in rules if r["id"] == "PER-6")

    before = fired()
    api.call(V, "PATCH", "/v2/projects/1001", json={"cost_center": {"id": "nope"}})
    assert fired() == before + 1


def test_GEN_6_rules_say_which_body_fields_make_them_run(api: Api) -> None:
    rules = {r["id"]: r for r in api.admin("GET", "/rules").json()["rules"]}
    assert rules["PER-6"]["body_fields"] == ["cost_center"]
    assert rules["PER-7"]["body_fields"] == ["end", "start"]
    assert rules["WET-1"]["body_fields"] == []  # the tenant headers: every call
    assert rules["GEN-4"]["body_fields"] == []  # a mechanism


def test_GEN_12_rules_report_their_basis_and_source(api: Api) -> None:
    body = api.admin("GET", "/rules").json()
    schema = load_spec(ADMIN_SPEC)["paths"]["/rules"]["get"]["responses"]["200"]["content"]
    OAS30Validator(schema["application/json"]["schema"]).validate(body)
    rules = {r["id"]: r for r in body["rules"]}
    assert len(rules) == 70
    for rule_id, rule in rules.items():
        assert rule["basis"] in {"doc", "decision", "inferred"}, rule_id
        assert rule["source"].strip(), rule_id
        assert all(url.startswith("https://") and url in rule["source"] for url in rule["urls"]), rule_id
        if rule["basis"] == "doc":
            assert rule["urls"] and "https://" in rule["source"], rule_id
    assert rules["COR-1"]["basis"] == "inferred"  # no COR page shows an error body
    assert "no error body" in rules["COR-1"]["source"]
    assert rules["RUD-11"]["basis"] == "doc"
    assert "https://ruddr.readme.io/reference" in rules["RUD-11"]["urls"]
    assert rules["WET-12"]["basis"] == "inferred"  # a third-party client, not a Wethod page
    assert rules["GEN-12"]["basis"] == "decision"


# -- PUT /state: a document is checked whole before anything is applied (issue 11) ----------------
RUDDR_WEBSITE = "572e66b1-60a6-4935-853f-b59b053112e6"
READS = {  # a read each vendor answers from its state (COR has none: its update answers)
    "wethod": ("GET", "/api/projects/42", None),
    "personio": ("GET", "/v2/projects/1001", None),
    "ruddr": ("GET", f"/projects/{RUDDR_WEBSITE}", None),
    "zep": ("GET", "/projects/123", None),
    "cor": ("PUT", "/v2/integrations/projects/SF-OPP-12345", {"metadata": {"source": "SALESFORCE"}}),
}


def _project(document: dict[str, Any], vendor: str) -> dict[str, Any]:
    key = {"wethod": "42", "personio": "1001", "ruddr": RUDDR_WEBSITE, "zep": "123", "cor": "155693"}[vendor]
    project: dict[str, Any] = document["projects"][key]
    return project


def _set(vendor: str, **fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda document: _project(document, vendor).update(fields)


def _drop(vendor: str, name: str) -> Callable[[dict[str, Any]], None]:
    return lambda document: _project(document, vendor).pop(name)


def _only_projects(document: dict[str, Any]) -> None:
    # the finding's document verbatim: it once installed half, and took the tokens with it
    document.clear()
    document["projects"] = {"1": {"id": 1}, "2": {"id": 2, "pm_id": [1]}, "3": {"id": 3}}


def _overflowing_budget(document: dict[str, Any]) -> None:
    _project(document, "ruddr").update(
        useBudget=True, budgetMode="summary", budgetServiceRevenue=1e308, budgetOtherItemsAmount=1e308
    )


BAD_DOCUMENTS = {
    "wethod-finding": ("wethod", _only_projects, "projects['2'].pm_id: must be integer or null, not array"),
    "wethod-metadata": (
        "wethod",
        _set("wethod", metadata_13=7),
        "projects['42'].metadata_13: must be string",
    ),
    "personio-parent": (
        "personio",
        _set("personio", parent_project="x"),
        ".parent_project: must be object or null",
    ),
    "personio-status": (
        "personio",
        _set("personio", status="BOGUS"),
        "projects['1001']: as getProject answers it, status must be one of",
    ),
    "ruddr-client": ("ruddr", _set("ruddr", clientId={}), ".clientId: must be string, not object"),
    "ruddr-tags": ("ruddr", _set("ruddr", tagIds=1), ".tagIds: must be array or null, not integer"),
    "ruddr-budget": (
        "ruddr",
        _set("ruddr", budgetServiceRevenue="x"),
        ".budgetServiceRevenue: must be number or null",
    ),
    "ruddr-status": (
        "ruddr",
        _drop("ruddr", "statusId"),
        f"projects['{RUDDR_WEBSITE}']: statusId is required",
    ),
    "zep-dynamic": ("zep", _set("zep", dynamic_attributes=1), ".dynamic_attributes: must be array or null"),
    "zep-created": (
        "zep",
        _set("zep", created=None),
        "as getProject answers it, data.created must be of type",
    ),
    "cor-id": ("cor", _set("cor", pm_id="SF-USER-111"), ".pm_id: must be integer or null, not string"),
}


@pytest.mark.parametrize(("vendor", "edit", "problem"), BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS)
def test_GEN_4_a_document_the_vendor_could_not_serve_is_rejected_whole(
    api: Api, vendor: str, edit: Callable[[dict[str, Any]], None], problem: str
) -> None:
    before = api.state(vendor)
    document = copy.deepcopy(before)
    edit(document)
    r = api.admin("PUT", f"/state/{vendor}", json=document)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["status"] == 400
    assert any(problem in p for p in body["problems"]), body["problems"]
    assert api.state(vendor) == before
    method, path, sent = READS[vendor]
    assert api.call(vendor, method, path, json=sent).status_code == 200  # tokens and reads intact


def test_GEN_13_a_rendering_json_cannot_carry_rejects_the_document(api: Api) -> None:
    # each amount is a fine double; the budget's revenue, their sum, is not
    before = api.state("ruddr")
    document = copy.deepcopy(before)
    _overflowing_budget(document)
    r = api.admin("PUT", "/state/ruddr", json=document)
    assert r.status_code == 400
    assert r.json()["problems"] == [
        f"projects['{RUDDR_WEBSITE}']: as getProject answers it, body.budget.revenue: inf is not a finite number"
    ]
    assert api.state("ruddr") == before


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b'{"tokens": {"\\ud800": {"token": "\\ud800"}}}', "tokens: key '\\ud800' holds a lone surrogate"),
        (
            b'{"projects": {"1001": {"id": "1001", "name": NaN}}}',
            "projects['1001'].name: nan is not a finite number",
        ),
        (
            b'{"projects": {"1001": {"id": "1001", "name": 1e400}}}',
            "projects['1001'].name: inf is not a finite number",
        ),
        (
            b'{"projects": {"1": {"id": "1", "x": 1' + b"0" * 400 + b"}}}",
            "an integer outside the range of a double",
        ),
        (b'{"projects": ' + b"[" * 5000 + b"]" * 5000 + b"}", "JSON nested too deeply to read"),
        (b'{"projects": {"1": ' + b"9" * 5000 + b"}}", "a JSON number has more than 4300 digits"),
        (b"\xff{}", "not valid UTF-8"),
    ],
)
def test_GEN_13_a_document_holding_what_json_cannot_carry_is_a_400_naming_it(
    api: Api, raw: bytes, problem: str
) -> None:
    before = api.state(V)
    r = api.admin("PUT", f"/state/{V}", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert any(problem in p for p in r.json()["problems"]), r.json()
    assert api.state(V) == before


def test_GEN_5_a_rejected_document_lists_at_most_100_problems(api: Api) -> None:
    document = api.state(V)
    for i in range(500):
        document["projects"][str(i)] = {"id": str(i), "name": i}
    r = api.admin("PUT", f"/state/{V}", json=document)
    assert r.status_code == 400
    assert len(r.json()["problems"]) == 100
    assert r.json()["message"].startswith("100 problems (checking stopped there): projects['0'].name")


def test_GEN_4_the_built_in_fixtures_pass_their_own_checks(api: Api) -> None:
    for vendor in api.app.vendors:
        api.put_state(vendor, api.state(vendor))


# -- failures to save: 503, and nothing changes (issue 11) -----------------------------------------
@pytest.fixture
def closed_store(tmp_path: Path) -> tuple[TestClient, MockApp]:
    """An app on a SQLite store whose file has gone away under it (as on a full disk)."""
    app = create_app(ServerConfig(vendors=(V,), store=f"sqlite:{tmp_path / 'state.db'}"))
    client = TestClient(app)
    assert client.patch("/personio/v2/projects/1001", json=RENAME, headers=AUTH).status_code == 204
    client.post("/__admin/faults", json={"path": "/nowhere", "status": 500})
    app.store.close()
    return client, app


def test_GEN_4_a_reset_that_cannot_be_saved_is_a_503_and_keeps_the_session(
    closed_store: tuple[TestClient, MockApp],
) -> None:
    client, _ = closed_store
    r = client.post("/__admin/reset")
    assert r.status_code == 503
    assert r.json()["status"] == 503
    assert r.json()["message"].startswith("the reset could not be saved, so the session is unchanged")
    assert client.get("/__admin/state/personio").json()["projects"]["1001"]["name"] == RENAME["name"]
    assert len(client.get("/__admin/faults").json()["faults"]) == 1


def test_GEN_4_a_state_that_cannot_be_saved_is_a_503_and_changes_nothing(
    closed_store: tuple[TestClient, MockApp],
) -> None:
    client, _ = closed_store
    before = client.get("/__admin/state/personio").json()
    document = copy.deepcopy(before)
    document["projects"]["1001"]["name"] = "Never saved"
    r = client.put("/__admin/state/personio", json=document)
    assert r.status_code == 503
    assert r.json()["message"].startswith("the state could not be saved, so nothing changed")
    assert client.get("/__admin/state/personio").json() == before


# -- what the dashboard (/__admin/ui/) reads: sessions, new journal entries, per-session counts --
def _admin_schema(path: str, method: str, status: str) -> dict[str, Any]:
    response = load_spec(ADMIN_SPEC)["paths"][path][method]["responses"][status]
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with the admin spec's components beside it, so its $refs resolve."""
    return {**schema, "components": load_spec(ADMIN_SPEC)["components"]}


def test_sessions_lists_the_live_sessions_without_creating_any(api: Api) -> None:
    api.call(V, "PATCH", "/v2/projects/1001", json=RENAME)
    api.call(V, "PATCH", "/v2/projects/1001", json={"name": "Internal Tools"})
    api.admin("POST", "/faults", json={"vendor": V, "status": 429})
    body = api.client.get("/__admin/sessions").json()
    OAS30Validator(_admin_schema("/sessions", "get", "200")).validate(body)
    mine = next(s for s in body["sessions"] if s["name"] == api.session)
    assert mine == {"name": api.session, "requests": 2, "faults": 1}
    assert "default" in [s["name"] for s in body["sessions"]]
    before = set(api.app.store.session_names())
    api.client.get("/__admin/sessions")
    assert set(api.app.store.session_names()) == before


def test_reset_drops_the_session_from_the_list(api: Api) -> None:
    api.call(V, "GET", "/v2/projects/1001")
    assert api.session in api.app.store.session_names()
    api.client.post(f"/__session/{api.session}/__admin/reset")
    names = [s["name"] for s in api.client.get("/__admin/sessions").json()["sessions"]]
    assert api.session not in names


def test_requests_after_an_id_returns_only_the_new_entries(api: Api) -> None:
    for name in ("A", "B", "C"):
        api.call(V, "PATCH", "/v2/projects/1001", json={"name": name})
    everything = api.admin("GET", "/requests").json()
    OAS30Validator(_resolved(_admin_schema("/requests", "get", "200"))).validate(everything)
    ids = [e["id"] for e in everything["requests"]]
    assert everything["last_id"] == ids[-1]
    newer = api.admin("GET", f"/requests?after={ids[0]}").json()
    assert [e["id"] for e in newer["requests"]] == ids[1:]
    assert api.admin("GET", f"/requests?after={ids[-1]}").json()["requests"] == []
    newest = api.admin("GET", "/requests?limit=1").json()["requests"]
    assert [e["request"]["body"]["name"] for e in newest] == ["C"]


def test_last_id_survives_a_cleared_journal_and_restarts_after_a_reset(api: Api) -> None:
    api.call(V, "GET", "/v2/projects/1001")
    api.admin("DELETE", "/requests")
    assert api.admin("GET", "/requests?after=0").json() == {"requests": [], "last_id": 1}
    api.admin("POST", "/reset")
    assert api.admin("GET", "/requests?after=0").json() == {"requests": [], "last_id": 0}


def test_PER_6_rules_count_the_callers_session_apart_from_all_sessions(api: Api) -> None:
    other = Api(api.app, api.checkers, api.session + "-other")

    def counts(who: Api) -> tuple[int, int]:
        rules = who.admin("GET", "/rules").json()["rules"]
        rule = next(r for r in rules if r["id"] == "PER-6")
        return rule["fired"], rule["session_fired"]

    total, _ = counts(api)
    api.call(V, "PATCH", "/v2/projects/1001", json={"cost_center": {"id": "nope"}})
    api.call(V, "PATCH", "/v2/projects/1001", json={"cost_center": {"id": "nope"}})
    other.call(V, "PATCH", "/v2/projects/1001", json={"cost_center": {"id": "nope"}})
    assert counts(api) == (total + 3, 2)
    assert counts(other) == (total + 3, 1)
    api.admin("DELETE", "/requests")  # the log is cleared, the session's coverage stays
    assert counts(api) == (total + 3, 2)
    api.admin("POST", "/reset")
    assert counts(api) == (total + 3, 0)


@pytest.mark.parametrize(
    ("fault", "field"),
    [
        ({"status": 99}, "status"),
        ({"action": "latency"}, "latency_ms"),
        ({"status": 429, "latency_ms": [500, 100]}, "latency_ms"),
        ({"status": 429, "times": 0}, "times"),
        ({"vendor": "nobody", "status": 429}, "vendor"),
        ({"status": 429, "headers": {"Content-Length": "1"}}, "headers"),
        ({"status": 204, "body": {}}, "body"),
        ({"action": "reset", "status": 500}, "status"),
        ({"status": 429, "method": "PA TCH"}, "method"),
    ],
)
def test_a_rejected_fault_names_its_field_and_a_dry_run_answers_alike(
    api: Api, fault: dict[str, Any], field: str
) -> None:
    stored = api.admin("POST", "/faults", json=fault)
    checked = api.admin("POST", "/faults?dry_run=true", json=fault)
    assert stored.status_code == checked.status_code == 400
    assert stored.json() == checked.json()
    assert stored.json()["field"] == field
    assert api.admin("GET", "/faults").json()["faults"] == []


def test_a_dry_run_checks_a_good_fault_and_stores_nothing(api: Api) -> None:
    fault = {"vendor": V, "method": "patch", "path": "/v2/projects/*", "status": 429, "times": 2}
    checked = api.admin("POST", "/faults?dry_run=true", json=fault)
    assert checked.status_code == 200
    shown = checked.json()
    OAS30Validator(_resolved(_admin_schema("/faults", "post", "200"))).validate(shown)
    assert shown["method"] == "PATCH" and shown["times"] == 2 and shown["id"] == ""
    assert api.admin("GET", "/faults").json()["faults"] == []
    assert api.admin("POST", "/faults?dry_run=false", json=fault).status_code == 201
    assert len(api.admin("GET", "/faults").json()["faults"]) == 1


def test_a_dry_run_counts_the_session_limit(api: Api) -> None:
    for _ in range(100):
        assert api.admin("POST", "/faults", json={"status": 500}).status_code == 201
    checked = api.admin("POST", "/faults?dry_run=true", json={"status": 500})
    assert checked.status_code == 400
    assert "at most 100" in checked.json()["message"]
