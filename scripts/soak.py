"""Soak test: does the mock's memory stay flat under a long, bounded load?

Run through ``scripts/soak``. Starts ``mockserver serve`` (all vendors) on a free 127.0.0.1 port,
sends ``--requests`` requests (default 100,000) in chunks of ``--chunk`` (default 20,000) with
wrk (a Lua script rotating the requests; http.client with keep-alive in threads when wrk is not
installed), and samples the server's resident memory (VmRSS in /proc) after every chunk.

The mix, rotated request by request: for every vendor, a valid update and a rejected update of a
fixture project, and (where the vendor has them) a read of that project and a project list, each
under one of ``--sessions`` X-Mock-Session values. Sessions are bounded and the journal is a ring
buffer per session (1,000 entries), so memory must settle: the run passes when RSS after all
requests is within ``--tolerance`` (10%) of RSS after the first chunk, and no answer was a 5xx.
The server is stopped at the end whatever happens.

Two hostile phases follow (issue 11; ``--skip-hostile`` leaves them out):
- **large**: ``--large-requests`` requests of 0.5-1 MiB bodies (huge strings, wide objects,
  300,000-item arrays) and 32 KiB headers, rotated over every vendor and two sessions; RSS must
  stay within the same tolerance from the first half (journals full by then) to the end.
- **latency**: one well-behaved client sends valid updates back to back for ``--latency-seconds``,
  first alone, then while ``--hostile-connections`` clients send worst-case 1 MiB bodies. Its p99
  with the hostile clients must stay at or below ``--p99-limit-ms`` (50 ms); the ratio to its p99
  alone is reported beside it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _servers import HOST, Server, free_port, http_status, start

from mockserver.core.spec import load_spec, operations
from mockserver.core.vendor import Vendor, discover_vendors

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "test-token"


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None


def request_mix(vendors: Sequence[Vendor], sessions: int) -> list[Request]:
    """Valid updates, rejected updates and reads of every vendor, each under every session."""
    mix: list[Request] = []
    for index in range(sessions):
        for vendor in vendors:
            ops = {op.operation_id: op for op in operations(load_spec(vendor.spec_path))}
            update = ops["updateProject"]
            prefix = vendor.prefix
            headers = (
                ("Authorization", f"Bearer {TOKEN}"),
                ("X-Mock-Session", f"soak-{index}"),
                *vendor.sample_headers.items(),
            )
            json_headers = (*headers, ("Content-Type", "application/json"))
            for kind, body in (
                ("valid update", vendor.sample.body),
                ("rejected update", vendor.sample.rejected),
            ):
                mix.append(
                    Request(
                        kind,
                        update.method,
                        prefix + vendor.sample.path,
                        json_headers,
                        json.dumps(body).encode(),
                    )
                )
            if "getProject" in ops:
                mix.append(Request("read", "GET", prefix + vendor.sample.path, headers, None))
            if "listProjects" in ops:
                mix.append(Request("list", "GET", prefix + ops["listProjects"].path, headers, None))
    return mix


# -- the server ------------------------------------------------------------------------------------
def start_server(journal_size: int) -> Server:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "mockserver",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--journal-size",
        str(journal_size),
    ]
    return start(
        "soak: the server", command, port, lambda p: http_status(p, "GET", "/__admin/health") == 200, cwd=ROOT
    )


# -- clients ---------------------------------------------------------------------------------------
@dataclass
class Sent:
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    """Answers per status class (2xx, 4xx, 5xx...)."""
    errors: int = 0
    """Socket errors and timeouts."""

    def add(self, other: Sent) -> None:
        self.requests += other.requests
        self.seconds += other.seconds
        self.statuses.update(other.statuses)
        self.errors += other.errors


LUA = r"""
local requests = {}
local count, answered, stop_at = 0, 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("offset", #threads * 7)  -- threads start at different places of the rotation
end

function init(args)
  stop_at = tonumber(args[1])
  count = offset or 0
  for _, r in ipairs(MIX) do
    table.insert(requests, wrk.format(r[1], r[2], r[3], r[4]))
  end
end

function request()
  count = count + 1
  return requests[(count % #requests) + 1]
end

function response(status, headers, body)
  local key = string.format("n%dxx", math.floor(status / 100))
  _G[key] = (_G[key] or 0) + 1  -- a global, so that done() can read it with thread:get
  answered = answered + 1
  if answered == stop_at then
    wrk.thread:stop()
    io.write("SOAK-THREAD-DONE\n")
    io.flush()
  end
end

function done(summary, latency, requests)
  local parts = {}
  for _, class in ipairs({"1xx", "2xx", "3xx", "4xx", "5xx"}) do
    local total = 0
    for _, thread in ipairs(threads) do
      total = total + (thread:get("n" .. class) or 0)
    end
    if total > 0 then table.insert(parts, class .. "=" .. total) end
  end
  io.write("SOAK " .. table.concat(parts, " ") .. "\n")
end
"""


def _lua_string(text: str) -> str:
    """A Lua string literal: printable ASCII as is, every other byte as a decimal escape."""
    out = []
    for byte in text.encode():
        char = chr(byte)
        out.append(f"\\{byte:03d}" if byte < 32 or byte > 126 or char in '"\\' else char)
    return '"' + "".join(out) + '"'


def wrk_script(mix: Sequence[Request], directory: Path) -> Path:
    rows = []
    for r in mix:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r.headers)
        body = _lua_string(r.body.decode()) if r.body is not None else "nil"
        rows.append(f"  {{{_lua_string(r.method)}, {_lua_string(r.path)}, {{{headers}}}, {body}}},")
    path = directory / "soak.lua"
    path.write_text("MIX = {\n" + "\n".join(rows) + "\n}\n" + LUA)
    return path


def send_wrk(port: int, script: Path, count: int, threads: int, connections: int) -> Sent:
    """``count`` answers with wrk. Each thread stops after its share and says so on stdout; wrk
    itself runs for its whole ``-d`` unless interrupted, so SIGINT (on which wrk prints its
    report and exits) follows the last thread's word."""
    per_thread = max(count // threads, 1)
    started = time.monotonic()
    command = ["wrk", f"-t{threads}", f"-c{connections}", "-d600s", "--timeout", "10s", "-s", str(script)]
    command += [f"http://{HOST}:{port}/", "--", str(per_thread)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines, done = [], 0
    for line in process.stdout:
        lines.append(line)
        if line.startswith("SOAK-THREAD-DONE"):
            done += 1
            if done == threads:
                process.send_signal(signal.SIGINT)
    process.wait()
    out = "".join(lines)
    if process.returncode != 0 or "requests in" not in out:
        raise SystemExit(f"soak: wrk failed ({process.returncode}): {out[-500:]}")
    sent = Sent(seconds=time.monotonic() - started)
    sent.requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    for class_, n in re.findall(r"(\dxx)=(\d+)", out):
        sent.statuses[class_] += int(n)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        sent.errors = sum(int(n) for n in errors.groups())
    return sent


def send_python(port: int, mix: Sequence[Request], count: int, threads: int, offset: int) -> Sent:
    """The fallback client: keep-alive connections in a few threads."""
    results = [Sent() for _ in range(threads)]
    started = time.monotonic()

    def work(index: int) -> None:
        sent = results[index]
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        for n in range(index, count, threads):
            r = mix[(offset + n) % len(mix)]
            try:
                connection.request(r.method, r.path, body=r.body, headers=dict(r.headers))
                response = connection.getresponse()
                response.read()
                sent.statuses[f"{response.status // 100}xx"] += 1
            except (OSError, http.client.HTTPException):
                sent.errors += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=10)
            sent.requests += 1
        connection.close()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    total = Sent()
    for sent in results:
        total.add(sent)
    total.seconds = time.monotonic() - started
    return total


# -- hostile phases -------------------------------------------------------------------------------
def large_mix(vendors: Sequence[Vendor], sessions: int) -> list[Request]:
    """Big but admissible requests: each vendor's update with a ~1 MiB body of one kind, and
    headers near the limit. Every one is answered with a 4xx; none may leave memory behind."""
    mix: list[Request] = []
    big_header = ("X-Padding", "p" * 32 * 1024)
    for index in range(sessions):
        for vendor in vendors:
            update = next(
                op for op in operations(load_spec(vendor.spec_path)) if op.operation_id == "updateProject"
            )
            headers = (
                ("Authorization", f"Bearer {TOKEN}"),
                ("X-Mock-Session", f"soak-large-{index}"),
                ("Content-Type", "application/json"),
                big_header,
                *vendor.sample_headers.items(),
            )
            for kind, extra in (
                ("huge string", {"name": "x" * 900_000}),
                ("wide object", {f"field_{i}": i for i in range(60_000)}),
                ("huge array", {"name": [1] * 300_000}),
            ):
                body = json.dumps({**vendor.sample.body, **extra}, separators=(",", ":")).encode()
                mix.append(Request(kind, update.method, vendor.prefix + vendor.sample.path, headers, body))
    return mix


def _latencies(port: int, request: Request, seconds: float) -> list[float]:
    """One keep-alive client sending ``request`` back to back: each answer's latency in ms."""
    found: list[float] = []
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request(request.method, request.path, body=request.body, headers=dict(request.headers))
            connection.getresponse().read()
            found.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return found


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * 0.99), len(ordered) - 1)] if ordered else float("nan")


def hostile_latency(port: int, vendors: Sequence[Vendor], args: argparse.Namespace) -> dict[str, Any]:
    """A normal client's p99 alone, then beside clients sending worst-case bodies."""
    personio = next(v for v in vendors if v.id == "personio")
    normal = next(r for r in request_mix([personio], 1) if r.kind == "valid update")
    worst = [r for r in large_mix(vendors, 1) if r.kind == "huge array"]
    _latencies(port, normal, 2.0)  # warm-up, not counted
    alone = _latencies(port, normal, args.latency_seconds)
    stop = threading.Event()
    hostile_sent = Counter[str]()

    def hostile(index: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        n = index
        while not stop.is_set():
            r = worst[n % len(worst)]
            n += 1
            try:
                connection.request(r.method, r.path, body=r.body, headers=dict(r.headers))
                response = connection.getresponse()
                response.read()
                hostile_sent[f"{response.status // 100}xx"] += 1
            except (OSError, http.client.HTTPException):
                hostile_sent["errors"] += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
        connection.close()

    threads = [threading.Thread(target=hostile, args=(i,)) for i in range(args.hostile_connections)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)  # the hostile clients are mid-body before measuring starts
        beside = _latencies(port, normal, args.latency_seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    p99_alone, p99_beside = _p99(alone), _p99(beside)
    return {
        "requests_alone": len(alone),
        "requests_beside_hostile": len(beside),
        "hostile_answers": dict(hostile_sent),
        "p99_ms_alone": round(p99_alone, 2),
        "p99_ms_beside_hostile": round(p99_beside, 2),
        "p99_ratio": round(p99_beside / p99_alone, 2),
        "p99_limit_ms": args.p99_limit_ms,
        "ok": p99_beside <= args.p99_limit_ms
        and not hostile_sent.get("5xx")
        and not hostile_sent.get("errors"),
    }


def large_bodies(server: Server, vendors: Sequence[Vendor], args: argparse.Namespace) -> dict[str, Any]:
    """RSS after half and after all of ``--large-requests`` big requests. Two sessions: their
    journals (8 MiB each) are full after a few hundred requests, so the first half is the
    baseline and any growth in the second half is a leak."""
    mix = large_mix(vendors, 2)
    half = max(args.large_requests // 2, 1)
    first = send_python(server.port, mix, half, threads=2, offset=0)
    rss_half = server.rss_mib()
    second = send_python(server.port, mix, half, threads=2, offset=half)
    rss_end = server.rss_mib()
    first.add(second)
    growth = rss_end / rss_half - 1
    return {
        "requests": first.requests,
        "statuses": dict(sorted(first.statuses.items())),
        "socket_errors": first.errors,
        "rss_mib_half": round(rss_half, 1),
        "rss_mib_end": round(rss_end, 1),
        "rss_growth": round(growth, 4),
        "ok": abs(growth) <= args.tolerance and not first.statuses.get("5xx") and not first.errors,
    }


# -- the run ---------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    vendors = list(discover_vendors().values())
    mix = request_mix(vendors, args.sessions)
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
    kinds = Counter(r.kind for r in mix)
    results: dict[str, Any] = {
        "client": "wrk" if use_wrk else "python",
        "sessions": args.sessions,
        "vendors": [v.id for v in vendors],
        "mix": dict(kinds),
        "samples": [],
    }
    total = Sent()
    started = time.monotonic()
    server = start_server(args.journal_size)
    try:
        results["rss_mib_start"] = round(server.rss_mib(), 1)
        with tempfile.TemporaryDirectory() as tmp:
            script = wrk_script(mix, Path(tmp)) if use_wrk else None
            while total.requests < args.requests:
                if time.monotonic() - started > args.time_limit:
                    results["stopped_by_time_limit"] = True
                    break
                chunk = min(args.chunk, args.requests - total.requests)
                if script is not None:
                    sent = send_wrk(server.port, script, chunk, threads=2, connections=args.connections)
                else:
                    sent = send_python(
                        server.port, mix, chunk, threads=args.connections, offset=total.requests
                    )
                total.add(sent)
                if server.process.poll() is not None:
                    raise SystemExit(f"soak: the server died (exit {server.process.returncode})")
                rss = round(server.rss_mib(), 1)
                results["samples"].append({"requests": total.requests, "rss_mib": rss})
                print(
                    f"  {total.requests:>8,} requests  RSS {rss:7.1f} MiB  "
                    f"({sent.requests / sent.seconds:,.0f} req/s in this chunk)",
                    file=sys.stderr,
                    flush=True,
                )
        if not args.skip_hostile:
            print("  large bodies and headers...", file=sys.stderr, flush=True)
            results["large"] = large_bodies(server, vendors, args)
            print("  a normal client beside hostile ones...", file=sys.stderr, flush=True)
            results["latency"] = hostile_latency(server.port, vendors, args)
    finally:
        server.stop()
    results.update(
        requests=total.requests,
        seconds=round(time.monotonic() - started, 1),
        statuses=dict(sorted(total.statuses.items())),
        socket_errors=total.errors,
    )
    samples = results["samples"]
    first, last = (samples[0], samples[-1]) if samples else ({}, {})
    growth = (last["rss_mib"] / first["rss_mib"] - 1) if samples else float("inf")
    results.update(
        rss_mib_first_chunk=first.get("rss_mib"),
        rss_mib_end=last.get("rss_mib"),
        rss_growth=round(growth, 4),
        tolerance=args.tolerance,
    )
    results["ok"] = bool(
        len(samples) >= 2
        and total.requests >= args.requests
        and abs(growth) <= args.tolerance
        and not total.statuses.get("5xx")
        and not total.errors
        and all(results[phase]["ok"] for phase in ("large", "latency") if phase in results)
    )
    return results


def table(results: dict[str, Any]) -> str:
    mix = ", ".join(f"{kind} x {n}" for kind, n in results["mix"].items())
    lines = [
        f"client: {results['client']}; vendors: {', '.join(results['vendors'])}; "
        f"sessions: {results['sessions']}; rotation: {mix}",
        f"requests: {results['requests']:,} in {results['seconds']} s; answers: "
        + ", ".join(f"{c} x {n:,}" for c, n in results["statuses"].items())
        + f"; socket errors: {results['socket_errors']}",
        f"RSS at start: {results['rss_mib_start']} MiB",
    ]
    lines += [f"RSS after {s['requests']:>7,} requests: {s['rss_mib']:7.1f} MiB" for s in results["samples"]]
    first = results["samples"][0]["requests"] if results["samples"] else 0
    lines.append(
        f"growth from {first:,} to {results['requests']:,} requests: {results['rss_growth']:+.1%} "
        f"(limit ±{results['tolerance']:.0%}): {'PASS' if results['ok'] else 'FAIL'}"
    )
    large = results.get("large")
    if large:
        lines.append(
            f"large bodies and headers: {large['requests']:,} requests, answers "
            + ", ".join(f"{c} x {n:,}" for c, n in large["statuses"].items())
            + f"; RSS {large['rss_mib_half']} -> {large['rss_mib_end']} MiB ({large['rss_growth']:+.1%}):"
            f" {'PASS' if large['ok'] else 'FAIL'}"
        )
    latency = results.get("latency")
    if latency:
        lines.append(
            f"normal client p99: {latency['p99_ms_alone']} ms alone, {latency['p99_ms_beside_hostile']} ms"
            f" beside hostile clients (x{latency['p99_ratio']}; limit {latency['p99_limit_ms']} ms):"
            f" {'PASS' if latency['ok'] else 'FAIL'}"
        )
    if results.get("stopped_by_time_limit"):
        lines.append("stopped by the time limit before all requests were sent")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100_000, help="total requests (default 100000)")
    parser.add_argument(
        "--chunk", type=int, default=20_000, help="requests between RSS samples; the first is the baseline"
    )
    parser.add_argument("--sessions", type=int, default=8, help="X-Mock-Session values in the rotation (8)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (8)")
    parser.add_argument("--tolerance", type=float, default=0.10, help="allowed RSS growth (0.10)")
    parser.add_argument("--journal-size", type=int, default=1000, help="passed to mockserver serve")
    parser.add_argument(
        "--time-limit", type=float, default=600.0, metavar="SECONDS", help="stop sending after (600)"
    )
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--skip-hostile", action="store_true", help="leave out the two hostile phases")
    parser.add_argument(
        "--large-requests", type=int, default=2_000, help="requests of the large phase (2000)"
    )
    parser.add_argument(
        "--latency-seconds", type=float, default=8.0, help="each latency measurement's length (8)"
    )
    parser.add_argument(
        "--hostile-connections", type=int, default=2, help="clients sending worst-case bodies (2)"
    )
    parser.add_argument("--p99-limit-ms", type=float, default=50.0, help="the normal client's p99 limit")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args(argv)
    if args.requests < 2 * args.chunk:
        parser.error("--requests must be at least two chunks: the first chunk is the baseline")
    if args.client == "wrk" and shutil.which("wrk") is None:
        parser.error("wrk is not installed (sudo apt-get install wrk), or use --client python")
    results = run(args)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
