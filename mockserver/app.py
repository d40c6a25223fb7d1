"""The application factory: every vendor's operation table, the store, and the one ASGI app."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from mockserver.config import ServerConfig, store_path
from mockserver.core.clock import Clock
from mockserver.core.faults import Fault
from mockserver.core.general import GENERAL
from mockserver.core.limits import RateLimiter
from mockserver.core.operations import OperationTable
from mockserver.core.spec import load_spec
from mockserver.core.store import FixtureError, Persistence, StateError, StorageError, Store
from mockserver.core.values import NO_BODY, Reply
from mockserver.core.vendor import Vendor, discover_vendors
from mockserver.core.violations import Code, Violation
from mockserver.web.admin import ADMIN_SPEC
from mockserver.web.asgi import ADMIN_PREFIX, MockASGI
from mockserver.web.docs import Docs
from mockserver.web.responses import dumps
from mockserver.web.runtime import Runtime


class MockApp:
    """The ASGI application, plus the objects tests and tools reach into."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.vendors: dict[str, Vendor] = discover_vendors(self.config.vendors or None)
        fixtures = _fixtures(self.vendors, self.config.fixtures_dir)
        persistence = _persistence(self.config.store)
        try:
            store = Store(
                {vid: v.collections for vid, v in self.vendors.items()},
                fixtures,
                journal_size=self.config.journal_size,
                journal_bounds=(self.config.journal_body_bytes, self.config.journal_budget_bytes),
                journal_pool_bytes=self.config.journal_total_bytes,
                max_sessions=self.config.max_sessions,
                faults=_starting_faults(self.config),
                persistence=persistence,
                probes={vid: v.render_problems for vid, v in self.vendors.items()},
            )
        except (StateError, StorageError) as exc:
            if persistence is not None:
                persistence.close()  # it holds the file's lock
            raise _startup_error(exc, self.vendors, self.config) from None
        self.runtime = Runtime(
            config=self.config,
            vendors=self.vendors,
            store=store,
            clock=Clock.parse(self.config.freeze_time),
            tables={vid: OperationTable(load_spec(v.spec_path)) for vid, v in self.vendors.items()},
            admin_table=OperationTable(load_spec(ADMIN_SPEC)),
            general_rules=GENERAL,
            limiter=_limiter(self.config, self.vendors),
        )
        docs = Docs({**{v.prefix: v.spec_path for v in self.vendors.values()}, ADMIN_PREFIX: ADMIN_SPEC})
        self.asgi = MockASGI(self.runtime, docs)

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.runtime.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)

    def error_reply(self, vendor: Vendor | None, violations: Sequence[Violation]) -> Reply:
        if vendor is None:
            first = violations[0]
            return Reply(first.status, {"status": first.status, "message": first.message})
        return vendor.format_errors(list(violations), self.clock.now())

    def http_refusal(self, path: str, status: int, message: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        """How the HTTP layer's refusals (431, 408) read under ``path``: in the vendor's envelope
        there (GEN-9), ``{status, message}`` elsewhere."""
        code = Code.HEADERS_TOO_LARGE if status == 431 else Code.INVALID
        where = "header" if status == 431 else "request"  # a 400 here may be the request line's
        violation = Violation(status, code, message, location=where, rule="GEN-9")
        reply = self.error_reply(self.asgi.vendor_for(path), [violation])
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
        if reply.body is NO_BODY:
            return b"", headers
        return dumps(reply.body), [(b"content-type", reply.media_type.encode("latin-1")), *headers]


def _fixture_path(vendor: Vendor, directory: Path | None) -> Path:
    """The file ``Vendor.load_fixtures`` reads: the directory's, else the built-in one."""
    own = directory / f"{vendor.id}.json" if directory else None
    return own if own is not None and own.exists() else vendor.fixture_path


def _fixture_hint(vendor: Vendor, directory: Path | None) -> str:
    if _fixture_path(vendor, directory) == vendor.fixture_path:
        return "the built-in fixtures are damaged: reinstall mockserver"
    return f"fix it, or remove it from {directory} to serve the built-in {vendor.id} fixtures"


def _fixtures(vendors: Mapping[str, Vendor], directory: Path | None) -> dict[str, Any]:
    """Every vendor's fixture document; a file that cannot be read as JSON is a one-line
    ValueError naming it and what to do (the Store then checks what each holds)."""
    loaded = {}
    for vid, vendor in vendors.items():
        path, hint = _fixture_path(vendor, directory), _fixture_hint(vendor, directory)
        try:
            loaded[vid] = vendor.load_fixtures(directory)
        except json.JSONDecodeError as exc:
            where = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
            raise ValueError(f"fixture file {path} is not valid JSON ({where}); {hint}") from None
        except UnicodeDecodeError:
            raise ValueError(f"fixture file {path} is not UTF-8 text; {hint}") from None
        except (OSError, ValueError, RecursionError) as exc:
            raise ValueError(f"fixture file {path} cannot be read ({exc}); {hint}") from None
    return loaded


def _startup_error(
    exc: StateError | StorageError, vendors: Mapping[str, Vendor], config: ServerConfig
) -> ValueError:
    """What stopped the store from starting, with what to do about it (``serve`` prints it)."""
    if isinstance(exc, FixtureError):
        vendor = vendors[exc.vendor]
        found = StateError(exc.problems, f"fixture file {_fixture_path(vendor, config.fixtures_dir)}")
        return ValueError(f"{found}; {_fixture_hint(vendor, config.fixtures_dir)}")
    if isinstance(exc, StorageError):
        return ValueError(str(exc))
    return ValueError(
        f"{exc}; the file was written by another mockserver version, or changed outside mockserver: "
        "use another --store file"
    )


def _persistence(store: str) -> Persistence | None:
    """``--store``: nothing for ``memory``, the SQLite write-through layer for ``sqlite:PATH``."""
    path = store_path(store)
    if path is None:
        return None
    from mockserver.core.persistence import SqlitePersistence  # sqlite3 only when asked for

    return SqlitePersistence(path)


def _starting_faults(config: ServerConfig) -> tuple[Fault, ...]:
    """``--fuzz-responses SEED``: every call of every session gets a generated hostile answer."""
    if config.fuzz_responses is None:
        return ()
    return (Fault(action="fuzz", seed=config.fuzz_responses),)


def _limiter(config: ServerConfig, vendors: Mapping[str, Vendor]) -> RateLimiter | None:
    """``--rate-limits``: the documented limits of the vendors that document one."""
    if not config.rate_limits:
        return None
    return RateLimiter({vid: v.rate_limit for vid, v in vendors.items() if v.rate_limit is not None})


def create_app(config: ServerConfig | None = None) -> MockApp:
    return MockApp(config)
