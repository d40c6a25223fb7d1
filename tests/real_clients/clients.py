"""The real clients under test, pinned, and how each one is run against the mock."""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tests.real_clients.venvs import DRIVERS, Client, run_client

TAP_RUDDR = Client(
    "tap-ruddr-0.0.1",
    ("tap-ruddr==0.0.1", "singer-sdk==0.28.0", "requests==2.34.2"),
    ((3, 7), (3, 12)),
)
DLT_PERSONIO = Client(
    "dlt-source-personio-0.0.4",
    ("dlt-source-personio==0.0.4", "dlt==1.31.0", "requests==2.34.2", "pydantic==2.14.4"),
    ((3, 12), None),
)
PERSONIO_CLIENT = Client(
    "personio-client-0.1.0a1",
    ("personio-client==0.1.0a1", "aiohttp==3.13.5", "pydantic==2.14.4"),
    ((3, 11), None),
)
TAP_START_DATE = "2024-01-01T00:00:00Z"
"""The tap's ``start_date`` setting, which it sends as ``dateOnAfter``."""


@functools.cache
def tap_catalog() -> Path:
    """The tap's own catalog (``--discover``, no HTTP) with only the projects stream selected:
    the mock serves Ruddr's projects, not its other seven streams."""
    python = TAP_RUDDR.python_bin()
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "config.json"
        config.write_text(json.dumps({"auth_token": "unused", "api_url": "http://127.0.0.1:9"}))
        discover = [python, DRIVERS / "run_tap_ruddr.py", "--config", config, "--discover"]
        catalog = json.loads(run_client(discover, Path(scratch)))
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] == "projects"
    path = TAP_RUDDR.home / "catalog.json"
    partial = path.with_name(f"catalog.{os.getpid()}.json")
    partial.write_text(json.dumps(catalog))
    partial.replace(path)  # atomic: another test run may be reading it
    return path


def tap_ruddr_sync(base_url: str, token: str, workdir: Path) -> list[dict[str, Any]]:
    """tap-ruddr's sync of its projects stream against ``base_url``: its Singer messages."""
    python = TAP_RUDDR.python_bin()
    config = workdir / "tap-ruddr.json"
    config.write_text(json.dumps({"auth_token": token, "api_url": base_url, "start_date": TAP_START_DATE}))
    out = run_client(
        [python, DRIVERS / "run_tap_ruddr.py", "--config", config, "--catalog", tap_catalog()], workdir
    )
    return [json.loads(line) for line in out.splitlines() if line.strip()]
