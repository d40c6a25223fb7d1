"""Server options of INTERFACE.md that change what the app does: --fixtures, --max-body-bytes,
--vendor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.core.vendor import FIXTURES_DIR
from tests.test_cli import usage_error

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


BAD_FIXTURES = {
    "array": (b"[]", "the state document must be a JSON object of collections"),
    "not-json": (
        b"{projects: }",
        "is not valid JSON (Expecting property name enclosed in double quotes at line 1",
    ),
    "not-utf8": (b'{"projects": {"\xff": {}}}', "is not UTF-8 text"),
    "wrong-type": (
        b'{"projects": {"7": {"id": "7", "name": 7}}}',
        "projects['7'].name: must be string, not integer",
    ),
    "nan": (b'{"persons": {"1": {"id": "1", "name": NaN}}}', "persons['1'].name: nan is not a finite number"),
    "unrenderable": (
        b'{"projects": {"7": {"id": "7", "name": "N", "status": "BOGUS"}}}',
        "projects['7']: as getProject answers it, status must be one of",
    ),
}


@pytest.mark.parametrize(("content", "words"), BAD_FIXTURES.values(), ids=BAD_FIXTURES)
def test_GEN_9_a_bad_fixture_file_stops_startup_with_one_line(
    tmp_path: Path, content: bytes, words: str
) -> None:
    (tmp_path / "personio.json").write_bytes(content)
    line = usage_error("serve", "--vendor", "personio", "--port", "1", "--fixtures", str(tmp_path))
    assert line.startswith(f"mockserver: fixture file {tmp_path / 'personio.json'}")
    assert words in line
    assert line.endswith(f"fix it, or remove it from {tmp_path} to serve the built-in personio fixtures")


def test_fixture_files_are_checked_as_state_documents_are(tmp_path: Path) -> None:
    (tmp_path / "zep.json").write_text(json.dumps({"projects": {"1": {"id": 1, "dynamic_attributes": 1}}}))
    with pytest.raises(ValueError, match=r"projects\['1'\]\.dynamic_attributes: must be array or null"):
        create_app(ServerConfig(vendors=("zep",), fixtures_dir=tmp_path))
