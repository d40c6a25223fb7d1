"""Each vendor's spec at /<vendor>/openapi.json and Swagger UI at /<vendor>/ui/ (INTERFACE.md)."""

from __future__ import annotations

import pytest

from mockserver.core.vendor import discover_vendors
from tests.fixtures.mock import Api


@pytest.mark.parametrize("vid", sorted(discover_vendors()))
def test_spec_and_ui_are_served_at_the_short_vendor_path(api: Api, vid: str) -> None:
    spec = api.client.get(f"/{vid}/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["openapi"] == "3.0.3"
    ui = api.client.get(f"/{vid}/ui/")
    assert ui.status_code == 200
    assert "swagger" in ui.text.lower()
    assert api.journal() == []  # documentation requests are not vendor calls
