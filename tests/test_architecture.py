"""Layering of ARCHITECTURE.md: a forbidden import fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_FRAMEWORKS = ("connexion", "starlette", "flask", "uvicorn", "werkzeug", "a2wsgi")

# package -> imports it must never make
FORBIDDEN = {
    "mockserver/core": (
        *WEB_FRAMEWORKS,
        "mockserver.web",
        "mockserver.vendors",
        "mockserver.app",
        "mockserver.cli",
        "contracts",
    ),
    "mockserver/vendors": (
        *WEB_FRAMEWORKS,
        "mockserver.web",
        "mockserver.app",
        "mockserver.cli",
        "contracts",
    ),
    "mockserver/web": ("mockserver.vendors", "mockserver.cli", "contracts"),
    # generates replies for the mock's fuzz fault and for contracts.fuzz_client: core only
    "mockserver/adversarial": (
        *WEB_FRAMEWORKS,
        "mockserver.web",
        "mockserver.vendors",
        "mockserver.app",
        "mockserver.live",
        "mockserver.cli",
        "contracts",
    ),
    "contracts": ("mockserver.web", "mockserver.vendors", "mockserver.cli"),
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_what_they_may(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imports_of(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package]):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_in_the_web_layer_only_the_http_module_imports_uvicorn() -> None:
    """web/http.py subclasses uvicorn's protocol to bound what a client can make the server hold;
    the rest of the layer is ASGI and runs under any server."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "mockserver/web").rglob("*.py"))
        if path.name != "http.py"
        and any(n == "uvicorn" or n.startswith("uvicorn.") for n in imports_of(path))
    ]
    assert offenders == []


def test_core_never_names_a_vendor() -> None:
    vendor_ids = [p.stem for p in (ROOT / "mockserver/vendors").glob("*.py") if not p.stem.startswith("_")]
    for path in (ROOT / "mockserver/core").rglob("*.py"):
        text = path.read_text(encoding="utf-8").lower()
        for vid in vendor_ids:
            assert f'"{vid}"' not in text and f"'{vid}'" not in text, f"{path.name} names {vid}"
