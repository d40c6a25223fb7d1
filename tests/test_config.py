"""Server options of INTERFACE.md that change what the app does: --fixtures, --max-body-bytes,
--vendor."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.core.vendor import FIXTURES_DIR

AUTH = {"Authorization": "Bearer test-token"}


def test_fixtures_dir_replaces_the_vendors_it_has(tmp_path: Path) -> None:
    document = json.loads((FIXTURES_DIR / "personio.json").read_text())
    document["projects"]["1001"]["name"] = "From my fixtures"
    (tmp_path / "personio.json").write_text(json.dumps(document))
    client = TestClient(create_app(ServerConfig(fixtures_dir=tmp_path)))
    assert client.get("/personio/v2/projects/1001", headers=AUTH).json()["name"] == "From my fixtures"
    # a vendor without a file in the directory keeps its built-in fixtures
    assert client.get("/__admin/state/zep").json()["projects"]


def test_max_body_bytes_is_configurable() -> None:
    client = TestClient(create_app(ServerConfig(vendors=("personio",), max_body_bytes=64)))
    body = json.dumps({"description": "d" * 100})
    r = client.patch(
        "/personio/v2/projects/1001", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["errors"][0]["title"] == "Payload too large"


def test_vendor_selection_serves_only_those_vendors() -> None:
    client = TestClient(create_app(ServerConfig(vendors=("zep",))))
    assert client.get("/__admin/health").json()["vendors"] == ["zep"]
    assert client.get("/personio/v2/projects/1001", headers=AUTH).status_code == 404
