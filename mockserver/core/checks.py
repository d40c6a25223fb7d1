"""Building blocks for the rules that schemas cannot express (uniqueness, dates, references)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mockserver.core.change import Change


def normalized(value: Any) -> str | None:
    """Names, codes and keys compare trimmed and case-insensitively, as SQL collations do (GEN-3)."""
    if not isinstance(value, str):
        return None
    key = value.strip().casefold()
    return key or None


def taken_by_other(change: Change, collection: str, index: str, key: Any) -> bool:
    """Is ``key`` held in ``index`` by a record other than the one being changed?"""
    if key is None:
        return False
    holders = change.state[collection].find(index, key)
    own = change.target_id
    if own is not None and own in holders:
        change.fire("GEN-3")
    return bool(holders - {own} if own is not None else holders)


def missing_references(change: Change, references: Mapping[str, str]) -> list[str]:
    """Body fields (touched, not null) whose id is absent from the referenced collection."""
    missing = []
    for field, collection in references.items():
        value = change.body.get(field)
        if change.touches(field) and value is not None and value not in change.state[collection]:
            missing.append(field)
    return missing


def missing_ids(change: Change, field: str, collection: str) -> list[Any]:
    """Ids listed in an array field that are absent from the referenced collection."""
    values: Iterable[Any] = change.body.get(field) or ()
    return [v for v in values if v not in change.state[collection]]


def merged_pair(change: Change, first: str, second: str) -> tuple[Any, Any]:
    """The two values a cross-field rule compares, after merging the patch (GEN-2).

    When either was sent but failed the schema there is nothing meaningful to compare (the
    schema error says enough), so both come back as ``None``.
    """
    if first in change.dropped or second in change.dropped:
        return None, None
    if change.touches(first) != change.touches(second) and change.target is not None:
        change.fire("GEN-2")
    return change.value(first), change.value(second)
