"""The compiled request path (mockserver/native.py): used when built and current, never when stale,
and the sources answer the same calls the same way."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from mockserver import native

ROOT = Path(__file__).resolve().parents[1]

# One valid and one rejected PATCH through the whole ASGI app, in a fresh interpreter; prints
# where the modules came from and what was answered.
PROBE = r"""
import asyncio, importlib, json
from mockserver import native
from mockserver.app import create_app
from mockserver.config import ServerConfig

app = create_app(ServerConfig(vendors=("personio",), freeze_time="2025-01-01T00:00:00Z"))

async def call(body):
    sent = []
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    async def send(message):
        sent.append(message)
    headers = [(b"host", b"127.0.0.1"), (b"authorization", b"Bearer test-token"),
               (b"content-type", b"application/json")]
    scope = {"type": "http", "method": "PATCH", "path": "/personio/v2/projects/1001",
             "raw_path": b"/personio/v2/projects/1001", "query_string": b"", "headers": headers,
             "scheme": "http", "server": ("127.0.0.1", 80)}
    await app(scope, receive, send)
    body = sent[1]["body"]
    return sent[0]["status"], json.loads(body) if body else None

answers = [asyncio.run(call(b'{"description": "probe"}')), asyncio.run(call(b'{"name": "Internal Tools"}'))]
for answer in answers:
    if isinstance(answer[1], dict):
        answer[1].pop("personio_trace_id", None)  # random per answer
files = {m: importlib.import_module(m).__file__ for m in native.MODULES}
print(json.dumps({"compiled": native.COMPILED, "status": native.STATUS, "files": files, "answers": answers}))
"""


def probe(**env: str) -> dict[str, object]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, object] = json.loads(run.stdout)
    return result


def test_the_sources_answer_as_the_build_does() -> None:
    pure = probe(MOCKSERVER_PURE_PYTHON="1")
    assert pure["compiled"] is False
    assert "MOCKSERVER_PURE_PYTHON" in str(pure["status"])
    files = pure["files"]
    assert isinstance(files, dict)
    assert all(str(path).endswith(".py") for path in files.values()), files
    statuses = [answer[0] for answer in pure["answers"]]  # type: ignore[attr-defined]
    assert statuses == [204, 422]
    assert probe(MOCKSERVER_PURE_PYTHON="0")["answers"] == pure["answers"]


def test_the_request_path_runs_compiled_where_it_was_built() -> None:
    """scripts/test builds it first and sets MOCKSERVER_REQUIRE_COMPILED, so a build that failed
    does not pass unnoticed (the speed of scripts/bench rests on it)."""
    if os.environ.get("MOCKSERVER_REQUIRE_COMPILED") != "1" and not native.COMPILED:
        pytest.skip(f"not compiled here: {native.STATUS}")
    assert native.COMPILED, native.STATUS
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    for name in native.MODULES:
        module = importlib.import_module(name)
        assert module.__file__ is not None and module.__file__.endswith(suffix), name


def test_a_build_of_other_sources_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = native.fingerprint()
    sources = dict(recorded["sources"])  # type: ignore[call-overload]
    sources["mockserver.core.store"] = "0" * 64  # as if store.py was edited after the build
    manifest = tmp_path / "native.json"
    manifest.write_text(json.dumps({**recorded, "sources": sources}), encoding="utf-8")
    monkeypatch.setattr(native, "MANIFEST", manifest)
    monkeypatch.delenv(native.PURE_ENV, raising=False)
    assert native.state() == (
        False,
        "pure Python (the compiled build is stale: scripts/compile.py rebuilds it)",
    )

    manifest.write_text(json.dumps({**recorded, "ext_suffix": ".cpython-399-other.so"}), encoding="utf-8")
    assert native.state()[0] is False  # built by another interpreter

    manifest.write_text(json.dumps(recorded), encoding="utf-8")
    assert native.state() == (True, "compiled (mypyc)")
    monkeypatch.setenv(native.PURE_ENV, "1")
    assert native.state()[0] is False

    monkeypatch.setattr(native, "MANIFEST", tmp_path / "absent.json")
    monkeypatch.delenv(native.PURE_ENV)
    assert native.state() == (False, "pure Python (not compiled: scripts/compile.py builds it)")


def test_a_stale_build_gives_way_to_every_listed_source() -> None:
    finder = native.SourcesFirst(native.MODULES)
    for name in native.MODULES:
        spec = finder.find_spec(name, None)
        assert spec is not None and spec.origin == str(native.source_of(name))
    assert finder.find_spec("mockserver.cli", None) is None  # never compiled: the usual import


def test_every_listed_module_is_a_source_of_the_package() -> None:
    assert len(set(native.MODULES)) == len(native.MODULES)
    for name in native.MODULES:
        assert native.source_of(name).is_file(), name
