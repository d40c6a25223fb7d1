"""Side-by-side benchmark of the mock against Stoplight Prism and a bare-Starlette ceiling.

Run through ``scripts/bench`` (which installs wrk and Prism when they are missing). Five servers
answer the same PATCH of ``specs/personio.yaml``: the mock (``mockserver serve --vendor
personio``), ``prism mock`` 5.14.2 twice (as it starts by default, and quiet), ``scripts/bench_reference.py``
(issue 13's lean reference: Starlette, the body schema compiled once, a dict store, one
uniqueness rule) and ``scripts/bench_ceiling.py`` (Starlette returning the mock's empty 204,
served by uvicorn like the mock). Every figure of issue 13's targets is a ratio of two servers
measured in the same run.

Which Prism the targets are judged against: ``prism mock spec.yaml`` as it starts by default
(its log line per request to /dev/null), the Prism issue 13 measured. Its harness found Prism at
2,100-2,400 req/s beside 31,000 for bare Starlette (0.07 of it), and the ``scripts/bench`` run it
quotes (2.1x) started Prism this way; the default Prism reaches 0.08-0.10 of the ceiling here,
the quiet one (``--verboseLevel warn``, no log line per request) 0.14-0.17. The quiet Prism is
measured at every load too, and the same targets are reported against it as the stricter reading
(``strict_targets``). The reference and the ceiling are yardsticks: they say how much of a lean
path's speed the mock keeps, and what share of the machine each target asks.

1. Cold start: each server is launched and timed to its first successful PATCH, once per pass
   (in the pass's order, nothing else running); the fastest launch counts.
2. Load: the five servers run side by side (idle while another is measured). Each pass takes
   them one after another, mock/Prism/quiet Prism/reference/ceiling in pass 1 and the reverse in
   pass 2. For each server in each pass: ``WARMUP`` s of the valid PATCH at 8 connections (not
   counted), then ``LOAD`` s each of the valid PATCH at 1, 8 and 32 connections, then ``WARMUP``
   s and ``LOAD`` s of the rejected PATCH at 8 connections (the mock and both Prisms), then its
   RSS. The second pass finds every server warmer (Prism's JIT has had the whole first pass), and
   both servers of a ratio are treated alike.
3. Selection: the best of the passes. For each server and load, the pass with the higher req/s
   (its p50 and p99 come from that same load); the fastest cold start; the larger RSS reading
   (memory is not improved by picking). Every pass's figures are in the JSON under ``by_pass``.
4. State growth: the mock alone with 10, 1,000 and 100,000 projects, each warmed up and loaded
   like the others at 8 connections; the target is p50 at 100,000 over p50 at 10.

The valid PATCH changes a description (204). The rejected PATCH renames project 1001 to another
fixture project's name: the mock refuses it by a business rule (PER-4, 422). Prism has no state
or rules, so the same request carries ``Prefer: code=422`` and Prism answers the spec's
documented 422 (the same error envelope) after validating the request; the mock ignores the
header. Every answer's status class is checked: a valid load with non-2xx answers or a rejected
load with 2xx answers is a measurement problem, printed and failing ``--check``.

Everything goes to 127.0.0.1, every load is bounded in time and every server is stopped at the
end. Absolute figures move with the machine's load; the ratios of one run are what count.
``--quick`` (1 s warm-ups, 2 s loads, 1 pass) is for development: its figures are not the
recorded ones, and it says so.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _servers import HOST, Server, free_port, http_status, start

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "personio.yaml"
PRISM = ROOT / ".bench" / "node_modules" / ".bin" / "prism"
PRISM_VERSION = "5.14.2"  # what scripts/bench installs
CEILING = ROOT / "scripts" / "bench_ceiling.py"
REFERENCE = ROOT / "scripts" / "bench_reference.py"
TOKEN = "test-token"
TARGET_ID = "1001"
PATH = f"/v2/projects/{TARGET_ID}"
VALID = {"description": "benchmark run"}
REJECTED = {"name": "Internal Tools"}  # PER-4: another fixture project holds this name
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
REJECTED_HEADERS = {**HEADERS, "Prefer": "code=422"}  # Prism: the documented 422; the mock ignores it
CONNECTIONS = (1, 8, 32)
REJECTED_CONNECTIONS = 8
PROJECT_COUNTS = (10, 1_000, 100_000)
SERVERS = ("mock", "prism", "prism-quiet", "reference", "ceiling")
PRISMS = (("prism", ""), ("prism-quiet", "quiet_"))
"""What the targets are judged against (Prism as it starts by default), and the stricter reading,
with the prefix of their ratios."""
YARDSTICKS = ("reference", "ceiling")
"""Measured on the valid PATCH only: they exist to compare the mock with, at every load (what
each throughput target asks of the machine, and what a lean path reaches)."""
BASES = {name: "" if name.startswith("prism") else "/personio" for name in SERVERS}


@dataclass(frozen=True)
class Method:
    warmup_s: float
    load_s: float
    passes: int

    @property
    def recorded(self) -> bool:
        """Long enough for the figures of record (issue 13: >= 2 s warm-up, >= 8 s loads)."""
        return self.warmup_s >= FULL.warmup_s and self.load_s >= FULL.load_s and self.passes >= FULL.passes

    def order(self, index: int) -> tuple[str, ...]:
        """Pass 1 mock/Prism/quiet Prism/reference/ceiling, pass 2 the reverse, and so on."""
        return SERVERS if index % 2 == 0 else SERVERS[::-1]


FULL = Method(warmup_s=2.0, load_s=8.0, passes=2)
QUICK = Method(warmup_s=1.0, load_s=2.0, passes=1)


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    limit: float
    at_least: bool
    """True: the value must be >= limit; False: <= limit."""

    def met(self, value: float) -> bool:
        return value >= self.limit if self.at_least else value <= self.limit

    @property
    def required(self) -> str:
        return f"{'>=' if self.at_least else '<='} {round(self.limit, 2):g}"


TARGETS = (
    Target("rps_ratio_1", "valid PATCH req/s, 1 connection, mock / Prism", 4.0, True),
    Target("rps_ratio_8", "valid PATCH req/s, 8 connections, mock / Prism", 5.0, True),
    Target("rps_ratio_32", "valid PATCH req/s, 32 connections, mock / Prism", 4.0, True),
    Target("p99_ratio_8", "valid PATCH p99, 8 connections, mock / Prism", 1 / 3, False),
    Target("rejected_rps_ratio_8", "rejected PATCH req/s, 8 connections, mock / Prism", 4.0, True),
    Target("cold_start_s", "mock cold start, s", 0.5, False),
    Target("memory_mib", "mock RSS after the load, MiB", 60.0, False),
    Target("state_growth_ratio", "mock p50, 100,000 projects / 10 projects", 1.2, False),
    Target("ceiling_fraction_8", "valid PATCH req/s, 8 connections, mock / ceiling", 0.6, True),
)


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    requests: int
    socket_errors: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "non_2xx": self.non_2xx,
            "requests": self.requests,
            "socket_errors": self.socket_errors,
        }


# -- servers ---------------------------------------------------------------------------------------
def _answers(base: str) -> Callable[[int], bool]:
    """Ready when the valid PATCH succeeds: launch to this answer is the cold start."""

    def ready(port: int) -> bool:
        return http_status(port, "PATCH", base + PATH, json.dumps(VALID).encode(), HEADERS) < 300

    return ready


def launch(name: str, fixtures: Path | None = None) -> Server:
    port = free_port()
    if name == "mock":
        command = [sys.executable, "-m", "mockserver", "serve", "--host", HOST, "--port", str(port)]
        command += ["--vendor", "personio"]
        if fixtures is not None:
            command += ["--fixtures", str(fixtures)]
    elif name == "prism":  # as `prism mock spec.yaml` starts: a log line a request (to /dev/null)
        command = [str(PRISM), "mock", "-h", HOST, "-p", str(port), str(SPEC)]
    elif name == "prism-quiet":
        command = [str(PRISM), "mock", "-h", HOST, "-p", str(port), "--verboseLevel", "warn", str(SPEC)]
    else:
        script = REFERENCE if name == "reference" else CEILING
        command = [sys.executable, str(script), "--port", str(port)]
    return start(name, command, port, _answers(BASES[name]), interval=0.002, cwd=ROOT)


@contextmanager
def running(names: Sequence[str]) -> Iterator[dict[str, Server]]:
    """Start ``names`` one after another; stop every one that started, whatever happens."""
    servers: dict[str, Server] = {}
    try:
        for name in names:
            servers[name] = launch(name)
        yield servers
    finally:
        for server in servers.values():
            server.stop()


# -- load ------------------------------------------------------------------------------------------
def wrk_script(name: str, body: Mapping[str, Any], headers: Mapping[str, str], directory: Path) -> Path:
    lines = ['wrk.method = "PATCH"', f"wrk.body = {json.dumps(json.dumps(body))}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    path = directory / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, script: Path, connections: int, seconds: float) -> Load:
    command = ["wrk", "--latency", f"-t{min(connections, 2)}", f"-c{connections}"]
    command += [f"-d{max(round(seconds), 1)}s", "-s", str(script), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Load(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        requests=int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


@dataclass(frozen=True)
class Scripts:
    valid: Path
    rejected: Path


def load_server(
    name: str, server: Server, scripts: Scripts, method: Method, problems: list[str], label: str
) -> dict[str, Any]:
    """One server's share of a pass: warm-up, the valid loads, the rejected load, its RSS."""
    url = server.url + BASES[name] + PATH
    entry: dict[str, Any] = {"valid_patch": {}}
    wrk(url, scripts.valid, 8, method.warmup_s)  # warm-up, not counted
    for connections in CONNECTIONS:
        load = wrk(url, scripts.valid, connections, method.load_s)
        if load.non_2xx:
            problems.append(f"{label}: {name} answered {load.non_2xx} valid PATCHes with non-2xx")
        entry["valid_patch"][str(connections)] = load.as_dict()
    if name not in YARDSTICKS:
        wrk(url, scripts.rejected, REJECTED_CONNECTIONS, method.warmup_s)  # warm-up, not counted
        load = wrk(url, scripts.rejected, REJECTED_CONNECTIONS, method.load_s)
        if load.non_2xx != load.requests:
            accepted = load.requests - load.non_2xx
            problems.append(f"{label}: {name} accepted {accepted} rejected PATCHes (2xx or 3xx)")
        entry[f"rejected_patch_{REJECTED_CONNECTIONS}"] = load.as_dict()
    if server.process.poll() is not None:
        raise SystemExit(f"bench: {name} died during the load (exit {server.process.returncode})")
    entry["rss_mib_after_load"] = round(server.rss_mib(), 1)
    return entry


def check_answers(servers: Mapping[str, Server], problems: list[str]) -> None:
    """Before any load: the valid PATCH is a 2xx everywhere, the rejected one a 4xx (not the
    ceiling's)."""
    for name, server in servers.items():
        path = BASES[name] + PATH
        valid = http_status(server.port, "PATCH", path, json.dumps(VALID).encode(), HEADERS)
        if not 200 <= valid < 300:
            problems.append(f"{name} answered the valid PATCH with {valid}")
        if name not in YARDSTICKS:
            rejected = http_status(
                server.port, "PATCH", path, json.dumps(REJECTED).encode(), REJECTED_HEADERS
            )
            if not 400 <= rejected < 500:
                problems.append(f"{name} answered the rejected PATCH with {rejected}, not a 4xx")


# -- state growth ----------------------------------------------------------------------------------
def fixtures_with(count: int, directory: Path) -> Path:
    """Personio fixtures holding ``count`` projects (the built-in ones plus generated ones)."""
    document = json.loads((ROOT / "mockserver" / "fixtures" / "personio.json").read_text())
    projects = document["projects"]
    template = projects[TARGET_ID]
    for i in range(max(count - len(projects), 0)):
        pid = str(100_000 + i)
        projects[pid] = {**template, "id": pid, "name": f"Generated project {i}", "project_code": f"GEN-{i}"}
    target = directory / f"fixtures-{count}"
    target.mkdir(exist_ok=True)
    (target / "personio.json").write_text(json.dumps(document))
    return target


def state_growth(scripts: Scripts, method: Method, directory: Path, problems: list[str]) -> dict[str, Any]:
    growth: dict[str, Any] = {}
    for count in PROJECT_COUNTS:
        progress(f"state growth: the mock with {count:,} projects")
        server = launch("mock", fixtures_with(count, directory))
        try:
            url = server.url + BASES["mock"] + PATH
            wrk(url, scripts.valid, 8, method.warmup_s)
            load = wrk(url, scripts.valid, 8, method.load_s)
        finally:
            server.stop()
        if load.non_2xx:
            problems.append(f"state growth: {load.non_2xx} non-2xx answers with {count:,} projects")
        growth[str(count)] = load.as_dict()
    return growth


# -- the run ---------------------------------------------------------------------------------------
def mock_build() -> str:
    """Whether the mock's request path runs compiled (mockserver/native.py), as the servers this
    script launches from the same tree and environment will."""
    from mockserver import native

    return native.STATUS


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(method: Method) -> dict[str, Any]:
    started = time.monotonic()
    problems: list[str] = []
    results: dict[str, Any] = {
        "quick": not method.recorded,
        "recorded": method.recorded,
        "warmup_s": method.warmup_s,
        "seconds_per_load": method.load_s,
        "passes": method.passes,
        "order": [list(method.order(i)) for i in range(method.passes)],
        "selection": "best pass per figure: highest req/s (with its p50 and p99), fastest cold start, "
        "largest RSS",
        "spec": "specs/personio.yaml",
        "prism_version": PRISM_VERSION,
        "mock_build": mock_build(),
    }
    cold: dict[str, list[float]] = {name: [] for name in SERVERS}
    for index in range(method.passes):
        for name in method.order(index):
            with running([name]) as servers:
                cold[name].append(servers[name].started_s)
            progress(f"cold start {index + 1}/{method.passes}: {name} {cold[name][-1]:.3f} s")
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        directory = Path(tmp)
        scripts = Scripts(
            wrk_script("valid", VALID, HEADERS, directory),
            wrk_script("rejected", REJECTED, REJECTED_HEADERS, directory),
        )
        with running(method.order(0)) as servers:
            check_answers(servers, problems)
            for index in range(method.passes):
                label = f"pass {index + 1}/{method.passes}"
                one: dict[str, Any] = {}
                for name in method.order(index):
                    progress(f"{label}: loading {name}")
                    one[name] = load_server(name, servers[name], scripts, method, problems, label)
                runs.append(one)
        growth = state_growth(scripts, method, directory, problems)
    for name in SERVERS:
        results[name] = best([r[name] for r in runs]) | {"cold_start_s": round(min(cold[name]), 3)}
        results[name]["cold_start_s_each"] = [round(s, 3) for s in cold[name]]
    results["mock"]["state_growth"] = growth
    results["mock"]["p50_ms_by_projects"] = {count: load["p50_ms"] for count, load in growth.items()}
    results["by_pass"] = runs
    exact = ratios(results)
    results["ratios"] = {k: round(v, 3) for k, v in exact.items()}
    results["targets"] = verdicts(exact, results)
    results["strict_targets"] = verdicts(exact, results, "quiet_")
    results["problems"] = problems
    results["seconds"] = round(time.monotonic() - started, 1)
    return results


def best(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One server's best pass per figure (see the module's docstring)."""
    out: dict[str, Any] = {
        "rss_mib_after_load": max(e["rss_mib_after_load"] for e in entries),
        "valid_patch": {
            connections: max((e["valid_patch"][connections] for e in entries), key=lambda load: load["rps"])
            for connections in entries[0]["valid_patch"]
        },
    }
    key = f"rejected_patch_{REJECTED_CONNECTIONS}"
    if key in entries[0]:
        out[key] = max((e[key] for e in entries), key=lambda load: load["rps"])
    return out


def ratios(results: Mapping[str, Any]) -> dict[str, float]:
    """Every ratio of the run. Those to the judged Prism carry no prefix (the targets' names);
    the same ones to the quiet Prism are prefixed ``quiet_``."""
    mock, ceiling = results["mock"], results["ceiling"]
    out: dict[str, float] = {}
    for server, prefix in PRISMS:
        out.update({prefix + name: value for name, value in _to_prism(mock, results[server]).items()})
    for connections in CONNECTIONS:
        top = ceiling["valid_patch"][str(connections)]["rps"]
        out[f"ceiling_fraction_{connections}"] = mock["valid_patch"][str(connections)]["rps"] / top
        for server, prefix in PRISMS:
            theirs = results[server]["valid_patch"][str(connections)]["rps"]
            out[f"{prefix}prism_ceiling_fraction_{connections}"] = theirs / top
        lean = results["reference"]["valid_patch"][str(connections)]["rps"]
        out[f"reference_ceiling_fraction_{connections}"] = lean / top
        out[f"reference_prism_ratio_{connections}"] = (
            lean / results["prism"]["valid_patch"][str(connections)]["rps"]
        )
        out[f"reference_fraction_{connections}"] = mock["valid_patch"][str(connections)]["rps"] / lean
    growth = mock["p50_ms_by_projects"]
    out["state_growth_ratio"] = growth[str(PROJECT_COUNTS[-1])] / growth[str(PROJECT_COUNTS[0])]
    return out


def _to_prism(mock: Mapping[str, Any], prism: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for connections, load in mock["valid_patch"].items():
        theirs = prism["valid_patch"][connections]
        for key in ("rps", "p50", "p99"):
            field = key if key == "rps" else f"{key}_ms"
            out[f"{key}_ratio_{connections}"] = load[field] / theirs[field]
    rejected = f"rejected_patch_{REJECTED_CONNECTIONS}"
    out[f"rejected_rps_ratio_{REJECTED_CONNECTIONS}"] = mock[rejected]["rps"] / prism[rejected]["rps"]
    out[f"rejected_p99_ratio_{REJECTED_CONNECTIONS}"] = mock[rejected]["p99_ms"] / prism[rejected]["p99_ms"]
    out["cold_start_ratio"] = mock["cold_start_s"] / prism["cold_start_s"]
    out["memory_ratio"] = mock["rss_mib_after_load"] / prism["rss_mib_after_load"]
    return out


def verdicts(exact: Mapping[str, float], results: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Each target's value and verdict; ``prefix`` ``quiet_`` judges the Prism ratios against the
    quiet Prism (the other targets do not involve Prism and are the same)."""
    found: dict[str, Any] = {}
    for target in TARGETS:
        name = prefix + target.name if prefix + target.name in exact else target.name
        value = _value(name, exact, results)
        found[target.name] = {
            "label": target.label if name == target.name else target.label.replace("Prism", "quiet Prism"),
            "value": round(value, 3),
            "target": round(target.limit, 3),
            "comparison": ">=" if target.at_least else "<=",
            "ok": target.met(value),
        }
    return found


def _value(name: str, exact: Mapping[str, float], results: Mapping[str, Any]) -> float:
    if name == "cold_start_s":
        return float(results["mock"]["cold_start_s"])
    if name == "memory_mib":
        return float(results["mock"]["rss_mib_after_load"])
    return exact[name]


# -- the dashboard's cost (issue 14) ----------------------------------------------------------------
DASHBOARD_POLL_S = 1.0  # what web/dashboard/app.js polls at
DASHBOARD_LIMIT = 50  # the most entries one poll asks for (app.js: POLL_LIMIT)
DASHBOARD_ROUNDS = 4
DASHBOARD_TARGET = 0.95  # issue 14: with the page open, throughput within 5% of without it


class DashboardPoller:
    """What an open dashboard asks of the mock, from a thread: every second the journal entries
    after the last one seen, and every third second the session list and the faults (app.js's
    poll). It counts its polls and the entries they brought, and times each poll."""

    def __init__(self, port: int, interval: float = DASHBOARD_POLL_S) -> None:
        self.port = port
        self.interval = interval
        self.cursor = 0
        self.polls = 0
        self.entries = 0
        self.seconds: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dashboard-poller", daemon=True)

    def __enter__(self) -> DashboardPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _get(self, connection: http.client.HTTPConnection, path: str) -> Any:
        connection.request("GET", path)
        response = connection.getresponse()
        return json.loads(response.read())

    def _run(self) -> None:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            while not self._stop.is_set():
                started = time.perf_counter()
                page = self._get(connection, f"/__admin/requests?after={self.cursor}&limit={DASHBOARD_LIMIT}")
                if page["requests"]:
                    self.cursor = page["requests"][-1]["id"]
                    self.entries += len(page["requests"])
                self.polls += 1
                if self.polls % 3 == 0:
                    self._get(connection, "/__admin/sessions")
                    self._get(connection, "/__admin/faults")
                self.seconds.append(time.perf_counter() - started)
                self._stop.wait(max(self.interval - (time.perf_counter() - started), 0))
        finally:
            connection.close()


def dashboard_run(method: Method) -> dict[str, Any]:
    """The mock's valid-PATCH throughput at 8 connections without and with a dashboard poller,
    alternating, ``DASHBOARD_ROUNDS`` times each; best of each side, and the ratio."""
    started = time.monotonic()
    problems: list[str] = []
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, running(["mock"]) as servers:
        script = wrk_script("valid", VALID, HEADERS, Path(tmp))
        server = servers["mock"]
        url = server.url + BASES["mock"] + PATH
        wrk(url, script, 8, method.warmup_s)  # warm-up, not counted
        for index in range(DASHBOARD_ROUNDS if method.recorded else 1):
            for open_page in (False, True) if index % 2 == 0 else (True, False):
                progress(f"dashboard round {index + 1}: {'with' if open_page else 'without'} the page")
                if open_page:
                    with DashboardPoller(server.port) as poller:
                        load = wrk(url, script, 8, method.load_s)
                    seconds = sorted(poller.seconds) or [0.0]
                    shown = {
                        "polls": poller.polls,
                        "entries": poller.entries,
                        "poll_ms_p50": round(seconds[len(seconds) // 2] * 1000, 2),
                        "poll_ms_max": round(seconds[-1] * 1000, 2),
                    }
                else:
                    load, shown = wrk(url, script, 8, method.load_s), {}
                if load.non_2xx:
                    problems.append(f"{load.non_2xx} non-2xx answers to the valid PATCH")
                rounds.append({"page_open": open_page, **load.as_dict(), **shown})
    best = {
        side: max((r for r in rounds if r["page_open"] == side), key=lambda r: r["rps"])
        for side in (False, True)
    }
    ratio = best[True]["rps"] / best[False]["rps"]
    # each round's own ratio too: a round's two loads run back to back, so a machine whose load
    # drifts during the run (others' jobs) moves both of them alike
    pairs = []
    for first, second in zip(rounds[::2], rounds[1::2], strict=True):
        with_page, without = (first, second) if first["page_open"] else (second, first)
        pairs.append(with_page["rps"] / without["rps"])
    return {
        "recorded": method.recorded,
        "seconds_per_load": method.load_s,
        "poll_s": DASHBOARD_POLL_S,
        "poll_limit": DASHBOARD_LIMIT,
        "rounds": rounds,
        "rps_without": best[False]["rps"],
        "rps_with": best[True]["rps"],
        "ratio": round(ratio, 4),
        "round_ratios": [round(r, 4) for r in pairs],
        "median_round_ratio": round(statistics.median(pairs), 4),
        "target": DASHBOARD_TARGET,
        "ok": ratio >= DASHBOARD_TARGET,
        "update_cost": update_cost(),
        "problems": problems,
        "seconds": round(time.monotonic() - started, 1),
    }


def update_cost(repeat: int = 200) -> dict[str, Any]:
    """What one update of the log costs the mock's event loop, in process: a poll (an HTTP
    request through the whole ASGI app: routing, the admin check, the journal, JSON) against
    the work one server-sent-events tick would do for an open stream (read the journal after the
    cursor, encode, send). Measured with 0, 10 and 1,000 new entries; microseconds, median."""
    import asyncio

    from mockserver.app import create_app
    from mockserver.config import ServerConfig
    from mockserver.web.responses import dumps

    app = create_app(ServerConfig(vendors=("personio",)))
    journal = app.store.session().journal
    body = json.dumps(VALID).encode()
    headers = [(b"authorization", b"Bearer test-token"), (b"content-type", b"application/json")]

    async def call(method: str, path: str, query: bytes = b"", payload: bytes = b"") -> None:
        sent: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": payload, "more_body": False}

        async def send(message: Mapping[str, Any]) -> None:
            sent.append(message.get("body", b""))

        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "headers": headers,
            "scheme": "http",
            "server": (HOST, 80),
        }
        await app(scope, receive, send)

    async def measure() -> dict[str, Any]:
        for _ in range(DASHBOARD_LIMIT):
            await call("PATCH", BASES["mock"] + PATH, payload=body)
        out: dict[str, Any] = {}
        for new in (0, 10, DASHBOARD_LIMIT):
            after = journal.last_id - new
            polls, ticks = [], []
            for _ in range(repeat):
                t = time.perf_counter()
                await call("GET", "/__admin/requests", f"after={after}&limit={DASHBOARD_LIMIT}".encode())
                polls.append(time.perf_counter() - t)
                t = time.perf_counter()
                if journal.last_id > after:  # an SSE stream's tick: only when there is news
                    event = b"data: " + dumps(journal.since(after, DASHBOARD_LIMIT)) + b"\n\n"
                    assert event
                ticks.append(time.perf_counter() - t)
            out[str(new)] = {
                "poll_us": round(sorted(polls)[repeat // 2] * 1e6, 1),
                "sse_tick_us": round(sorted(ticks)[repeat // 2] * 1e6, 1),
            }
        return out

    return asyncio.run(measure())


def dashboard_table(results: Mapping[str, Any]) -> str:
    lines = [
        f"scripts/bench --dashboard: valid PATCH, 8 connections, {results['seconds_per_load']:g} s loads, "
        f"without and with a poller doing what an open dashboard does (every {results['poll_s']:g} s, "
        f"up to {results['poll_limit']} entries); best of each side; {results['seconds']} s",
        "",
    ]
    rows = [
        (
            "with" if r["page_open"] else "without",
            r["rps"],
            r["p99_ms"],
            r.get("polls", "-"),
            r.get("entries", "-"),
            r.get("poll_ms_p50", "-"),
            r.get("poll_ms_max", "-"),
        )
        for r in results["rounds"]
    ]
    lines += _grid(("page", "req/s", "p99 ms", "polls", "entries", "poll ms p50", "poll ms max"), rows)
    verdict = "PASS" if results["ok"] else "FAIL"
    lines += [
        "",
        f"req/s with the page / without: {results['ratio']:.3f} (best of each side; target >= "
        f"{results['target']}) {verdict}",
        f"each round's ratio: {', '.join(f'{r:.3f}' for r in results['round_ratios'])}; "
        f"median {results['median_round_ratio']:.3f}",
        "",
    ]
    cost_rows = [
        (f"{new} new entries", c["poll_us"], c["sse_tick_us"]) for new, c in results["update_cost"].items()
    ]
    lines += ["one update of the log, in process (median microseconds of the mock's time):"]
    lines += _grid(("update", "poll (HTTP request)", "SSE tick (journal + encode)"), cost_rows)
    for problem in results["problems"]:
        lines.append(f"MEASUREMENT PROBLEM: {problem}")
    if not results["recorded"]:
        lines.append("QUICK RUN: for development only, these are NOT the recorded figures")
    return "\n".join(lines)


# -- the report ------------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 1000 else f"{value:#.3g}" if value < 10 else f"{value:.1f}"
    return str(value)


def table(results: Mapping[str, Any]) -> str:
    mock, prism, ceiling, r = results["mock"], results["prism"], results["ceiling"], results["ratios"]
    quiet, lean = results["prism-quiet"], results["reference"]
    head = (
        "figure",
        "mock",
        "prism",
        "quiet prism",
        "reference",
        "ceiling",
        "mock/prism",
        "mock/quiet",
        "mock/ceiling",
    )
    rows: list[tuple[Any, ...]] = []
    for connections in mock["valid_patch"]:
        top = ceiling["valid_patch"].get(connections)
        reference = lean["valid_patch"].get(connections)
        for key, label in (("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms")):
            short = key.split("_")[0]
            fraction = r.get(f"ceiling_fraction_{connections}") if key == "rps" else None
            rows.append(
                (
                    f"valid PATCH, {connections} conn., {label}",
                    mock["valid_patch"][connections][key],
                    prism["valid_patch"][connections][key],
                    quiet["valid_patch"][connections][key],
                    reference[key] if reference else None,
                    top[key] if top else None,
                    r[f"{short}_ratio_{connections}"],
                    r[f"quiet_{short}_ratio_{connections}"],
                    fraction,
                )
            )
    rejected = f"rejected_patch_{REJECTED_CONNECTIONS}"
    for key, label in (("rps", "req/s"), ("p99_ms", "p99 ms")):
        ratio = f"rejected_{key.split('_')[0]}_ratio_{REJECTED_CONNECTIONS}"
        rows.append(
            (
                f"rejected PATCH (422), {REJECTED_CONNECTIONS} conn., {label}",
                mock[rejected][key],
                prism[rejected][key],
                quiet[rejected][key],
                None,
                None,
                r[ratio],
                r[f"quiet_{ratio}"],
                None,
            )
        )
    for key, label, ratio in (
        ("cold_start_s", "cold start, s", "cold_start_ratio"),
        ("rss_mib_after_load", "RSS after the load, MiB", "memory_ratio"),
    ):
        servers = (mock, prism, quiet, lean, ceiling)
        rows.append((label, *(server[key] for server in servers), r[ratio], r[f"quiet_{ratio}"], None))
    for count, p50 in mock["p50_ms_by_projects"].items():
        rows.append((f"p50 ms, {int(count):,} projects (8 conn.)", p50, *([None] * 7)))
    lines = [_header(results), "", *_grid(head, rows), "", *_yardsticks(r)]
    for key, title in (
        ("targets", "targets (issue 13), judged against Prism as it starts by default:"),
        ("strict_targets", "the stricter reading, the same targets against the quiet Prism:"),
    ):
        found = results[key]
        target_rows = [
            (
                t["label"],
                t["value"],
                f"{t['comparison']} {round(t['target'], 2):g}",
                "PASS" if t["ok"] else "FAIL",
            )
            for t in found.values()
        ]
        lines += ["", title, *_grid(("target", "measured", "required", "verdict"), target_rows)]
        lines += ["", f"{sum(t['ok'] for t in found.values())} of {len(found)} targets met"]
    for problem in results["problems"]:
        lines.append(f"MEASUREMENT PROBLEM: {problem}")
    if not results["recorded"]:
        lines.append(f"QUICK RUN: {_not_recorded(results)}")
    return "\n".join(lines)


def _yardsticks(r: Mapping[str, float]) -> list[str]:
    """What the machine allows: the targets are ratios to Prism, whose share of the ceiling
    differs from machine to machine (and with its log level)."""
    wanted = {t.name: t.limit for t in TARGETS}
    lines = []
    for prefix, who in (("", "Prism"), ("quiet_", "the quiet Prism")):
        asks = ", ".join(
            f"{wanted[f'rps_ratio_{n}']:g}x at {n} "
            f"({wanted[f'rps_ratio_{n}'] * r[f'{prefix}prism_ceiling_fraction_{n}']:.2f} of the ceiling)"
            for n in CONNECTIONS
        )
        shares = " / ".join(f"{r[f'{prefix}prism_ceiling_fraction_{n}']:.2f}" for n in CONNECTIONS)
        lines.append(
            f"{who} reaches {shares} of the ceiling at {' / '.join(map(str, CONNECTIONS))} connections; "
            f"the throughput targets against it ask {asks}"
        )
    return [
        *lines,
        "(beyond 1 of the ceiling no app served by uvicorn meets a target)",
        "the lean reference reaches "
        + " / ".join(f"{r[f'reference_ceiling_fraction_{n}']:.2f}" for n in CONNECTIONS)
        + " of the ceiling ("
        + " / ".join(f"{r[f'reference_prism_ratio_{n}']:.2f}" for n in CONNECTIONS)
        + "x Prism); the mock keeps "
        + " / ".join(f"{r[f'reference_fraction_{n}']:.2f}" for n in CONNECTIONS)
        + " of its req/s",
    ]


def _header(results: Mapping[str, Any]) -> str:
    order = " then ".join("/".join(o) for o in results["order"])
    text = (
        f"scripts/bench: the mock (--vendor personio), Prism {results['prism_version']} (prism mock, "
        "as it starts by default and quiet), "
        f"the lean reference and a bare-Starlette ceiling on {results['spec']}, "
        f"wrk on 127.0.0.1, {results['seconds']} s; the mock's request path: {results['mock_build']}\n"
        f"{results['passes']} pass(es) ({order}), {results['warmup_s']:g} s warm-up, "
        f"{results['seconds_per_load']:g} s per load; {results['selection']}"
    )
    if not results["recorded"]:
        text = f"QUICK RUN: {_not_recorded(results)}\n{text}"
    return text


def _not_recorded(results: Mapping[str, Any]) -> str:
    return (
        f"{results['warmup_s']:g} s warm-ups, {results['seconds_per_load']:g} s loads, "
        f"{results['passes']} pass: for development only, these are NOT the recorded figures "
        "(run scripts/bench without --quick for those)"
    )


def _grid(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    cells = [list(head), *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    return [line(cells[0]), line(["-" * w for w in widths]), *[line(row) for row in cells[1:]]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 s warm-ups, 2 s loads, 1 pass: for development, not the recorded figures",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every figure and ratio to FILE")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a target is missed or a measurement went wrong"
    )
    parser.add_argument(
        "--dashboard",
        action="store_true",
        help="only the dashboard's cost: the mock's valid-PATCH req/s with and without a poller doing "
        "what an open /__admin/ui/ page does (target: within 5%%), and what one log update costs",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run scripts/bench, which installs it")
    if args.dashboard:
        os.chdir(ROOT)
        found = dashboard_run(QUICK if args.quick else FULL)
        print(dashboard_table(found))
        if args.json:
            args.json.write_text(json.dumps(found, indent=2) + "\n")
        return 1 if args.check and (not found["ok"] or found["problems"]) else 0
    if not PRISM.exists():
        raise SystemExit("Prism is missing: run scripts/bench, which installs it under .bench/")
    os.chdir(ROOT)
    results = run(QUICK if args.quick else FULL)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    failed = [name for name, t in results["targets"].items() if not t["ok"]]
    return 1 if args.check and (failed or results["problems"]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
