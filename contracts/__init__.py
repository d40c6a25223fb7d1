"""Contract-testing toolkit: spec conformance, scenarios, property tests and client checks.

Import name ``contracts`` is ours; we never depend on the unrelated PyContracts distribution.
Public names are imported on first use (PEP 562): the pytest plugin lives in this package and
must not pull openapi-core or Hypothesis into every pytest collection.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contracts.conformance import SpecChecker
    from contracts.response_fuzzing import FuzzClientReport, fuzz_client

__all__ = ["FuzzClientReport", "SpecChecker", "fuzz_client"]

_EXPORTS = {
    "SpecChecker": "contracts.conformance",
    # not contracts/fuzz_client.py: importing a submodule binds its name on the package, which
    # would shadow the function once anything imported the module
    "FuzzClientReport": "contracts.response_fuzzing",
    "fuzz_client": "contracts.response_fuzzing",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'contracts' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
