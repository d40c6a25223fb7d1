"""The rule IDs registered in code are exactly the IDs of the catalog in ../shared/RULES.md."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from mockserver.core.general import GENERAL
from mockserver.core.pipeline import known_rule_ids
from mockserver.core.vendor import discover_vendors

CATALOG = Path(__file__).resolve().parents[2] / "shared" / "RULES.md"
ROW = re.compile(r"^\| ((?:GEN|WET|RUD|ZEP|PER|COR)-\d+) \|", re.MULTILINE)


@pytest.fixture(scope="module")
def catalog_ids() -> list[str]:
    if not CATALOG.exists():
        pytest.skip(f"the rule catalog is not beside this checkout ({CATALOG})")
    return ROW.findall(CATALOG.read_text(encoding="utf-8"))


def test_code_registers_exactly_the_catalog(catalog_ids: list[str]) -> None:
    registered = known_rule_ids(discover_vendors())
    assert sorted(set(registered)) == sorted(set(catalog_ids))


def test_no_rule_is_registered_twice() -> None:
    counts = Counter(known_rule_ids(discover_vendors()))
    assert [rule for rule, n in counts.items() if n > 1] == []


def test_every_vendor_rule_belongs_to_its_vendor() -> None:
    for vendor_id, vendor in discover_vendors().items():
        prefix = {"wethod": "WET", "ruddr": "RUD", "zep": "ZEP", "personio": "PER", "cor": "COR"}.get(
            vendor_id
        )
        for rule in vendor.rules:
            assert rule.vendor == vendor_id
            if prefix:
                assert rule.id.startswith(prefix + "-"), f"{rule.id} registered by {vendor_id}"
    assert all(rule.id.startswith("GEN-") for rule in GENERAL)
