"""Server settings, as the command line (INTERFACE.md) and tests set them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from mockserver.core.journal import DEFAULT_BODY_BYTES, DEFAULT_BUDGET_BYTES, DEFAULT_POOL_BYTES

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010
DEFAULT_PROXY_PORT = 4011
"""The validation proxy's: next to the mock's, so a client switches between them by port alone."""
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_SESSIONS = 1000
DEFAULT_MAX_HEADER_BYTES = 64 * 1024
"""Request line plus headers of one request; beyond it the client gets a 431 (GEN-9)."""
DEFAULT_MAX_HEADERS = 100
DEFAULT_HEAD_TIMEOUT = 10.0
"""Seconds a client has to send a whole request head (slow or idle clients are closed)."""
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
"""The validation proxy's cap on one upstream answer (decoded): beyond it, a 502."""
DEFAULT_BODY_TIMEOUT = 30.0
"""Seconds a client has, once its head is in, to send the whole body (a slow one gets a 408)."""
DEFAULT_MAX_CONNECTIONS = 1000
"""Open connections; beyond it a new connection gets a 503 and is closed."""
DEFAULT_JOURNAL_BODY_BYTES = DEFAULT_BODY_BYTES
"""What the journal keeps of each request and response body (64 KiB)."""
DEFAULT_JOURNAL_BUDGET_BYTES = DEFAULT_BUDGET_BYTES
"""What one session's journal may hold in all (8 MiB); the oldest entries go first."""
DEFAULT_JOURNAL_TOTAL_BYTES = DEFAULT_POOL_BYTES
"""What all the journals may hold together (256 MiB)."""


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
    """Sessions kept in memory (least recently used forgotten first); 0: no limit. With SQLite a
    forgotten session that was saved comes back from the file on its next use."""
    rate_limits: bool = False
    """Enforce each vendor's documented rate limit (``Vendor.rate_limit``) per session, answering
    the vendor's 429; off by default, since test suites call the mock far faster than that."""
    fuzz_responses: int | None = None
    """A seed: every session starts with a ``fuzz`` fault on every call (response fuzzing mode)."""
    admin_token: str | None = None
    """Required on every admin call but the health check; mandatory off loopback."""
    store: str = "memory"
    """``memory`` (the default) or ``sqlite:PATH``: keep the state in that SQLite file."""
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_headers: int = DEFAULT_MAX_HEADERS
    head_timeout: float = DEFAULT_HEAD_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    journal_body_bytes: int = DEFAULT_JOURNAL_BODY_BYTES
    journal_budget_bytes: int = DEFAULT_JOURNAL_BUDGET_BYTES
    journal_total_bytes: int = DEFAULT_JOURNAL_TOTAL_BYTES
    """All the sessions' journals together; past it, those of the sessions used longest ago are emptied."""


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
