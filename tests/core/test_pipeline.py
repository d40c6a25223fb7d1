"""``core.pipeline.handle``: whatever stops a request mid-way, the vendor answers in its own envelope
and the state is as it was (GEN-4), even for failures no rule foresaw."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from mockserver.core.pipeline import handle
from mockserver.core.plans import Context, Plan, Target
from mockserver.core.store import CollectionSpec, StorageError, Store
from mockserver.core.values import Identity, Incoming, Reply
from mockserver.core.vendor import discover_vendors
from mockserver.core.violations import Code, Violation

PERSONIO = discover_vendors(["personio"])["personio"]
NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


class Broken(type(PERSONIO)):  # type: ignore[misc]
    """Personio, with one operation that fails inside its transaction as ``fail`` says."""

    def __init__(self, fail: Any) -> None:
        self.fail = fail

    def operations(self) -> Mapping[str, Plan]:
        def update(ctx: Context, _none: None) -> Reply:
            projects = ctx.state["projects"]
            projects.put({**projects.get("1001"), "description": "changed"})
            self.fail(ctx)
            return Reply(204)

        return {"updateProject": Plan(update)}


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


# -- plans: an operation declared as data, run by the pipeline --------------------------------------
WRITE = "projects:write"
MISSING = Violation(404, Code.NOT_FOUND, "no such project")
PROJECT = Target("projects", lambda _ctx, _id: MISSING)
CALLER = Identity("t", permissions=frozenset({WRITE}))


def _shown(_ctx: Context, record: Any) -> Reply:
    return Reply(200, record)


def _new(ctx: Context, _change: Any) -> dict[str, Any]:
    return {"id": str(ctx.state["projects"].next_id()), "created_at": "then", "updated_at": "then"}


class Declared(type(PERSONIO)):  # type: ignore[misc]
    """Personio's state and envelope, with operations of its own declared as plans only, as a
    sixth vendor would declare them: no handler retypes GEN-6."""

    def __init__(self) -> None:
        self.ordered: list[str] = []

    def operations(self) -> Mapping[str, Plan]:
        return {
            "rename": Plan(
                _shown, target=PROJECT, permission=WRITE, writable=("name", "status"), stamp="updated_at"
            ),
            "make": Plan(
                _shown, creates="projects", permission=WRITE, writable=("name",), stamp="updated_at", new=_new
            ),
            "drop": Plan(_shown, target=PROJECT, permission=WRITE, deletes=True, fires=("PER-14",)),
            "read": Plan(_shown, target=PROJECT, permission="projects:read"),
        }

    def timestamp(self, now: datetime) -> str:
        return "now"

    def order_errors(self, change: Any, violations: list[Violation]) -> list[Violation]:
        self.ordered.append(change.operation)
        return violations[::-1]


def _call(operation: str, project_id: str | None, body: Any = None, **extra: Any) -> tuple[Any, Any]:
    state = _state()
    vendor = extra.pop("vendor", None) or Declared()
    incoming = Incoming(
        "PATCH",
        f"/v2/projects/{project_id}",
        path_params={} if project_id is None else {"id": project_id},
        body=body,
        has_body=body is not None,
        identity=extra.pop("identity", CALLER),
        **extra,
    )
    return handle(vendor, operation, incoming, state, NOW), state


def test_GEN_1_GEN_11_an_update_plan_changes_the_fields_sent_and_moves_the_stamp() -> None:
    before = _state()["projects"].get("1001")
    outcome, state = _call("rename", "1001", {"name": "Renamed"})
    stored = state["projects"].get("1001")
    assert outcome.reply.status == 200
    assert stored == {**before, "name": "Renamed", "updated_at": "now"}
    assert outcome.fired == ["GEN-1", "GEN-11"]


def test_a_create_plan_starts_from_the_vendors_record_and_fires_no_update_rule() -> None:
    outcome, state = _call("make", None, {"name": "Fresh", "status": "ACTIVE"})
    created = outcome.reply.body
    assert state["projects"].get(created["id"]) == {**created, "name": "Fresh", "updated_at": "now"}
    assert "status" not in created  # not writable on this create
    assert outcome.fired == []


def test_GEN_6_the_target_answers_before_the_permission_and_both_before_the_body() -> None:
    nobody = Identity("n")
    bad_body = [Violation(400, Code.SCHEMA, "name must be a string", field="name", keyword="type")]
    outcome, _ = _call("rename", "999", {"name": 1}, identity=nobody, body_violations=bad_body)
    assert outcome.reply.status == 404
    outcome, _ = _call("rename", "1001", {"name": 1}, identity=nobody, body_violations=bad_body)
    assert outcome.reply.status == 403
    assert outcome.violations == [PERSONIO.forbidden]
    outcome, _ = _call("rename", "1001", {"name": 1}, body_violations=bad_body)
    assert outcome.reply.status == 400


def test_the_vendor_orders_a_rejected_writes_errors() -> None:
    vendor = Declared()
    found = [
        Violation(400, Code.SCHEMA, "first", field="name", keyword="type"),
        Violation(400, Code.SCHEMA, "second", field="status", keyword="enum"),
    ]
    outcome, _ = _call("rename", "1001", {"name": 1, "status": "x"}, body_violations=found, vendor=vendor)
    assert [v.message for v in outcome.violations] == ["second", "first"]
    assert vendor.ordered == ["rename"]


def test_a_delete_plan_removes_its_target_and_a_read_plan_changes_nothing() -> None:
    outcome, state = _call("drop", "1001")
    assert outcome.reply.body["id"] == "1001"
    assert state["projects"].get("1001") is None
    assert outcome.fired == ["PER-14"]
    state = _state()
    before = state.dump()
    outcome, _ = _call("read", "1001", identity=Identity("r", permissions=frozenset({"projects:read"})))
    assert outcome.reply.status == 200
    assert state.dump() == before


@pytest.mark.parametrize(
    "wrong",
    [
        {"creates": "projects"},  # no record to start from
        {"writable": ("name",)},  # an update without a target
        {"target": PROJECT, "deletes": True, "writable": ("name",)},
    ],
)
def test_a_plan_that_cannot_run_is_refused_at_import(wrong: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"create|update|delete"):
        Plan(_shown, **wrong)
