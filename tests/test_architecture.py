"""Layering of ARCHITECTURE.md, and no private name of another package: a forbidden import fails
here, not in review."""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Mapping
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
    # the app builds the web layer, never the other way round (no cycle through the layers)
    "mockserver/web": (
        "mockserver.vendors",
        "mockserver.app",
        "mockserver.live",
        "mockserver.cli",
        "contracts",
    ),
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


# the vendor discovery lists the package's modules; it imports no vendor module by name
ALLOWED = {("mockserver/core/vendor.py", "mockserver.vendors")}


def imports_of(path: Path) -> set[str]:
    """Every module name ``path`` imports, wherever the import stands: at the top, under ``if
    TYPE_CHECKING:`` or inside a function. ``from a import b`` gives ``a`` and ``a.b`` (``b`` may
    be a module); relative imports are made absolute."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    package = parts[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            anchor = package[: len(package) - node.level + 1] if node.level else ()
            base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_what_they_may(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imports_of(path):
            if (str(path.relative_to(ROOT)), name) in ALLOWED:
                continue
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


# -- the import graph: no cycle, type-only ones included ---------------------------------------------
def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ``mockserver`` and ``contracts`` it imports. A type-only import is
    still a knot in the design, and a late one hides a cycle without removing it: both count."""
    paths = {
        module_name(p): p for pkg in ("mockserver", "contracts") for p in sorted((ROOT / pkg).rglob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        graph[module] = set()
        for name in imports_of(path):
            target = name
            while target and target not in paths:  # `a.b.Class` -> `a.b`; outside packages -> ""
                target = target.rpartition(".")[0]
            if target and target != module:
                graph[module].add(target)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One shortest cycle per strongly connected component (Tarjan's), as modules in order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = {stack.pop()}
            while node not in component:
                component.add(stack.pop())
            if len(component) > 1 or node in graph.get(node, ()):
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    found = []
    for component in components:
        start = min(component)
        trail = {start: [start]}
        queue = deque([start])
        while queue:  # breadth first inside the component: the shortest way back to start
            node = queue.popleft()
            if start in graph.get(node, ()):
                found.append([*trail[node], start])
                break
            for nxt in sorted(set(graph.get(node, ())) & component - trail.keys()):
                trail[nxt] = [*trail[node], nxt]
                queue.append(nxt)
    return sorted(found)


def test_the_cycle_finder_names_one_cycle_per_knot() -> None:
    graph = {"a": {"b"}, "b": {"c", "a2"}, "c": {"a", "d"}, "a2": {"a"}, "d": set(), "e": {"f"}, "f": {"e"}}
    assert cycles(graph) == [["a", "b", "a2", "a"], ["e", "f", "e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_counts_type_only_and_late_imports() -> None:
    graph = import_graph()
    assert "mockserver.core.schema" in graph["mockserver.core.values"]  # under `if TYPE_CHECKING:`
    assert "mockserver.app" in graph["mockserver.live"]  # inside a function


def test_no_import_cycle() -> None:
    found = [" -> ".join(cycle) for cycle in cycles(import_graph())]
    assert not found, "import cycles:\n" + "\n".join(found)


# -- no private name of another package ----------------------------------------------------------
SCANNED = ("mockserver", "contracts", "scripts")
OLD_NAMES = {"sre_parse", "sre_compile", "sre_constants"}
"""The stdlib's deprecated names of its private regex modules (``re._parser`` ...)."""
IMPORTERS = {"importlib.import_module", "import_module", "__import__"}
GETTERS = {"getattr", "hasattr", "setattr", "delattr"}


def own_modules() -> set[str]:
    """Top-level names of the project's modules: its packages and the scripts' own modules
    (``scripts/bench.py`` imports ``_servers``)."""
    return {"mockserver", "contracts", *(p.stem for p in (ROOT / "scripts").glob("*.py"))}


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def foreign_private_names(source: str, own: set[str]) -> list[str]:
    """Private modules and attributes of other packages that ``source`` names: imported
    (``from re import _parser``), loaded by name (``importlib.import_module("re._parser")``), or
    reached from a name another package's import bound (``re._parser``, ``getattr(re, "_x")``).
    Dunders are public; the project's own ``_modules`` are its own. An attribute reached through
    a local variable (``validator._x``) is out of an AST's sight."""

    def foreign_module(dotted: str) -> bool:
        parts = dotted.split(".")
        return parts[0] not in own and (parts[0] in OLD_NAMES or any(is_private(p) for p in parts))

    tree = ast.parse(source)
    found: list[str] = []
    bound: set[str] = set()  # names bound to another package's modules or objects
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] in own:
                    continue
                if foreign_module(alias.name):
                    found.append(f"import {alias.name}")
                bound.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.partition(".")[0] in own:
                continue
            for alias in node.names:
                if foreign_module(node.module) or is_private(alias.name):
                    found.append(f"from {node.module} import {alias.name}")
                bound.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in bound:
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Call) and node.args:
            callee, first = ast.unparse(node.func), node.args[0]
            name = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
            if callee in IMPORTERS and name is not None and foreign_module(name):
                found.append(ast.unparse(node))
            second = node.args[1] if len(node.args) > 1 else None
            if (
                callee in GETTERS
                and isinstance(first, ast.Name)
                and first.id in bound
                and isinstance(second, ast.Constant)
                and isinstance(second.value, str)
                and is_private(second.value)
            ):
                found.append(ast.unparse(node))
    return found


def test_the_private_name_finder_tells_other_packages_from_the_project() -> None:
    source = """
import importlib, random, re
import re._parser as parser
from re import _parser
from _typeshed import SupportsRead
from mockserver.adversarial._regex import regex_strings
from . import _values
from _servers import start
import mockserver.core._private
re._parser.parse("a")
importlib.import_module("re._parser")
importlib.import_module("sre_parse")
importlib.import_module("mockserver.adversarial._values")
getattr(random, "_inst")
getattr(random, "__name__")
self._cache, random.__name__, regex_strings.__module__, _values._ALPHABET
"""
    assert sorted(foreign_private_names(source, {"mockserver", "contracts", "_servers"})) == sorted(
        [
            "import re._parser",
            "from re import _parser",
            "from _typeshed import SupportsRead",
            "re._parser",
            "importlib.import_module('re._parser')",
            "importlib.import_module('sre_parse')",
            "getattr(random, '_inst')",
        ]
    )


def test_no_module_uses_a_private_name_of_another_package() -> None:
    """Project rule: another package's ``_name`` (the stdlib's included) is its own to change in
    any release; rstr draws pattern strings where ``re._parser`` was read."""
    own = own_modules()
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for package in SCANNED
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in foreign_private_names(path.read_text(encoding="utf-8"), own)
    ]
    assert found == []
