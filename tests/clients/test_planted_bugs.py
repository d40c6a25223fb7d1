"""Each planted bug of ``buggy.py`` is caught, with a message that says what is wrong.

The same test module, written as an integration team would write it, runs twice in a fresh
pytest (pytester) with the plugin: with the correct clients every test passes; with the buggy
ones every test fails, each for its own reason.
"""

from __future__ import annotations

import pytest

CORRECT = {
    "WethodInts": "wethod.WethodClient",
    "PersonioFields": "personio.PersonioProjects",
    "Wethod412": "wethod.WethodClient",
    "Personio422": "personio.PersonioProjects",
    "Zep429": "zep.ZepClient",
    "PersonioNullable": "personio.PersonioProjects",
    "WethodRetry": "wethod.WethodClient",
}
BUGGY = {
    "WethodInts": "buggy.WethodProbabilityAsString",
    "PersonioFields": "buggy.PersonioCamelCaseCode",
    "Wethod412": "buggy.WethodIgnores412",
    "Personio422": "buggy.PersonioIgnores422",
    "Zep429": "buggy.ZepIgnores429",
    "PersonioNullable": "buggy.PersonioNullDescription",
    "WethodRetry": "buggy.WethodNoRetry",
}

INTEGRATION_TESTS = """
import pytest

from contracts import fuzz_client
from tests.clients import buggy, personio, wethod, zep

{imports}


def test_probability_is_sent_as_a_number(mock):
    client = WethodInts(mock.url("wethod"), mock.token, "acme")
    assert client.update_project(42, probability=90)["probability"] == 90


def test_project_code_reaches_personio(mock):
    PersonioFields(mock.url("personio"), mock.token).update("1001", project_code="WR-2025")


def test_disabling_a_whitelist_with_people_is_refused(mock):
    with pytest.raises(wethod.WhitelistNotEmptyError):
        Wethod412(mock.url("wethod"), mock.token, "acme").disable_whitelist(42)


def test_a_duplicate_name_is_reported(mock):
    with pytest.raises(personio.DuplicateProjectError):
        Personio422(mock.url("personio"), mock.token).update("1001", name="Internal Tools")


def test_a_rate_limited_update_is_retried(mock):
    mock.fault("zep", status=429, times=1)
    sleeps = []
    client = Zep429(mock.url("zep"), mock.token, sleep=sleeps.append)
    assert client.update_project(123, plan_hours=640)["plan_hours"] == "640.00"


def test_reading_projects_survives_every_documented_answer(mock_server):
    def read(base_url):
        PersonioNullable(base_url, "test-token").get("1001")

    report = fuzz_client(
        read, "personio", operations=["getProject"], statuses=[200], max_examples=25,
        server=mock_server, handled=(personio.PersonioError,),
    )
    report.raise_for_failure()


def test_the_retry_header_is_honoured(mock):
    mock.fault("wethod", status=429, times=1)
    sleeps = []
    client = WethodRetry(mock.url("wethod"), mock.token, "acme", sleep=sleeps.append)
    assert client.update_project(42, probability=90)["probability"] == 90
    assert len(sleeps) == 1 and sleeps[0] > 0
"""


def run(pytester: pytest.Pytester, clients: dict[str, str]) -> pytest.RunResult:
    imports = "\n".join(f"{alias} = {path}" for alias, path in clients.items())
    pytester.makepyfile(test_integration=INTEGRATION_TESTS.format(imports=imports))
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q")


def test_the_correct_clients_pass(pytester: pytest.Pytester) -> None:
    result = run(pytester, CORRECT)
    result.assert_outcomes(passed=len(CORRECT))


def test_every_planted_bug_is_caught_with_a_clear_message(pytester: pytest.Pytester) -> None:
    result = run(pytester, BUGGY)
    result.assert_outcomes(failed=len(BUGGY))
    out = result.stdout.str()
    sections = _failures(out)
    # a string sent for an integer: the plugin names the field, the rule and the spec location
    string_for_int = sections["test_probability_is_sent_as_a_number"]
    assert "probability" in string_for_int and "WET-12" in string_for_int
    assert "specs/wethod.yaml#/components/schemas/ProjectUpdate/properties/probability" in string_for_int
    assert '"type": "integer"' in string_for_int
    # an undocumented field: GEN-7, with the documented name as a near miss
    undocumented = sections["test_project_code_reaches_personio"]
    assert "undocumented field (GEN-7): projectCode" in undocumented
    assert "near misses: project_code" in undocumented
    # no handling of 412 / 422 / 429
    assert "DID NOT RAISE" in sections["test_disabling_a_whitelist_with_people_is_refused"]
    assert "422 Unprocessable" in sections["test_a_duplicate_name_is_reported"]
    assert "KeyError: 'data'" in sections["test_a_rate_limited_update_is_retried"]
    # a crash on a nullable field: the smallest failing response, with the null in it
    nullable = sections["test_reading_projects_survives_every_documented_answer"]
    assert "'NoneType' object has no attribute 'strip'" in nullable and '"description": null' in nullable
    # no retry after a 429 with a retry header
    assert "429 rate_limited" in sections["test_the_retry_header_is_honoured"]


def _failures(output: str) -> dict[str, str]:
    """Failure sections of pytest's report, by test name."""
    sections: dict[str, str] = {}
    name = None
    for line in output.splitlines():
        stripped = line.strip("_ ")
        if line.startswith("___") and stripped.startswith("test_"):
            name = stripped
            sections[name] = ""
        elif name is not None:
            sections[name] += line + "\n"
    return sections
