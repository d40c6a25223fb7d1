"""The admin API of INTERFACE.md: health, reset, state, journal, rules, and session isolation."""

from __future__ import annotations

from tests.fixtures.mock import Api

V = "personio"
RENAME = {"name": "Renamed by test"}


def test_health_lists_the_vendors(api: Api) -> None:
    r = api.admin("GET", "/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "vendors": sorted(api.app.vendors)}


def test_sessions_are_isolated(api: Api) -> None:
    other = Api(api.app, api.checkers, api.session + "-other")
    assert api.call(V, "PATCH", "/v2/projects/1001", json=RENAME).status_code == 204
    assert api.record(V, "projects", "1001")["name"] == RENAME["name"]
    assert other.record(V, "projects", "1001")["name"] == "Website Relaunch"
    assert other.journal() == []


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


def test_rules_report_catalog_and_fire_counts(api: Api) -> None:
    def fired() -> int:
        rules = api.admin("GET", "/rules").json()["rules"]
        return next(r["fired"] for r in rules if r["id"] == "PER-6")

    before = fired()
    api.call(V, "PATCH", "/v2/projects/1001", json={"cost_center": {"id": "nope"}})
    assert fired() == before + 1
