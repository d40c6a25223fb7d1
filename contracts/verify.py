"""``mockserver verify``: Schemathesis plus the rule scenarios against any base URL, one report.

The report says, per rule, which scenarios passed, failed (with a curl line to reproduce) or were
skipped, and what the rule rests on (GEN-12: the vendor page it follows, or our decision or
inferred reading); per operation, which documented statuses were exercised; and every Schemathesis
failure.
"""

from __future__ import annotations

import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx
from schemathesis.engine import events

from contracts.fuzzing import Failure, Report, run_schemathesis
from contracts.pacing import pacer
from contracts.rule_scenarios import scenarios_for
from contracts.scenarios import Outcome, Target, mock_enforces_rate_limits, one_line, run
from mockserver.core.general import GENERAL
from mockserver.core.rules import Basis, Rule
from mockserver.core.spec import load_spec, operations
from mockserver.core.vendor import Vendor, as_vendor


@dataclass
class Verification:
    vendor: Vendor
    base_url: str
    outcomes: list[Outcome] = field(default_factory=list)
    fuzz: Report | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and (self.fuzz is None or self.fuzz.ok)


class Progress:
    """A one-line progress bar on a terminal, occasional lines otherwise."""

    def __init__(self, total: int, stream: TextIO, label: str) -> None:
        self.total, self.done, self.stream, self.label = max(total, 1), 0, stream, label
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self._last_line = 0.0

    def step(self, note: str = "") -> None:
        self.done = min(self.done + 1, self.total)
        elapsed = time.monotonic() - self.started
        if elapsed < 2 and self.done < self.total:
            return  # short runs need no bar
        filled = int(30 * self.done / self.total)
        line = f"{self.label} [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} {note[:40]}"
        if self.tty:
            self.stream.write("\r" + line.ljust(100))
            if self.done == self.total:
                self.stream.write("\n")
        elif time.monotonic() - self._last_line > 5 or self.done == self.total:
            self.stream.write(line + "\n")
            self._last_line = time.monotonic()
        self.stream.flush()


def verify(
    vendor: Vendor | str,
    base_url: str,
    *,
    token: str = "test-token",
    max_examples: int = 10,
    seed: int = 20251123,
    fuzz: bool = True,
    client: httpx.Client | None = None,
    app: Any = None,
    stream: TextIO | None = None,
    admin_token: str | None = None,
    paced: bool | None = None,
) -> Verification:
    """The rule scenarios, then (``fuzz``) Schemathesis, against ``base_url``; ``vendor`` is a
    :class:`Vendor` or its id. Raises :class:`AdminRefusedError` when ``base_url`` is a mock's
    root whose admin API refused the call (no ``admin_token``, or a wrong one): nothing would
    run where the caller meant. ``paced``: the calls keep to the vendor's documented rate limit;
    ``None`` (the default) paces against anything but a mock that enforces none (a ``client``
    the caller passes is used as it is)."""
    vendor = as_vendor(vendor)
    stream = stream or sys.stderr
    started = time.monotonic()
    result = Verification(vendor, base_url)
    own_client = client is None
    target = Target.connect(vendor, base_url, token, client=client, admin_token=admin_token)
    if paced is None:  # the real API, or a mock started with --rate-limits
        root = target.admin_root
        paced = app is None and (root is None or mock_enforces_rate_limits(target.client, root))
    if paced and own_client and vendor.rate_limit is not None:
        target.client.event_hooks = {"request": [pacer(vendor.rate_limit)]}
    result.base_url = target.base_url
    scenarios = scenarios_for(vendor.id)
    progress = Progress(len(scenarios), stream, f"{vendor.id} scenarios")
    for scenario in scenarios:
        result.outcomes.append(run(target, scenario))
        progress.step(scenario.rule)
    if fuzz:
        operations_count = len(list(operations(load_spec(vendor.spec_path))))
        bar = Progress(operations_count * 3 + 1, stream, f"{vendor.id} schemathesis")

        def on_event(event: Any) -> None:
            if isinstance(event, events.ScenarioFinished):
                bar.step()

        kwargs: dict[str, Any] = {"app": app} if app is not None else {"base_url": target.base_url}
        result.fuzz = run_schemathesis(
            vendor,
            token=token,
            max_examples=max_examples,
            seed=seed,
            on_event=on_event,
            admin_token=admin_token,
            paced=paced,
            **kwargs,
        )
        bar.done = bar.total - 1
        bar.step("done")
    result.seconds = time.monotonic() - started
    return result


def _rule(vendor: Vendor, rule_id: str) -> Rule:
    return vendor.rules.get(rule_id) if rule_id in vendor.rules else GENERAL.get(rule_id)


def _basis(rule: Rule) -> str:
    """The basis, with the pages for a documented rule: a reader sees what a pass proves."""
    if rule.basis is Basis.DOC:
        return f"[doc] {' '.join(rule.provenance.urls)}"
    return f"[{rule.basis}]"


def _summary(failure: Failure) -> str:
    """The failure's first non-blank line; its title when the message has none (a check that
    failed on an empty answer can carry an empty message)."""
    first = next((line for line in failure.message.splitlines() if line.strip()), failure.title)
    return one_line(first[:200])


def render(result: Verification) -> str:
    vendor = result.vendor
    lines = [f"{vendor.title} at {result.base_url}", ""]
    lines.append("Rules (scenarios; basis: doc = the vendor's page, decision / inferred = ours):")
    rule_ids = [r.id for r in vendor.rules]
    by_rule: dict[str, list[Outcome]] = {}
    for outcome in result.outcomes:
        by_rule.setdefault(outcome.scenario.rule, []).append(outcome)
    for rule_id in rule_ids:
        outcomes = by_rule.get(rule_id, [])
        counts = {s: sum(o.status == s for o in outcomes) for s in ("passed", "failed", "skipped")}
        mark = "FAIL" if counts["failed"] else ("ok  " if counts["passed"] else "skip")
        lines.append(
            f"  {mark} {rule_id:<7} {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped  {_basis(vendor.rules.get(rule_id))}"
        )
        for outcome in outcomes:
            if outcome.status == "failed":
                lines.append(f"         - {outcome.scenario.title}: {one_line(outcome.reason)}")
                if outcome.curl:
                    lines.append(f"           {outcome.curl}")
    skipped = {o.reason for o in result.outcomes if o.status == "skipped"}
    for reason in sorted(skipped):
        lines.append(f"  (skipped: {reason})")
    exercised = sum(1 for rule_id in rule_ids if any(o.status == "passed" for o in by_rule.get(rule_id, [])))
    lines.append(f"  rule coverage: {exercised}/{len(rule_ids)} rules exercised")
    by_basis = {b: sum(vendor.rules.get(r).basis is b for r in rule_ids) for b in Basis}
    lines.append("  rule basis: " + ", ".join(f"{n} {b}" for b, n in by_basis.items()))
    if result.fuzz is not None:
        lines += ["", "Operations (Schemathesis, all phases):"]
        documented = {
            f"{op.method} {op.path}": {s for s in op.statuses if s.isdigit()}
            for op in operations(load_spec(vendor.spec_path))
        }
        for label, statuses in sorted(documented.items()):
            seen = {str(s) for s in result.fuzz.statuses.get(label, set())}
            hit = sorted(statuses & seen)
            lines.append(
                f"  {label:<45} documented statuses exercised: {len(hit)}/{len(statuses)} "
                f"({', '.join(hit) or 'none'}); seen {', '.join(sorted(seen)) or 'nothing'}"
            )
        lines.append(f"  {result.fuzz.cases} requests")
        for failure in result.fuzz.failures:
            lines.append(f"  FAIL {failure.check} on {failure.operation}: {_summary(failure)}")
            lines.append(f"       {failure.curl[:1000]}")
        for error in result.fuzz.errors:
            lines.append(f"  ERROR {one_line(error)}")
    lines += ["", f"{'PASSED' if result.ok else 'FAILED'} in {result.seconds:.1f} s"]
    return "\n".join(lines)


def write_junit(results: list[Verification], path: Path) -> None:
    suites = ET.Element("testsuites")
    for result in results:
        suite = ET.SubElement(suites, "testsuite", name=f"verify.{result.vendor.id}")
        tests = failures = skipped = 0
        for i, outcome in enumerate(result.outcomes):
            tests += 1
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{result.vendor.id}.{outcome.scenario.rule}",
                name=f"{i}: {outcome.scenario.title}",
            )
            rule = _rule(result.vendor, outcome.scenario.rule)
            properties = ET.SubElement(case, "properties")
            for name, value in (("rule", rule.id), ("basis", str(rule.basis)), ("source", rule.source)):
                ET.SubElement(properties, "property", name=name, value=value)
            if outcome.status == "failed":
                failures += 1
                ET.SubElement(case, "failure", message=outcome.reason[:500]).text = outcome.curl
            elif outcome.status == "skipped":
                skipped += 1
                ET.SubElement(case, "skipped", message=outcome.reason)
        if result.fuzz is not None:
            for label in sorted(result.fuzz.statuses):
                tests += 1
                case = ET.SubElement(
                    suite, "testcase", classname=f"{result.vendor.id}.schemathesis", name=label
                )
                for failure in [f for f in result.fuzz.failures if f.operation == label]:
                    failures += 1
                    ET.SubElement(
                        case, "failure", message=f"{failure.check}: {failure.title}"
                    ).text = failure.curl
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
