"""``core.vendor.Vendor``: ``identify`` (a token's identity is what its stored record says now,
GEN-8, although identities are kept between calls rather than built on each one) and the default
``timestamp``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.core.store import Store
from mockserver.core.vendor import Vendor, discover_vendors

PERSONIO = discover_vendors(["personio"])["personio"]


def _state() -> Any:
    store = Store({"personio": PERSONIO.collections}, {"personio": PERSONIO.load_fixtures()})
    return store.session().states["personio"]


def test_GEN_8_a_token_whose_record_changed_carries_its_new_permissions() -> None:
    state = _state()
    first = PERSONIO.identify("test-token", state)
    assert first is not None and first.can("projects:write")
    assert PERSONIO.identify("test-token", state) is first  # kept: the record is the same

    tokens = state["tokens"]
    tokens.put({**tokens.get("test-token"), "permissions": ["projects:read"]})
    changed = PERSONIO.identify("test-token", state)
    assert changed is not None and not changed.can("projects:write")

    def delete_then_fail() -> None:
        with state.transaction():
            tokens.delete("test-token")
            assert PERSONIO.identify("test-token", state) is None
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):  # undone by its transaction: the old record is back
        delete_then_fail()
    restored = PERSONIO.identify("test-token", state)
    assert restored is not None and restored.permissions == frozenset({"projects:read"})


def test_GEN_8_sessions_with_other_records_for_one_token_see_their_own() -> None:
    ours, theirs = _state(), _state()
    tokens = theirs["tokens"]
    tokens.put({**tokens.get("test-token"), "subject": "someone else", "permissions": []})
    for _ in range(2):  # alternating: neither session's identity leaks into the other
        mine, other = PERSONIO.identify("test-token", ours), PERSONIO.identify("test-token", theirs)
        assert mine is not None and mine.subject == "api-client" and mine.can("projects:write")
        assert other is not None and other.subject == "someone else" and not other.permissions


def test_GEN_8_minting_many_tokens_keeps_identities_bounded_and_right() -> None:
    state = _state()
    tokens = state["tokens"]
    for n in range(3000):
        tokens.put({"token": f"minted-{n}", "subject": f"client-{n}", "permissions": ["projects:read"]})
        identity = PERSONIO.identify(f"minted-{n}", state)
        assert identity is not None and identity.subject == f"client-{n}"
    again = PERSONIO.identify("minted-7", state)
    assert again is not None and again.subject == "client-7"


@given(st.datetimes(timezones=st.sampled_from([None, UTC])))
def test_the_default_timestamp_is_iso_8601_with_milliseconds_and_z(moment: datetime) -> None:
    ruddr = discover_vendors(["ruddr"])["ruddr"]  # the vendor that keeps Vendor.timestamp
    assert type(ruddr).timestamp is Vendor.timestamp
    assert ruddr.timestamp(moment) == moment.isoformat(timespec="milliseconds")[:23] + "Z"
