"""The hostile-input fuzzer: byte- and JSON-level mutations of valid requests, far outside the
specs, with the invariants checked after every request.

Schemathesis (``contracts.fuzzing``) sends what the specs describe; this sends what they do not:
lone surrogates, overlong UTF-8, ``1e400``, 5,000-digit ids, ``%2f`` in a path, ``APPLICATION/JSON``,
1 MiB arrays, mutated admin state documents and faults. Cases start from the specs' examples and
``Vendor.sample`` (generators in ``contracts._hostile_*``); case ``i`` of a seed is always the
same request.

After each request (``contracts._hostile_checks``): an answer, no 5xx; strict JSON; an error in
the vendor's envelope (``SpecChecker``, as ``contracts.fuzzing`` checks it) and a 2xx that is the
operation's; no redirect; input GEN-8/9/13 rule out refused; a rejection (or a read) left
``GET /__admin/state/{vendor}`` unchanged; the vendor's reads still answer (read again whenever
the state changed); time and size within bounds. Every ``sweep_every`` cases, after each admin
PUT and when a session ends, a sweep: every vendor's reads and state, the journal, the faults,
and the default session's state, which no other session may change. A broken sweep is pinned on
its case by replaying the cases since the last good sweep in a fresh session.

Each group of up to ``sweep_every`` cases runs in its own session (``X-Mock-Session:
hostile-<seed>-<vendor>-<n>``), from the fixtures, and ends with its sweep (or as soon as a read
breaks, or after an admin PUT), which resets it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts._hostile_bodies import BODY_KINDS, BodyContext, Mutation, mutate_body
from contracts._hostile_checks import CATEGORIES, answer_problems, read_problem
from contracts._hostile_json import NotStrictJSONError, canonical, encode, strict_json, strict_json_problem
from contracts._hostile_plan import Case, VendorPlan, make_case, plan_vendor
from contracts._hostile_report import Finding, HostileReport, as_json, report_text, reproduce, summary
from contracts._hostile_transport import (
    Answer,
    InProcessTransport,
    LoopbackTransport,
    Request,
    Transport,
    curl,
)
from contracts.conformance import SpecChecker
from mockserver.core.vendor import Vendor

__all__ = [
    "BODY_KINDS",
    "CATEGORIES",
    "Answer",
    "BodyContext",
    "Case",
    "Finding",
    "HostileReport",
    "HostileRunner",
    "InProcessTransport",
    "LoopbackTransport",
    "Mutation",
    "NotStrictJSONError",
    "Request",
    "Transport",
    "VendorPlan",
    "as_json",
    "curl",
    "encode",
    "make_case",
    "mutate_body",
    "plan_vendor",
    "report_text",
    "reproduce",
    "strict_json",
    "strict_json_problem",
    "summary",
]

SESSION_HEADER = "X-Mock-Session"
MAX_BISECTS = 3
"""Replays per distinct broken read: enough to pin it on a case, bounded when many cases break it."""


@dataclass
class _Session:
    name: str
    document: Any
    """The fuzzed vendor's state as last read."""
    state: str
    """``document`` in canonical form (what is compared)."""
    verified: str
    """The state (canonical) at which the vendor's reads last answered well."""
    window: list[Case] = field(default_factory=list)
    """Cases since the last good sweep."""


class HostileRunner:
    """Sends hostile cases through a transport and checks the invariants. Its plans cover every
    vendor of ``vendors``: a sweep reads them all."""

    def __init__(
        self,
        transport: Transport,
        vendors: Mapping[str, Vendor],
        *,
        token: str = "test-token",
        limit: int = 1024 * 1024,
        sweep_every: int = 25,
        slow_seconds: float = 2.0,
        max_answer: int = 64 * 1024,
        admin_headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.transport = transport
        self.sweep_every = max(1, sweep_every)
        self.slow_seconds = slow_seconds
        self.max_answer = max_answer
        self.admin_headers = tuple(admin_headers)
        self.checkers = {vid: SpecChecker(v.spec_path) for vid, v in vendors.items()}
        self.calls = 0
        self._slow: dict[tuple[str, str], int] = {}
        self._bisected: dict[tuple[str, str], int] = {}
        admin_spec = self._admin_spec()
        probe = f"hostile-probe-{time.monotonic_ns()}"
        self.plans = {
            vid: plan_vendor(v, self._read_state(vid, probe), token=token, limit=limit, admin_spec=admin_spec)
            for vid, v in vendors.items()
        }
        self._admin("POST", "/__admin/reset", probe)
        self.fresh = {vid: canonical(plan.state) for vid, plan in self.plans.items()}
        self.default_states: dict[str, str | None] = {vid: self._state_text(vid, None) for vid in vendors}

    # -- plumbing -----------------------------------------------------------------------------
    def _send(self, request: Request) -> Answer:
        self.calls += 1
        return self.transport.send(request)

    def _admin(self, method: str, path: str, session: str | None) -> Answer:
        headers = ((SESSION_HEADER, session),) if session else ()
        return self._send(Request(method, path, (*headers, *self.admin_headers)))

    def _admin_spec(self) -> Mapping[str, Any] | None:
        answer = self._admin("GET", "/__admin/openapi.json", None)
        try:
            spec = json.loads(answer.body) if answer.status == 200 else None
        except ValueError:
            return None
        return spec if isinstance(spec, Mapping) else None

    def _read_state(self, vendor: str, session: str) -> Any:
        answer = self._admin("GET", f"/__admin/state/{vendor}", session)
        if answer.status != 200:
            raise RuntimeError(
                f"GET /__admin/state/{vendor} answered {answer.status}: the fuzzer needs the admin API"
            )
        return strict_json(answer.body)

    def _state_text(self, vendor: str, session: str | None) -> str | None:
        answer = self._admin("GET", f"/__admin/state/{vendor}", session)
        if answer.status != 200 or read_problem(answer):
            return None
        return canonical(strict_json(answer.body))

    def send_case(self, case: Case, session: str) -> Answer:
        """The case's request in ``session`` (admin cases also carry the admin token, if any)."""
        extra = self.admin_headers if case.check_path is None else ()
        request = case.request
        headers = ((SESSION_HEADER, session), *request.headers, *extra)
        return self._send(Request(request.method, request.target, headers, request.body))

    def _clear_faults(self, session: str) -> Answer:
        """Read the session's faults, then drop them: no stored fault may answer the checks' reads."""
        listed = self._admin("GET", "/__admin/faults", session)
        self._admin("DELETE", "/__admin/faults", session)
        return listed

    def _reads(self, vendor: str, session: str) -> list[tuple[str, Request]]:
        plan = self.plans[vendor]
        headers = ((SESSION_HEADER, session), *plan.headers)
        return [(label, Request("GET", target, headers)) for label, target in plan.reads]

    def _sweep_reads(self, session: str) -> list[tuple[str, Request]]:
        reads = [item for vendor in self.plans for item in self._reads(vendor, session)]
        admin = ((SESSION_HEADER, session), *self.admin_headers)
        reads += [
            (f"GET /__admin/state/{v}", Request("GET", f"/__admin/state/{v}", admin)) for v in self.plans
        ]
        reads += [
            (path, Request("GET", path.removeprefix("GET "), admin))
            for path in ("GET /__admin/requests", "GET /__admin/faults")
        ]
        return reads

    # -- one vendor ---------------------------------------------------------------------------
    def run(
        self,
        vendor: str,
        *,
        requests: int,
        seed: int,
        first: int = 0,
        time_limit: float = float("inf"),
        progress: Callable[[HostileReport], None] | None = None,
        progress_every: int = 1000,
    ) -> HostileReport:
        """Cases ``first``, ``first + 1``, ... of ``seed`` until ``requests`` were sent (or skipped)
        or ``time_limit`` seconds passed."""
        report = HostileReport(vendor, requests, seed)
        plan = self.plans[vendor]
        self._bisected.clear()
        self._slow.clear()
        started, calls = time.monotonic(), self.calls
        deadline = started + time_limit
        index, group = first, 0
        session: _Session | None = None
        while report.cases + report.skipped < requests:
            if time.monotonic() >= deadline:
                report.timed_out = True
                break
            case = make_case(plan, seed, index)
            index += 1
            if self._too_slow_before(case):
                report.skipped += 1
                continue
            if session is None:
                session = self._open(plan, seed, group)
                group += 1
            report.cases += 1
            report.kinds[case.kind] += 1
            ended = self._run_case(report, plan, case, session)
            if not ended and (len(session.window) >= self.sweep_every or case.area == "admin_state"):
                # a group ends with its sweep (an admin PUT may leave any state at all): every case
                # runs at most sweep_every - 1 cases after a fresh start, which a replay repeats
                self._sweep(report, plan, session)
                ended = True
            if ended:
                self._close(session)
                session = None
            if progress is not None and report.cases % progress_every == 0:
                report.seconds, report.calls = time.monotonic() - started, self.calls - calls
                progress(report)
        if session is not None:
            self._sweep(report, plan, session)
            self._close(session)
        report.seconds, report.calls = time.monotonic() - started, self.calls - calls
        return report

    def _open(self, plan: VendorPlan, seed: int, group: int) -> _Session:
        name = f"hostile-{seed}-{plan.vendor}-{group}"
        self._admin("POST", "/__admin/reset", name)  # a session left by an earlier run starts over
        return _Session(name, plan.state, self.fresh[plan.vendor], self.fresh[plan.vendor])

    def _close(self, session: _Session) -> None:
        self._admin("POST", "/__admin/reset", session.name)  # frees it on the server

    def _too_slow_before(self, case: Case) -> bool:
        size = self._slow.get((case.operation, case.kind))
        return size is not None and len(case.request.body) >= size // 2

    def _found(
        self,
        report: HostileReport,
        case: Case,
        problem: tuple[str, str, str, str],
        after: str | None = None,
        *,
        pinned: bool = True,
    ) -> None:
        category, where, sig, message = problem
        report.add(Finding(category, where, sig, message, case, after), pinned=pinned)
        if category == "too_slow":
            key = (case.operation, case.kind)
            self._slow[key] = min(self._slow.get(key, len(case.request.body)), len(case.request.body))

    def _run_case(self, report: HostileReport, plan: VendorPlan, case: Case, session: _Session) -> bool:
        """Send one case and check it; True when the session is broken and must end."""
        answer = self.send_case(case, session.name)
        report.statuses[answer.status] += 1
        session.window.append(case)
        checker = self.checkers[plan.vendor] if case.check_path else None
        for problem in answer_problems(
            case, answer, checker, slow_seconds=self.slow_seconds, max_answer=self.max_answer
        ):
            self._found(report, case, problem)
        refused = answer.status == 0 or answer.status >= 400
        if case.area == "admin_fault":
            listed = self._clear_faults(session.name)
            broken = read_problem(listed)
            if broken:
                self._found(report, case, ("broken_session", "GET /__admin/faults", *broken), "right after")
                return True
            shown = strict_json(listed.body) if listed.status == 200 else None
            faults = shown.get("faults") if isinstance(shown, dict) else None
            if refused and faults:
                message = (
                    f"refused with {answer.status}, yet GET /__admin/faults lists {len(faults)} fault(s)"
                )
                self._found(report, case, ("state", case.operation, "a refused fault was stored", message))
        state = self._admin("GET", f"/__admin/state/{plan.vendor}", session.name)
        broken = read_problem(state) or (None if state.status == 200 else (f"{state.status}", "not 200"))
        if broken:
            label = f"GET /__admin/state/{plan.vendor}"
            self._found(report, case, ("broken_session", label, *broken), "right after")
            self._check_reads(report, case, self._reads(plan.vendor, session.name))
            return True
        document = strict_json(state.body)
        text = canonical(document)
        if text != session.state and (refused or case.request.method == "GET"):
            changed = ", ".join(_changed(session.document, document))
            why = _why(answer.status)
            message = f"{why} ({answer.status}), yet the state changed: {changed}"
            self._found(report, case, ("state", case.operation, f"{why} changed {changed}", message))
        session.document, session.state = document, text
        if session.state != session.verified:  # the reads depend on the state alone
            if self._check_reads(report, case, self._reads(plan.vendor, session.name)):
                return True
            session.verified = session.state
        return False

    def _check_reads(self, report: HostileReport, case: Case, reads: Sequence[tuple[str, Request]]) -> bool:
        broken = False
        for label, request in reads:
            problem = read_problem(self._send(request))
            if problem:
                self._found(report, case, ("broken_session", label, *problem), "right after")
                broken = True
        return broken

    # -- sweeps -------------------------------------------------------------------------------
    def _sweep(self, report: HostileReport, plan: VendorPlan, session: _Session) -> None:
        """Every read of the session (each broken one pinned on its case) and the default
        session's state."""
        window, session.window = session.window, []
        if not window:
            return
        for label, request in self._sweep_reads(session.name):
            answer = self._send(request)
            problem = read_problem(answer)
            if problem is None and label.startswith("GET /__admin/state/"):
                vendor = label.rsplit("/", 1)[1]
                expected = session.state if vendor == plan.vendor else self.fresh[vendor]
                if canonical(strict_json(answer.body)) != expected:
                    sig = f"{plan.vendor} calls changed {vendor}'s state"
                    self._found(
                        report, window[-1], ("isolation", label, sig, sig), self._span(window), pinned=False
                    )
                continue
            if problem is not None:
                culprit, how, pinned = self._bisect(plan, window, label, request, problem[0])
                self._found(report, culprit, ("broken_session", label, *problem), how, pinned=pinned)
        for vendor, baseline in self.default_states.items():
            now = self._state_text(vendor, None)
            if baseline is not None and now != baseline:
                sig = f"the default session's {vendor} state changed"
                self._found(
                    report,
                    window[-1],
                    ("isolation", "default session", sig, sig),
                    self._span(window),
                    pinned=False,
                )
                self.default_states[vendor] = now

    @staticmethod
    def _span(window: Sequence[Case]) -> str:
        return f"one of cases {window[0].index}..{window[-1].index}"

    def _bisect(
        self, plan: VendorPlan, window: Sequence[Case], label: str, read: Request, sig: str
    ) -> tuple[Case, str, bool]:
        """The first case of ``window`` (the session's cases) after which ``read`` breaks, replayed
        in a fresh session: (case, how it was found, whether it is pinned on that case)."""
        if len(window) == 1:
            return window[0], "right after it (the sweep)", True
        key = (label, sig)
        if self._bisected.get(key, 0) >= MAX_BISECTS:
            return (
                window[-1],
                f"{self._span(window)} (not replayed: pinned {MAX_BISECTS} times already)",
                False,
            )
        self._bisected[key] = self._bisected.get(key, 0) + 1
        name = f"hostile-{window[0].seed}-{plan.vendor}-replay"
        self._admin("POST", "/__admin/reset", name)
        headers = tuple((n, name if n == SESSION_HEADER else v) for n, v in read.headers)
        try:
            for case in window:
                self.send_case(case, name)
                if case.area == "admin_fault":
                    self._clear_faults(name)
                if read_problem(self._send(Request(read.method, read.target, headers))):
                    return case, "replayed from a fresh session, the read broke right after it", True
        finally:
            self._admin("POST", "/__admin/reset", name)
        return window[-1], f"{self._span(window)} (a replay did not break the read again)", False


def _why(status: int) -> str:
    if status == 0:
        return "no answer"
    if status >= 500:
        return "a 5xx"
    return "a refusal" if status >= 400 else "a read"


def _changed(before: Any, after: Any) -> list[str]:
    """Which collections differ (or ``the document`` when it is not one)."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return ["the document"]
    names = sorted(set(before) | set(after))
    return [n for n in names if canonical(before.get(n)) != canonical(after.get(n))] or ["key order"]
