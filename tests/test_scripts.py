"""``scripts/fuzz`` and ``scripts/soak`` still work: tiny, bounded runs of the real programs.

The long runs (10,000 requests per vendor, 100,000 requests) stay out of the default test run;
README "Reliability" has their figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_script(name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "ignore", str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_fuzz_reports_a_bounded_run(tmp_path: Path) -> None:
    out = tmp_path / "fuzz.json"
    done = run_script(
        "fuzz.py", "--vendor", "zep", "--requests", "150", "--examples", "3", "--quiet", "--json", str(out)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (zep,) = json.loads(out.read_text())
    assert 150 <= zep["requests"] < 1000  # stopped soon after the bound
    assert zep["server_error"] == zep["spec"] == zep["state"] == zep["other"] == 0
    assert "5xx responses:" in done.stdout and "zep" in done.stdout


def test_fuzz_time_limit_ends_the_run_incomplete(tmp_path: Path) -> None:
    done = run_script("fuzz.py", "--vendor", "cor", "--requests", "100000", "--time-limit", "3", "--quiet")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "INCOMPLETE" in done.stdout


def test_soak_samples_memory_and_stops_the_server(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    done = run_script(
        "soak.py",
        *("--requests", "600", "--chunk", "300", "--client", "python", "--connections", "2"),
        *("--tolerance", "10", "--json", str(out)),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(out.read_text())
    assert figures["requests"] == 600
    assert [s["requests"] for s in figures["samples"]] == [300, 600]
    assert set(figures["statuses"]) == {"2xx", "4xx"}  # valid updates and reads, rejected updates
    assert figures["socket_errors"] == 0
    assert "PASS" in done.stdout
