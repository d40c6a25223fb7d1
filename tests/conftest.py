"""Test-suite wiring: fixture modules, and rule IDs as ``-k`` keywords (``pytest -k PER-4``)."""

from __future__ import annotations

import re

# pytester's in-process runs (tests/contracts/test_pytest_plugin.py) drop every module the inner
# run imported first; a client library imported again afterwards has new exception classes that
# the httpx imported before no longer maps (an httpcore.ReadError escapes instead of httpx's).
# Imported here, they are in the snapshot pytester restores.
import httpcore  # noqa: F401
import httpx  # noqa: F401
import pytest

from mockserver.core.general import GENERAL
from mockserver.core.vendor import discover_vendors

pytest_plugins = ["pytester", "tests.fixtures.mock", "tests.fixtures.live", "tests.fixtures.browser"]

PREFIXES = [GENERAL.prefix, *(vendor.rules.prefix for vendor in discover_vendors().values())]
RULE_IN_NAME = re.compile(rf"({'|'.join(PREFIXES)})[-_](\d+)(?!\d)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Test names carry IDs with "_" (PER_4); RULES.md writes them with "-" (PER-4). Both select.
    for item in items:
        for prefix, number in RULE_IN_NAME.findall(item.name):
            item.extra_keyword_matches.add(f"{prefix}-{number}")
