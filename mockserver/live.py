"""A live mock on a real loopback socket, in a background thread: for test fixtures and tools.

The pytest plugin, ``contracts.fuzz_client`` and the test suite start the mock this way; the port
is chosen by the OS (``port=0``) so parallel runs never collide.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from mockserver.app import MockApp, create_app
from mockserver.config import ServerConfig

__all__ = ["LiveServer"]


class LiveServer:
    """``with LiveServer() as server: server.url`` -> ``http://127.0.0.1:PORT``."""

    def __init__(self, app: MockApp | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn  # only when a server is really started (keeps plugin collection light)

        self.app = app or create_app(ServerConfig())
        config = uvicorn.Config(self.app, host=host, port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
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
        self.url = f"http://{self.host}:{port}"
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
