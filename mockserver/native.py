"""Which modules run compiled: the request path, built with mypyc by ``scripts/compile.py``.

mypyc turns these type-checked modules into C extensions beside their sources (``store.py`` gets
``store.cpython-311-x86_64-linux-gnu.so``), which Python imports in their place: a valid PATCH
costs about half the CPU (ARCHITECTURE.md, "Compiled"). They behave as the sources do; the same
tests run either way.

A build is trusted only while it matches the sources it was built from: ``native.json`` records
each source's hash and the interpreter's extension suffix. If a source changed since (an edit
without a rebuild), the interpreter differs, or ``MOCKSERVER_PURE_PYTHON=1`` is set, every one
of these modules is imported from its source instead (all of them: compiled modules of one build
call each other directly, so a mix cannot work). ``scripts/serve`` and ``scripts/test`` rebuild
when the sources change.

This module is pure Python by design, and imported first by ``mockserver/__init__.py``.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
MANIFEST = PACKAGE_DIR / "native.json"
GROUP = "mockserver.compiled"
"""mypyc's group name: its shared library is the module ``mockserver.compiled__mypyc``."""
PURE_ENV = "MOCKSERVER_PURE_PYTHON"

MODULES: tuple[str, ...] = (
    "mockserver.core.change",
    "mockserver.core.checks",
    "mockserver.core.clock",
    "mockserver.core.general",
    "mockserver.core.journal",
    "mockserver.core.limits",
    "mockserver.core.operations",
    "mockserver.core.pipeline",
    "mockserver.core.plans",
    "mockserver.core.request_check",
    "mockserver.core.rules",
    "mockserver.core.schema",
    "mockserver.core.store",
    "mockserver.core.strict",
    "mockserver.core.values",
    "mockserver.core.vendor",
    "mockserver.core.violations",
    "mockserver.web.asgi",
    "mockserver.web.offload",
    "mockserver.web.responses",
    "mockserver.web.runtime",
    # every vendor module, found as the vendor discovery finds them: a sixth vendor is compiled too
    *sorted(
        f"mockserver.vendors.{p.stem}" for p in (PACKAGE_DIR / "vendors").glob("*.py") if p.stem != "__init__"
    ),
)
"""The modules every vendor call runs through, and the vendors."""


def source_of(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def fingerprint() -> dict[str, object]:
    """What a build must match: the interpreter's extension suffix and each source's hash."""
    return {
        "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
        "sources": {m: hashlib.sha256(source_of(m).read_bytes()).hexdigest() for m in MODULES},
    }


def built() -> dict[str, object] | None:
    """The fingerprint the build in place was made from, or None when there is none."""
    try:
        recorded: dict[str, object] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded


def state() -> tuple[bool, str]:
    """Whether the compiled modules are to be used, and why (or why not)."""
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        return False, f"pure Python ({PURE_ENV} is set)"
    recorded = built()
    if recorded is None:
        return False, "pure Python (not compiled: scripts/compile.py builds it)"
    if recorded != fingerprint():
        return False, "pure Python (the compiled build is stale: scripts/compile.py rebuilds it)"
    return True, "compiled (mypyc)"


class SourcesFirst(importlib.abc.MetaPathFinder):
    """Imports each listed module from its ``.py`` file, even where a build lies beside it."""

    def __init__(self, modules: Sequence[str]) -> None:
        self.modules = frozenset(modules)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.modules:
            return None
        return importlib.util.spec_from_file_location(fullname, source_of(fullname))


COMPILED, STATUS = state()
"""Set once, at the first import of ``mockserver``: the health check and ``serve`` report it."""
if not COMPILED and not any(isinstance(f, SourcesFirst) for f in sys.meta_path):
    sys.meta_path.insert(0, SourcesFirst(MODULES))
