"""``core.pipeline.handle``: whatever stops a request mid-way, the vendor answers in its own envelope
and the state is as it was (GEN-4), even for failures no rule foresaw."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from mockserver.core.pipeline import Context, handle
from mockserver.core.store import CollectionSpec, StorageError, Store
from mockserver.core.values import Incoming, Reply
from mockserver.core.vendor import Handler, discover_vendors

PERSONIO = discover_vendors(["personio"])["personio"]
NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


class Broken(type(PERSONIO)):  # type: ignore[misc]
    """Personio, with one operation that fails inside its transaction as ``fail`` says."""

    def __init__(self, fail: Any) -> None:
        self.fail = fail

    def operations(self) -> Mapping[str, Handler]:
        def update(ctx: Context) -> Reply:
            projects = ctx.state["projects"]
            projects.put({**projects.get("1001"), "description": "changed"})
            self.fail(ctx)
            return Reply(204)

        return {"updateProject": update}


def _state() -> Any:
    collections: Mapping[str, CollectionSpec] = PERSONIO.collections
    store = Store({"personio": collections}, {"personio": PERSONIO.load_fixtures()})
    return store.session().states["personio"]


def _run(fail: Any) -> tuple[Any, Any]:
    state = _state()
    before = state.dump()
    outcome = handle(Broken(fail), "updateProject", Incoming("PATCH", "/v2/projects/1001"), state, NOW)
    assert state.dump() == before, "GEN-4: the failed request changed the state"
    return outcome, outcome.reply.body


def test_GEN_13_a_computed_value_json_cannot_carry_is_the_vendors_400() -> None:
    def store_nan(ctx: Context) -> None:
        project = ctx.state["projects"].get("1001")
        ctx.state["projects"].put({**project, "description": float("nan")})

    outcome, body = _run(store_nan)
    assert outcome.reply.status == 400
    assert body["errors"][0]["title"] == "Invalid request"
    assert "projects['1001'].description" in body["errors"][0]["detail"]
    assert "GEN-13" in outcome.fired


@pytest.mark.parametrize("reason", ["disk full", "session left memory during the request; retry it"])
def test_GEN_4_a_write_that_cannot_be_saved_is_a_503_in_the_vendors_envelope(reason: str) -> None:
    def cannot_save(ctx: Context) -> None:
        raise StorageError(reason)

    outcome, body = _run(cannot_save)
    assert outcome.reply.status == 503
    assert reason in body["errors"][0]["detail"]
    assert set(body) == {"personio_trace_id", "timestamp", "errors"}
