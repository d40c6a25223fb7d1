"""``mockserver``: the command line of INTERFACE.md."""

from __future__ import annotations

import argparse
import contextlib
import gc
import signal
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from mockserver.config import DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, ServerConfig


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the vendor mocks")
    serve.add_argument("--host", default=DEFAULT_HOST, help="bind address (default %(default)s)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s)")
    serve.add_argument(
        "--vendor", action="append", default=[], metavar="ID", help="serve only this vendor (repeatable)"
    )
    serve.add_argument("--fixtures", type=Path, metavar="DIR", help="load <vendor>.json from DIR")
    serve.add_argument("--strict", action="store_true", help="reject undocumented body fields (GEN-7)")
    serve.add_argument("--freeze-time", metavar="ISO", help="fix the mock clock, e.g. 2025-01-01T00:00:00Z")
    serve.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, help="413 above this size"
    )
    serve.add_argument("--journal-size", type=int, default=1000, help="journal entries kept per session")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2


def serve(args: argparse.Namespace) -> int:
    # connexion imports starlette's test client at import time, which warns about httpx.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import uvicorn

    from mockserver.app import create_app

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

    config = ServerConfig(
        host=args.host,
        port=args.port,
        vendors=tuple(args.vendor),
        fixtures_dir=args.fixtures,
        strict=args.strict,
        freeze_time=args.freeze_time,
        max_body_bytes=args.max_body_bytes,
        journal_size=args.journal_size,
    )
    try:
        app = create_app(config)
    except (ValueError, OSError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    base = f"http://{config.host}:{config.port}"
    for vendor in app.vendors.values():
        print(f"{vendor.title:<10} {base}{vendor.prefix}  (spec: {base}/{vendor.id}/openapi.json)")
    print(f"{'admin':<10} {base}/__admin  (health, reset, state, requests, rules)", flush=True)
    app.store.session()  # the default session, built from the fixtures before the first request
    # Everything built so far lives as long as the process: keep it out of the garbage collector's
    # full passes, which otherwise walk every spec node and record and show up as p99 spikes.
    gc.collect()
    gc.freeze()
    Server(uvicorn.Config(app, host=config.host, port=config.port, log_level="warning", lifespan="off")).run()
    return 0
