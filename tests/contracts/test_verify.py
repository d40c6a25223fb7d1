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
    original = rules.get("PER-4")
    rules._rules["PER-4"] = dataclasses.replace(original, fn=lambda _change: iter(()))
    rules._selections.clear()
    server = LiveServer(create_app(ServerConfig(vendors=("personio",)))).start()
    try:
        yield server
    finally:
        server.stop()
        rules._rules["PER-4"] = original
        rules._selections.clear()


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
