"""``--store sqlite:PATH``: a restarted server has every acknowledged write and nothing from a
rejected request, after a clean stop and after SIGKILL in the middle of a write load."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.app import MockApp, create_app
from mockserver.cli import main
from mockserver.config import ServerConfig, store_path
from tests.test_cli import free_port, usage_error, wait_healthy

AUTH = {"Authorization": "Bearer test-token"}
SESSIONS = ["default", "created", "seeded", "reset", "rejected", "untouched"]


def sqlite_app(path: Path) -> MockApp:
    return create_app(
        ServerConfig(vendors=("personio",), store=f"sqlite:{path}", freeze_time="2025-03-01T12:00:00Z")
    )


def states(client: TestClient) -> dict[str, Any]:
    return {s: client.get("/__admin/state/personio", headers={"X-Mock-Session": s}).json() for s in SESSIONS}


def call(client: TestClient, method: str, path: str, session: str, body: Any) -> httpx.Response:
    headers = {**AUTH, "X-Mock-Session": session}
    return client.request(method, "/personio/v2" + path, json=body, headers=headers)


def test_a_restarted_app_has_every_acknowledged_write_and_nothing_rejected(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    app = sqlite_app(db)
    client = TestClient(app)
    assert call(client, "PATCH", "/projects/1001", "default", {"description": "kept"}).status_code == 204
    created = call(
        client, "POST", "/projects", "created", {"name": "New", "status": "ACTIVE", "project_code": "N-1"}
    )
    assert created.status_code == 201
    # a rejected request: duplicate name (PER-4) next to a valid field; neither may be stored
    rejected = call(
        client, "PATCH", "/projects/1001", "rejected", {"name": "Internal Tools", "description": "no"}
    )
    assert rejected.status_code == 422
    seeded = client.get("/__admin/state/personio", headers={"X-Mock-Session": "seeded"}).json()
    seeded["projects"]["1001"]["name"] = "Seeded"
    assert (
        client.put("/__admin/state/personio", json=seeded, headers={"X-Mock-Session": "seeded"}).status_code
        == 200
    )
    assert call(client, "PATCH", "/projects/1001", "reset", {"description": "gone"}).status_code == 204
    assert client.post("/__admin/reset", headers={"X-Mock-Session": "reset"}).status_code == 200
    before = states(client)
    app.store.close()

    restarted = sqlite_app(db)
    client = TestClient(restarted)
    after = states(client)
    assert after == before
    assert after["default"]["projects"]["1001"]["description"] == "kept"
    assert after["created"]["projects"][str(created.json()["id"])]["name"] == "New"
    assert after["seeded"]["projects"]["1001"]["name"] == "Seeded"
    fixtures = after["untouched"]
    assert after["rejected"] == fixtures
    assert after["reset"] == fixtures
    # uniqueness indexes are rebuilt from the saved records: the new name is taken after the restart
    taken = call(client, "POST", "/projects", "created", {"name": "New", "status": "ACTIVE"})
    assert taken.status_code == 422
    restarted.store.close()


def test_store_option_is_parsed_and_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert store_path("memory") is None
    assert store_path("sqlite:state.db") == Path("state.db")
    assert store_path("sqlite:/a:b/c.db") == Path("/a:b/c.db")
    for bad in ("", "sqlite", "sqlite:", "postgres:x", "Memory"):
        with pytest.raises(ValueError, match="memory' or 'sqlite:PATH'"):
            store_path(bad)
        with pytest.raises(SystemExit) as usage:
            main(["serve", "--store", bad])
        assert usage.value.code == 2
        assert "--store" in capsys.readouterr().err
    # well formed but unusable: a usage error too, with the reason
    assert main(["serve", "--store", f"sqlite:{tmp_path}/missing/state.db", "--vendor", "personio"]) == 2
    assert "cannot open the state database" in capsys.readouterr().err


def serve(db: Path, port: int) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "mockserver",
        "serve",
        "--store",
        f"sqlite:{db}",
        "--port",
        str(port),
        "--vendor",
        "personio",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_sigkill_mid_load_loses_no_acknowledged_write(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    writes = 200
    acknowledged: list[int] = []
    rejected: list[int] = []
    enough = threading.Event()

    def load(url: str) -> None:
        # write i goes to session w<i>; every 10th is rejected (PER-4, duplicate name)
        with httpx.Client(base_url=url + "/personio/v2", timeout=5) as client:
            for i in range(writes):
                body = {"name": "Internal Tools"} if i % 10 == 0 else {"description": f"write {i}"}
                try:
                    r = client.patch("/projects/1001", json=body, headers={**AUTH, "X-Mock-Session": f"w{i}"})
                except httpx.TransportError:
                    return  # the server is gone
                (acknowledged if r.is_success else rejected).append(i)
                if len(acknowledged) >= 50:
                    enough.set()

    processes: list[subprocess.Popen[str]] = []
    writer: threading.Thread | None = None
    try:
        port = free_port()
        processes.append(serve(db, port))
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, processes[0])
        writer = threading.Thread(target=load, args=(url,), daemon=True)
        writer.start()
        assert enough.wait(timeout=60), "the write load did not get going"
        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait(timeout=10)
        writer.join(timeout=30)
        assert not writer.is_alive()
        assert 50 <= len(acknowledged) < writes - len(rejected), "the kill did not land mid-load"

        port = free_port()
        processes.append(serve(db, port))
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, processes[1])
        with httpx.Client(base_url=url, timeout=5) as client:

            def project(i: int) -> dict[str, Any]:
                state = client.get("/__admin/state/personio", headers={"X-Mock-Session": f"w{i}"}).json()
                project: dict[str, Any] = state["projects"]["1001"]
                return project

            fixture = project(-1)
            lost = [i for i in acknowledged if project(i).get("description") != f"write {i}"]
            leaked = [i for i in rejected if project(i) != fixture]
        assert lost == [], f"acknowledged writes lost after SIGKILL: {lost}"
        assert leaked == [], f"rejected writes stored: {leaked}"
        assert rejected, "the load had no rejected request"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)
        if writer is not None:
            writer.join(timeout=10)


def test_GEN_4_a_bad_document_is_never_written_so_the_file_still_starts(tmp_path: Path) -> None:
    # it used to be saved before it was checked: the server then could not start on the file again
    db = tmp_path / "state.db"
    app = sqlite_app(db)
    client = TestClient(app)
    bad = client.get("/__admin/state/personio").json()
    bad["projects"]["1001"]["parent_project"] = "x"
    assert client.put("/__admin/state/personio", json=bad).status_code == 400
    app.store.close()
    restarted = sqlite_app(db)
    client = TestClient(restarted)
    assert call(client, "GET", "/projects/1001", "default", None).json()["name"] == "Website Relaunch"
    restarted.store.close()


def test_a_foreign_database_file_is_a_one_line_usage_error(tmp_path: Path) -> None:
    db = tmp_path / "theirs.db"
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE states(x)")
    connection.close()
    line = usage_error("serve", "--vendor", "personio", "--port", "1", "--store", f"sqlite:{db}")
    assert line == (
        f"mockserver: {db} is not a mockserver state database (it holds tables states);"
        " use a new file, or one a mockserver wrote"
    )


def test_read_only_sessions_do_not_pin_memory_with_sqlite(tmp_path: Path) -> None:
    # 4,000 of them once held 476 MiB: past --max-sessions they are forgotten as in memory mode
    app = create_app(
        ServerConfig(vendors=("personio",), store=f"sqlite:{tmp_path / 'state.db'}", max_sessions=5)
    )
    client = TestClient(app)
    assert call(client, "PATCH", "/projects/1001", "writer", {"description": "kept"}).status_code == 204
    for i in range(40):
        assert call(client, "GET", "/projects/1001", f"reader-{i}", None).status_code == 200
        assert len(app.store.session_names()) <= 5
    assert "writer" not in app.store.session_names()
    # forgotten, not lost: it comes back from the file
    assert call(client, "GET", "/projects/1001", "writer", None).json()["description"] == "kept"
    app.store.close()
