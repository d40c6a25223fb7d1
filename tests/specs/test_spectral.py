"""Spectral's ``spectral:oas`` ruleset finds no error in any vendor spec; its warnings are shown
in pytest's warnings summary. Spectral is installed into ``.bench/`` on first use."""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest

from mockserver.core.spec import spec_files

ROOT = Path(__file__).resolve().parents[2]
SPECTRAL = "@stoplight/spectral-cli@6.16.3"
RULESET = Path(__file__).with_name("spectral.yaml")
SPECS = spec_files()
SEVERITIES = ("error", "warning", "information", "hint")


@pytest.fixture(scope="module")
def spectral() -> Path:
    installed = subprocess.run(
        [str(ROOT / "scripts" / "_npm_tool.sh"), SPECTRAL, "spectral"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if installed.returncode != 0:
        pytest.fail(f"could not install {SPECTRAL} (needs node and npm):\n{installed.stderr}", pytrace=False)
    return Path(installed.stdout.strip())


@pytest.fixture(scope="module")
def findings(spectral: Path) -> dict[str, list[dict[str, Any]]]:
    """Spectral's results per spec file name, from one run over every spec."""
    run = subprocess.run(
        [str(spectral), "lint", "--ruleset", str(RULESET), "--format", "json", "--quiet"]
        + [str(p) for p in SPECS],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    try:
        results: list[dict[str, Any]] = json.loads(run.stdout or "[]")
    except json.JSONDecodeError:
        pytest.fail(f"spectral did not answer in JSON (exit {run.returncode}):\n{run.stdout}{run.stderr}")
    by_file: dict[str, list[dict[str, Any]]] = {p.name: [] for p in SPECS}
    for result in results:
        by_file.setdefault(Path(result["source"]).name, []).append(result)
    return by_file


def _line(result: dict[str, Any]) -> str:
    where = result["range"]["start"]["line"] + 1
    path = ".".join(str(p) for p in result["path"])
    return f"{SEVERITIES[result['severity']]} {result['code']} line {where} {path}: {result['message']}"


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_spectral_oas_ruleset_finds_no_error(findings: dict[str, list[dict[str, Any]]], path: Path) -> None:
    found = findings[path.name]
    for result in found:
        if result["severity"] > 0:
            warnings.warn(f"spectral, {path.name}: {_line(result)}", stacklevel=1)
    errors = [_line(r) for r in found if r["severity"] == 0]
    assert not errors, f"spectral:oas errors in {path.name}:\n" + "\n".join(errors)
