"""``mockserver``: the command line of INTERFACE.md."""

from __future__ import annotations

import argparse
import gc
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from mockserver import native
from mockserver.config import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEAD_TIMEOUT,
    DEFAULT_HOST,
    DEFAULT_JOURNAL_BODY_BYTES,
    DEFAULT_JOURNAL_BUDGET_BYTES,
    DEFAULT_JOURNAL_TOTAL_BYTES,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_MAX_HEADERS,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_SESSIONS,
    DEFAULT_PORT,
    DEFAULT_PROXY_PORT,
    ServerConfig,
    is_loopback,
    store_path,
)
from mockserver.core.clock import Clock
from mockserver.listen import base_url, listen, run

if TYPE_CHECKING:
    from mockserver.web.http import HttpLimits


class _Parser(argparse.ArgumentParser):
    """A bad argument is one line, ``mockserver: ...``, and exit 2: argparse would print its usage
    first, burying the line that says what is wrong."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"mockserver: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mockserver", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the vendor mocks")
    serve.add_argument("--host", default=DEFAULT_HOST, help="bind address (default %(default)s)")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help="port (default %(default)s)")
    serve.add_argument(
        "--vendor",
        action="extend",
        nargs="+",
        default=[],
        metavar="ID",
        help="serve only these vendors: --vendor zep personio, or the flag repeated",
    )
    serve.add_argument("--fixtures", type=_directory, metavar="DIR", help="load <vendor>.json from DIR")
    serve.add_argument("--strict", action="store_true", help="reject undocumented body fields (GEN-7)")
    serve.add_argument(
        "--rate-limits",
        action="store_true",
        help="answer the vendor's 429 past the rate limit it documents (Ruddr, ZEP), per session",
    )
    serve.add_argument(
        "--freeze-time",
        type=_instant,
        metavar="ISO",
        help="fix the mock clock, e.g. 2025-01-01T00:00:00Z (an offset is converted to UTC; none means UTC)",
    )
    serve.add_argument(
        "--max-body-bytes", type=_at_least(1), default=DEFAULT_MAX_BODY_BYTES, help="413 above this size"
    )
    serve.add_argument(
        "--journal-size", type=_at_least(1), default=1000, help="journal entries kept per session"
    )
    serve.add_argument(
        "--journal-body-kib",
        type=_at_least(1),
        default=DEFAULT_JOURNAL_BODY_BYTES // 1024,
        metavar="KIB",
        help="KiB of each request and response body the journal keeps (default %(default)s)",
    )
    serve.add_argument(
        "--journal-budget-mib",
        type=_at_least(1),
        default=DEFAULT_JOURNAL_BUDGET_BYTES // (1024 * 1024),
        metavar="MIB",
        help="MiB one session's journal may hold; the oldest entries go first (default %(default)s)",
    )
    serve.add_argument(
        "--journal-total-mib",
        type=_at_least(1),
        default=DEFAULT_JOURNAL_TOTAL_BYTES // (1024 * 1024),
        metavar="MIB",
        help="MiB all the sessions' journals may hold together; past it the journals of the sessions"
        " used longest ago are emptied (default %(default)s)",
    )
    _add_http_limits(serve)
    serve.add_argument(
        "--fuzz-responses",
        type=int,
        metavar="SEED",
        help="answer every call with a spec-valid adversarial response, reproducible by SEED",
    )
    serve.add_argument(
        "--max-sessions",
        type=_at_least(0),
        default=DEFAULT_MAX_SESSIONS,
        help="sessions kept in memory; the least recently used is forgotten first (0: no limit)",
    )
    serve.add_argument(
        "--store",
        type=_store,
        default="memory",
        metavar="memory|sqlite:PATH",
        help="where the state lives: memory (default, lost on exit) or the SQLite file PATH, which keeps"
        " every acknowledged write across restarts and crashes",
    )
    serve.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="require 'Authorization: Bearer TOKEN' on the admin API; mandatory when --host is not loopback",
    )

    check = commands.add_parser(
        "verify", help="run Schemathesis and the rule scenarios against a base URL (the mock or a real API)"
    )
    check.add_argument("--vendor", required=True, metavar="ID", help="which vendor's spec and rules")
    check.add_argument(
        "--base-url",
        required=True,
        metavar="URL",
        help="the vendor base URL a client would use, e.g. http://127.0.0.1:4010/personio",
    )
    check.add_argument("--token", default="test-token", help="bearer token (default %(default)s)")
    check.add_argument("--junit-xml", type=Path, metavar="FILE", help="also write a JUnit XML report")
    check.add_argument(
        "--max-examples", type=_at_least(1), default=10, help="Schemathesis examples per operation"
    )
    check.add_argument("--seed", type=int, default=20251123, help="Schemathesis seed")
    check.add_argument("--no-fuzz", action="store_true", help="run the rule scenarios only")
    check.add_argument(
        "--no-pace",
        action="store_true",
        help="send as fast as possible (by default calls keep to the vendor's documented rate limit, "
        "unless the target is a mock that enforces none)",
    )
    check.add_argument(
        "--admin-token", metavar="TOKEN", help="the mock's admin token, if it was started with one"
    )

    proxy = commands.add_parser(
        "proxy", help="forward to a real API (or any upstream), validating both directions against the spec"
    )
    proxy.add_argument(
        "--vendor", required=True, metavar="ID", help="whose spec the traffic is checked against"
    )
    proxy.add_argument(
        "--upstream",
        required=True,
        metavar="URL",
        help="the base URL the client would otherwise use, e.g. https://api.personio.de or"
        " http://127.0.0.1:4010/personio",
    )
    proxy.add_argument("--host", default=DEFAULT_HOST, help="bind address (default %(default)s)")
    proxy.add_argument("--port", type=_port, default=DEFAULT_PROXY_PORT, help="port (default %(default)s)")
    proxy.add_argument(
        "--errors",
        action="store_true",
        help="answer a non-conforming request with the vendor's error instead of forwarding it",
    )
    proxy.add_argument("--journal-size", type=_at_least(1), default=1000, help="journal entries kept")
    proxy.add_argument(
        "--timeout", type=_seconds, default=30.0, help="seconds before a 504 (default %(default)s)"
    )
    proxy.add_argument(
        "--max-body-bytes", type=_at_least(1), default=DEFAULT_MAX_BODY_BYTES, help="413 above this size"
    )
    proxy.add_argument(
        "--max-response-bytes",
        type=_at_least(1),
        default=DEFAULT_MAX_RESPONSE_BYTES,
        help="502 when the upstream answers with more (default %(default)s)",
    )
    proxy.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="require 'Authorization: Bearer TOKEN' on the journal; mandatory when --host is not loopback",
    )
    _add_http_limits(proxy)
    return parser


def _add_http_limits(command: argparse.ArgumentParser) -> None:
    """What one client can make the server hold (mockserver/web/http.py); serve and proxy alike."""
    command.add_argument(
        "--max-header-bytes",
        type=_at_least(1024),
        default=DEFAULT_MAX_HEADER_BYTES,
        help="431 when a request line and headers are larger (default %(default)s)",
    )
    command.add_argument(
        "--max-headers", type=_at_least(1), default=DEFAULT_MAX_HEADERS, help="431 above this many headers"
    )
    command.add_argument(
        "--head-timeout",
        type=_seconds,
        default=DEFAULT_HEAD_TIMEOUT,
        metavar="SECONDS",
        help="close a connection whose request head is not complete in time (default %(default)s)",
    )
    command.add_argument(
        "--body-timeout",
        type=_seconds,
        default=DEFAULT_BODY_TIMEOUT,
        metavar="SECONDS",
        help="408 when a request body is not complete this long after its head (default %(default)s)",
    )
    command.add_argument(
        "--max-connections",
        type=_at_least(1),
        default=DEFAULT_MAX_CONNECTIONS,
        help="open connections; one more gets a 503 and is closed (default %(default)s)",
    )


def _http_limits(args: argparse.Namespace) -> HttpLimits:
    from mockserver.web.http import HttpLimits

    return HttpLimits(
        args.max_header_bytes, args.max_headers, args.head_timeout, args.max_connections, args.body_timeout
    )


def _store(value: str) -> str:
    try:
        store_path(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None


def _at_least(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``low``."""

    def parse(value: str) -> int:
        number = _whole(value)
        if number < low:
            raise argparse.ArgumentTypeError(f"must be a whole number of at least {low}, not {value!r}")
        return number

    return parse


def _port(value: str) -> int:
    """1 to 65535: uvicorn would bind 70000 as some other port without a word."""
    number = _whole(value)
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, not {value!r}")
    return number


def _seconds(value: str) -> float:
    """A duration: a positive, finite number of seconds (float() also reads 'nan' and 'inf')."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {value!r}")
    return number


def _instant(value: str) -> str:
    """An ISO 8601 date-time, checked here so that a bad one is a usage error naming the flag."""
    try:
        if Clock.parse(value).frozen is None:  # "" means real time to Clock; here it is a slip
            raise ValueError(f"{value!r} is not an ISO 8601 date-time")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _directory(value: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} is not a directory (it should hold <vendor>.json files)")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "verify":
        return verify(args)
    if args.command == "proxy":
        return proxy(args)
    return 2


def verify(args: argparse.Namespace) -> int:
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from contracts.scenarios import AdminRefusedError
    from contracts.verify import render, write_junit
    from contracts.verify import verify as run_verify
    from mockserver.core.vendor import as_vendor

    try:
        vendor = as_vendor(args.vendor)
    except ValueError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    try:
        result = run_verify(
            vendor,
            args.base_url,
            token=args.token,
            max_examples=args.max_examples,
            seed=args.seed,
            fuzz=not args.no_fuzz,
            admin_token=args.admin_token,
            paced=False if args.no_pace else None,
        )
    except AdminRefusedError as exc:  # a mock's root whose admin API refused the call
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    print(render(result))
    if args.junit_xml:
        write_junit([result], args.junit_xml)
    return 0 if result.ok else 1


def serve(args: argparse.Namespace) -> int:
    # connexion imports starlette's test client at import time, which warns about httpx.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from mockserver.app import create_app
    from mockserver.core.store import StorageError

    config = ServerConfig(
        host=args.host,
        port=args.port,
        vendors=tuple(args.vendor),
        fixtures_dir=args.fixtures,
        strict=args.strict,
        rate_limits=args.rate_limits,
        freeze_time=args.freeze_time,
        max_body_bytes=args.max_body_bytes,
        journal_size=args.journal_size,
        max_sessions=args.max_sessions,
        fuzz_responses=args.fuzz_responses,
        admin_token=args.admin_token,
        store=args.store,
        max_header_bytes=args.max_header_bytes,
        max_headers=args.max_headers,
        head_timeout=args.head_timeout,
        max_connections=args.max_connections,
        body_timeout=args.body_timeout,
        journal_body_bytes=args.journal_body_kib * 1024,
        journal_budget_bytes=args.journal_budget_mib * 1024 * 1024,
        journal_total_bytes=args.journal_total_mib * 1024 * 1024,
    )
    # Anyone who can reach the admin API can read and replace every state and token.
    if _open_binding(config.host, config.admin_token, "the admin API would be open"):
        return 2
    try:
        app = create_app(config)
        app.store.session()  # the default session, built before the first request
    except (ValueError, OSError, StorageError) as exc:
        print(f"mockserver: {' '.join(str(exc).split())}", file=sys.stderr)  # one line, always
        return 2
    sockets = listen(config.host, config.port)
    if sockets is None:
        app.store.close()
        return 2
    base = base_url(config.host, config.port)
    for vendor in app.vendors.values():
        print(f"{vendor.title:<10} {base}{vendor.prefix}  (spec: {base}/{vendor.id}/openapi.json)")
    print(f"{'admin':<10} {base}/__admin  (health, reset, state, requests, rules, faults)", flush=True)
    if native.built() is not None and not native.COMPILED:  # a developer's edit, not a plain install
        print(f"mockserver: the request path runs {native.STATUS}", file=sys.stderr)
    # Everything built so far lives as long as the process: keep it out of the garbage collector's
    # full passes, which otherwise walk every spec node and record and show up as p99 spikes.
    gc.collect()
    gc.freeze()
    try:
        # MockApp.__call__ only forwards to app.asgi: uvicorn calls it directly, one interpreted
        # frame less per call
        run(app.asgi, sockets, _http_limits(args), refusal=app.http_refusal)
    finally:
        app.store.close()  # every commit is already on disk; this just releases the file
    return 0


def _open_binding(host: str, admin_token: str | None, risk: str) -> bool:
    """Off loopback without ``--admin-token``: say so and refuse to start."""
    if is_loopback(host) or admin_token:
        return False
    print(f"mockserver: binding to {host} needs --admin-token ({risk})", file=sys.stderr)
    return True


def proxy(args: argparse.Namespace) -> int:
    from contracts.proxy import ProxyConfig, create_proxy

    config = ProxyConfig(
        vendor=args.vendor,
        upstream=args.upstream,
        host=args.host,
        port=args.port,
        errors=args.errors,
        journal_size=args.journal_size,
        timeout=args.timeout,
        max_body_bytes=args.max_body_bytes,
        max_response_bytes=args.max_response_bytes,
        admin_token=args.admin_token,
    )
    # The journal holds every request body that passed through.
    if _open_binding(config.host, config.admin_token, "the journal would be open"):
        return 2
    try:
        app = create_proxy(config)
    except ValueError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    sockets = listen(config.host, config.port)
    if sockets is None:
        return 2
    base = base_url(config.host, config.port)
    mode = "rejected with the vendor's error (--errors)" if config.errors else "forwarded and journaled"
    print(f"{app.vendor.title:<10} {base}{app.vendor.prefix} -> {app.upstream}")
    print(f"{'':<10} checked against specs/{app.vendor.id}.yaml; non-conforming requests are {mode}")
    print(f"{'admin':<10} {base}/__admin  (health, requests)", flush=True)
    # The upstream's own Date and Server headers pass through; uvicorn must not add a second pair.
    run(app, sockets, _http_limits(args), lifespan="on", server_header=False, date_header=False)
    return 0
