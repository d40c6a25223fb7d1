"""The README's curl examples are true: each command, sent to the mock, gets the documented answer."""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from mockserver.core.general import GENERAL
from mockserver.core.rules import Basis, RuleRegistry
from mockserver.core.vendor import discover_vendors
from tests.fixtures.mock import Api

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```console\n\$ (curl .+?)\n(.+?)\n```", re.DOTALL)
VOLATILE = {"personio_trace_id", "timestamp"}
TOKEN_PATHS = ("/personio/v2/auth/token", "/cor/v1/oauth/token")
EXAMPLES = BLOCK.findall(README.read_text(encoding="utf-8"))


def parse_curl(command: str) -> tuple[str, str, dict[str, str], bytes | None]:
    words = shlex.split(command)[1:]
    method, url, headers, data = "GET", "", {}, None
    while words:
        word = words.pop(0)
        if word == "-X":
            method = words.pop(0)
        elif word == "-H":
            name, _, value = words.pop(0).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = words.pop(0).encode()
        elif not word.startswith("-"):
            url = word
    return method, url.removeprefix("http://127.0.0.1:4010"), headers, data


def without_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [without_volatile(v) for v in value]
    return value


def test_readme_has_one_example_per_vendor_at_least() -> None:
    vendors = {parse_curl(command)[1].split("/")[1] for command, _ in EXAMPLES}
    assert vendors == {"wethod", "ruddr", "zep", "personio", "cor"}


@pytest.mark.parametrize(
    ("command", "expected"), EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))]
)
def test_readme_example_gives_the_documented_answer(api: Api, command: str, expected: str) -> None:
    method, path, headers, data = parse_curl(command)
    # a token endpoint stores the token it issues; every other example changes nothing
    issues_token = path.split("?")[0] in TOKEN_PATHS
    with contextlib.nullcontext() if issues_token else api.unchanged(path.split("/")[1]):
        response = api.client.request(
            method, path, content=data, headers={**headers, "X-Mock-Session": api.session}
        )
    assert without_volatile(response.json()) == without_volatile(json.loads(expected))


# -- "Testing your client": every `# file: test_*.py` block runs as a test file ------------------
FILE_BLOCK = re.compile(
    r"```python\n# file: (test_\w+\.py)( \(fails\))?\n(.+?)```(?:\n\n```text\n(.+?)```)?", re.DOTALL
)
FILES = FILE_BLOCK.findall(README.read_text(encoding="utf-8"))


def test_readme_has_client_test_examples() -> None:
    assert {"test_personio_sync.py", "test_bad_sync.py", "test_wethod_retry.py"} <= {f[0] for f in FILES}


@pytest.mark.parametrize(("name", "fails", "code", "report"), FILES, ids=[f[0] for f in FILES])
def test_readme_client_example_runs(
    pytester: pytest.Pytester, name: str, fails: str, code: str, report: str
) -> None:
    pytester.makepyfile(**{name.removesuffix(".py"): code})
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    if not fails:
        result.assert_outcomes(passed=code.count("\ndef test_"))
        return
    result.assert_outcomes(failed=1)
    output = [line.strip() for line in result.stdout.lines]
    for line in filter(None, (line.strip() for line in report.splitlines())):
        assert any(shown.endswith(line) for shown in output), f"not in the report: {line}"


# -- "Rules, and how they are proven": the provenance tables are the registries' (GEN-12) ---------
PROVENANCE_BLOCK = re.compile(r"<!-- provenance:(\w+) -->\n(.*?)<!-- /provenance -->", re.DOTALL)
VENDOR_ORDER = ("wethod", "ruddr", "zep", "personio", "cor")


def provenance_tables() -> dict[str, str]:
    """The README's rule table and per-vendor counts, built from the registries. To refresh them:
    .venv/bin/python -c "from tests.test_readme import provenance_tables as t; [print(v) for v in t().values()]"
    and paste each between its README markers (``rules`` first, then ``vendors``)."""
    vendors = discover_vendors()
    groups: list[tuple[str, RuleRegistry]] = [("General", GENERAL)]
    groups += [(vendors[v].title, vendors[v].rules) for v in VENDOR_ORDER if v in vendors]
    rules = ["| rule | basis | source |", "| --- | --- | --- |"]
    for _, registry in groups:
        for rule in sorted(registry, key=lambda r: int(r.id.split("-")[1])):
            rules.append(f"| {rule.id} | {rule.basis} | {rule.source.replace('|', '/')} |")
    counts = ["| rules | doc | decision | inferred | pages followed |", "| --- | --- | --- | --- | --- |"]
    for title, registry in groups:
        by_basis = [sum(rule.basis is basis for rule in registry) for basis in Basis]
        pages = dict.fromkeys(url for rule in registry for url in rule.provenance.urls)
        counts.append(f"| {title} | {' | '.join(map(str, by_basis))} | {'<br>'.join(pages)} |")
    return {"rules": "\n".join(rules) + "\n", "vendors": "\n".join(counts) + "\n"}


def test_GEN_12_readme_provenance_tables_match_the_registries() -> None:
    shown = dict(PROVENANCE_BLOCK.findall(README.read_text(encoding="utf-8")))
    assert shown == provenance_tables(), provenance_tables.__doc__
