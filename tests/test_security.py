"""Locked to loopback unless an admin token guards the admin API; secrets stay out of journals
and logs; ids and fixture files stay inside their homes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from contracts.verify import verify
from mockserver.app import create_app
from mockserver.cli import main
from mockserver.config import ServerConfig, is_loopback
from mockserver.core.vendor import FIXTURES_DIR, discover_vendors
from tests.fixtures.live import LiveServer
from tests.test_cli import free_port, wait_healthy

AUTH = {"Authorization": "Bearer test-token"}


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_binding_off_loopback_needs_an_admin_token(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", host]) == 2
    assert "--admin-token" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_admin_token_guards_the_admin_api_but_not_vendor_calls() -> None:
    client = TestClient(create_app(ServerConfig(vendors=("personio",), admin_token="s3cret")))
    assert client.get("/__admin/health").status_code == 200  # liveness probes stay open
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"}):
        denied = client.get("/__admin/state/personio", headers=headers)
        assert denied.status_code == 401
        assert denied.json()["status"] == 401
        assert client.post("/__admin/reset", headers=headers).status_code == 401
    assert (
        client.get("/__admin/state/personio", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    )
    assert client.get("/personio/v2/projects/1001", headers=AUTH).status_code == 200


def test_verify_uses_the_admin_token() -> None:
    app = create_app(ServerConfig(vendors=("personio",), admin_token="s3cret"))
    server = LiveServer(app).start()
    try:
        vendor = discover_vendors(["personio"])["personio"]
        guarded = verify(vendor, server.url, fuzz=False, admin_token="s3cret")
        # the vendor's URL: the mock's root without the admin token is a usage error (test_verify)
        unguarded = verify(vendor, server.url + vendor.prefix, fuzz=False)
    finally:
        server.stop()
    assert guarded.ok
    assert not any(o.status == "skipped" for o in guarded.outcomes)
    assert any(o.status == "skipped" for o in unguarded.outcomes)  # no admin powers without it


def test_journal_redacts_secret_headers() -> None:
    client = TestClient(create_app(ServerConfig(vendors=("personio",))))
    client.get("/personio/v2/projects/1001", headers={**AUTH, "Cookie": "session=abc", "X-Api-Key": "k-123"})
    (entry,) = client.get("/__admin/requests").json()["requests"]
    headers = entry["request"]["headers"]
    assert headers["authorization"] == headers["cookie"] == headers["x-api-key"] == "[redacted]"
    assert "test-token" not in json.dumps(entry)


def test_journal_redacts_credentials_in_token_calls_bodies() -> None:
    """Found by a hostile probe: the README says bodies are journalled with secrets redacted,
    yet a token call's client_secret, and the access and refresh tokens it answered, were kept."""
    client = TestClient(create_app(ServerConfig(vendors=("personio", "cor"))))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    personio = "grant_type=client_credentials&client_id=papi-client-full&client_secret=papi-secret-full"
    assert client.post("/personio/v2/auth/token", content=personio, headers=form).status_code == 200
    refreshed = client.post(
        "/cor/v1/oauth/refreshtoken", content="refresh_token=test-refresh-token", headers=form
    )
    assert refreshed.status_code == 200
    entries = client.get("/__admin/requests").json()["requests"]
    shown = json.dumps(entries)
    for secret in (
        "papi-secret-full",
        "test-refresh-token",
        refreshed.json()["refresh_token"],
        refreshed.json()["access_token"],
    ):
        assert secret not in shown
    assert entries[0]["request"]["body"] == (
        "grant_type=client_credentials&client_id=papi-client-full&client_secret=[redacted]"
    )
    assert entries[1]["response"]["body"]["refresh_token"] == "[redacted]"
    assert entries[1]["response"]["body"]["expires_in"] == 3600  # the rest as answered


def test_journal_redacts_credentials_in_the_query_and_in_a_form_it_could_not_parse() -> None:
    """Found by a hostile probe: a client_secret in the query string, or in a form whose pairs
    are split by ';', was journalled as sent."""
    client = TestClient(create_app(ServerConfig(vendors=("personio",))))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    query = "/personio/v2/auth/token?client_id=papi-client-full&client_secret=papi-secret-full"
    client.post(query, content="grant_type=client_credentials", headers=form)
    body = "grant_type=client_credentials;client_id=papi-client-full;Client%5FSecret=papi-secret-full"
    client.post("/personio/v2/auth/token", content=body, headers=form)
    entries = client.get("/__admin/requests").json()["requests"]
    assert "papi-secret-full" not in json.dumps(entries)
    assert entries[0]["query"] == "client_id=papi-client-full&client_secret=[redacted]"
    assert entries[1]["request"]["body"] == (
        "grant_type=client_credentials;client_id=papi-client-full;Client%5FSecret=[redacted]"
    )


@pytest.mark.parametrize(
    ("body", "media"),
    [
        (b'{"client_id": "papi-client-full", "client_secret": "papi-secret-full", "n": NaN}', "json"),
        (b'{"client_secret": "papi-secret-full", "n": 1e999}', "json"),
        (b'{"client_secret": "papi-secret-full"} trailing', "json"),
        (b'\xff{"client_secret": "papi-secret-full"}', "json"),
        (b'{"client_secret": "papi-secret-full", "pad": "' + b"x" * 70_000 + b'"}', "json"),
        (
            b'--b\r\nContent-Disposition: form-data; name="client_secret"\r\n\r\npapi-secret-full\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
    ],
    ids=["nan", "overflow", "trailing", "not-utf8", "cut-by-the-journal", "multipart"],
)
def test_journal_redacts_credentials_in_a_body_it_could_not_read(body: bytes, media: str) -> None:
    """Found by a hostile probe: a token call's body kept as text (not JSON the server could
    read, or cut by the journal) kept its client_secret."""
    client = TestClient(create_app(ServerConfig(vendors=("personio",), max_body_bytes=1 << 20)))
    content_type = "application/json" if media == "json" else media
    client.post("/personio/v2/auth/token", content=body, headers={"Content-Type": content_type})
    shown = json.dumps(client.get("/__admin/requests").json())
    assert "papi-secret-full" not in shown
    assert "[redacted]" in shown


def test_tokens_are_never_logged(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mockserver",
                "serve",
                "--port",
                str(port),
                "--vendor",
                "personio",
                "--admin-token",
                "admin-s3cret",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process)
            httpx.get(url + "/personio/v2/projects/1001", headers=AUTH)
            httpx.get(url + "/personio/v2/projects/1001", headers={"Authorization": "Bearer leaked-guess"})
            httpx.get(url + "/__admin/state/personio", headers={"Authorization": "Bearer admin-s3cret"})
        finally:
            process.terminate()
            process.wait(timeout=15)
    text = log.read_text()
    for secret in ("test-token", "leaked-guess", "admin-s3cret"):
        assert secret not in text


def test_odd_vendor_names_in_admin_paths_reach_nothing() -> None:
    client = TestClient(create_app(ServerConfig(vendors=("personio",))))
    for name in ("..%2F..%2Fetc%2Fpasswd", "..", "personio%00", "PERSONIO"):
        assert client.get(f"/__admin/state/{name}").status_code == 404


def test_fixture_files_cannot_point_outside_their_directory(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text((FIXTURES_DIR / "personio.json").read_text())
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    (fixtures / "personio.json").symlink_to(outside)
    with pytest.raises(ValueError, match="outside"):
        create_app(ServerConfig(vendors=("personio",), fixtures_dir=fixtures))
