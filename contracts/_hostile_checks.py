"""The invariants one answer must meet, as findings: (category, where, signature, message).

``signature`` is the grouping key of a finding: what went wrong with the particulars (numbers,
escapes, ids) taken out, so a thousand 5,000-digit ids that hit one bug make one finding.
"""

from __future__ import annotations

import json
import re
from typing import Any

from contracts._hostile_json import strict_json_problem
from contracts._hostile_plan import Case
from contracts._hostile_transport import Answer
from contracts.conformance import SpecChecker

__all__ = ["CATEGORIES", "Problem", "answer_problems", "excerpt", "read_problem", "signature"]

CATEGORIES = {
    "server_error": "5xx answers",
    "no_answer": "no answer (the app raised, the connection dropped, a timeout)",
    "strict_json": "answers that are not strict JSON",
    "envelope": "error answers outside the vendor's envelope",
    "spec": "2xx answers that are not the operation's, 1xx/3xx answers",
    "expectation": "hostile input accepted where GEN-8/9/13 or the fault rules refuse it",
    "state": "rejected requests (or reads) that changed the state",
    "broken_session": "reads of the session broken by the request",
    "isolation": "a request that changed another vendor's or session's state",
    "too_slow": "requests slower than the limit (CPU time in process, else wall time)",
    "too_big": "error answers bigger than the limit (and than twice the request)",
}
Problem = tuple[str, str, str, str]
"""(category, where, signature, message)."""


def signature(text: str) -> str:
    """``text`` without the particulars: numbers, escapes, ids."""
    text = re.sub(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "<uuid>", text
    )
    text = re.sub(r"\\+u[0-9a-fA-F]{4}|\\+x[0-9a-fA-F]{2}", "<esc>", text)
    text = re.sub(r"encode characters? .*?in position \d+(?:-\d+)?", "encode ... in position N", text)
    text = re.sub(r"(?<![\w.])\d+-\d+(?![\w.])", "N-N", text)
    text = re.sub(r"'(int|float|bool|str|NoneType|list|dict)' object", "'<type>' object", text)
    text = re.sub(
        r'\(not "(int|float|bool|str|NoneType|list|dict)"\) to (int|float|bool|str|list|dict)',
        "(not <type>) to <type>",
        text,
    )
    return re.sub(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w.])", "N", text)[:160]


def excerpt(data: bytes, limit: int = 160) -> str:
    text = data[:limit].decode("utf-8", errors="backslashreplace")
    return text + (f"... ({len(data):,} bytes)" if len(data) > limit else "")


def _cause(answer: Answer) -> str:
    """The exception the mock logged (in process), else the start of the body."""
    return answer.server_log[0] if answer.server_log else excerpt(answer.body, 120)


def read_problem(answer: Answer) -> tuple[str, str] | None:
    """(signature, message) when a read is broken: no answer, a 5xx, or not strict JSON."""
    if answer.status == 0:
        return signature(f"no answer: {answer.error}"), f"no answer: {answer.error}"
    if answer.status >= 500:
        cause = _cause(answer)
        return f"{answer.status} {signature(cause)}", f"{answer.status}: {cause}"
    problem = strict_json_problem(answer.body) if answer.body else None
    if problem is not None:
        return f"not strict JSON: {problem.kind}", f"{answer.status} not strict JSON: {problem}"
    return None


def _json_problem(answer: Answer, method: str) -> tuple[str, str] | None:
    media = (answer.header("content-type") or "").lower()
    if answer.body and "json" in media:
        problem = strict_json_problem(answer.body)
        return (problem.kind, str(problem)) if problem else None
    if answer.body:
        return "a body that is not JSON", f"Content-Type {media!r}: {excerpt(answer.body, 80)}"
    if "json" in media and answer.status not in (204, 304) and method != "HEAD":
        return "an empty body declared as JSON", f"{answer.status} with Content-Type {media} and no body"
    return None


def _admin_envelope(answer: Answer) -> str | None:
    try:
        body: Any = json.loads(answer.body)
    except ValueError:
        return "not JSON"
    if not (
        isinstance(body, dict)
        and body.get("status") == answer.status
        and isinstance(body.get("message"), str)
    ):
        return f"not the admin API's {{status, message}}: {excerpt(answer.body, 80)}"
    return None


def answer_problems(
    case: Case, answer: Answer, checker: SpecChecker | None, *, slow_seconds: float, max_answer: int
) -> list[Problem]:
    """Everything wrong with the answer to a hostile case."""
    where, status, method = case.operation, answer.status, case.request.method
    found: list[Problem] = []
    if status == 0:
        found.append(("no_answer", where, signature(str(answer.error)), str(answer.error)))
        return found
    if status >= 500:
        cause = _cause(answer)
        found.append(("server_error", where, f"{status} {signature(cause)}", f"{status}: {cause}"))
    if status < 200 or 300 <= status < 400:
        location = answer.header("location")
        found.append(("spec", where, f"a {status // 100}xx answer", f"{status} (Location: {location})"))
    problem = _json_problem(answer, method)
    if problem is not None:
        found.append(("strict_json", where, problem[0], problem[1]))
    if checker is not None and case.check_path is not None and (status >= 400 or 200 <= status < 300):
        errors = checker.response_errors(method, case.check_path, status, dict(answer.headers), answer.body)
        if errors:
            category = "envelope" if status >= 400 else "spec"
            first = errors[0].strip().splitlines()[0]
            found.append((category, where, f"{status // 100}xx: {signature(first)}", "\n".join(errors)[:600]))
    elif case.check_path is None and status >= 400:
        wrong = _admin_envelope(answer)
        if wrong:
            found.append(("envelope", where, signature(wrong), wrong))
    if case.reject and 200 <= status < 300:
        found.append(
            ("expectation", where, signature(f"2xx for {case.reject}"), f"{status} for {case.reject}")
        )
    if status in case.forbid:
        found.append(("expectation", where, f"{status} for a valid spelling", f"{status} for {case.recipe}"))
    # CPU time where known (in process): a busy machine stretches the wall clock, not the work;
    # a wall clock five times over the limit is a wait no load explains.
    spent = answer.cpu_seconds if answer.cpu_seconds is not None else answer.seconds
    # A body of valid items (a 1 MiB state document, 500,000 valid category ids) is validated
    # item by item, off the event loop and one at a time: its time grows with its size, so the
    # limit is per 256 KiB. Invalid items cost nothing past GEN-5's cap of 100.
    slow_seconds *= max(1.0, len(case.request.body) / (256 * 1024))
    if spent > slow_seconds or answer.seconds > 5 * slow_seconds:
        cpu = f", {answer.cpu_seconds:.1f} s of CPU" if answer.cpu_seconds is not None else ""
        found.append(("too_slow", where, f"over {slow_seconds:g} s", f"{answer.seconds:.1f} s{cpu}"))
    # An error may quote its request, not amplify it (a 2xx shows the stored record, whatever its size).
    bound = max(max_answer, 2 * len(case.request.body))
    if case.check_path is not None and status >= 400 and len(answer.body) > bound:
        size = f"{len(answer.body):,} bytes for a {len(case.request.body):,}-byte request"
        found.append(("too_big", where, f"an error over {max_answer:,} bytes and twice the request", size))
    return found
