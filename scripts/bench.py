"""Side-by-side benchmark of the mock against Stoplight Prism on specs/personio.yaml.

Run through ``scripts/bench`` (which installs wrk and Prism when they are missing). Everything
goes to 127.0.0.1, every load is bounded in time, and both servers are stopped at the end.
Absolute figures move with the machine's load; the ratios of one run are what count.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "personio.yaml"
PRISM = ROOT / ".bench" / "node_modules" / ".bin" / "prism"
HOST = "127.0.0.1"
TOKEN = "test-token"
TARGET_ID = "1001"
VALID = {"description": "benchmark run"}
REJECTED = {"name": "Internal Tools"}  # PER-4: another fixture project holds this name

TARGETS = {
    "rps_ratio_8": 2.0,  # valid PATCH at 8 connections, ours / Prism's
    "p99_ratio_8": 1.0,  # ours / Prism's, no worse
    "cold_start_s": 1.0,
    "memory_mib": 100.0,
    "state_growth_ratio": 1.2,  # p50 at 100,000 projects / p50 at 10
}


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    requests: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "non_2xx": self.non_2xx,
            "requests": self.requests,
        }


# -- servers ---------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base: str  # path prefix before the vendor path
    port: int
    cold_start_s: float

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{self.base}"

    def rss_mib(self) -> float:
        """Resident memory of the server and its children (Prism runs node under a wrapper)."""
        return sum(_rss_kib(pid) for pid in _tree(self.process.pid)) / 1024

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _tree(pid: int) -> list[int]:
    pids, queue = [pid], [pid]
    while queue:
        parent = queue.pop()
        path = Path(f"/proc/{parent}/task/{parent}/children")
        children = [int(c) for c in path.read_text().split()] if path.exists() else []
        pids.extend(children)
        queue.extend(children)
    return pids


def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _patch(port: int, path: str, body: dict[str, Any]) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request(
            "PATCH",
            path,
            body=json.dumps(body),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def start(
    name: str, command: Sequence[str], port: int, base: str, env: dict[str, str] | None = None
) -> Server:
    """Launch and time until the first successful PATCH (cold start)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True
    )
    deadline = started + 60
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with {process.returncode} before answering")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if _patch(port, f"{base}/v2/projects/{TARGET_ID}", VALID) < 300:
                return Server(name, process, base, port, time.perf_counter() - started)
        time.sleep(0.002)
    process.kill()
    raise SystemExit(f"{name} did not answer within 60 s")


def start_mock(fixtures: Path | None = None) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--vendor", "personio"]
    if fixtures is not None:
        command += ["--fixtures", str(fixtures)]
    return start("mock", command, port, "/personio")


def start_prism() -> Server:
    port = free_port()
    return start("prism", [str(PRISM), "mock", "-h", HOST, "-p", str(port), str(SPEC)], port, "")


# -- load ------------------------------------------------------------------------------------------
LUA = """
wrk.method = "PATCH"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
"""


def _wrk_script(body: dict[str, Any], directory: Path) -> Path:
    path = directory / f"patch-{abs(hash(json.dumps(body)))}.lua"
    lua_body = json.dumps(json.dumps(body))  # a Lua string literal with JSON inside
    path.write_text(LUA.replace("{body}", lua_body).replace("{token}", TOKEN))
    return path


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, script: Path, connections: int, seconds: float) -> Load:
    threads = min(connections, 2)
    out = subprocess.run(
        [
            "wrk",
            "--latency",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(int(seconds), 1)}s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Load(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        requests=int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
    )


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


# -- the run ---------------------------------------------------------------------------------------
def run(quick: bool) -> dict[str, Any]:
    seconds = 3.0 if quick else 10.0
    levels = [8] if quick else [1, 8, 32]
    results: dict[str, Any] = {"quick": quick, "seconds_per_load": seconds, "spec": "specs/personio.yaml"}
    path = f"/v2/projects/{TARGET_ID}"
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        valid, rejected = _wrk_script(VALID, directory), _wrk_script(REJECTED, directory)
        servers = {"prism": start_prism(), "mock": start_mock()}
        try:
            for name, server in servers.items():
                entry: dict[str, Any] = {"cold_start_s": round(server.cold_start_s, 3), "valid_patch": {}}
                wrk(server.url + path, valid, 8, 1.0)  # warm-up, not counted
                for connections in levels:
                    entry["valid_patch"][str(connections)] = wrk(
                        server.url + path, valid, connections, seconds
                    ).as_dict()
                if name == "mock":
                    entry["rejected_patch_8"] = wrk(server.url + path, rejected, 8, seconds).as_dict()
                entry["rss_mib_after_load"] = round(server.rss_mib(), 1)
                results[name] = entry
        finally:
            for server in servers.values():
                server.stop()
        growth: dict[str, float] = {}
        for count in (10, 1_000, 100_000):
            server = start_mock(fixtures_with(count, directory) if count != 10 else _ten(directory))
            try:
                wrk(server.url + path, valid, 8, 1.0)
                growth[str(count)] = wrk(server.url + path, valid, 8, seconds / 2).p50_ms
            finally:
                server.stop()
        results["mock"]["p50_ms_by_projects"] = growth
    results["ratios"] = ratios(results)
    results["targets"] = check(results)
    return results


def _ten(directory: Path) -> Path:
    """Ten projects: the built-in four plus six generated."""
    return fixtures_with(10, directory)


def ratios(results: dict[str, Any]) -> dict[str, float]:
    mock, prism = results["mock"], results["prism"]
    out: dict[str, float] = {}
    for connections, load in mock["valid_patch"].items():
        theirs = prism["valid_patch"][connections]
        out[f"rps_ratio_{connections}"] = round(load["rps"] / theirs["rps"], 2)
        out[f"p50_ratio_{connections}"] = round(load["p50_ms"] / theirs["p50_ms"], 2)
        out[f"p99_ratio_{connections}"] = round(load["p99_ms"] / theirs["p99_ms"], 2)
    out["cold_start_ratio"] = round(mock["cold_start_s"] / prism["cold_start_s"], 2)
    out["memory_ratio"] = round(mock["rss_mib_after_load"] / prism["rss_mib_after_load"], 2)
    growth = mock["p50_ms_by_projects"]
    out["state_growth_ratio"] = round(growth["100000"] / growth["10"], 2)
    return out


def check(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    r, mock = results["ratios"], results["mock"]
    measured = {
        "rps_ratio_8": (r["rps_ratio_8"], r["rps_ratio_8"] >= TARGETS["rps_ratio_8"]),
        "p99_ratio_8": (r["p99_ratio_8"], r["p99_ratio_8"] <= TARGETS["p99_ratio_8"]),
        "cold_start_s": (mock["cold_start_s"], mock["cold_start_s"] <= TARGETS["cold_start_s"]),
        "memory_mib": (mock["rss_mib_after_load"], mock["rss_mib_after_load"] <= TARGETS["memory_mib"]),
        "state_growth_ratio": (
            r["state_growth_ratio"],
            r["state_growth_ratio"] <= TARGETS["state_growth_ratio"],
        ),
    }
    return {k: {"value": v, "target": TARGETS[k], "ok": ok} for k, (v, ok) in measured.items()}


def table(results: dict[str, Any]) -> str:
    mock, prism, r = results["mock"], results["prism"], results["ratios"]
    lines = [
        f"{'figure':<34}{'mock':>12}{'prism':>12}{'mock/prism':>12}",
        "-" * 70,
    ]
    for connections, load in mock["valid_patch"].items():
        theirs = prism["valid_patch"][connections]
        for key, label in (("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms")):
            ratio = r[f"{key.split('_')[0]}_ratio_{connections}"]
            lines.append(
                f"{f'valid PATCH c={connections} {label}':<34}{load[key]:>12}{theirs[key]:>12}{ratio:>12}"
            )
    rej = mock["rejected_patch_8"]
    lines.append(f"{'rejected PATCH (422) c=8 req/s':<34}{rej['rps']:>12}{'-':>12}{'-':>12}")
    lines.append(f"{'rejected PATCH (422) c=8 p99 ms':<34}{rej['p99_ms']:>12}{'-':>12}{'-':>12}")
    lines.append(
        f"{'cold start s':<34}{mock['cold_start_s']:>12}{prism['cold_start_s']:>12}"
        f"{r['cold_start_ratio']:>12}"
    )
    lines.append(
        f"{'RSS after load MiB':<34}{mock['rss_mib_after_load']:>12}{prism['rss_mib_after_load']:>12}"
        f"{r['memory_ratio']:>12}"
    )
    for count, p50 in mock["p50_ms_by_projects"].items():
        lines.append(f"{f'p50 ms, {int(count):,} projects':<34}{p50:>12}{'-':>12}{'-':>12}")
    lines += ["", "targets:"]
    for name, target in results["targets"].items():
        lines.append(
            f"  {'PASS' if target['ok'] else 'FAIL'}  {name} = {target['value']} (target {target['target']})"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="8 connections only, 3 s per load")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every figure and ratio to FILE")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    for tool in ("wrk",):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: run scripts/bench, which installs it")
    if not PRISM.exists():
        raise SystemExit("Prism is missing: run scripts/bench, which installs it under .bench/")
    os.chdir(ROOT)
    results = run(args.quick)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    missed = [name for name, t in results["targets"].items() if not t["ok"]]
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
