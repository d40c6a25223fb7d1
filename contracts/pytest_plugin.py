"""pytest plugin (entry point ``pytest11: mockserver``): the mock as fixtures for client tests.

- ``mock_server`` (session scope): the mock on an ephemeral 127.0.0.1 port in this process
  (or, with ``--mock-url``, a mock that is already running).
- ``mock`` (function scope): a :class:`contracts.mock_session.MockSession` of its own: base URLs
  per vendor, state seeding, the journal, faults and response fuzzing.
- After the test body, the test fails if the client sent a request that broke the vendor spec
  or drew a GEN-7 warning (an undocumented field or query parameter), with the request, the
  field, the rule or spec location and the near misses. ``@pytest.mark.mockserver(check=False)``
  or ``mock.allow_violations()`` / ``mock.allow_warnings()`` turn that off where a test means it.
  A failed test's report links its session in the dashboard (``/__admin/ui/?session=NAME``), and
  that session is kept on the mock, not reset, so the link shows what happened.
- ``mock_server_config`` builds the server's settings: override it in a ``conftest.py`` to serve
  other fixtures or vendors, like pytest-httpserver's ``httpserver_listen_address``.

Nothing heavy is imported until a fixture is used: collection stays as fast as without us.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    import httpx

    from contracts.mock_session import MockSession
    from mockserver.config import ServerConfig

__all__ = ["mock", "mock_server", "mock_server_config"]

_MOCK_KEY = pytest.StashKey["MockSession"]()
_FAILED_KEY = pytest.StashKey[bool]()
_names = itertools.count(1)


class RunningMock(Protocol):
    """What ``mock_server`` yields: a mock reachable at ``url``."""

    url: str


class RemoteMock:
    """A mock started elsewhere (``--mock-url``); the plugin only talks to it."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver", "vendor contract mocks")
    group.addoption(
        "--mock-url",
        default=None,
        help="use the mock already running at this URL instead of starting one in process",
    )
    group.addoption(
        "--mock-vendor", action="append", default=None, help="serve only this vendor (repeatable)"
    )
    group.addoption("--mock-fixtures", default=None, help="directory of fixture files (<vendor>.json)")
    group.addoption("--mock-freeze-time", default=None, help="ISO timestamp the mock's clock stands at")
    group.addoption("--mock-strict", action="store_true", default=None, help="reject undocumented fields")
    group.addoption(
        "--mock-rate-limits",
        action="store_true",
        default=None,
        help="enforce the rate limits the vendors document (Ruddr, ZEP), per mock session (one per test)",
    )
    group.addoption(
        "--mock-check",
        choices=("all", "violations", "off"),
        default=None,
        help="fail tests on spec violations and GEN-7 warnings (all), on violations only, or never",
    )
    parser.addini("mock_url", "URL of an already running mock (as --mock-url)", default="")
    parser.addini("mock_vendors", "vendors to serve (as --mock-vendor)", type="args", default=[])
    parser.addini("mock_fixtures", "fixture directory (as --mock-fixtures)", default="")
    parser.addini("mock_check", "all | violations | off (as --mock-check)", default="all")
    parser.addini(
        "mock_rate_limits",
        "enforce documented rate limits (as --mock-rate-limits)",
        type="bool",
        default=False,
    )
    parser.addini("mock_admin_token", "admin token of a --mock-url mock started with one", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockserver(check=True, warnings=True): check=False lets a test send spec-breaking "
        "requests on purpose; warnings=False lets it send undocumented fields and query parameters",
    )


def _option(config: pytest.Config, name: str, ini: str) -> Any:
    value = config.getoption(name)
    return value if value not in (None, []) else config.getini(ini)


def _vendor_ids(config: pytest.Config) -> tuple[str, ...]:
    """The vendors asked for (``--mock-vendor``, else ``mock_vendors``); none means all. The
    in-process server and a ``--mock-url`` mock's session both read this one answer."""
    return tuple(_option(config, "--mock-vendor", "mock_vendors") or ())


@pytest.fixture(scope="session")
def mock_server_config(pytestconfig: pytest.Config) -> ServerConfig:
    """Settings of the in-process mock; override this fixture to change them."""
    from mockserver.config import ServerConfig

    fixtures = _option(pytestconfig, "--mock-fixtures", "mock_fixtures")
    return ServerConfig(
        vendors=_vendor_ids(pytestconfig),
        fixtures_dir=Path(fixtures).resolve() if fixtures else None,
        freeze_time=pytestconfig.getoption("--mock-freeze-time"),
        strict=bool(pytestconfig.getoption("--mock-strict")),
        rate_limits=bool(_option(pytestconfig, "--mock-rate-limits", "mock_rate_limits")),
    )


@pytest.fixture(scope="session")
def mock_server(pytestconfig: pytest.Config, mock_server_config: ServerConfig) -> Iterator[RunningMock]:
    """The mock, for the whole test session: one server, one isolated session per test."""
    url = _option(pytestconfig, "--mock-url", "mock_url")
    if url:
        yield RemoteMock(url)
        return
    from mockserver.live import LiveServer

    with LiveServer(config=mock_server_config) as server:
        yield server


@pytest.fixture(scope="session")
def _mockserver_http() -> Iterator[httpx.Client]:
    """One HTTP client for every test's admin calls (building one costs ~35 ms)."""
    import httpx

    with httpx.Client(timeout=10.0) as client:
        yield client


@pytest.fixture
def mock(
    request: pytest.FixtureRequest,
    mock_server: RunningMock,
    pytestconfig: pytest.Config,
    _mockserver_http: httpx.Client,
) -> Iterator[MockSession]:
    """A private session of the mock for this test; see :class:`contracts.mock_session.MockSession`."""
    from contracts.mock_session import MockSession
    from mockserver.core.vendor import discover_vendors

    app = getattr(mock_server, "app", None)
    vendors = app.vendors if app is not None else discover_vendors(_vendor_ids(pytestconfig))
    session = MockSession(
        mock_server.url,
        _session_name(request.node.name),
        vendors,
        admin_token=pytestconfig.getini("mock_admin_token") or None,
        http=_mockserver_http,
    )
    level = _option(pytestconfig, "--mock-check", "mock_check")
    marker = request.node.get_closest_marker("mockserver")
    session.check_violations = level != "off" and (marker is None or marker.kwargs.get("check", True))
    session.check_warnings = level == "all" and (marker is None or marker.kwargs.get("warnings", True))
    request.node.stash[_MOCK_KEY] = session
    try:
        yield session
    finally:
        # a failed test's session stays, so the dashboard link in its report shows what happened
        session.close(keep=request.node.stash.get(_FAILED_KEY, False))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    # Checked right after the test body, so a bad request fails the test itself, not its
    # teardown. A test that failed already keeps its own error first, with our report attached.
    session = item.stash.get(_MOCK_KEY, None)
    try:
        result = yield
    except BaseException:
        # The test failed on its own; what the client sent wrong is often why: show it too, and
        # where to see the whole session.
        if session is not None:
            item.stash[_FAILED_KEY] = True
            from contracts.client_report import render

            problems = session.problems()
            shown = f"{render(problems)}\n\n" if problems else ""
            item.add_report_section("call", "mockserver", f"{shown}dashboard: {session.dashboard_url}")
        raise
    if session is not None:
        __tracebackhide__ = True
        try:
            session.assert_clean()
        except AssertionError:
            item.stash[_FAILED_KEY] = True
            raise
    return result


def _session_name(test_name: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name)[:60].strip("-")
    return f"pytest-{os.getpid()}-{next(_names)}-{readable}"
