"""Where the server listens and how it runs: the sockets are opened before anything is
printed, so a port in use is one line and exit 2, and uvicorn (its public ``Server.run``) takes
them as they are."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.web.http import HttpLimits, Refusal

__all__ = ["base_url", "listen", "run"]


def base_url(host: str, port: int) -> str:
    """Where clients reach ``host:port``; an IPv6 literal goes in brackets (RFC 3986 §3.2.2)."""
    bare = host.strip("[]")
    return f"http://{f'[{bare}]' if ':' in bare else bare}:{port}"


def listen(host: str, port: int) -> list[socket.socket] | None:
    """Sockets listening on every address ``host`` resolves to, as asyncio's ``create_server``
    would open them; or ``None`` after one line on stderr. They are opened before anything is
    printed, so a port in use is a usage error rather than a mount table, uvicorn's log line and
    exit 3."""
    sockets: list[socket.socket] = []
    try:
        # "" (every interface) is None to getaddrinfo; "[::1]" is accepted as in a URL
        found = socket.getaddrinfo(
            host.strip("[]") or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        for family, kind, proto, _name, address in dict.fromkeys(found):
            sockets.append(listener := socket.socket(family, kind, proto))
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:  # "::" must not also take the IPv4 port
                listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            listener.bind(address)
            listener.listen()  # SO_REUSEADDR lets bind() pass where only listen() fails
    except OSError as exc:
        for listener in sockets:
            listener.close()
        reason = exc.strerror or str(exc)
        where = base_url(host, port).removeprefix("http://")
        print(f"mockserver: cannot listen on {where}: {reason[:1].lower()}{reason[1:]}", file=sys.stderr)
        return None
    return sockets


def run(
    app: Any,
    sockets: list[socket.socket],
    limits: HttpLimits,
    *,
    refusal: Refusal | None = None,
    **options: Any,
) -> None:
    """uvicorn serves ``app`` within ``limits`` until Ctrl-C or SIGTERM, then exit 0; ``refusal``
    words the HTTP layer's own refusals (431, 408), as ``MockApp.http_refusal`` does."""
    import uvicorn

    from mockserver.web.http import LimitedConfig, connection_cap

    cap = connection_cap(limits.max_connections)
    if cap < limits.max_connections:
        print(f"mockserver: --max-connections lowered to {cap} to fit 'ulimit -n'", file=sys.stderr)

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn re-raises SIGTERM after a graceful shutdown, so a clean stop would exit
            # with -15; supervisors and CI should see 0.
            def stop(_signum: int, _frame: object) -> None:
                self.should_exit = True

            previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    settings: dict[str, Any] = {"log_level": "warning", "lifespan": "off", **options}
    Server(LimitedConfig(app, limits, refusal, **settings)).run(sockets=sockets)
