"""The journal's bounds (GEN-9: what a client sends cannot grow the mock's memory without limit)
and its rendering, which is strict JSON whatever the client sent (GEN-13)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.cli import main
from mockserver.config import ServerConfig
from mockserver.core.journal import ENTRY_OVERHEAD, Exchange, Journal, decode_body

KIB = 1024


def exchange(request_body: bytes = b"", response_body: bytes = b"", path: str = "/x") -> Exchange:
    return Exchange(
        session="s",
        vendor="v",
        method="PATCH",
        path=path,
        query=b"",
        status=200,
        request_headers=[(b"content-type", b"application/json")],
        request_body=request_body,
        response_headers=[],
        response_body=response_body,
    )


def strict_json(value: Any) -> bytes:
    """What the admin API does with a rendered entry (``web.responses.dumps``), but stricter."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")


# -- body size -------------------------------------------------------------------------------
def test_GEN_9_a_body_over_the_limit_is_kept_up_to_it_and_marked_truncated() -> None:
    journal = Journal(10, body_bytes=4 * KIB)
    journal.record(exchange(b'{"a": "' + b"x" * 10_000 + b'"}', b"y" * 5000))
    entry = journal.entries()[0]
    request, response = entry["request"], entry["response"]
    assert request["body_truncated"] is True and request["body_size"] == 10_009
    assert request["body"] == '{"a": "' + "x" * (4 * KIB - 7)  # cut JSON reads as its text
    assert response["body_truncated"] is True and response["body_size"] == 5000
    assert len(response["body"]) == 4 * KIB


def test_GEN_9_a_body_within_the_limit_is_kept_whole_and_unmarked() -> None:
    journal = Journal(10, body_bytes=4 * KIB)
    body = json.dumps({"name": "x" * (4 * KIB - 20)}).encode()
    journal.record(exchange(body))
    request = journal.entries()[0]["request"]
    assert request["body"] == json.loads(body)
    assert "body_truncated" not in request and "body_size" not in request


# -- the budget --------------------------------------------------------------------------------
def test_GEN_9_over_the_budget_the_oldest_entries_go_first() -> None:
    journal = Journal(1000, body_bytes=64 * KIB, budget_bytes=200 * KIB)
    for n in range(10):
        journal.record(exchange(b"x" * (50 * KIB), path=f"/{n}"))
    kept = [e["path"] for e in journal.entries()]
    assert kept == ["/7", "/8", "/9"]  # 3 x (50 KiB + overhead) fit in 200 KiB, 4 do not
    assert journal.held_bytes <= 200 * KIB


def test_GEN_9_the_newest_entry_stays_even_alone_over_the_budget() -> None:
    journal = Journal(1000, body_bytes=64 * KIB, budget_bytes=KIB)
    journal.record(exchange(b"a" * (10 * KIB), path="/old"))
    journal.record(exchange(b"b" * (10 * KIB), path="/new"))
    assert [e["path"] for e in journal.entries()] == ["/new"]


def test_GEN_9_the_budget_is_accounted_through_the_ring_and_clear() -> None:
    journal = Journal(3, body_bytes=KIB, budget_bytes=10**9)
    for _ in range(5):  # two fall out of the ring of three
        journal.record(exchange(b"z" * 100))
    one = 100 + len(b"content-type") + len(b"application/json") + ENTRY_OVERHEAD
    assert journal.held_bytes == 3 * one
    journal.clear()
    assert journal.held_bytes == 0 and journal.entries() == []


def test_GEN_9_serve_flags_reach_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    import mockserver.app

    made: list[ServerConfig] = []

    def capture(config: ServerConfig) -> None:
        made.append(config)
        raise ValueError("captured")  # serve() stops there, as on a bad setting

    monkeypatch.setattr(mockserver.app, "create_app", capture)
    assert (
        main(["serve", "--journal-body-kib", "2", "--journal-budget-mib", "3", "--journal-total-mib", "5"])
        == 2
    )
    config = made[0]
    assert (config.journal_body_bytes, config.journal_budget_bytes) == (2 * KIB, 3 * KIB * KIB)
    assert config.journal_total_bytes == 5 * KIB * KIB


def test_GEN_9_every_sessions_journal_keeps_to_the_configured_bounds() -> None:
    budget = 8 * KIB
    app = create_app(
        ServerConfig(vendors=("personio",), journal_body_bytes=2 * KIB, journal_budget_bytes=budget)
    )
    client = TestClient(app)
    headers = {"X-Mock-Session": "bounded", "Authorization": "Bearer test-token"}
    body = json.dumps({"name": "n" * 3000}).encode()
    for _ in range(5):
        client.patch(
            "/personio/v2/projects/1", content=body, headers={**headers, "Content-Type": "application/json"}
        )
    entries = client.get("/__admin/requests", headers=headers).json()["requests"]
    assert 1 < len(entries) < 5 and app.store.session("bounded").journal.held_bytes <= budget
    assert all(e["request"]["body_truncated"] and e["request"]["body_size"] == len(body) for e in entries)


def test_GEN_9_the_journals_of_all_sessions_keep_to_one_total() -> None:
    """Found by a hostile probe: refused calls, each session under its own 8 MiB, could make a
    thousand sessions hold 8 GiB. Past the total the journals of the sessions used longest ago
    (those never accepted first) are emptied; the session calling keeps its own, and every
    session keeps its state and rule counts."""
    total = 64 * KIB
    app = create_app(
        ServerConfig(vendors=("personio",), journal_body_bytes=4 * KIB, journal_total_bytes=total)
    )
    client = TestClient(app)
    pool = app.store.journal_pool
    good = {
        "Authorization": "Bearer test-token",
        "Content-Type": "application/json",
        "X-Mock-Session": "kept",
    }
    accepted = client.patch("/personio/v2/projects/1001", json={"description": "kept"}, headers=good)
    assert accepted.status_code == 204
    body = json.dumps({"description": "d" * 3000}).encode()
    for n in range(40):  # refused calls (a bad token), each naming a new session
        bad = {
            "Authorization": "Bearer wrong",
            "Content-Type": "application/json",
            "X-Mock-Session": f"bad-{n}",
        }
        assert client.patch("/personio/v2/projects/1001", content=body, headers=bad).status_code == 401
        held = {s.name: s.journal.held_bytes for s in app.store.sessions()}
        assert pool.held == sum(held.values()) <= total
    assert held["bad-39"] > 0 and held["bad-0"] == 0  # the calling session keeps its own
    assert held["kept"] > 0  # a session with an accepted call goes after the refused-only ones
    kept = app.store.session("kept")
    assert kept.journal.fired["GEN-1"] == 1  # rule counts stay, whatever the journal lost
    assert kept.states["personio"]["projects"].get("1001")["description"] == "kept"
    app.store.reset("bad-39")  # a session gone no longer counts
    left = sum(s.journal.held_bytes for s in app.store.sessions())
    assert pool.held == left == sum(held.values()) - held["bad-39"]


# -- strict JSON -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b'{"\\ud800": 1}', {"\ufffd": 1}),
        (b'["a\\udfffb", "\\ud83d\\ude00"]', ["a\ufffdb", "\U0001f600"]),  # a valid pair stays
        (b'"\\\\ud800"', "\\ud800"),  # an escaped backslash, not a surrogate
        (b'{"a": NaN}', '{"a": NaN}'),
        (b"[1e400]", "[1e400]"),
        (b"\xed\xa0\x80", "\ufffd\ufffd\ufffd"),  # an encoded surrogate is not UTF-8
        (b"[" * 5000 + b"]" * 5000, "[" * 5000 + "]" * 5000),
    ],
)
def test_GEN_13_a_body_renders_as_strict_json_whatever_it_held(raw: bytes, shown: Any) -> None:
    assert decode_body(raw) == shown
    strict_json(decode_body(raw))


def test_GEN_13_an_entry_with_a_lone_surrogate_renders() -> None:
    journal = Journal(10)
    journal.record(exchange(b'{"\\ud800": "\\udc00"}', b'{"echo": "\\ud800"}'))
    strict_json(journal.entries())


def test_GEN_13_the_admin_journal_answers_after_a_lone_surrogate_body() -> None:
    """`{"\\ud800": 1}` as a request body made `GET /__admin/requests` answer 500."""
    client = TestClient(create_app(ServerConfig(vendors=("personio",))))
    headers = {"X-Mock-Session": "surrogate", "Authorization": "Bearer test-token"}
    client.patch(
        "/personio/v2/projects/1",
        content=b'{"\\ud800": 1}',
        headers={**headers, "Content-Type": "application/json"},
    )
    answer = client.get("/__admin/requests", headers=headers)
    assert answer.status_code == 200
    assert answer.json()["requests"][0]["request"]["body"] == {"\ufffd": 1}
