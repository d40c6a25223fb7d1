"""The application factory: every vendor's spec mounted on one connexion app, plus the admin API."""

from __future__ import annotations

import copy
import hmac
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from mockserver.config import ServerConfig, store_path
from mockserver.core.clock import Clock
from mockserver.core.faults import Fault
from mockserver.core.general import GENERAL
from mockserver.core.pipeline import NO_BODY, Reply
from mockserver.core.spec import SpecOperation, load_spec, operations
from mockserver.core.store import FixtureError, Persistence, StateError, StorageError, Store
from mockserver.core.vendor import Vendor, discover_vendors
from mockserver.core.violations import Code, Violation
from mockserver.web.admin import ADMIN_SPEC, admin_endpoints
from mockserver.web.faults import SERVER_SEND
from mockserver.web.handlers import BoundResolver, vendor_endpoints
from mockserver.web.lean import LeanAsyncApp
from mockserver.web.middleware import MockMiddleware
from mockserver.web.offload import Offloader
from mockserver.web.responses import dumps, violation_for
from mockserver.web.security import SECURITY_MAP
from mockserver.web.state import SCOPE_KEY, RequestState
from mockserver.web.validators import (
    CollectingFormBodyValidator,
    CollectingJSONBodyValidator,
    CollectingParameterValidator,
)

log = logging.getLogger("mockserver")

VALIDATOR_MAP = {
    "parameter": CollectingParameterValidator,
    "body": MediaTypeDict(
        {
            "*/*json": CollectingJSONBodyValidator,
            # OAuth token endpoints (Personio's /v2/auth/token) take form bodies
            "application/x-www-form-urlencoded": CollectingFormBodyValidator,
        }
    ),
}


class MockApp:
    """An ASGI application plus the objects tests and the admin API reach into."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.vendors: dict[str, Vendor] = discover_vendors(self.config.vendors or None)
        self.general_rules = GENERAL
        fixtures = _fixtures(self.vendors, self.config.fixtures_dir)
        persistence = _persistence(self.config.store)
        try:
            self.store = Store(
                {vid: v.collections for vid, v in self.vendors.items()},
                fixtures,
                journal_size=self.config.journal_size,
                journal_bounds=(self.config.journal_body_bytes, self.config.journal_budget_bytes),
                max_sessions=self.config.max_sessions,
                faults=_starting_faults(self.config),
                persistence=persistence,
                probes={vid: v.render_problems for vid, v in self.vendors.items()},
            )
        except (StateError, StorageError) as exc:
            if persistence is not None:
                persistence.close()  # it holds the file's lock
            raise _startup_error(exc, self.vendors, self.config) from None
        self.clock = Clock.parse(self.config.freeze_time)
        self.coverage: Counter[str] = Counter()
        self.offload = Offloader()
        self._routes: dict[str, list[tuple[re.Pattern[str], SpecOperation]]] = {}
        self._by_prefix = sorted(self.vendors.values(), key=lambda v: len(v.prefix), reverse=True)
        self.app = self._build()

    def _build(self) -> LeanAsyncApp:
        app = LeanAsyncApp(
            __name__,
            validator_map=VALIDATOR_MAP,
            security_map=SECURITY_MAP,
            swagger_ui_options=SwaggerUIOptions(swagger_ui=True, serve_spec=True),
        )
        for vendor in self.vendors.values():
            app.add_api(
                copy.deepcopy(load_spec(vendor.spec_path)),
                base_path=vendor.prefix,
                resolver=BoundResolver(vendor_endpoints(self, vendor)),
                name=vendor.id,
            )
        app.add_api(
            copy.deepcopy(load_spec(ADMIN_SPEC)),
            base_path="/__admin",
            resolver=BoundResolver(admin_endpoints(self)),
        )
        app.add_middleware(MockMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, mock=self)
        for exc in (ProblemException, HTTPException, Exception):
            app.add_error_handler(exc, self._framework_error)
        return app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[SERVER_SEND] = send  # reset/truncate faults reach the socket through it (web/faults.py)
        await self.app(scope, receive, send)

    # -- routing helpers ----------------------------------------------------------------
    def vendor_for(self, path: str) -> Vendor | None:
        for vendor in self._by_prefix:
            if path == vendor.prefix or path.startswith(vendor.prefix + "/"):
                return vendor
        first = "/" + path.strip("/").split("/", 1)[0]
        return next((v for v in self.vendors.values() if first == f"/{v.id}"), None)

    def alias(self, path: str) -> str:
        """``/<vendor>/openapi.json`` and ``/<vendor>/ui/`` wherever the vendor is mounted."""
        for vendor in self.vendors.values():
            short = f"/{vendor.id}"
            if vendor.prefix != short and (path == f"{short}/openapi.json" or path.startswith(f"{short}/ui")):
                return vendor.prefix + path[len(short) :]
        return path

    def is_static(self, path: str) -> bool:
        vendor = self.vendor_for(path)
        if vendor is None:
            return True
        rest = path[len(vendor.prefix) :]
        return rest == "/openapi.json" or rest.startswith("/ui")

    # -- errors and coverage --------------------------------------------------------------
    def error_reply(self, vendor: Vendor | None, violations: Sequence[Violation]) -> Reply:
        if vendor is None:
            first = violations[0]
            return Reply(first.status, {"status": first.status, "message": first.message})
        return vendor.format_errors(list(violations), self.clock.now())

    def _vendor_routes(self, vendor: Vendor) -> list[tuple[re.Pattern[str], SpecOperation]]:
        if vendor.id not in self._routes:
            self._routes[vendor.id] = [
                (_route_pattern(vendor.prefix + op.path), op)
                for op in operations(load_spec(vendor.spec_path))
            ]
        return self._routes[vendor.id]

    def _allowed(self, vendor: Vendor, path: str) -> list[str]:
        return sorted({op.method for pattern, op in self._vendor_routes(vendor) if pattern.fullmatch(path)})

    def unparseable_id(self, vendor: Vendor, path: str) -> str | None:
        """An integer path id no vendor could hold (GEN-13): the router would choke converting a
        5,000-digit one, and every vendor's ids fit in 64 bits."""
        if not _LONG_DIGITS.search(path):
            return None
        for pattern, op in self._vendor_routes(vendor):
            match = pattern.fullmatch(path)
            for name in op.integer_params if match else ():
                if len(match[_group(name)].lstrip("+-")) > MAX_ID_DIGITS:  # type: ignore[index]
                    return name
        return None

    def http_refusal(self, path: str, status: int, message: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        """How the HTTP layer's refusals (431, 408) read under ``path``: in the vendor's envelope
        there (GEN-9), ``{status, message}`` elsewhere."""
        code = Code.TOO_LARGE if status == 431 else Code.INVALID
        violation = Violation(status, code, message, location="header", rule="GEN-9")
        reply = self.error_reply(self.vendor_for(path), [violation])
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
        if reply.body is NO_BODY:
            return b"", headers
        return dumps(reply.body), [(b"content-type", reply.media_type.encode("latin-1")), *headers]

    def admin_allowed(self, path: str, authorization: str | None) -> bool:
        """With ``--admin-token`` every admin call but the health check must carry it."""
        expected = self.config.admin_token
        if not expected or path == "/__admin/health":
            return True
        scheme, _, given = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())

    def count_rules(self, fired: Iterable[str]) -> None:
        self.coverage.update(fired)

    def _framework_error(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        state: RequestState | None = request.scope.get(SCOPE_KEY)
        violation = violation_for(exc)
        if violation.status >= 500:
            log.error("unexpected error on %s %s", request.method, request.url, exc_info=exc)
        vendor = state.vendor if state else None
        if state is not None:
            state.violations = [violation]
            state.fired = [r for r in (violation.rule, vendor and vendor.envelope_rule) if r]
        reply = self.error_reply(vendor, [violation])
        if reply.status == 405 and vendor is not None:  # RFC 9110: say what the route supports
            reply.headers = {**reply.headers, "Allow": ", ".join(self._allowed(vendor, request.url.path))}
        body: Any = b"" if reply.body is NO_BODY else dumps(reply.body)
        return ConnexionResponse(
            status_code=reply.status,
            body=body,
            headers=reply.headers,
            content_type=reply.media_type,
        )


MAX_ID_DIGITS = 18
_LONG_DIGITS = re.compile(rf"/[+-]?[0-9]{{{MAX_ID_DIGITS + 1},}}(?:/|$)")


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def _route_pattern(template: str) -> re.Pattern[str]:
    """A path template as a regex, one named group per parameter (any segment matches)."""
    parts = re.split(r"\{([^}]+)\}", template)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{_group(part)}>[^/]+)" for i, part in enumerate(parts)
    )
    return re.compile(pattern)


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
    return ValueError(f"{exc}; the file was written by another mockserver version: use another --store file")


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


def create_app(config: ServerConfig | None = None) -> MockApp:
    return MockApp(config)
