"""``mockserver verify`` passes against the mock and fails, naming the rule, against a broken one."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.app import create_app
from mockserver.cli import main
from mockserver.config import ServerConfig
from mockserver.core.vendor import discover_vendors
from tests.fixtures.live import LiveServer


@pytest.mark.parametrize("vid", sorted(discover_vendors()))
def test_verify_passes_against_the_mock(
    live_server: LiveServer, vid: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = live_server.app.vendors[vid].prefix
    junit = tmp_path / "verify.xml"
    code = main(
        [
            "verify",
            "--vendor",
            vid,
            "--base-url",
            live_server.url + prefix,
            "--max-examples",
            "5",
            "--junit-xml",
            str(junit),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASSED" in out
    assert "rules exercised" in out and "documented statuses exercised" in out
    suites = ET.parse(junit).getroot()
    assert int(suites[0].get("tests", "0")) > 10
    assert suites[0].get("failures") == "0"


@pytest.fixture
def broken_server() -> Iterator[LiveServer]:
    """A Personio mock that forgot PER-4: it accepts duplicate names."""
    rules = discover_vendors(["personio"])["personio"].rules
    original = rules.replace(dataclasses.replace(rules.get("PER-4"), fn=lambda _change: iter(())))
    server = LiveServer(create_app(ServerConfig(vendors=("personio",)))).start()
    try:
        yield server
    finally:
        server.stop()
        rules.replace(original)


def test_verify_fails_against_a_broken_target_and_names_the_rule(
    broken_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["verify", "--vendor", "personio", "--base-url", broken_server.url + "/personio", "--no-fuzz"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL PER-4" in out
    assert "expected 422, got 204" in out
    assert "curl -s -X PATCH" in out
    assert "FAILED" in out


def test_GEN_12_verify_reports_each_rules_basis_and_source(
    live_server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "verify.xml"
    prefix = live_server.app.vendors["cor"].prefix
    argv = ["verify", "--vendor", "cor", "--base-url", live_server.url + prefix, "--no-fuzz"]
    assert main([*argv, "--junit-xml", str(junit)]) == 0
    lines = capsys.readouterr().out.splitlines()
    update_page = "https://developers.projectcor.com/api-reference/integrations/projects/update"

    def line(rule_id: str) -> str:
        return next(text for text in lines if f" {rule_id} " in text and "passed," in text)

    assert line("COR-1").endswith("[inferred]")  # no COR page shows an error body
    assert line("COR-6").endswith("[decision]")
    assert line("COR-3").endswith(f"[doc] {update_page}")
    assert "  rule basis: 6 doc, 1 decision, 1 inferred" in lines
    cases = ET.parse(junit).getroot().iter("testcase")
    properties = [{p.get("name", ""): p.get("value", "") for p in case.iter("property")} for case in cases]
    assert all(p["basis"] in {"doc", "decision", "inferred"} and p["source"] for p in properties)
    cor_1 = next(p for p in properties if p["rule"] == "COR-1")
    assert cor_1["basis"] == "inferred" and "no error body" in cor_1["source"]
    cor_3 = next(p for p in properties if p["rule"] == "COR-3")
    assert cor_3 == {"rule": "COR-3", "basis": "doc", "source": update_page}
