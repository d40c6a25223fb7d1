"""Server settings, as the command line (INTERFACE.md) and tests set them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


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
