"""Findings of a hostile run and how they are shown: text for a terminal, JSON for ``--json``,
and one line per distinct finding with a reproduction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts._hostile_checks import CATEGORIES, excerpt
from contracts._hostile_plan import Case
from contracts._hostile_transport import Request, curl

__all__ = ["REPRO_SESSION", "Finding", "HostileReport", "as_json", "report_text", "reproduce", "summary"]

REPRO_SESSION = "hostile-repro"


@dataclass
class Finding:
    category: str
    where: str
    """The operation that answered wrongly, or the read that broke."""
    signature: str
    """What went wrong with the particulars taken out: with ``category`` and ``where``, the key."""
    message: str
    case: Case
    """The first case that showed it."""
    after: str | None = None
    """For a broken read or a state change seen by a sweep: which case did it, and how it was found."""
    count: int = 1
    kinds: Counter[str] = field(default_factory=Counter)
    pinned: bool = True
    """False when ``case`` is only the last of the cases that may have caused it."""
    causes: Counter[str] = field(default_factory=Counter)
    """The operations of the cases that showed it (pinned ones only)."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.category, self.where, self.signature)


@dataclass
class HostileReport:
    vendor: str
    target: int
    seed: int
    cases: int = 0
    """Hostile requests sent."""
    calls: int = 0
    """Every request, the checks' reads included."""
    skipped: int = 0
    """Cases not sent: the same operation and kind, as large, already took too long."""
    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    seconds: float = 0.0
    timed_out: bool = False

    @property
    def found(self) -> bool:
        return bool(self.findings)

    def count(self, category: str) -> int:
        return sum(f.count for f in self.findings.values() if f.category == category)

    def add(self, finding: Finding, *, pinned: bool = True) -> Finding:
        """Count ``finding`` under its key. An unpinned one (its case only the last of those that
        may have caused it) counts no kind, and gives way to the first pinned one as the example."""
        kind = finding.case.kind if pinned else "(not pinned on a case)"
        known = self.findings.get(finding.key)
        if known is None:
            known, finding.pinned, finding.count = finding, pinned, 0
            self.findings[finding.key] = finding
        known.count += 1
        known.kinds[kind] += 1
        if pinned:
            known.causes[finding.case.operation] += 1
        if pinned and not known.pinned:
            known.case, known.message, known.after, known.pinned = (
                finding.case,
                finding.message,
                finding.after,
                True,
            )
        return known


def replay_command(case: Case) -> str:
    return f"scripts/fuzz --hostile --vendor {case.vendor} --seed {case.seed} --case {case.index}"


def _request_line(case: Case) -> str:
    request = case.request
    shown = ", ".join(f"{n}: {v[:60]}" for n, v in request.headers if n.lower() != "authorization")
    body = f" body {excerpt(request.body, 200)!s}" if request.body else ""
    return f"{request.method} {request.target[:300]} [{shown}]{body}"


def reproduce(case: Case, base_url: str) -> str:
    """A curl line for the case in the session ``hostile-repro`` (a large body: written first by
    ``--dump-body``)."""
    session = (("X-Mock-Session", REPRO_SESSION),)
    request = Request(
        case.request.method, case.request.target, (*session, *case.request.headers), case.request.body
    )
    body_file = f"hostile-{case.vendor}-{case.seed}-{case.index}.bin"
    line = curl(request, base_url, body_file=body_file)
    if f"@{body_file}" in line:
        line = f"{replay_command(case)} --dump-body {body_file} && {line}"
    return line


def report_text(report: HostileReport, base_url: str) -> str:
    lines = [
        f"== {report.vendor} (hostile): {report.cases:,} requests ({report.calls:,} with the checks' reads) "
        f"in {report.seconds:.0f} s, seed {report.seed}",
        "   statuses: " + ", ".join(f"{s} x {n:,}" for s, n in sorted(report.statuses.items())),
    ]
    if report.skipped:
        lines.append(
            f"   skipped {report.skipped:,} cases of an operation and kind that were already too slow"
        )
    for name, label in CATEGORIES.items():
        lines.append(f"   {label + ':':<72}{report.count(name):>7,}")
    if report.timed_out:
        lines.append(f"   STOPPED BY THE TIME LIMIT before {report.target:,} requests")
    order = list(CATEGORIES)
    for finding in sorted(
        report.findings.values(), key=lambda f: (order.index(f.category), f.where, f.signature)
    ):
        case = finding.case
        kinds = ", ".join(f"{k} x{n}" for k, n in finding.kinds.most_common(6))
        causes = ", ".join(f"{k} x{n}" for k, n in finding.causes.most_common(4))
        lines += [
            "",
            f"   [{CATEGORIES[finding.category]}] {finding.where}: {finding.signature}",
            f"     {finding.count}x; kinds: {kinds}" + (f"; sent to: {causes}" if causes else ""),
            f"     {finding.message[:400]}",
            *([f"     after: {finding.after}"] if finding.after else []),
            f"     case {case.index} ({case.kind}): {case.operation}: {case.recipe[:300]}",
            f"     request: {_request_line(case)}",
            f"     replay:  {replay_command(case)}",
            f"     curl:    {reproduce(case, base_url)[:1500]}",
        ]
    return "\n".join(lines)


def summary(reports: Sequence[HostileReport]) -> str:
    short = {"server_error": "5xx", "strict_json": "json", "broken_session": "session", "state": "state"}
    header = (
        f"{'vendor':<10}{'requests':>10}{'5xx':>7}{'json':>7}{'session':>9}{'state':>7}{'other':>7}"
        f"{'seconds':>9}  result"
    )
    lines = [header, "-" * len(header)]
    for r in reports:
        other = sum(r.count(c) for c in CATEGORIES if c not in short)
        result = "FOUND" if r.found else ("INCOMPLETE" if r.timed_out else "ok")
        lines.append(
            f"{r.vendor:<10}{r.cases:>10,}{r.count('server_error'):>7}{r.count('strict_json'):>7}"
            f"{r.count('broken_session'):>9}{r.count('state'):>7}{other:>7}{r.seconds:>9.0f}  {result}"
        )
    return "\n".join(lines)


def as_json(report: HostileReport, base_url: str) -> dict[str, Any]:
    return {
        "vendor": report.vendor,
        "mode": "hostile",
        "requests": report.cases,
        "calls": report.calls,
        "skipped": report.skipped,
        "seconds": round(report.seconds, 1),
        "seed": report.seed,
        "timed_out": report.timed_out,
        "statuses": {str(s): n for s, n in sorted(report.statuses.items())},
        "kinds": dict(sorted(report.kinds.items())),
        **{name: report.count(name) for name in CATEGORIES},
        "findings": [
            {
                "category": f.category,
                "where": f.where,
                "signature": f.signature,
                "message": f.message,
                "after": f.after,
                "count": f.count,
                "kinds": dict(f.kinds),
                "causes": dict(f.causes),
                "case": f.case.index,
                "kind": f.case.kind,
                "operation": f.case.operation,
                "recipe": f.case.recipe,
                "method": f.case.request.method,
                "target": f.case.request.target[:2000],
                "headers": [list(h) for h in f.case.request.headers if h[0].lower() != "authorization"],
                "body_excerpt": excerpt(f.case.request.body, 500),
                "replay": replay_command(f.case),
                "curl": reproduce(f.case, base_url)[:4000],
            }
            for f in report.findings.values()
        ],
    }
