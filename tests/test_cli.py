"""``mockserver serve`` as users start it: loopback by default, prints mounts, stops on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from mockserver.cli import main


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
        assert health == {"status": "ok", "vendors": ["personio"]}
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
    "no-command": ((), "the following arguments are required: command"),
    "unknown-option": (("serve", "--prot", "1"), "unrecognized arguments: --prot 1"),
}


@pytest.mark.parametrize(("args", "words"), BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS)
def test_a_bad_argument_is_one_line_and_exit_2(args: tuple[str, ...], words: str) -> None:
    line = usage_error(*args)
    assert words in line
    assert line.endswith("--help')")  # and where to read more
