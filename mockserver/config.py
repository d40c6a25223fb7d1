"""Server settings, as the command line (INTERFACE.md) and tests set them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010
DEFAULT_PROXY_PORT = 4011
"""The validation proxy's: next to the mock's, so a client switches between them by port alone."""
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_SESSIONS = 1000


@dataclass(frozen=True)
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    vendors: tuple[str, ...] = ()
    """Vendor ids to serve; empty means all."""
    fixtures_dir: Path | None = None
    strict: bool = False
    freeze_time: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    journal_size: int = 1000
    max_sessions: int = DEFAULT_MAX_SESSIONS
    fuzz_responses: int | None = None
    """A seed: every session starts with a ``fuzz`` fault on every call (response fuzzing mode)."""
    """Sessions kept in memory (least recently used forgotten first); 0: no limit. Not with SQLite."""
    admin_token: str | None = None
    """Required on every admin call but the health check; mandatory off loopback."""
    store: str = "memory"
    """``memory`` (the default) or ``sqlite:PATH``: keep the state in that SQLite file."""


def store_path(store: str) -> Path | None:
    """The SQLite file of a ``--store`` value: ``None`` for ``memory``; a ValueError if malformed."""
    if store == "memory":
        return None
    kind, colon, path = store.partition(":")
    if kind == "sqlite" and colon and path:
        return Path(path).expanduser()
    raise ValueError(f"the store must be 'memory' or 'sqlite:PATH', not {store!r}")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: the only addresses the mock binds to without a token."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
