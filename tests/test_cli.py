"""``mockserver serve`` as users start it: loopback by default, prints mounts, stops on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import httpx
import pytest

from mockserver import native
from mockserver.cli import main
from mockserver.core.clock import Clock


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.communicate()}")
        try:
            if httpx.get(url + "/__admin/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not become healthy")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_binds_loopback_answers_and_stops_cleanly(stop: signal.Signals) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--port",
            str(port),
            "--vendor",
            "personio",
            "--freeze-time",
            "2025-01-01T00:00:00Z",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        health = httpx.get(url + "/__admin/health").json()
        shown = {"status": "ok", "vendors": ["personio"], "rate_limits": False, "compiled": native.COMPILED}
        assert health == shown
        r = httpx.patch(
            url + "/personio/v2/projects/1001",
            json={"name": "Internal Tools"},
            headers={"Authorization": "Bearer test-token"},
        )
        assert r.status_code == 422
        assert r.json()["timestamp"] == "2025-01-01T00:00:00Z"
        process.send_signal(stop)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"http://127.0.0.1:{port}/personio" in out


def test_unknown_vendor_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--vendor", "nope"]) == 2
    assert "unknown vendor" in capsys.readouterr().err


def test_an_unknown_vendor_after_a_known_one_in_one_flag_is_still_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--vendor", "zep", "nope"]) == 2
    assert "unknown vendor(s) ['nope']" in capsys.readouterr().err


def serve_until_healthy(*args: str, url: str, while_up: Callable[[], None] = lambda: None) -> tuple[str, str]:
    """Run ``mockserver ARGS`` until ``url`` answers its health check, then ``while_up``, stop it
    with SIGTERM and return its stdout and stderr; it must have exited 0."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_healthy(url, process)
        while_up()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    return out, err


def test_vendor_takes_several_ids_after_one_flag_and_repeated() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    out, _ = serve_until_healthy(
        "serve", "--port", str(port), "--vendor", "zep", "personio", "--vendor", "cor", url=url
    )
    assert [line.split()[0] for line in out.splitlines()] == ["COR", "Personio", "ZEP", "admin"]


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback here")
@pytest.mark.parametrize(
    "command",
    [
        ("serve", "--vendor", "personio"),
        ("proxy", "--vendor", "personio", "--upstream", "http://127.0.0.1:9"),
    ],
    ids=["serve", "proxy"],
)
def test_an_ipv6_host_is_served_and_printed_in_brackets(command: tuple[str, ...]) -> None:
    port = free_port()
    out, _ = serve_until_healthy(*command, "--host", "::1", "--port", str(port), url=f"http://[::1]:{port}")
    assert f"http://[::1]:{port}/personio" in out
    assert f"http://[::1]:{port}/__admin" in out
    assert "http://::1" not in out


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback here")
def test_a_live_server_on_ipv6_gives_a_url_with_brackets() -> None:
    from mockserver.app import create_app
    from mockserver.config import ServerConfig
    from mockserver.live import LiveServer

    with LiveServer(create_app(ServerConfig(vendors=("zep",))), host="::1") as server:
        assert server.url.startswith("http://[::1]:")
        assert httpx.get(server.url + "/__admin/health").status_code == 200


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-01-01T00:00:00+02:00", "2024-12-31T22:00:00+00:00"),
        ("2025-01-01T20:00:00-05:30", "2025-01-02T01:30:00+00:00"),
        ("2025-01-01T00:00:00Z", "2025-01-01T00:00:00+00:00"),
        ("2025-01-01T00:00:00", "2025-01-01T00:00:00+00:00"),  # no offset: read as UTC
    ],
)
def test_freeze_time_is_converted_to_utc_not_relabelled(text: str, utc: str) -> None:
    assert Clock.parse(text).now().isoformat() == utc


def test_mock_freeze_time_of_the_pytest_plugin_is_converted_to_utc(pytester: pytest.Pytester) -> None:
    # the plugin's --mock-freeze-time reaches the clock through ServerConfig, as --freeze-time does
    pytester.makepyfile(
        """
        import httpx

        def test_timestamp(mock):
            r = httpx.patch(mock.url("personio") + "/v2/projects/1001", json={"name": "Internal Tools"},
                            headers=mock.headers("personio"))
            assert r.status_code == 422
            assert r.json()["timestamp"] == "2024-12-31T22:00:00Z"
        """
    )
    result = pytester.runpytest_inprocess("--mock-freeze-time", "2025-01-01T00:00:00+02:00")
    result.assert_outcomes(passed=1)


def test_serve_rate_limits_answers_ruddrs_429_past_its_burst_of_60() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def burst() -> None:
        headers = {"Authorization": "Bearer test-token"}
        with httpx.Client(base_url=url + "/ruddr/api/workspace", headers=headers) as c:
            answers = [c.get("/projects") for _ in range(120)]  # 60 at once, then 20 a second
        refused = [r for r in answers if r.status_code == 429]
        assert refused, [r.status_code for r in answers]
        assert refused[0].json() == {"status": 429, "message": "Too many requests"}
        assert "retry-after" not in refused[0].headers  # Ruddr documents none

    serve_until_healthy(
        "serve", "--port", str(port), "--vendor", "ruddr", "--rate-limits", url=url, while_up=burst
    )


def usage_error(*args: str) -> str:
    """Run ``mockserver ARGS``; it must exit 2 with one line ``mockserver: ...`` on stderr and
    nothing else (no usage block, no traceback). The line, for the caller to check its words."""
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("mockserver: "), done.stderr
    assert done.stdout == ""
    return lines[0]


PROXY = ("proxy", "--vendor", "personio", "--upstream", "http://127.0.0.1:9")
BAD_ARGUMENTS = {
    "port-too-high": (("serve", "--port", "70000"), "argument --port: must be a port number from 1 to 65535"),
    "port-zero": (
        ("serve", "--port", "0"),
        "argument --port: must be a port number from 1 to 65535, not '0'",
    ),
    "port-text": (("serve", "--port", "http"), "argument --port: must be a whole number, not 'http'"),
    "body-negative": (
        ("serve", "--max-body-bytes", "-1"),
        "--max-body-bytes: must be a whole number of at least 1",
    ),
    "body-zero": (
        ("serve", "--max-body-bytes", "0"),
        "--max-body-bytes: must be a whole number of at least 1",
    ),
    "journal-zero": (
        ("serve", "--journal-size", "0"),
        "--journal-size: must be a whole number of at least 1",
    ),
    "sessions-negative": (
        ("serve", "--max-sessions", "-1"),
        "--max-sessions: must be a whole number of at least 0",
    ),
    "headers-zero": (("serve", "--max-headers", "0"), "--max-headers: must be a whole number of at least 1"),
    "header-bytes-tiny": (
        ("serve", "--max-header-bytes", "10"),
        "--max-header-bytes: must be a whole number of at least 1024",
    ),
    "head-timeout-nan": (("serve", "--head-timeout", "nan"), "--head-timeout: must be a number of seconds"),
    "connections-negative": (
        (*PROXY, "--max-connections", "-3"),
        "--max-connections: must be a whole number of at least 1",
    ),
    "journal-body-zero": (
        ("serve", "--journal-body-kib", "0"),
        "--journal-body-kib: must be a whole number of at least 1",
    ),
    "journal-budget-zero": (
        ("serve", "--journal-budget-mib", "0"),
        "--journal-budget-mib: must be a whole number of at least 1",
    ),
    "journal-total-zero": (
        ("serve", "--journal-total-mib", "0"),
        "--journal-total-mib: must be a whole number of at least 1",
    ),
    "fixtures-missing": (
        ("serve", "--fixtures", "/no/such/dir"),
        "--fixtures: '/no/such/dir' is not a directory",
    ),
    "proxy-port": ((*PROXY, "--port", "65536"), "argument --port: must be a port number from 1 to 65535"),
    "proxy-timeout-zero": (
        (*PROXY, "--timeout", "0"),
        "--timeout: must be a number of seconds above 0, not '0'",
    ),
    "proxy-timeout-nan": ((*PROXY, "--timeout", "nan"), "--timeout: must be a number of seconds above 0"),
    "proxy-timeout-inf": ((*PROXY, "--timeout", "inf"), "--timeout: must be a number of seconds above 0"),
    "proxy-journal": (
        (*PROXY, "--journal-size", "-3"),
        "--journal-size: must be a whole number of at least 1",
    ),
    "proxy-body": (
        (*PROXY, "--max-body-bytes", "-1"),
        "--max-body-bytes: must be a whole number of at least 1",
    ),
    "verify-examples": (
        ("verify", "--vendor", "zep", "--base-url", "http://x", "--max-examples", "0"),
        "--max-examples: must be a whole number of at least 1",
    ),
    "freeze-time-text": (
        ("serve", "--freeze-time", "notadate"),
        "argument --freeze-time: 'notadate' is not an ISO 8601 date-time",
    ),
    "freeze-time-empty": (("serve", "--freeze-time", ""), "argument --freeze-time: '' is not an ISO 8601"),
    "freeze-time-out-of-range": (
        ("serve", "--freeze-time", "0001-01-01T00:00:00+01:00"),
        "argument --freeze-time: '0001-01-01T00:00:00+01:00' is out of range in UTC",
    ),
    "no-command": ((), "the following arguments are required: command"),
    "unknown-option": (("serve", "--prot", "1"), "unrecognized arguments: --prot 1"),
}


@pytest.mark.parametrize(("args", "words"), BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS)
def test_a_bad_argument_is_one_line_and_exit_2(args: tuple[str, ...], words: str) -> None:
    line = usage_error(*args)
    assert words in line
    assert line.endswith("--help')")  # and where to read more


@pytest.mark.parametrize("command", [("serve", "--vendor", "zep"), PROXY], ids=["serve", "proxy"])
def test_a_port_in_use_is_one_line_and_exit_2_before_anything_is_printed(command: tuple[str, ...]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = usage_error(*command, "--port", str(port))
    assert line == f"mockserver: cannot listen on 127.0.0.1:{port}: address already in use"


def test_serve_says_when_it_runs_from_its_sources_beside_a_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that does not match the sources (an edit since) is not used; serve says so, so a
    developer is not left wondering where the speed went. A plain install has no build: nothing."""
    if native.built() is None:
        pytest.skip("no compiled build here (scripts/compile.py)")
    monkeypatch.setenv(native.PURE_ENV, "1")  # as a stale build does, without touching the tree
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    health: list[dict[str, object]] = []
    _, err = serve_until_healthy(
        "serve",
        "--vendor",
        "personio",
        "--port",
        str(port),
        url=url,
        while_up=lambda: health.append(httpx.get(url + "/__admin/health").json()),
    )
    assert "mockserver: the request path runs pure Python (MOCKSERVER_PURE_PYTHON is set)" in err
    assert health[0]["compiled"] is False
