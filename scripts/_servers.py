"""Server processes for the scripts (``bench``, ``soak``, ``prism-proxy``), on 127.0.0.1 only.

A free loopback port, a launch that waits until the server answers (and times how long that took),
the resident memory of the server and its children, and a stop that always ends it. Each server
runs in a session of its own, so a stop that has to force it ends its children too.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick on the loopback interface)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def http_status(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 2.0,
) -> int:
    """One request on a fresh connection: the answer's status (the body is read and dropped)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    started_s: float
    """From launch to the first answer ``ready`` accepted: the cold start."""
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def tail(self, lines: int = 20) -> str:
        """The end of the server's output (when it was started with a log)."""
        if self.log is not None:
            with contextlib.suppress(OSError):
                return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def rss_mib(self) -> float:
        """Resident memory of the server and its children (Prism may run node under a wrapper)."""
        pids = _tree(self.process.pid)
        sizes = [_rss_kib(pid) for pid in pids]
        if sizes[0] is None:
            raise RuntimeError(f"{self.name}: no VmRSS for process {self.process.pid}")
        return sum(size or 0 for size in sizes) / 1024

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL to the server's whole session if it is still there after
        ``timeout`` seconds."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: pgid == pid
            self.process.wait(timeout=timeout)


def start(
    name: str,
    command: Sequence[str],
    port: int,
    ready: Callable[[int], bool],
    *,
    log: Path | None = None,
    timeout: float = 60.0,
    interval: float = 0.05,
    cwd: Path | None = None,
) -> Server:
    """Launch ``command`` and poll ``ready(port)`` every ``interval`` seconds until it is true.

    Connection errors while the server starts count as not ready. Output goes to ``log`` when
    given (its tail is quoted if the server fails to start), else nowhere. Exits the script with
    a message when the server dies or does not answer within ``timeout`` seconds.
    """
    started = time.perf_counter()
    if log is not None:
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True
            )
    else:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, start_new_session=True
        )
    server = Server(name, process, port, 0.0, log)
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise SystemExit(_with_tail(f"{name} exited with {process.returncode} before answering", server))
        with contextlib.suppress(OSError, http.client.HTTPException):
            if ready(port):
                server.started_s = time.perf_counter() - started
                return server
        time.sleep(interval)
    server.stop()
    raise SystemExit(_with_tail(f"{name} did not answer within {timeout:.0f} s", server))


def _with_tail(message: str, server: Server) -> str:
    tail = server.tail()
    return f"{message}:\n{tail}" if tail else message


def _tree(pid: int) -> list[int]:
    pids, queue = [pid], [pid]
    while queue:
        parent = queue.pop()
        children: list[int] = []
        with contextlib.suppress(OSError):
            children = [int(c) for c in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()]
        pids.extend(children)
        queue.extend(children)
    return pids


def _rss_kib(pid: int) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None
