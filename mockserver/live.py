"""A live mock on a real loopback socket, in a background thread: for test fixtures and tools.

The pytest plugin, ``contracts.fuzz_client`` and the test suite start the mock this way; the port
is chosen by the OS (``port=0``) so parallel runs never collide.
"""

from __future__ import annotations

import threading
import time
import warnings
from types import TracebackType
from typing import TYPE_CHECKING

from mockserver.config import ServerConfig
from mockserver.listen import base_url

if TYPE_CHECKING:
    from mockserver.app import MockApp

__all__ = ["LiveServer", "create_app_quietly"]


def create_app_quietly(config: ServerConfig) -> MockApp:
    """``create_app`` without the warnings our dependencies raise while it imports and loads the
    specs (connexion imports starlette's TestClient, which we never use): a user's ``-W error``
    must not break on them."""
    with warnings.catch_warnings():
        # and the deprecation warnings connexion's and openapi-spec-validator's use of jsonschema
        # raise while the specs load: our internals, not the user's code
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from mockserver.app import create_app

        return create_app(config)


class LiveServer:
    """``with LiveServer() as server: server.url`` -> ``http://127.0.0.1:PORT``."""

    def __init__(
        self,
        app: MockApp | None = None,
        *,
        config: ServerConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Serve ``app``, or a new app built from ``config`` (default settings without either)."""
        import uvicorn  # only when a server is really started (keeps plugin collection light)

        from mockserver.web.http import HttpLimits, LimitedConfig

        self.app = app or create_app_quietly(config or ServerConfig())
        # the limits of `mockserver serve` (mockserver/web/http.py), from the app's settings
        limits = HttpLimits.of(self.app.config)
        self.server = uvicorn.Server(
            LimitedConfig(
                self.app,
                limits,
                self.app.http_refusal,
                host=host,
                port=port,
                log_level="warning",
                lifespan="off",
            )
        )
        # uvicorn installs signal handlers only on the main thread; here Ctrl-C stays pytest's.
        self.thread = threading.Thread(target=self.server.run, name="mockserver", daemon=True)
        self.host = host
        self.url = ""

    def start(self, timeout: float = 10.0) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live mock server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = base_url(self.host, port)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=timeout)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
