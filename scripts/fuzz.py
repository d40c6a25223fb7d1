"""Long, randomized Schemathesis runs against the mock, in process, with fixed seeds.

Run through ``scripts/fuzz``. Per vendor, Schemathesis runs every phase (examples, coverage,
fuzzing, stateful) with positive and negative data and every check (built-in and ours, see
``contracts.fuzzing``), seed after seed (``--seed``, ``--seed + 1``, ...; each seed in a fresh
session of the mock), until ``--requests`` requests were sent or ``--time-limit`` seconds passed.
It reports per vendor: requests sent, 5xx answers, spec-breaking answers, rejected requests that
changed the state and every other check failure, each with a curl line for ``scripts/serve``.

``--hostile`` runs the hostile-input fuzzer instead (``contracts.hostile``): byte- and JSON-level
mutations of the specs' examples and ``Vendor.sample`` far outside the schemas (lone surrogates,
overlong UTF-8, ``1e400``, 5,000-digit ids, ``%2f``, odd media types and tokens, 1 MiB arrays,
mutated admin state documents and faults), each case in a private session, in process or against
a mock on loopback (``--base-url``), with the invariants checked after every request. Case N of a
seed is always the same request: ``--case N`` sends it again alone, ``--dump-body FILE`` writes
its body for the curl line.

Exit status: 0 when nothing was found, 1 on any finding, 2 when a vendor hit the time limit
before its request count (nothing found, but the run was shorter than asked).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemathesis.engine import events

from contracts import hostile
from contracts.fuzzing import run_schemathesis
from mockserver.app import MockApp, create_app
from mockserver.config import DEFAULT_MAX_BODY_BYTES, ServerConfig
from mockserver.core.vendor import Vendor, discover_vendors

DEFAULT_SEED = 20251123
SERVE_URL = "http://127.0.0.1:4010"
"""Where ``scripts/serve`` listens: the curl lines point there."""
REPRO_SESSION = "fuzz-repro"

SERVER_ERROR_CHECKS = frozenset({"not_a_server_error"})
SPEC_CHECKS = frozenset(
    {
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "vendor_error_envelope",
    }
)
STATE_CHECKS = frozenset({"rejection_leaves_state_unchanged"})
CATEGORIES = {
    "server_error": "5xx responses",
    "spec": "spec-breaking responses",
    "state": "rejected requests that changed the state",
    "other": "other check failures",
}


def category(check: str) -> str:
    if check in SERVER_ERROR_CHECKS:
        return "server_error"
    if check in SPEC_CHECKS:
        return "spec"
    if check in STATE_CHECKS:
        return "state"
    return "other"


@dataclass
class Finding:
    check: str
    operation: str
    title: str
    message: str
    curl: str
    seed: int
    phase: str
    count: int = 1


@dataclass
class VendorRun:
    vendor: str
    target: int
    requests: int = 0
    server_errors: int = 0
    """Answers with a 5xx status (each one also fails ``not_a_server_error``)."""
    statuses: Counter[int] = field(default_factory=Counter)
    failing: Counter[str] = field(default_factory=Counter)
    """Failed check results per category."""
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    seconds: float = 0.0
    timed_out: bool = False

    @property
    def found(self) -> bool:
        return bool(self.server_errors or self.findings or self.errors)

    def count(self, name: str) -> int:
        if name == "server_error":
            return max(self.server_errors, self.failing[name])
        return self.failing[name]

    def on_event(self, event: Any, seed: int) -> None:
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                if interaction.response is None:
                    continue
                self.requests += 1
                status = int(interaction.response.status_code)
                self.statuses[status] += 1
                if status >= 500:
                    self.server_errors += 1
            for checks in recorder.checks.values():
                for check in checks:
                    info = check.failure_info
                    if info is None:
                        continue
                    self.failing[category(check.name)] += 1
                    title = str(getattr(info.failure, "title", type(info.failure).__name__))
                    key = (check.name, recorder.label, title)
                    if key in self.findings:
                        self.findings[key].count += 1
                        continue
                    message = str(getattr(info.failure, "message", info.failure))
                    self.findings[key] = Finding(
                        check.name,
                        recorder.label,
                        title,
                        message,
                        curl_for_serve(info.code_sample),
                        seed,
                        str(getattr(event.phase, "value", event.phase)),
                    )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            self.errors.append(str(getattr(event, "info", event))[:1000])


def curl_for_serve(sample: str) -> str:
    """Schemathesis's curl line, pointed at ``scripts/serve`` with the real token filled in."""
    return (
        sample.replace("http://testserver", SERVE_URL)
        .replace("'Authorization: [Filtered]'", "'Authorization: Bearer test-token'")
        .replace("'X-Mock-Session: [Filtered]'", f"'X-Mock-Session: {REPRO_SESSION}'")
    )


def fuzz_vendor(
    app: MockApp,
    vendor: Vendor,
    *,
    requests: int,
    seed: int,
    examples: int,
    time_limit: float,
    progress: bool,
) -> VendorRun:
    run = VendorRun(vendor.id, requests)
    started = time.monotonic()
    deadline = started + time_limit

    def should_stop() -> bool:
        return run.requests >= requests or time.monotonic() >= deadline

    current = seed
    while not (run.seeds and should_stop()):  # at least one seed, however short the limit
        run.seeds.append(current)
        before = run.requests

        def on_event(event: Any, seed: int = current) -> None:
            run.on_event(event, seed)

        run_schemathesis(
            vendor, app=app, max_examples=examples, seed=current, on_event=on_event, should_stop=should_stop
        )
        if progress:
            print(
                f"  {vendor.id}: seed {current} sent {run.requests - before:,} requests "
                f"({run.requests:,} of {requests:,}, {time.monotonic() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
        if run.requests == before:  # a seed that sends nothing would loop forever
            if time.monotonic() < deadline:
                run.errors.append(f"seed {current} sent no request")
            break
        current += 1
    run.seconds = time.monotonic() - started
    run.timed_out = run.requests < requests and time.monotonic() >= deadline
    return run


def report(run: VendorRun) -> str:
    seeds = f"seed {run.seeds[0]}" if len(run.seeds) == 1 else f"seeds {run.seeds[0]}..{run.seeds[-1]}"
    lines = [
        f"== {run.vendor}: {run.requests:,} requests in {run.seconds:.0f} s ({seeds}, {len(run.seeds)} runs)",
        "   statuses: " + ", ".join(f"{s} x {n:,}" for s, n in sorted(run.statuses.items())),
    ]
    for name, label in CATEGORIES.items():
        lines.append(f"   {label + ':':<44}{run.count(name):>8,}")
    if run.timed_out:
        lines.append(f"   STOPPED BY THE TIME LIMIT before {run.target:,} requests")
    by_category = sorted(
        run.findings.values(), key=lambda f: (list(CATEGORIES).index(category(f.check)), f.check)
    )
    for finding in by_category:
        lines += [
            "",
            f"   [{CATEGORIES[category(finding.check)]}] {finding.check} on {finding.operation} "
            f"({finding.count}x, first with seed {finding.seed}, {finding.phase} phase)",
            *(f"     {line}" for line in finding.message.strip().splitlines()[:12]),
            f"     reproduce: {finding.curl}",
        ]
    lines += [f"   error: {error}" for error in run.errors]
    return "\n".join(lines)


def summary(runs: Sequence[VendorRun]) -> str:
    header = (
        f"{'vendor':<10}{'requests':>10}{'5xx':>7}{'spec':>7}{'state':>7}{'other':>7}{'seconds':>9}  result"
    )
    lines = [header, "-" * len(header)]
    for run in runs:
        result = "FOUND" if run.found else ("INCOMPLETE" if run.timed_out else "ok")
        lines.append(
            f"{run.vendor:<10}{run.requests:>10,}{run.count('server_error'):>7}{run.count('spec'):>7}"
            f"{run.count('state'):>7}{run.count('other') + len(run.errors):>7}{run.seconds:>9.0f}  {result}"
        )
    return "\n".join(lines)


def as_json(run: VendorRun) -> dict[str, Any]:
    return {
        "vendor": run.vendor,
        "requests": run.requests,
        "seconds": round(run.seconds, 1),
        "seeds": run.seeds,
        "timed_out": run.timed_out,
        "statuses": {str(s): n for s, n in sorted(run.statuses.items())},
        **{name: run.count(name) for name in CATEGORIES},
        "findings": [
            {
                "category": category(f.check),
                "check": f.check,
                "operation": f.operation,
                "title": f.title,
                "message": f.message,
                "count": f.count,
                "seed": f.seed,
                "phase": f.phase,
                "curl": f.curl,
            }
            for f in run.findings.values()
        ],
        "errors": run.errors,
    }


def hostile_main(args: argparse.Namespace, vendors: Sequence[str]) -> int:
    """``--hostile``: the hostile-input fuzzer, per vendor, with the same report shape."""
    transport: hostile.Transport
    if args.base_url:
        try:
            transport, base_url = hostile.LoopbackTransport(args.base_url), args.base_url
        except ValueError as exc:  # not http:// on loopback: refused before any traffic
            print(f"fuzz: {exc}", file=sys.stderr)
            return 2
        limit = args.max_body_bytes
    else:
        app = create_app(ServerConfig())
        transport, base_url, limit = hostile.InProcessTransport(app), SERVE_URL, app.config.max_body_bytes
    admin = (("Authorization", f"Bearer {args.admin_token}"),) if args.admin_token else ()
    try:
        runner = hostile.HostileRunner(
            transport,
            discover_vendors(),
            limit=limit,
            sweep_every=args.sweep_every,
            slow_seconds=args.slow,
            max_answer=args.max_answer,
            admin_headers=admin,
        )
        if args.case is not None:
            return _one_case(runner, args, vendors[0], base_url)
        reports = []
        for vid in vendors:

            def progress(report: hostile.HostileReport) -> None:
                print(
                    f"  {report.vendor}: {report.cases:,} of {report.target:,} requests, "
                    f"{len(report.findings)} distinct findings, {report.seconds:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )

            report = runner.run(
                vid,
                requests=args.requests,
                seed=args.seed,
                time_limit=args.time_limit,
                progress=None if args.quiet else progress,
            )
            reports.append(report)
            print(hostile.report_text(report, base_url), flush=True)
            print(flush=True)
    finally:
        transport.close()
    print(hostile.summary(reports))
    if args.json:
        args.json.write_text(json.dumps([hostile.as_json(r, base_url) for r in reports], indent=2) + "\n")
        print(f"\nwrote {args.json}")
    if any(r.found for r in reports):
        return 1
    return 2 if any(r.timed_out for r in reports) else 0


def _one_case(runner: hostile.HostileRunner, args: argparse.Namespace, vendor: str, base_url: str) -> int:
    """``--case N``: show case N of the seed; with ``--dump-body`` write its body, else send it
    alone in a fresh session with every check."""
    case = hostile.make_case(runner.plans[vendor], args.seed, args.case)
    if args.dump_body:
        args.dump_body.write_bytes(case.request.body)
        print(f"wrote {len(case.request.body):,} bytes to {args.dump_body}")
        return 0
    print(f"case {case.index} of seed {case.seed} ({case.kind}): {case.operation}: {case.recipe}")
    print(f"  must be refused: {case.reject}" if case.reject else "  no expected status")
    print(f"  {hostile.reproduce(case, base_url)}")
    report = runner.run(vendor, requests=1, seed=args.seed, first=args.case)
    print(hostile.report_text(report, base_url))
    return 1 if report.found else 0


def main(argv: Sequence[str] | None = None) -> int:
    available = sorted(discover_vendors())
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--vendor", action="append", choices=available, help="vendor to fuzz (repeatable; default: all)"
    )
    parser.add_argument(
        "--requests", type=int, help="requests per vendor (default 10000; 20000 with --hostile)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="first seed; the next runs add 1")
    parser.add_argument(
        "--examples", type=int, default=200, help="Schemathesis max examples per operation and seed (200)"
    )
    parser.add_argument(
        "--time-limit", type=float, default=900.0, metavar="SECONDS", help="per vendor (default 900)"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures and findings")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    group = parser.add_argument_group("hostile inputs (--hostile)")
    group.add_argument(
        "--hostile", action="store_true", help="the hostile-input fuzzer instead of Schemathesis"
    )
    group.add_argument("--base-url", metavar="URL", help="a mock on loopback (default: in process)")
    group.add_argument("--admin-token", help="the mock's --admin-token, if it has one")
    group.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, help="the mock's body limit (1 MiB)"
    )
    group.add_argument("--case", type=int, metavar="N", help="send case N of --seed alone (one --vendor)")
    group.add_argument("--dump-body", type=Path, metavar="FILE", help="with --case: write its body and stop")
    group.add_argument(
        "--sweep-every",
        type=int,
        default=25,
        metavar="K",
        help="read every read of the session every K cases",
    )
    group.add_argument(
        "--slow", type=float, default=2.0, metavar="SECONDS", help="a slower answer is a finding"
    )
    group.add_argument(
        "--max-answer",
        type=int,
        default=64 * 1024,
        metavar="BYTES",
        help="a bigger vendor answer is a finding",
    )
    args = parser.parse_args(argv)
    if args.requests is None:
        args.requests = 20_000 if args.hostile else 10_000
    if args.requests < 1 or args.examples < 1 or args.time_limit <= 0:
        parser.error("--requests, --examples and --time-limit must be positive")
    if not args.hostile and (args.base_url or args.case is not None):
        parser.error("--base-url and --case go with --hostile")
    if args.case is not None and len(args.vendor or ()) != 1:
        parser.error("--case needs exactly one --vendor")
    if args.hostile:
        return hostile_main(args, args.vendor or available)

    app = create_app(ServerConfig())
    runs: list[VendorRun] = []
    for vid in args.vendor or available:
        run = fuzz_vendor(
            app,
            app.vendors[vid],
            requests=args.requests,
            seed=args.seed,
            examples=args.examples,
            time_limit=args.time_limit,
            progress=not args.quiet,
        )
        runs.append(run)
        print(report(run), flush=True)
        print(flush=True)
    print(summary(runs))
    if args.json:
        args.json.write_text(json.dumps([as_json(run) for run in runs], indent=2) + "\n")
        print(f"\nwrote {args.json}")
    if any(run.found for run in runs):
        return 1
    return 2 if any(run.timed_out for run in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
