"""The pytest plugin, tested with pytester: fixtures, isolation, the check after each test,
the ways to turn it off, overriding the server's settings, a mock that runs elsewhere, and a
collection that imports nothing heavy."""

from __future__ import annotations

import contextlib
from pathlib import Path

import httpx
import pytest

from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.live import LiveServer

RENAME = '{"name": "Renamed in a test"}'


def test_each_test_gets_its_own_session_and_base_urls(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_first(mock):
            r = httpx.patch(mock.url("personio") + "/v2/projects/1001", json={"name": "Mine"},
                            headers=mock.headers("personio"))
            assert r.status_code == 204
            assert mock.record("personio", "projects", "1001")["name"] == "Mine"
            assert [e["status"] for e in mock.journal()] == [204]

        def test_second_sees_the_fixtures(mock):
            r = httpx.get(mock.url("personio") + "/v2/projects/1001", headers=mock.headers("personio"))
            assert r.json()["name"] == "Website Relaunch"
            assert mock.journal("personio")[0]["status"] == 200
            assert set(mock.urls) == {"cor", "personio", "ruddr", "wethod", "zep"}
            assert mock.headers("wethod")["Wethod-Company"] == "acme"
        """
    )
    pytester.runpytest_inprocess("-p", "no:randomly").assert_outcomes(passed=2)


BAD_CALLS = """
import httpx
import pytest

def send(mock, body):
    return httpx.patch(mock.url("personio") + "/v2/projects/1001", json=body, headers=mock.headers("personio"))

def test_wrong_type(mock):
    assert send(mock, {"name": 42}).status_code == 400

def test_undocumented(mock):
    assert send(mock, {"name": "Fine", "colour": "blue"}).status_code == 204

@pytest.mark.mockserver(check=False)
def test_marked(mock):
    send(mock, {"name": 42})

@pytest.mark.mockserver(warnings=False)
def test_marked_warnings(mock):
    send(mock, {"colour": "blue"})

def test_allowed(mock):
    mock.allow_violations()
    mock.allow_warnings()
    send(mock, {"name": 42})
    send(mock, {"colour": "blue"})
"""


def test_spec_violations_and_warnings_fail_the_test_unless_allowed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(BAD_CALLS)
    result = pytester.runpytest_inprocess("-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*1. PATCH /personio/v2/projects/1001 -> 400 (updateProject)",
            '*request body: {"name": 42}',
            "*spec violation: name: must be of type string ?PER-2?",
            "*spec: specs/personio.yaml#/components/requestBodies/UpdateProjectRequest/*/properties/name",
            '*expected: {"maxLength": 255, "nullable": true, "type": "string"}',
            "*undocumented field (GEN-7): colour: 'colour' is not a documented field of this operation*",
            "*documented here: assigned_to_all, billable, *",
        ]
    )


def test_GEN_7_the_report_names_an_undocumented_query_parameter(pytester: pytest.Pytester) -> None:
    """tap-ruddr sends ``dateOnAfter``, which Ruddr's list does not document (issue 15)."""
    pytester.makepyfile(
        """
        import httpx
        import pytest

        def test_tap(mock):
            r = httpx.get(mock.url("ruddr") + "/projects?limit=2&dateOnAfter=2024-01-01",
                          headers=mock.headers("ruddr"))
            assert r.status_code == 200

        @pytest.mark.mockserver(warnings=False)
        def test_allowed(mock):
            httpx.get(mock.url("ruddr") + "/projects?dateOnAfter=2024-01-01", headers=mock.headers("ruddr"))
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:randomly")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*1. GET /ruddr/api/workspace/projects?limit=2&dateOnAfter=2024-01-01 -> 200 (listProjects)",
            "*undocumented query parameter (GEN-7): dateOnAfter: 'dateOnAfter' is not a documented query"
            " parameter of this operation ?GEN-7?",
            "*spec: specs/ruddr.yaml#/paths/~1projects/get/parameters",
            "*documented here: clientId, code, endingBefore, limit, *",
        ]
    )


@pytest.mark.parametrize(
    ("level", "outcomes"), [("off", {"passed": 5}), ("violations", {"passed": 4, "failed": 1})]
)
def test_the_check_level_is_an_option(
    pytester: pytest.Pytester, level: str, outcomes: dict[str, int]
) -> None:
    pytester.makepyfile(BAD_CALLS)
    pytester.runpytest_inprocess("-p", "no:randomly", f"--mock-check={level}").assert_outcomes(**outcomes)


def test_a_failing_test_shows_what_the_client_sent_wrong(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_expects_success(mock):
            r = httpx.patch(mock.url("personio") + "/v2/projects/1001", json={"status": 1},
                            headers=mock.headers("personio"))
            assert r.status_code == 204
        """
    )
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert 400 == 204*", "*mockserver*", "*spec violation: status*"])


def test_a_failed_report_links_the_session_in_the_dashboard_and_keeps_it(pytester: pytest.Pytester) -> None:
    """The report prints /__admin/ui/?session=NAME; the failed tests' sessions stay on the mock
    for that link, the passing test's is reset as before."""
    pytester.makepyfile(
        """
        import httpx

        def send(mock, body):
            return httpx.patch(mock.url("personio") + "/v2/projects/1001", json=body,
                               headers=mock.headers("personio"))

        def test_breaks_the_spec(mock):
            send(mock, {"name": 42})

        def test_fails_on_its_own(mock):
            assert send(mock, {"name": "Internal Tools"}).status_code == 204

        def test_passes(mock):
            send(mock, {"name": "Fine"})
        """
    )
    with LiveServer(create_app(ServerConfig())) as server:
        result = pytester.runpytest_inprocess("-p", "no:randomly", f"--mock-url={server.url}")
        result.assert_outcomes(failed=2, passed=1)
        link = f"{server.url}/__admin/ui/?session=pytest-*"
        result.stdout.fnmatch_lines([f"*see this session in the dashboard: {link}test_breaks_the_spec"])
        result.stdout.fnmatch_lines([f"dashboard: {link}test_fails_on_its_own"])
        kept = server.app.store.session_names()
        assert [name.rsplit("-", 1)[-1] for name in sorted(kept)] == [
            "test_breaks_the_spec",
            "test_fails_on_its_own",
        ]
        page = server.url + "/__admin/ui/?session=" + kept[0]
        assert httpx.get(page).status_code == 200


def test_the_server_settings_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from mockserver.config import ServerConfig

        @pytest.fixture(scope="session")
        def mock_server_config():
            return ServerConfig(vendors=("zep",), freeze_time="2030-01-01T00:00:00Z")
        """
    )
    pytester.makepyfile(
        """
        import httpx

        def test_only_zep(mock):
            assert list(mock.urls) == ["zep"]
            r = httpx.patch(mock.url("zep") + "/projects/123", json={"plan_hours": 1},
                            headers=mock.headers("zep"))
            assert r.json()["data"]["modified"].startswith("2030-01-01")
        """
    )
    pytester.runpytest_inprocess().assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("args", "ini", "enforced"),
    [((), "", False), (("--mock-rate-limits",), "", True), ((), "mock_rate_limits = true", True)],
    ids=["off-by-default", "option", "ini"],
)
def test_rate_limits_are_an_option_and_an_ini_key(
    pytester: pytest.Pytester, args: tuple[str, ...], ini: str, enforced: bool
) -> None:
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(
        f"""
        def test_settings(mock_server_config):
            assert mock_server_config.rate_limits is {enforced}
        """
    )
    pytester.runpytest_inprocess(*args).assert_outcomes(passed=1)


def test_a_client_over_ruddrs_rate_limit_gets_its_429_and_the_test_is_not_failed_for_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_burst(mock):
            with httpx.Client(headers=mock.headers("ruddr")) as client:
                answers = [client.get(mock.url("ruddr") + "/projects") for _ in range(100)]
            assert 429 in [r.status_code for r in answers]
            assert [e["violations"][0]["code"] for e in mock.journal("ruddr") if e["status"] == 429][0] == (
                "rate_limited"
            )
        """
    )
    pytester.runpytest_inprocess("-p", "no:randomly", "--mock-rate-limits").assert_outcomes(passed=1)


def test_a_mock_running_elsewhere_is_used_with_mock_url(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_remote(mock, mock_server):
            assert not hasattr(mock_server, "app")
            r = httpx.patch(mock.url("zep") + "/projects/123", json={"plan_hours": 2},
                            headers=mock.headers("zep"))
            assert r.status_code == 200
        """
    )
    with LiveServer(create_app(ServerConfig())) as server:
        pytester.runpytest_inprocess(f"--mock-url={server.url}").assert_outcomes(passed=1)
        # the plugin reset its session at teardown: nothing is left behind in the remote mock
        assert server.app.store.session_names() == []


def test_collection_imports_nothing_heavy(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # only our plugin: Hypothesis and Schemathesis register pytest plugins of their own
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeconftest(
        """
        import sys

        def pytest_collection_finish(session):
            heavy = ("mockserver.app", "connexion", "openapi_core", "hypothesis", "httpx", "schemathesis")
            print("PLUGIN:", "contracts.pytest_plugin" in sys.modules)
            print("HEAVY:", sorted(m for m in heavy if m in sys.modules))
        """
    )
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("--collect-only", "-s", "-p", "contracts.pytest_plugin")
    result.stdout.fnmatch_lines(["PLUGIN: True", "HEAVY: []"])


def test_a_suite_that_turns_warnings_into_errors_still_runs(pytester: pytest.Pytester) -> None:
    # our dependencies warn while the mock imports and loads its specs; that is not the user's code
    pytester.makepyfile(
        """
        import httpx

        def test_update(mock):
            r = httpx.patch(mock.url("zep") + "/projects/123", json={"plan_hours": 2}, headers=mock.headers("zep"))
            assert r.status_code == 200
        """
    )
    pytester.runpytest_subprocess("-W", "error", "-p", "no:randomly").assert_outcomes(passed=1)


# A value of the wrong JSON type, per vendor: the rule that names it is the most precise one the
# catalog has (WET-12 strict integers, PER-2 "a field of the wrong JSON type"), else GEN-9 (a body
# not of the documented shape), never the vendor's envelope rule (WET-2, ZEP-1, RUD-1, COR-1).
WRONG_TYPES = {
    "wethod": ("PATCH", "/api/projects/42", {"probability": "90"}, "probability", "WET-12"),
    "wethod_text": ("PATCH", "/api/projects/42", {"name": 42}, "name", "GEN-9"),
    "zep": ("PATCH", "/projects/123", {"plan_hours": "640"}, "plan_hours", "GEN-9"),
    "ruddr": (
        "PATCH",
        "/projects/572e66b1-60a6-4935-853f-b59b053112e6",
        {"maxMemberHoursPerDay": "8"},
        "maxMemberHoursPerDay",
        "GEN-9",
    ),
    "personio": ("PATCH", "/v2/projects/1001", {"billable": "yes"}, "billable", "PER-2"),
    "cor": (
        "PUT",
        "/v2/integrations/projects/SF-OPP-12345",
        {"metadata": {"source": "SALESFORCE"}, "estimated_time": "200"},
        "estimated_time",
        "GEN-9",
    ),
}


def test_a_wrongly_typed_field_names_the_schema_rule_not_the_envelope_rule(pytester: pytest.Pytester) -> None:
    tests = "".join(
        f"""
def test_{case}(mock):
    vendor = {case.split("_")[0]!r}
    r = httpx.request({method!r}, mock.url(vendor) + {path!r}, json={body!r}, headers=mock.headers(vendor))
    assert r.status_code in (400, 422)
    (violation,) = mock.journal()[-1]["violations"]
    assert (violation["field"], violation["rule"]) == ({field!r}, {rule!r})
"""
        for case, (method, path, body, field, rule) in WRONG_TYPES.items()
    )
    pytester.makepyfile("import httpx\n" + tests)
    result = pytester.runpytest_inprocess("-p", "no:randomly")
    result.assert_outcomes(failed=len(WRONG_TYPES))
    sections = result.stdout.str().split("_ test_")[1:]
    assert len(sections) == len(WRONG_TYPES)
    for section in sections:
        case = section.split(" ", 1)[0]
        _method, _path, _body, field, rule = WRONG_TYPES[case]
        # the test's own assertions held (the journal names the rule); the plugin's report failed it
        assert "E   AssertionError: mockserver: the client sent 1 request(s)" in section, section
        assert f"spec violation: {field}: must be of type" in section and f"[{rule}]" in section, section


@pytest.mark.parametrize("where", ["mock_url", "in_process"])
def test_the_mock_vendors_ini_key_limits_a_remote_mock_session_as_an_in_process_one(
    pytester: pytest.Pytester, where: str
) -> None:
    pytester.makepyfile(
        """
        def test_only_personio(mock):
            assert list(mock.urls) == ["personio"]
        """
    )
    with contextlib.ExitStack() as stack:
        ini = "[pytest]\nmock_vendors = personio\n"
        if where == "mock_url":
            server = stack.enter_context(LiveServer(create_app(ServerConfig())))
            ini += f"mock_url = {server.url}\n"
        pytester.makefile(".ini", pytest=ini)
        pytester.runpytest_inprocess().assert_outcomes(passed=1)


README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


# Each way the README says the plugin can be named, and the words it says it in.
PLUGIN_NAMES = {
    "pytest -p mockserver": "`pytest -p mockserver`",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 pytest -p mockserver": "`pytest -p mockserver`, with autoloading on or off",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 pytest -p contracts.pytest_plugin": (
        "`PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 pytest -p contracts.pytest_plugin`"
    ),
}


@pytest.mark.parametrize("command", sorted(PLUGIN_NAMES))
def test_each_plugin_name_the_readme_gives_loads_the_plugin(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    assert PLUGIN_NAMES[command] in README
    *env, _pytest, option, name = command.split()
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    for assignment in env:
        monkeypatch.setenv(*assignment.split("="))
    pytester.makepyfile("def test_has_the_fixtures(mock_server_config): pass")  # starts no server
    pytester.runpytest_subprocess(option, name).assert_outcomes(passed=1)


@pytest.mark.parametrize("how", ["-p", "pytest_plugins"])
def test_naming_the_module_while_the_plugin_autoloads_stops_pytest_as_the_readme_warns(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """pytest registers the entry point's module as ``mockserver`` and refuses it again under its
    module name; no public pytest API lets a plugin answer to both names, so the README says which
    names work. Should a pytest accept this one day, this test fails: then update the README."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    pytester.makepyfile("def test_nothing(): pass")
    if how == "-p":
        assert "`-p contracts.pytest_plugin`" in README
        result = pytester.runpytest_subprocess("-p", "contracts.pytest_plugin")
    else:
        assert '`pytest_plugins = ["contracts.pytest_plugin"]`' in README
        pytester.makeconftest('pytest_plugins = ["contracts.pytest_plugin"]')
        result = pytester.runpytest_subprocess()
    assert result.ret != 0
    assert "ValueError: Plugin already registered under a different name" in str(result.stderr) + str(
        result.stdout
    )
