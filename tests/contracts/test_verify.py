"""``mockserver verify`` passes against the mock and fails, naming the rule, against a broken one."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import socketserver
import threading
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


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


@contextlib.contextmanager
def hostile_upstream(answer: Answer) -> Iterator[str]:
    """A raw HTTP server on a loopback port that gives every request the same ``answer``; it
    stops when the block ends."""

    class AnswerEverything(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            length = 0
            while (line := self.rfile.readline(65_536)) not in (b"\r\n", b"\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            self.rfile.read(length)  # the request body, so the client sees no reset
            head = (
                f"HTTP/1.1 {answer.status} Hostile\r\nContent-Type: {answer.content_type}\r\n"
                f"Content-Length: {len(answer.body)}\r\nConnection: close\r\n\r\n"
            )
            self.wfile.write(head.encode() + answer.body)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), AnswerEverything)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# Each bad answer, and the words its failure must show (a regex over one report line).
HOSTILE = {
    "json-nested-50000-deep": (
        Answer(200, "application/json", b"[" * 50_000 + b"]" * 50_000),
        r"^ +- .*\(200, application/json\) is not JSON \(nested too deeply to read\)",
    ),
    "nan": (
        Answer(200, "application/json", b'{"a":NaN}'),
        r"^ +- .*\(200, application/json\) is not JSON \(NaN is not valid JSON\)",
    ),
    "html": (
        Answer(200, "text/html", b"<html>\n<body>Welcome</body>\n</html>"),
        r"^ +- .*\(200, text/html\) is not JSON .*: <html>\\n<body>Welcome</body>",
    ),
    "500-with-empty-body": (
        Answer(500, "application/json", b""),
        r"^  FAIL not_a_server_error on .+: Server error$",
    ),
    "json-array-instead-of-object": (
        Answer(200, "application/json", b"[1, 2]"),
        r"^ +- .*\(200, application/json\) has no `id`: \[1, 2\]",
    ),
    "number-beyond-a-double": (
        Answer(200, "application/json", b'{"id": 1e999}'),
        r"^ +- .*is not JSON \(number 1e999 is outside the range of a double\)",
    ),
    "id-with-a-line-break": (
        Answer(200, "application/json", b'{"id": "a\\nb"}'),
        r"^ +- .*cannot send the request: Invalid non-printable ASCII character in URL",
    ),
    "terminal-control-characters": (
        Answer(200, "text/plain", b"\x1b[2J\x00gone\r\n"),
        r"^ +- .*is not JSON .*: \\x1b\[2J\\x00gone\\r\\n$",
    ),
}


# A worker thread of Schemathesis dying on an answer is a crash too (pytest turns it into this warning).
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize("mode", sorted(HOSTILE))
def test_verify_reports_a_misbehaving_target_as_failed_checks_without_a_traceback(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer, problem = HOSTILE[mode]
    junit = tmp_path / "verify.xml"
    with hostile_upstream(answer) as url:
        code = main(
            [
                "verify",
                "--vendor",
                "personio",
                "--base-url",
                url + "/personio",
                "--max-examples",
                "1",
                "--junit-xml",
                str(junit),
            ]
        )
    out, err = capsys.readouterr()
    assert code == 1, out
    assert "Traceback" not in out + err
    assert re.search(problem, out, re.MULTILINE), out
    assert out.rstrip().splitlines()[-1].startswith("FAILED")
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", out)  # one line per failure, no terminal codes
    assert ET.parse(junit).getroot()[0].get("failures") != "0"


@pytest.fixture(scope="module")
def protected_server() -> Iterator[LiveServer]:
    """A Personio mock started with ``--admin-token sekrit``."""
    with LiveServer(create_app(ServerConfig(vendors=("personio",), admin_token="sekrit"))) as server:
        yield server


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ([], "(no admin token): pass --admin-token"),
        (["--admin-token", "wrong"], "(it refused the admin token): check --admin-token"),
    ],
    ids=["no-token", "wrong-token"],
)
def test_verify_on_the_root_of_a_token_protected_mock_exits_2_saying_its_admin_API_answered_401(
    protected_server: LiveServer, capsys: pytest.CaptureFixture[str], token: list[str], words: str
) -> None:
    argv = ["verify", "--vendor", "personio", "--base-url", protected_server.url, "--no-fuzz", *token]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"mockserver: the mock's admin API at {protected_server.url}/__admin answered 401 {words}"
    ]
    assert out == ""  # no report of scenarios sent to the mock's root instead of the vendor


def test_verify_on_the_root_of_a_token_protected_mock_passes_with_its_admin_token(
    protected_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["verify", "--vendor", "personio", "--base-url", protected_server.url, "--no-fuzz"]
    assert main([*argv, "--admin-token", "sekrit"]) == 0, capsys.readouterr().out
    assert "skipped:" not in capsys.readouterr().out


def test_verify_on_the_vendor_url_of_a_token_protected_mock_says_why_admin_rules_are_skipped(
    protected_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    base = protected_server.url + "/personio"
    assert main(["verify", "--vendor", "personio", "--base-url", base, "--no-fuzz"]) == 0
    skipped = [line.strip() for line in capsys.readouterr().out.splitlines() if "(skipped:" in line]
    assert skipped == [
        "(skipped: needs the mock's admin API (fixture state or tokens); the mock's admin API at "
        f"{protected_server.url}/__admin answered 401 (no admin token): pass --admin-token)"
    ]
