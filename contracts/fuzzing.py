"""Schemathesis against a vendor API, all phases and every built-in check, plus three of ours.

Runs in process against the mock (``app=``) or over HTTP against any base URL (``base_url=``).
Our checks, registered with Schemathesis once per process and active only for runs started here:

- ``vendor_error_envelope``: every 4xx/5xx body is the vendor's documented error envelope;
- ``rejection_leaves_state_unchanged``: a rejected request changed nothing (needs the mock's
  admin API: the state is read before and after each call);
- ``update_visible_on_read``: after a successful update, the vendor's own read shows it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from contracts.conformance import SpecChecker
from contracts.pacing import schemathesis_rate
from contracts.scenarios import answer_of, mock_vendors
from mockserver.core.schema import pruned
from mockserver.core.spec import inlined, load_spec
from mockserver.core.vendor import Vendor, as_vendor

OUR_CHECKS = ("vendor_error_envelope", "rejection_leaves_state_unchanged", "update_visible_on_read")
SESSION_HEADER = "X-Mock-Session"


@dataclass
class _Run:
    vendor: Vendor
    checker: SpecChecker
    read_state: Callable[[str], Any] | None
    """Reads the mock's state for a session, when the target has the admin API."""
    before: dict[str, Any] = field(default_factory=dict)


_RUNS: dict[int, _Run] = {}  # id(schema) -> the run it belongs to


def _run_for(case: Any) -> _Run | None:
    return _RUNS.get(id(case.operation.schema))


def _session(case: Any) -> str:
    return str((case.headers or {}).get(SESSION_HEADER) or "default")


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    run = _run_for(case)
    if run is not None and run.read_state is not None:
        run.before[case.id] = run.read_state(_session(case))


@schemathesis.check
def vendor_error_envelope(ctx: Any, response: Any, case: Any) -> None:
    run = _run_for(case)
    if run is None or response.status_code < 400:
        return
    # Validated as an answer of the case's operation: an undeclared method (TRACE) still owes
    # the vendor's envelope, which the operation's `default` response documents.
    errors = run.checker.response_errors(
        case.operation.method,
        case.formatted_path,
        response.status_code,
        dict(response.headers),
        response.content,
    )
    if errors:
        raise AssertionError(
            f"{response.status_code} is not in {run.vendor.title}'s error envelope: {errors[0]}"
        )


@schemathesis.check
def rejection_leaves_state_unchanged(ctx: Any, response: Any, case: Any) -> None:
    run = _run_for(case)
    if run is None or run.read_state is None:
        return
    before = run.before.pop(case.id, None)
    if before is None or response.status_code < 400:
        return  # no admin API to read (a real target, or a protected mock without the token)
    if run.read_state(_session(case)) != before:
        raise AssertionError(f"GEN-4: a request rejected with {response.status_code} changed the state")


@schemathesis.check
def update_visible_on_read(ctx: Any, response: Any, case: Any) -> None:
    run = _run_for(case)
    if run is None or case.operation.definition.raw.get("operationId") != "updateProject":
        return
    if not 200 <= response.status_code < 300:
        return
    try:
        read_op = case.operation.schema.find_operation_by_id("getProject")
    except Exception:  # a vendor without a read (COR): nothing to compare with
        return
    read = read_op.Case(path_parameters=case.path_parameters, headers=case.headers).call()
    if read.status_code != 200:
        raise AssertionError(f"reading the updated project answered {read.status_code}")
    shown = _unwrap(read.json())
    if response.content:
        written = _unwrap(response.json())
        if shown != written:
            raise AssertionError("the next read differs from what the update answered")
        return
    body = _documented(run.vendor, case.body if isinstance(case.body, Mapping) else {})
    stale = [k for k, v in body.items() if k in shown and k != "parent_project" and not _shows(shown[k], v)]
    if stale:
        raise AssertionError(f"the next read does not show the update of {', '.join(sorted(stale))}")


def _shows(shown: Any, written: Any) -> bool:
    """Whether a read shows a written value. An object whose every field is null clears the
    field (Personio's ``"start": {"date": null}`` reads back as ``null``)."""
    if isinstance(written, Mapping) and written and shown is None:
        return all(v is None for v in written.values())
    return bool(shown == written)


def _documented(vendor: Vendor, body: Mapping[str, Any]) -> Any:
    """The body without the fields the update's schema does not document, at every depth: the
    vendors ignore those (GEN-7), so no read shows them."""
    schema = _update_body_schema(vendor.spec_path)
    if schema is None:
        return body
    pattern = vendor.dynamic_fields
    return pruned(schema, dict(body), lambda name: bool(pattern and pattern.fullmatch(name)))


@functools.cache
def _update_body_schema(spec_path: Path) -> Any:
    spec = load_spec(spec_path)
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == "updateProject":
                content = inlined(spec, operation.get("requestBody", {})).get("content", {})
                return next((m["schema"] for t, m in content.items() if "json" in t and "schema" in m), None)
    return None


def _unwrap(value: Any) -> Any:
    """ZEP wraps resources in ``{"data": ..., "info": ...}``; compare the resource."""
    return value["data"] if isinstance(value, dict) and "data" in value else value


@dataclass
class Failure:
    check: str
    title: str
    message: str
    operation: str
    curl: str


@dataclass
class Report:
    vendor: str
    failures: list[Failure] = field(default_factory=list)
    statuses: dict[str, set[int]] = field(default_factory=dict)
    """Per operation label, the statuses seen."""
    cases: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors


def config_for(
    vendor: Vendor,
    *,
    token: str,
    max_examples: int,
    seed: int,
    session: str | None,
    rate_limit: str | None = None,
) -> SchemathesisConfig:
    headers = {"Authorization": f"Bearer {token}", **vendor.sample_headers}
    if session:
        headers[SESSION_HEADER] = session
    # Schema-valid data may meet a documented business rule (a duplicate name, an unknown
    # reference): those statuses are a correct answer, not a rejected valid request.
    accepted = ["2xx", "401", "403", "404", "409", "412", "422", str(vendor.validation_status)]
    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "headers": headers,
            # Unknown query parameters are ignored by the real APIs as by the mock (GEN-7), so
            # Schemathesis is not asked to expect their rejection.
            "generation": {
                "max-examples": max_examples,
                "mode": "all",
                "allow-extra-parameters": False,
                # reproducible by seed alone: no example database replaying old finds
                "database": "none",
            },
            "checks": {
                "positive_data_acceptance": {"expected-statuses": accepted},
                **{name: {"enabled": False} for name in vendor.fuzz_exclusions},
            },
            # Our specs declare their links; inferred ones guess wrongly where an answer's `id`
            # is not the path's (COR answers its internal id; its paths take external ids).
            "phases": {"stateful": {"inference": {"algorithms": []}}},
            "suppress-health-check": ["all"],
            **({"rate-limit": rate_limit} if rate_limit else {}),
        }
    )


def run_schemathesis(
    vendor: Vendor | str,
    *,
    app: Any = None,
    base_url: str | None = None,
    token: str = "test-token",
    max_examples: int = 10,
    seed: int = 7,
    on_event: Callable[[Any], None] | None = None,
    admin_token: str | None = None,
    should_stop: Callable[[], bool] | None = None,
    paced: bool = False,
) -> Report:
    """All phases (examples, coverage, fuzzing, stateful) and every check, on one vendor (a
    :class:`Vendor` or its id).

    ``should_stop`` is asked after every event: once it answers True the engine is told to stop,
    and the run ends after the scenario in flight (how callers bound requests or time). ``paced``:
    no faster than the vendor's documented rate limit, if it has one (``contracts.pacing``)."""
    chosen = as_vendor(vendor)
    session = f"fuzz-{uuid.uuid4().hex[:10]}"
    rate = schemathesis_rate(chosen.rate_limit) if paced and chosen.rate_limit is not None else None
    config = config_for(
        chosen, token=token, max_examples=max_examples, seed=seed, session=session, rate_limit=rate
    )
    read_state: Callable[[str], Any] | None
    if app is not None:
        schema = schemathesis.openapi.from_asgi(f"/{chosen.id}/openapi.json", app, config=config)
        store = app.store

        def read_state(name: str) -> Any:
            return store.session(name).states[chosen.id].dump()

    else:
        assert base_url is not None
        root = base_url.rstrip("/").removesuffix(chosen.prefix)
        schema = schemathesis.openapi.from_path(str(chosen.spec_path), config=config)
        schema.config.update(base_url=base_url.rstrip("/"))
        read_state = _remote_state_reader(root, chosen, admin_token)
    _RUNS[id(schema)] = _Run(chosen, SpecChecker(chosen.spec_path), read_state)
    report = Report(chosen.id)
    try:
        with _worker_crashes_reported(report):
            stream = from_schema(schema).execute()
            for event in stream:
                if on_event is not None:
                    on_event(event)
                _collect(report, event)
                if should_stop is not None and should_stop():
                    stream.stop()
    finally:
        _RUNS.pop(id(schema), None)
    return report


@contextlib.contextmanager
def _worker_crashes_reported(report: Report) -> Iterator[None]:
    """An exception that kills one of Schemathesis's worker threads (a RecursionError reading
    deeply nested JSON escapes its handlers) becomes an error of the report instead of a
    traceback on stderr; threads that were running before the run keep the usual hook."""
    before = set(threading.enumerate())
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.thread is None or args.thread in before:
            previous(args)
            return
        what = f"a Schemathesis worker stopped: {args.exc_type.__name__}: {args.exc_value}"
        report.errors.append(json.dumps(what)[:500])

    threading.excepthook = hook
    try:
        yield
    finally:
        if threading.excepthook is hook:  # another run may have set its own since
            threading.excepthook = previous


def _remote_state_reader(root: str, vendor: Vendor, admin_token: str | None) -> Callable[[str], Any] | None:
    client = httpx.Client(
        timeout=30, headers={"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    )
    try:
        if vendor.id not in mock_vendors(client.get(f"{root}/__admin/health")):
            return None
    except httpx.HTTPError:
        return None

    def read(name: str) -> Any:
        response = client.get(f"{root}/__admin/state/{vendor.id}", headers={SESSION_HEADER: name})
        return answer_of(response) if response.status_code == 200 else None

    return read


def _collect(report: Report, event: Any) -> None:
    if isinstance(event, events.ScenarioFinished):
        recorder = event.recorder
        seen = report.statuses.setdefault(recorder.label, set())
        for interaction in recorder.interactions.values():
            if interaction.response is not None:
                seen.add(interaction.response.status_code)
                report.cases += 1
        known = {(f.check, f.title, f.operation) for f in report.failures}
        for checks in recorder.checks.values():
            for check in checks:
                info = check.failure_info
                if info is None:
                    continue
                title = getattr(info.failure, "title", type(info.failure).__name__)
                if (check.name, title, recorder.label) in known:
                    continue
                known.add((check.name, title, recorder.label))
                message = getattr(info.failure, "message", str(info.failure))
                report.failures.append(
                    Failure(check.name, title, str(message), recorder.label, info.code_sample)
                )
    elif isinstance(event, events.NonFatalError | events.FatalError):
        report.errors.append(json.dumps(str(getattr(event, "info", event)))[:500])
