"""Stoplight Prism as a validating proxy in front of the mock: an outside check that the mock's
answers conform to the vendor specs (issue 12 item 4).

Run through ``scripts/prism-proxy`` (which installs Prism 5.14.2 into ``.bench/`` on first use).
It starts ``mockserver serve`` on a free loopback port and, per vendor, ``prism proxy
specs/<vendor>.yaml http://127.0.0.1:<port><prefix> --errors=false`` on another: Prism validates
every request and every answer against the spec, forwards them, and lists what it found in an
``sl-violations`` response header. Per vendor:

1. Canaries prove that validation is on, operation by operation: a request body of the wrong type
   (``[]``) must come back with a request violation, and a canned success answer of the wrong type
   (a status fault with a ``body``, put in through the mock's admin API) with a response
   violation. An operation Prism does not validate would make its zero violations say nothing.
2. The rule scenarios run through Prism (``contracts.scenarios`` with Prism as the base URL; the
   admin calls that arrange their state go to the mock directly).
3. Every operation, called with its spec example, gets the mock's fault answers through Prism: a
   status fault for each documented error status and 429 and 500, and fuzz faults (spec-valid
   hostile answers, two seeds) for each documented status.

Request violations are expected where scenarios send invalid input on purpose; they are reported
apart, with those on calls the mock accepted (2xx) counted separately. Response violations are
what this proves absent. Exit status 1 on any response violation, a failed canary or a fault
whose answer did not come back; scenarios that fail only through Prism are listed (Prism answers
malformed JSON itself and adds a Content-Type to a body sent without one) but do not fail the run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _servers import HOST, Server, free_port, http_status, start

from contracts.rule_scenarios import DEFAULT_TOKEN, scenarios_for
from contracts.scenarios import Target, run
from mockserver.core.spec import SpecOperation, deref, load_spec, operations
from mockserver.core.vendor import Vendor, discover_vendors

ROOT = Path(__file__).resolve().parents[1]
PRISM = ROOT / ".bench" / "node_modules" / ".bin" / "prism"
PRISM_VERSION = "5.14.2"
FAULT_STATUSES = ("429", "500")
FUZZ_SEEDS = 2
START_TIMEOUT = 60.0


# -- processes -------------------------------------------------------------------------------------
def start_server(name: str, command: Sequence[str], port: int, ready: str, logs: Path) -> Server:
    """Launch and wait until ``ready`` (a path) answers at all."""
    return start(
        name,
        command,
        port,
        lambda p: http_status(p, "GET", ready) > 0,
        log=logs / f"{name}.log",
        timeout=START_TIMEOUT,
    )


# -- what Prism says -------------------------------------------------------------------------------
@dataclass
class Call:
    phase: str  # "canary", "scenario", "status fault" or "fuzz fault"
    what: str  # the scenario (rule and title) or the fault
    method: str
    path: str
    status: int
    violations: list[dict[str, Any]]


@dataclass
class Recorder:
    """Collects the ``sl-violations`` header of every answer that comes through Prism."""

    prism_url: str
    calls: list[Call] = field(default_factory=list)
    phase: str = ""
    what: str = ""

    def hook(self, response: httpx.Response) -> None:
        request = response.request
        if not str(request.url).startswith(self.prism_url):
            return  # an admin call, straight to the mock
        header = response.headers.get("sl-violations")
        violations: list[dict[str, Any]] = json.loads(header) if header else []
        self.calls.append(
            Call(self.phase, self.what, request.method, request.url.path, response.status_code, violations)
        )


def side(violation: Mapping[str, Any]) -> str:
    location = violation.get("location") or ["?"]
    return str(location[0])


def describe(violation: Mapping[str, Any]) -> str:
    where = ".".join(str(p) for p in violation.get("location", []))
    code = f" [{violation['code']}]" if violation.get("code") is not None else ""
    return f"{violation.get('severity', '?')} {where}{code}: {violation.get('message')}"


# -- requests from the spec ------------------------------------------------------------------------
def _operation(spec: Mapping[str, Any], op: SpecOperation) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"][op.path][op.method.lower()]
    return found


def example_call(spec: Mapping[str, Any], op: SpecOperation) -> tuple[str, bytes | None]:
    """The operation's path with its parameters' examples, and its first success body example."""
    operation = _operation(spec, op)
    path = op.path
    for written in [*spec["paths"][op.path].get("parameters", []), *operation.get("parameters", [])]:
        parameter = deref(spec, written)
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(parameter["example"]))
    if "requestBody" not in operation:
        return path, None
    examples = deref(spec, operation["requestBody"])["content"]["application/json"].get("examples", {})
    values = [deref(spec, e)["value"] for name, e in examples.items() if name.startswith("2")]
    return path, json.dumps(values[0] if values else {}).encode()


def takes_json(spec: Mapping[str, Any], op: SpecOperation) -> bool:
    operation = _operation(spec, op)
    return (
        "requestBody" not in operation
        or "application/json" in deref(spec, operation["requestBody"])["content"]
    )


def glob_of(path: str) -> str:
    """A fault's path glob that matches ``path`` (its ``*?[`` made single-character wildcards)."""
    return re.sub(r"[*?\[]", "?", path)


def success_status(op: SpecOperation) -> int:
    return int(next(s for s in op.statuses if s.startswith("2")))


class Vendorcall:
    """Calls to one vendor through Prism, on a session of the mock."""

    def __init__(self, client: httpx.Client, vendor: Vendor, prism: str, mock: str) -> None:
        self.client, self.vendor, self.prism, self.mock = client, vendor, prism, mock
        self.session = f"prism-proxy-{uuid.uuid4().hex[:12]}"

    def send(self, method: str, path: str, content: bytes | None) -> httpx.Response:
        headers = {**self.vendor.sample_headers, "Authorization": f"Bearer {DEFAULT_TOKEN}"}
        headers["X-Mock-Session"] = self.session
        if content is not None:
            headers["Content-Type"] = "application/json"
        return self.client.request(method, self.prism + path, content=content, headers=headers)

    def fault(self, op: SpecOperation, path: str, **fault: Any) -> None:
        added = self.client.post(
            f"{self.mock}/__admin/faults",
            json={"vendor": self.vendor.id, "method": op.method, "path": path, "times": 1, **fault},
            headers={"X-Mock-Session": self.session},
        )
        if added.status_code != 201:
            raise SystemExit(f"the mock refused the fault {fault}: {added.status_code} {added.text}")

    def reset(self) -> None:
        self.client.post(f"{self.mock}/__admin/reset", headers={"X-Mock-Session": self.session})


# -- one vendor ------------------------------------------------------------------------------------
def canaries(calls: Vendorcall, recorder: Recorder, spec: Mapping[str, Any]) -> dict[str, Any]:
    """Per operation, Prism must flag a request body of the wrong type (``[]``) and a success
    answer of the wrong type (a canned ``"prism canary"``): an operation Prism does not validate
    would make its zero violations say nothing."""
    recorder.phase = "canary"
    found: dict[str, dict[str, list[dict[str, Any]]]] = {"request": {}, "response": {}}
    for op in operations(dict(spec)):
        if not takes_json(spec, op):
            continue  # the form-encoded token endpoints: the replay still sends them through Prism
        path, content = example_call(spec, op)
        glob = glob_of(path)
        if content is not None:
            recorder.what = f"request body [] for {op.operation_id}"
            calls.send(op.method, path, b"[]")
            found["request"][op.operation_id] = [
                v for v in recorder.calls[-1].violations if side(v) == "request"
            ]
        status = success_status(op)
        if "content" in deref(spec, _operation(spec, op)["responses"][str(status)]):
            recorder.what = f'canned answer "prism canary" ({status}) for {op.operation_id}'
            calls.fault(op, glob, status=status, body="prism canary")
            calls.send(op.method, path, content)
            found["response"][op.operation_id] = [
                v for v in recorder.calls[-1].violations if side(v) == "response"
            ]
    calls.reset()
    return {
        kind: {
            "ok": all(by_op.values()),
            "operations": sorted(by_op),
            "unvalidated": sorted(op for op, seen in by_op.items() if not seen),
            "violations": by_op,
        }
        for kind, by_op in found.items()
    }


def scenarios(client: httpx.Client, vendor: Vendor, recorder: Recorder, mock: str) -> dict[str, Any]:
    """The rule scenarios with Prism as the base URL and the mock's admin API for their state."""
    target = Target(vendor, client, recorder.prism_url, DEFAULT_TOKEN, admin_root=mock)
    recorder.phase = "scenario"
    failed: list[dict[str, str]] = []
    for scenario in scenarios_for(vendor.id):
        recorder.what = f"{scenario.rule} {scenario.title}"
        try:
            outcome = run(target, scenario)
        except TypeError as exc:  # the runner cannot print an expectation holding ANY
            failed.append({"scenario": recorder.what, "reason": f"the answer does not match ({exc})"})
            continue
        if outcome.status == "failed":
            failed.append({"scenario": recorder.what, "reason": outcome.reason})
    return {"run": len(scenarios_for(vendor.id)), "failed": failed}


def faults(calls: Vendorcall, recorder: Recorder, spec: Mapping[str, Any]) -> list[str]:
    """The mock's fault answers, on calls that are themselves valid (the spec's examples); the
    faults whose answer did not come back through Prism (none expected)."""
    missed: list[str] = []
    for op in operations(dict(spec)):
        if not takes_json(spec, op):
            continue  # the form-encoded token endpoints: the replay still sends them through Prism
        path, content = example_call(spec, op)
        glob = glob_of(path)
        errors = sorted({s for s in op.statuses if s[0] in "45"} | set(FAULT_STATUSES))
        planned: list[tuple[str, dict[str, Any]]] = [("status fault", {"status": int(s)}) for s in errors]
        planned += [
            ("fuzz fault", {"action": "fuzz", "status": int(s), "seed": seed})
            for s in op.statuses
            if s.isdigit()
            for seed in range(FUZZ_SEEDS)
        ]
        for phase, fault in planned:
            calls.fault(op, glob, **fault)
            recorder.phase, recorder.what = phase, f"{op.operation_id} {json.dumps(fault)}"
            answer = calls.send(op.method, path, content)
            if answer.status_code != fault["status"]:
                missed.append(f"{recorder.what}: got {answer.status_code} {answer.text[:200]}")
    calls.reset()
    return missed


def check_vendor(vendor: Vendor, mock: Server, prism: Path, logs: Path) -> dict[str, Any]:
    started = time.monotonic()
    spec = load_spec(vendor.spec_path)
    port = free_port()
    command = [str(prism), "proxy", str(vendor.spec_path), mock.url + vendor.prefix]
    command += ["-h", HOST, "-p", str(port), "--errors=false", "-v", "warn"]
    proxy = start_server(f"prism-{vendor.id}", command, port, "/", logs)
    try:
        recorder = Recorder(proxy.url)
        with httpx.Client(timeout=30, event_hooks={"response": [recorder.hook]}) as client:
            calls = Vendorcall(client, vendor, proxy.url, mock.url)
            canary = canaries(calls, recorder, spec)
            ran = scenarios(client, vendor, recorder, mock.url)
            missed = faults(Vendorcall(client, vendor, proxy.url, mock.url), recorder, spec)
    finally:
        proxy.stop()
    counted = [c for c in recorder.calls if c.phase != "canary"]
    spec_file = vendor.spec_path.relative_to(ROOT)
    found: dict[str, list[dict[str, Any]]] = {"request": [], "response": [], "other": []}
    for call in counted:
        for violation in call.violations:
            entry = {
                "phase": call.phase,
                "what": call.what,
                "method": call.method,
                "path": call.path,
                "status": call.status,
                **violation,
            }
            found.get(side(violation), found["other"]).append(entry)
    return {
        "vendor": vendor.id,
        "spec": str(spec_file),
        "command": f"prism proxy {spec_file} http://{HOST}:<port>{vendor.prefix} --errors=false",
        "seconds": round(time.monotonic() - started, 2),
        "canary": canary,
        "calls": dict(Counter(c.phase for c in counted)),
        "scenarios": ran,
        "request_violations": found["request"],
        "request_violations_on_2xx": [v for v in found["request"] if 200 <= v["status"] < 300],
        "response_violations": found["response"] + found["other"],
        "faults_not_served": missed,
    }


# -- report ----------------------------------------------------------------------------------------
def table(reports: Sequence[dict[str, Any]]) -> str:
    head = (
        "vendor",
        "calls",
        "scenarios ok",
        "request viol. (calls)",
        "of them on 2xx",
        "response viol.",
        "canaries",
    )
    rows = [head]
    for r in reports:
        calls_with = {(v["phase"], v["what"], v["method"], v["path"]) for v in r["request_violations"]}
        canary = "ok" if r["canary"]["request"]["ok"] and r["canary"]["response"]["ok"] else "FAILED"
        rows.append(
            (
                r["vendor"],
                str(sum(r["calls"].values())),
                f"{r['scenarios']['run'] - len(r['scenarios']['failed'])}/{r['scenarios']['run']}",
                f"{len(r['request_violations'])} ({len(calls_with)})",
                str(len(r["request_violations_on_2xx"])),
                str(len(r["response_violations"])),
                canary,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def details(report: Mapping[str, Any]) -> Iterator[str]:
    vendor = report["vendor"]
    for kind in ("response_violations", "request_violations"):
        grouped = Counter(describe(v) for v in report[kind])
        if not grouped:
            continue
        yield f"{vendor}: {kind.replace('_', ' ')}, by kind:"
        for text, count in grouped.most_common():
            example = next(v for v in report[kind] if describe(v) == text)
            yield f"  {count:>4} x {text}"
            call = f"{example['method']} {example['path']} -> {example['status']}"
            yield f"         e.g. {example['phase']} {example['what']}: {call}"
    for check in ("request", "response"):
        canary = report["canary"][check]
        for operation in canary["unvalidated"]:
            yield f"{vendor}: Prism does not validate {operation}'s {check}s: its canary got no violation"
    for missed in report["faults_not_served"]:
        yield f"{vendor}: a fault's answer did not come back through Prism: {missed}"
    for failure in report["scenarios"]["failed"]:
        yield f"{vendor}: scenario through Prism failed: {failure['scenario']}: {failure['reason'][:300]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/prism-proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendor", action="append", help="only this vendor (repeatable); default: all")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the whole report here")
    parser.add_argument("--prism", type=Path, default=PRISM, help=f"the prism executable (default {PRISM})")
    args = parser.parse_args(argv)
    if not args.prism.exists():
        print(f"prism-proxy: {args.prism} is missing; scripts/prism-proxy installs it", file=sys.stderr)
        return 2
    vendors = discover_vendors(args.vendor)
    started = time.monotonic()
    reports: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="prism-proxy-") as logs:
        port = free_port()
        command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port)]
        for vid in sorted(vendors):
            command += ["--vendor", vid]
        mock = start_server("mock", command, port, "/__admin/health", Path(logs))
        try:
            for vid in sorted(vendors):
                reports.append(check_vendor(vendors[vid], mock, args.prism, Path(logs)))
        finally:
            mock.stop()
    elapsed = round(time.monotonic() - started, 1)
    print(table(reports))
    for report in reports:
        for line in details(report):
            print(line)
    failed = any(
        r["response_violations"]
        or r["faults_not_served"]
        or not (r["canary"]["request"]["ok"] and r["canary"]["response"]["ok"])
        for r in reports
    )
    verdict = "FAILED" if failed else "no response violation"
    print(f"prism {PRISM_VERSION} proxy, {len(reports)} vendors, {elapsed} s: {verdict}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"prism": PRISM_VERSION, "seconds": elapsed, "ok": not failed, "vendors": reports}, indent=2
            )
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
