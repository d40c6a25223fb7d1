"""Test-suite wiring: fixture modules, and rule IDs as ``-k`` keywords (``pytest -k PER-4``)."""

from __future__ import annotations

import re

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
