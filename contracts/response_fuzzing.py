"""``contracts.fuzz_client``: does the user's client code survive every answer the vendor documents?

Hypothesis draws a *plan*: for each fuzzed operation, the next one to three answers, each valid
against the vendor's spec but hostile (:mod:`mockserver.adversarial`: nulls, maximum-length
unicode strings, extreme numbers, missing optional fields, every documented error status). The
plan becomes faults of a fresh mock session (``mockserver.core.faults``: action ``status`` with
exactly that body and headers, once each); the client's calls to an operation get its planned
answers in order and normal ones after that. ``fn`` runs against the session's base URL; an
exception it raises that is not in ``handled`` is a failure, which Hypothesis shrinks to the
smallest plan that still breaks the client, for at most ``shrink_seconds``. The report shows
what each call got.

Shrinking is bounded here because Hypothesis does not let a user bound it: its limits (500
shrinks, five minutes) are internal, and a maintainer declined a setting for them
(HypothesisWorks/hypothesis#3400). Every client run costs HTTP round trips, so one failure could
take minutes to shrink. Once the budget is spent, the next run raises :class:`_ShrinkBudgetSpent`,
a ``BaseException``: Hypothesis catches only what counts as a test failure (``Exception``,
``SystemExit``...) and lets anything else through at once, without replaying or shrinking
further. The report shows the last failing plan, the smallest the shrinker had reached.

The same ``seed`` replays the same plans, in the same process set-up (Hypothesis' generation
also depends on the modules loaded), and ends on the same smallest case unless the budget cut
shrinking short; a single reply is reproduced anywhere with
``mockserver.adversarial.fuzzed_reply`` or the mock's ``fuzz`` fault.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver.adversarial import FuzzedResponse, find_operation, response_strategy
from mockserver.core.faults import Fault
from mockserver.core.spec import SpecOperation, load_spec, operations
from mockserver.core.store import Session
from mockserver.core.vendor import Vendor
from mockserver.live import LiveServer

__all__ = ["Call", "FuzzClientError", "FuzzClientFailure", "FuzzClientReport", "fuzz_client"]

PLANNED_PER_OPERATION = 3
"""Answers planned per operation; a client calling more often gets normal answers after them."""
SHRINK_SECONDS = 10.0
"""Default time for shrinking a failure, counted from the first failing example."""
_BODY_SHOWN = 1500


@dataclass(frozen=True)
class Call:
    """One call the client made, and the answer it got."""

    method: str
    path: str
    """Vendor-relative, with the query string."""
    operation: str | None
    status: int
    body: Any
    headers: Mapping[str, str]
    fuzzed: bool
    """True when the answer came from the plan, False when the mock answered normally."""

    def __str__(self) -> str:
        origin = "planned" if self.fuzzed else "normal answer"
        shown = "" if self.body is None else json.dumps(self.body, ensure_ascii=True)
        if len(shown) > _BODY_SHOWN:
            shown = shown[:_BODY_SHOWN] + f"... ({len(shown)} characters)"
        extra = {k: v for k, v in self.headers.items() if k not in ("content-length", "content-type")}
        lines = [
            f"{self.method} {self.path} ({self.operation or 'no operation'}) -> {self.status} [{origin}]"
        ]
        if extra:
            lines.append(f"   headers: {json.dumps(extra, ensure_ascii=True)}")
        if shown:
            lines.append(f"   body: {shown}")
        return "\n".join(lines)


@dataclass(frozen=True)
class FuzzClientFailure:
    """The smallest failing case: what the client got, and how it broke."""

    calls: tuple[Call, ...]
    exception: BaseException
    traceback: str


class FuzzClientError(AssertionError):
    """Raised by :meth:`FuzzClientReport.raise_for_failure`; the message is the whole report."""


class _ShrinkBudgetSpent(BaseException):
    """Ends the shrink phase from inside the test function (see the module docstring)."""


@dataclass(frozen=True)
class FuzzClientReport:
    vendor: str
    operations: tuple[str, ...]
    examples: int
    """Plans generated and run, up to the first failure (all of them when none fails)."""
    seed: int
    failure: FuzzClientFailure | None = None
    flaky: bool = field(default=False)
    """The failure did not reproduce on replay: the client depends on something besides the answers."""
    shrink_steps: int = 0
    """Client runs after the first failure, while Hypothesis shrank it (its final replay included)."""
    shrink_budget: float | None = None
    """The time shrinking was given (``shrink_seconds``); None for Hypothesis' own limits."""
    shrink_stopped: bool = False
    """Shrinking used up its budget: the failure shown is the smallest found by then."""

    @property
    def ok(self) -> bool:
        return self.failure is None

    def raise_for_failure(self) -> None:
        if self.failure is not None:
            raise FuzzClientError(str(self)) from self.failure.exception

    def __str__(self) -> str:
        head = f"fuzz_client({self.vendor!r}, seed={self.seed}): {self.examples} examples"
        if self.failure is None:
            return f"{head}, the client handled every answer"
        failure = self.failure
        head += f", {self.shrink_steps} shrink steps"
        if self.shrink_stopped:
            head += f" (stopped by the {self.shrink_budget:g} s shrink budget)"
        lines = [f"{head}; the client raised {type(failure.exception).__name__}: {failure.exception}"]
        if self.flaky:
            lines.append(
                "(flaky: the failure did not come back on replay: the client depends on more than answers)"
            )
        smallest = "Smallest failing case found" if self.shrink_stopped else "Smallest failing case"
        lines.append(f"{smallest}: the answers to its {len(failure.calls)} call(s):")
        lines.extend(f"{n}. {call}" for n, call in enumerate(failure.calls, 1))
        return "\n".join([*lines, "", failure.traceback.rstrip()])


def fuzz_client(
    fn: Callable[[str], object],
    vendor: str,
    *,
    operations: Sequence[str] | None = None,
    statuses: Sequence[int] | None = None,
    handled: tuple[type[BaseException], ...] = (),
    max_examples: int = 100,
    seed: int = 0,
    server: LiveServer | None = None,
    shrink_seconds: float | None = SHRINK_SECONDS,
) -> FuzzClientReport:
    """Run ``fn(base_url)`` against up to ``max_examples`` plans of adversarial answers.

    ``operations``: operationIds whose answers are fuzzed (None: all of the vendor's);
    ``statuses``: only these statuses are generated (None: every documented one; an error
    status an operation does not list comes from its ``default`` response); ``handled``: the
    client's own exceptions, which count as a graceful answer; ``server``: a running
    :class:`LiveServer` to use (the pytest plugin's), else one is started for the call;
    ``shrink_seconds``: how long a failure is shrunk, from the first failing example (None:
    until Hypothesis' own limits).
    """
    if shrink_seconds is not None and shrink_seconds < 0:
        raise ValueError(f"shrink_seconds must be None or at least 0, not {shrink_seconds}")
    if server is None:
        from mockserver.config import ServerConfig

        with LiveServer(config=ServerConfig(vendors=(vendor,))) as own:
            return fuzz_client(
                fn,
                vendor,
                operations=operations,
                statuses=statuses,
                handled=handled,
                max_examples=max_examples,
                seed=seed,
                server=own,
                shrink_seconds=shrink_seconds,
            )
    if vendor not in server.app.vendors:
        raise ValueError(f"the server does not serve {vendor!r}; it serves {sorted(server.app.vendors)}")
    run = _Run(server, server.app.vendors[vendor], operations, statuses, handled, shrink_seconds)
    return run.run(max_examples, seed, fn)


class _Run:
    def __init__(
        self,
        server: LiveServer,
        vendor: Vendor,
        operation_ids: Sequence[str] | None,
        statuses: Sequence[int] | None,
        handled: tuple[type[BaseException], ...],
        shrink_seconds: float | None,
    ) -> None:
        self.server, self.vendor, self.handled = server, vendor, handled
        self.shrink_seconds = shrink_seconds
        spec_ops = list(operations(load_spec(vendor.spec_path)))
        known = [op.operation_id for op in spec_ops]
        unknown = sorted(set(operation_ids or ()) - set(known))
        if unknown:
            raise ValueError(f"{vendor.id} has no operation(s) {unknown}; it has {known}")
        wanted = list(operation_ids) if operation_ids is not None else known
        self.plans = {op_id: s for op_id in wanted if (s := _answers(vendor, op_id, statuses)) is not None}
        if not self.plans:
            raise ValueError(f"none of {wanted} documents any of the statuses {list(statuses or [])}")
        # More specific routes first: a fault's glob `*` also crosses `/`.
        self.routes = sorted(spec_ops, key=lambda op: (-op.path.count("/"), op.path.count("{")))
        self.prefix = f"fuzz-client-{uuid.uuid4().hex[:12]}"
        self.names = itertools.count(1)
        self.examples = 0
        self.shrink_steps = 0
        self.first_failure: float | None = None
        """When the first example failed (monotonic clock): shrinking starts there."""
        self.failing: tuple[str, BaseException, str] | None = None

    def run(self, max_examples: int, seed: int, fn: Callable[[str], object]) -> FuzzClientReport:
        from hypothesis import HealthCheck, Phase, Verbosity, given, settings
        from hypothesis import seed as seeded
        from hypothesis import strategies as st

        @settings(
            max_examples=max_examples,
            database=None,
            deadline=None,
            derandomize=False,
            phases=(Phase.generate, Phase.shrink),
            report_multiple_bugs=False,
            print_blob=False,
            verbosity=Verbosity.quiet,
            suppress_health_check=list(HealthCheck),
        )
        @seeded(seed)
        @given(st.fixed_dictionaries(self.plans))
        def example(plan: dict[str, list[FuzzedResponse]]) -> None:
            self.example(plan, fn)

        raised: BaseException | None = None
        stopped = False
        try:
            example()
        except _ShrinkBudgetSpent:
            stopped = True
        except Exception as exc:  # the client's failure, as Hypothesis re-raises it after shrinking
            raised = exc
        failure, flaky = None, False
        if self.failing is not None:
            name, exception, trace = self.failing
            failure = FuzzClientFailure(tuple(self.calls(name)), exception, trace)
            self.server.app.store.reset(name)
            flaky = not stopped and raised is not exception
        elif raised is not None:
            raise raised  # not the client's: a bug in generation or in the mock
        return FuzzClientReport(
            self.vendor.id,
            tuple(self.plans),
            self.examples,
            seed,
            failure,
            flaky,
            self.shrink_steps,
            self.shrink_seconds,
            stopped,
        )

    def example(self, plan: Mapping[str, list[FuzzedResponse]], fn: Callable[[str], object]) -> None:
        if self.first_failure is None:
            self.examples += 1
        elif self.shrink_seconds is not None and time.monotonic() - self.first_failure >= self.shrink_seconds:
            raise _ShrinkBudgetSpent
        else:
            self.shrink_steps += 1
        name = f"{self.prefix}-{next(self.names)}"
        session = self.server.app.store.session(name)
        for fault in self.faults(plan):
            session.faults.add(fault)
        try:
            fn(f"{self.server.url}/__session/{name}{self.vendor.prefix}")
        except self.handled:
            pass
        except Exception as exc:
            # Keep this session (its journal is the report) until a later failure replaces it.
            if self.failing is not None:
                self.server.app.store.reset(self.failing[0])
            # the traceback starts in the client: this frame is not part of what broke
            tb = exc.__traceback__
            trace = "".join(traceback.format_exception(type(exc), exc, tb.tb_next if tb else None))
            self.failing = (name, exc, trace)
            if self.first_failure is None:
                self.first_failure = time.monotonic()
            raise
        self.server.app.store.reset(name)

    def faults(self, plan: Mapping[str, list[FuzzedResponse]]) -> Iterator[Fault]:
        for op in self.routes:
            glob = _glob(op.path)
            for answer in plan.get(op.operation_id, ()):
                yield Fault(
                    vendor=self.vendor.id,
                    method=op.method,
                    path=glob,
                    action="status",
                    status=answer.status,
                    body=answer.body,
                    headers=dict(answer.headers),
                    times=1,
                )
            # Answers normally once the plan is used up, and keeps calls to this route away from
            # the globs of less specific routes (`/projects/*` would also match `/projects/1/members`).
            yield Fault(
                vendor=self.vendor.id, method=op.method, path=glob, action="latency", latency_ms=(0, 0)
            )

    def calls(self, name: str) -> Iterator[Call]:
        session = self.server.app.store.session(name)
        for entry in _settled(session):
            path = entry["path"]
            relative = path[path.find(self.vendor.prefix) + len(self.vendor.prefix) :]
            query = entry.get("query") or ""
            fault = entry.get("fault") or {}
            response = entry["response"]
            yield Call(
                method=entry["method"],
                path=relative + (f"?{query}" if query else ""),
                operation=entry.get("operation") or _operation_id(self.vendor, entry["method"], relative),
                status=entry["status"],
                body=response["body"],
                headers=response["headers"],
                fuzzed=fault.get("action") == "status",
            )


def _answers(vendor: Vendor, operation_id: str, statuses: Sequence[int] | None) -> Any:
    """The plan strategy of one operation, or None when it documents none of ``statuses``."""
    from hypothesis import strategies as st

    options = []
    for status in sorted(statuses) if statuses is not None else [None]:
        try:
            options.append(response_strategy(vendor, operation_id, status))
        except ValueError:  # not documented for this operation
            continue
    if not options:
        return None
    return st.lists(st.one_of(options), min_size=1, max_size=PLANNED_PER_OPERATION)


def _glob(template: str) -> str:
    """``/v2/projects/{id}`` -> ``/v2/projects/*``, other glob characters taken literally."""
    parts = re.split(r"(\{[^}/]+\})", template)
    return "".join("*" if p.startswith("{") else re.sub(r"([*?\[])", r"[\1]", p) for p in parts)


def _operation_id(vendor: Vendor, method: str, path: str) -> str | None:
    try:
        op: SpecOperation = find_operation(vendor, method, path)
    except LookupError:
        return None
    return op.operation_id


def _settled(session: Session, quiet_for: float = 0.05, limit: float = 2.0) -> list[dict[str, Any]]:
    """The session's journal once no entry arrived for ``quiet_for`` seconds: the server journals
    a call just after answering it, so the client may have raised before the last one is in."""
    entries = session.journal.entries()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(quiet_for)
        again = session.journal.entries()
        if len(again) == len(entries):
            break
        entries = again
    return entries
