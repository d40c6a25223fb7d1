"""Wethod's list filters, as its list page writes them: a bare value or ``operator:value``
(https://docs.wethod.com/reference/list-projects; the operators as the community SDK sends them),
checked and applied to the stored projects."""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from mockserver.core.plans import Context
from mockserver.core.store import Record
from mockserver.core.violations import Code, Violation

__all__ = ["FILTERS", "OPERATORS", "filter_problem", "filtered"]


OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "bt")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_PREFIX = re.compile(r"([A-Za-z_]+):(.*)", re.DOTALL)  # a date-time's own colons follow digits
_DAY = r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_CLOCK = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
_INSTANT = re.compile(rf"{_DAY}T{_CLOCK}:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-]{_CLOCK})")
_DATE = re.compile(_DAY)
_WHOLE = re.compile(r"-?[0-9]+")


class _FilterError(ValueError):
    """A filter value the list refuses; its message is the failure's (WET-2)."""


def _shown(text: str) -> str:
    """A value quoted in a failure, cut short: the query string is the caller's, of any length."""
    return json.dumps(text if len(text) <= 40 else text[:40] + "…", ensure_ascii=False)


def _read_instant(text: str) -> datetime:
    if _INSTANT.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:  # the pattern admits 30 February
            pass
    hint = " A + sent unencoded reads as a space: send it as %2B." if " " in text else ""
    raise _FilterError(
        f"This value is not a valid datetime: {_shown(text)} (use YYYY-MM-DDTHH:MM:SSZ or an "
        f"offset such as %2B02:00).{hint}"
    )


def _read_day(text: str) -> date:
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _FilterError(f"This value is not a valid date: {_shown(text)} (use YYYY-MM-DD).")


def _read_probability(text: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise _FilterError(f"This value should be of type int: {_shown(text)}.")
    # 075 is 75; a long number is out of range before int() reads it
    if text.startswith("-") or len(text.lstrip("0")) > 3 or int(text) > 100:
        raise _FilterError(f"This value should be between 0 and 100: {_shown(text)}.")
    return int(text)


def _stored_instant(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:  # a seeded value the spec's date-time does not describe: matches nothing
        return None
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _stored_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


FILTERS: dict[str, tuple[Callable[[str], Any], Callable[[Any], Any]]] = {
    # query parameter = stored field -> (how the query's value reads, how the stored one does),
    # in the spec's order of the parameters, so failures list alike whichever check found them
    "updated_at": (_read_instant, _stored_instant),
    "probability": (_read_probability, lambda v: v if type(v) is int else None),
    "date_start": (_read_day, _stored_day),
    "deleted_at": (_read_instant, _stored_instant),
}


@dataclass(frozen=True)
class _Condition:
    field: str
    operator: str
    values: tuple[Any, ...]

    def holds(self, project: Record) -> bool:
        """SQL's reading: a project without the field (null) matches no operator, neq included."""
        value = FILTERS[self.field][1](project.get(self.field))
        if value is None:
            return False
        if self.operator in ("in", "nin"):
            return (value in self.values) == (self.operator == "in")
        if self.operator == "bt":  # inclusive, as the page says; min > max matches nothing
            return bool(self.values[0] <= value <= self.values[1])
        return _COMPARE[self.operator](value, self.values[0])


def _condition(name: str, raw: str) -> _Condition:
    """``raw`` as the list page writes a filter: a bare value (``eq``), ``op:value``,
    ``in:``/``nin:`` with comma-separated values, ``bt:min,max``; else :class:`_FilterError`."""
    prefix = _PREFIX.fullmatch(raw)
    op, rest = (prefix[1], prefix[2]) if prefix else ("eq", raw)
    if op not in OPERATORS:
        raise _FilterError(f"The operator {_shown(op)} is not one of {', '.join(OPERATORS)}.")
    texts = rest.split(",") if op in ("in", "nin", "bt") else [rest]
    if op == "bt" and len(texts) != 2:
        raise _FilterError("bt takes two values: bt:{value_min},{value_max}.")
    if len(texts) == 1 and "," in rest:
        what = f"{op}: takes" if prefix else "A bare value is"
        raise _FilterError(f"{what} one value; use in:, nin: or bt: for several.")
    read = FILTERS[name][0]
    return _Condition(name, op, tuple(read(text) for text in texts))


def filter_problem(name: str | None, raw: Any) -> str | None:
    """Why a filter's value is malformed, or None: the one wording of both the spec's pattern
    violations and the calendar checks the pattern cannot make."""
    if name not in FILTERS or not isinstance(raw, str):
        return None
    try:
        _condition(name, raw)
    except _FilterError as bad:
        return str(bad)
    return None


def filtered(ctx: Context, projects: list[Record]) -> list[Record]:
    """The list page's filters, all of them at once (AND); every malformed one is a failure."""
    query = ctx.incoming.query
    conditions, problems = [], []
    for name in FILTERS:
        raw = query.get(name)
        if isinstance(raw, str):
            try:
                conditions.append(_condition(name, raw))
            except _FilterError as bad:
                found = Violation(
                    400,
                    Code.SCHEMA,
                    str(bad),
                    field=name,
                    location="query",
                    keyword="format",
                    params={"value": raw},
                )
                problems.append(ctx.tag(found))  # WET-2's fallback claims it, as the pattern's
    if problems:
        ctx.reject(*problems)
    # Soft-deleted projects have a deleted_at; the mock deletes none itself (the admin API can
    # seed one), and the list page's default is to leave them out.
    deleted = query.get("deleted") or "exclude"
    stage = query.get("project_stage_id")
    return [
        p
        for p in projects
        if (deleted == "include" or (p.get("deleted_at") is not None) == (deleted == "only"))
        and (stage is None or p.get("project_stage_id") == stage)
        and all(c.holds(p) for c in conditions)
    ]
