"""The store, once per backend (``--store memory`` and ``--store sqlite:PATH``): transactions,
indexes, load/dump, sessions and reset behave the same, and the SQLite store shows after a
restart exactly what it showed before."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mockserver.core.faults import Fault
from mockserver.core.persistence import PersistenceError, SqlitePersistence, _hint
from mockserver.core.store import (
    CollectionSpec,
    FieldsKey,
    StateError,
    StorageError,
    Store,
    UnstorableError,
    VendorState,
    value_of,
)

SPECS = {
    "acme": {
        "projects": CollectionSpec(indexes={"name": lambda r: str(r.get("name") or "").lower() or None}),
        "tokens": CollectionSpec(id_field="token"),
    },
    "other": {"things": CollectionSpec()},
}
FIXTURES: dict[str, dict[str, Any]] = {
    "acme": {
        "projects": {"1": {"id": 1, "name": "Alpha"}, "2": {"id": 2, "name": "Beta"}},
        "tokens": {"t": {"token": "t"}},
    },
    "other": {"things": {"a": {"id": "a"}}},
}


class RejectedError(Exception):
    """Ends a transaction the way a rejected request does."""


def rejected(state: VendorState, writes: Callable[[VendorState], object]) -> None:
    """Run ``writes`` in a transaction that then fails."""

    def request() -> None:
        with state.transaction():
            writes(state)
            raise RejectedError

    with pytest.raises(RejectedError):
        request()


class Backend:
    """A store of one kind; :meth:`reopen` is what a restarted server would see."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.path = tmp_path / "state.db"
        self.store = self._open()

    def _open(self) -> Store:
        persistence = SqlitePersistence(self.path) if self.kind == "sqlite" else None
        return Store(SPECS, FIXTURES, persistence=persistence)

    def reopen(self) -> Store:
        """memory: the same store (nothing survives a restart); sqlite: a new store on the file."""
        if self.kind == "sqlite":
            self.store.close()
            self.store = self._open()
        return self.store


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    backend = Backend(request.param, tmp_path)
    yield backend
    backend.store.close()


def acme(store: Store, session: str | None = None) -> dict[str, dict[str, Any]]:
    return store.session(session).states["acme"].dump()


def test_a_new_session_starts_from_the_fixtures(backend: Backend) -> None:
    assert acme(backend.store) == FIXTURES["acme"]
    assert backend.store.session("x").states["other"].dump() == FIXTURES["other"]


def test_committed_writes_stay(backend: Backend) -> None:
    state = backend.store.session().states["acme"]
    with state.transaction():
        state["projects"].put({"id": 3, "name": "Gamma"})
        state["projects"].put({"id": 1, "name": "Alpha 2"})
        state["tokens"].delete("t")
    expected = {
        "projects": {
            "2": {"id": 2, "name": "Beta"},
            "3": {"id": 3, "name": "Gamma"},
            "1": {"id": 1, "name": "Alpha 2"},
        },
        "tokens": {},
    }
    assert acme(backend.store) == expected
    reopened = backend.reopen()
    assert acme(reopened) == expected
    # the order of records (a replaced record moves to the end) survives too
    assert list(acme(reopened)["projects"]) == ["2", "3", "1"]
    assert reopened.session().states["acme"]["projects"].next_id() == 4


def test_a_deleted_id_is_never_handed_out_again(backend: Backend) -> None:
    """An auto-increment id is burnt once used: after the newest record is deleted, the next
    create must not take its id (a client still holding it would reach another record)."""
    state = backend.store.session().states["acme"]
    projects = state["projects"]
    with state.transaction():
        projects.put({"id": 3, "name": "Gamma"})
        projects.delete(3)
    assert projects.next_id() == 4
    with state.transaction():
        projects.delete(2)
        projects.delete(1)
    assert projects.next_id() == 4


def test_a_deleted_id_stays_burnt_after_a_restart_and_a_reset_forgets_it(backend: Backend) -> None:
    """Left by a hostile probe: the highest deleted id lived only in memory, so a server
    restarted on its SQLite file handed it out again."""
    state = backend.store.session("s").states["acme"]
    with state.transaction():
        state["projects"].put({"id": 9, "name": "Nine"})
    with state.transaction():  # a later transaction deletes it: the saved state is updated
        state["projects"].delete(9)
    fresh = backend.store.session("f").states["acme"]
    with fresh.transaction():  # the first write of a state from the fixtures saves all of it
        fresh["projects"].put({"id": 5, "name": "Five"})
        fresh["projects"].delete(5)
    reopened = backend.reopen()
    assert reopened.session("s").states["acme"]["projects"].next_id() == 10
    assert reopened.session("f").states["acme"]["projects"].next_id() == 6
    reopened.reset("s")
    assert reopened.session("s").states["acme"]["projects"].next_id() == 3
    assert backend.reopen().session("s").states["acme"]["projects"].next_id() == 3


def test_GEN_4_when_no_id_is_left_a_create_fails_and_changes_nothing(backend: Backend) -> None:
    """Found by a hostile probe: after a seeded 18-digit id the next id had 19 digits, which the
    auto-increment no longer saw, so two creates got the same id and the second overwrote the
    first."""
    state = backend.store.session().states["acme"]
    top = 10**18 - 1
    state.load({"projects": {str(top): {"id": top, "name": "Last"}}, "tokens": {}})

    def create() -> None:
        with state.transaction():
            projects = state["projects"]
            projects.put({"id": projects.next_id(), "name": "One too many"})

    with pytest.raises(StorageError, match=f"projects has no id left: {top} is the largest a path can name"):
        create()
    assert list(acme(backend.store)["projects"]) == [str(top)]


def test_GEN_4_a_rolled_back_delete_burns_no_id(backend: Backend) -> None:
    """Found by a hostile probe: a delete undone by a later rejection still raised the next id,
    so a refused call changed what the next create got."""
    state = backend.store.session().states["acme"]
    projects = state["projects"]

    def rejected() -> None:
        with state.transaction():
            projects.put({"id": 7, "name": "Seven"})
            projects.delete(7)
            raise RuntimeError("a rule refused the call")

    with pytest.raises(RuntimeError):
        rejected()
    assert projects.next_id() == 3


def test_a_failed_transaction_undoes_every_write_and_saves_nothing(backend: Backend) -> None:
    state = backend.store.session().states["acme"]
    with state.transaction():  # make the session a saved one first
        state["projects"].put({"id": 2, "name": "Beta"})
    before = acme(backend.store)

    def writes(state: VendorState) -> None:
        state["projects"].put({"id": 3, "name": "Gamma"})
        state["projects"].put({"id": 1, "name": "Renamed"})
        state["projects"].delete(2)
        state["tokens"].delete("t")

    rejected(state, writes)
    assert acme(backend.store) == before
    assert acme(backend.reopen()) == before


def test_a_failed_first_transaction_leaves_the_fixtures(backend: Backend) -> None:
    state = backend.store.session("fresh").states["acme"]
    rejected(state, lambda s: s["projects"].put({"id": 3, "name": "Gamma"}))
    assert acme(backend.reopen(), "fresh") == FIXTURES["acme"]


def test_indexes_follow_commits_and_rollbacks(backend: Backend) -> None:
    projects = backend.store.session().states["acme"]["projects"]
    state = backend.store.session().states["acme"]
    with state.transaction():
        projects.put({"id": 1, "name": "Delta"})

    def writes(_: VendorState) -> None:
        projects.put({"id": 2, "name": "Alpha"})
        projects.put({"id": 4, "name": "Delta"})
        assert projects.find("name", "delta") == {"1", "4"}

    rejected(state, writes)
    assert projects.find("name", "alpha") == set()
    assert projects.find("name", "delta") == {"1"}
    assert projects.find("name", "beta") == {"2"}
    reopened = backend.reopen().session().states["acme"]["projects"]
    assert reopened.find("name", "delta") == {"1"}
    assert reopened.find("name", "beta") == {"2"}
    assert reopened.find("name", "alpha") == set()


def test_a_nested_transaction_belongs_to_the_outer_one(backend: Backend) -> None:
    state = backend.store.session().states["acme"]

    def writes(state: VendorState) -> None:
        with state.transaction():
            state["projects"].put({"id": 3, "name": "Gamma"})
        assert "3" in state["projects"]

    rejected(state, writes)
    assert acme(backend.store) == FIXTURES["acme"]
    assert acme(backend.reopen()) == FIXTURES["acme"]


def test_load_replaces_the_whole_state_and_dump_round_trips(backend: Backend) -> None:
    state = backend.store.session().states["acme"]
    document = {"projects": {"7": {"id": 7, "name": "Seeded", "tags": ["a", "ü"], "budget": 1.5}}}
    state.load(document)
    expected = {"projects": document["projects"], "tokens": {}}
    assert state.dump() == expected
    assert state["projects"].find("name", "seeded") == {"7"}
    reopened = backend.reopen().session().states["acme"]
    assert reopened.dump() == expected
    assert reopened["projects"].find("name", "seeded") == {"7"}


def test_an_empty_document_is_kept_empty(backend: Backend) -> None:
    backend.store.session().states["acme"].load({})
    assert acme(backend.reopen()) == {"projects": {}, "tokens": {}}


@pytest.mark.parametrize(
    "document",
    [[], {"unknown": {}}, {"projects": []}, {"projects": {"1": {"id": 2}}}, {"projects": {"1": "text"}}],
)
def test_a_bad_document_is_rejected_whole(backend: Backend, document: Any) -> None:
    state = backend.store.session().states["acme"]
    with pytest.raises(StateError):
        state.load(document)
    assert acme(backend.store) == FIXTURES["acme"]
    assert acme(backend.reopen()) == FIXTURES["acme"]


def test_dump_is_a_copy(backend: Backend) -> None:
    dumped = acme(backend.store)
    dumped["projects"]["1"]["name"] = "changed outside"
    assert acme(backend.store) == FIXTURES["acme"]


def test_sessions_are_independent(backend: Backend) -> None:
    store = backend.store
    a = store.session("a").states["acme"]
    with a.transaction():
        a["projects"].put({"id": 1, "name": "Only in a"})
    store.session("b")
    assert acme(store, "b") == FIXTURES["acme"]
    assert store.session("a") is store.session("a")
    assert {"a", "b"} <= set(store.session_names())
    reopened = backend.reopen()
    assert acme(reopened, "a")["projects"]["1"]["name"] == "Only in a"
    assert acme(reopened, "b") == FIXTURES["acme"]
    assert reopened.session("b").states["other"].dump() == FIXTURES["other"]


def test_over_max_sessions_the_least_recently_used_is_forgotten() -> None:
    store = Store(SPECS, FIXTURES, max_sessions=3)
    store.session()  # the default session is never forgotten
    a = store.session("a").states["acme"]
    with a.transaction():
        a["projects"].put({"id": 1, "name": "Only in a"})
    store.session("b")
    store.session("a")  # used again: now "b" is the least recent
    store.session("c")
    assert store.session_names() == ["a", "c", "default"]
    assert acme(store, "a")["projects"]["1"]["name"] == "Only in a"
    store.session("d")
    store.session("e")
    assert store.session_names() == ["d", "default", "e"]
    assert acme(store, "a") == FIXTURES["acme"]  # a forgotten session comes back from the fixtures


def test_sessions_only_ever_refused_are_forgotten_before_any_with_an_accepted_call() -> None:
    """A flood of refused calls, each naming a new session, once pushed out the sessions in use."""
    store = Store(SPECS, FIXTURES, max_sessions=3)
    used = store.session("used")
    used.accepted = True
    with used.states["acme"].transaction():
        used.states["acme"]["projects"].put({"id": 1, "name": "Only in used"})
    for i in range(20):
        store.session(f"junk-{i}")
    assert store.session_names() == ["junk-18", "junk-19", "used"]
    assert acme(store, "used")["projects"]["1"]["name"] == "Only in used"
    for name in ("b", "c"):
        store.session(name).accepted = True
    store.session("d")  # all three accepted: the least recent of them goes
    assert store.session_names() == ["b", "c", "d"]


def test_a_durable_store_forgets_read_only_sessions_and_brings_saved_ones_back(tmp_path: Path) -> None:
    # 4,000 read-only sessions once pinned 476 MiB: past max_sessions they leave memory, and a
    # saved one that left comes back from the file, not from the fixtures
    persistence = SqlitePersistence(tmp_path / "s.db")
    store = Store(SPECS, FIXTURES, persistence=persistence, max_sessions=3)
    saved = store.session("saved").states["acme"]
    with saved.transaction():
        saved["projects"].put({"id": 3, "name": "Kept in the file"})
    for i in range(50):
        assert acme(store, f"reader-{i}") == FIXTURES["acme"]
        assert len(store.session_names()) <= 3
    assert "saved" not in store.session_names()
    assert persistence.sessions() == ["saved"]  # readers never wrote anything
    assert acme(store, "saved")["projects"]["3"]["name"] == "Kept in the file"
    assert store.session("saved").states["acme"]["projects"].find("name", "kept in the file") == {"3"}
    store.close()


def test_an_evicted_durable_session_refuses_late_writes(tmp_path: Path) -> None:
    # a request still holding an evicted copy must not write behind the copy re-loaded later
    store = Store(SPECS, FIXTURES, persistence=SqlitePersistence(tmp_path / "s.db"), max_sessions=1)
    late = store.session("a").states["acme"]
    store.session("b")  # evicts "a"
    assert store.session_names() == ["b"]
    with pytest.raises(StorageError, match="left memory"), late.transaction():
        late["projects"].put({"id": 9, "name": "Late"})
    assert "9" not in late["projects"]  # rolled back, not acknowledged
    assert acme(store, "a") == FIXTURES["acme"]
    store.close()


def test_reset_restores_the_fixtures(backend: Backend) -> None:
    store = backend.store
    old = store.session("a")
    with old.states["acme"].transaction():
        old.states["acme"]["projects"].delete(1)
    old.states["other"].load({"things": {}})
    store.reset("a")
    assert store.session("a") is not old
    assert acme(store, "a") == FIXTURES["acme"]
    reopened = backend.reopen()
    assert acme(reopened, "a") == FIXTURES["acme"]
    assert reopened.session("a").states["other"].dump() == FIXTURES["other"]


def test_reset_keeps_other_sessions(backend: Backend) -> None:
    store = backend.store
    for name in ("a", "b"):
        with store.session(name).states["acme"].transaction():
            store.session(name).states["acme"]["projects"].put({"id": 9, "name": name})
    store.reset("a")
    reopened = backend.reopen()
    assert "9" not in acme(reopened, "a")["projects"]
    assert acme(reopened, "b")["projects"]["9"]["name"] == "b"


# -- SQLite only ----------------------------------------------------------------------------


@pytest.fixture
def durable(tmp_path: Path) -> Iterator[Backend]:
    backend = Backend("sqlite", tmp_path)
    yield backend
    backend.store.close()


def test_reads_write_nothing(durable: Backend) -> None:
    state = durable.store.session("reader").states["acme"]
    with state.transaction():
        assert state["projects"].get(1) is not None
    assert "reader" not in durable.reopen().session_names()


def test_a_write_that_cannot_be_saved_is_rolled_back(
    durable: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = durable.store.session().states["acme"]

    def disk_full(*_args: Any) -> None:
        raise StorageError("disk full")

    monkeypatch.setattr(SqlitePersistence, "write", disk_full)
    monkeypatch.setattr(SqlitePersistence, "replace", disk_full)
    with pytest.raises(StorageError), state.transaction():
        state["projects"].put({"id": 3, "name": "Gamma"})
    monkeypatch.undo()
    assert acme(durable.store) == FIXTURES["acme"]
    assert state["projects"].find("name", "gamma") == set()
    assert acme(durable.reopen()) == FIXTURES["acme"]


def test_a_reset_session_no_longer_writes_through(durable: Backend) -> None:
    old = durable.store.session("a").states["acme"]
    durable.store.reset("a")
    with old.transaction():  # a request that picked the session up before the reset
        old["projects"].put({"id": 5, "name": "Late"})
    old.load({})
    assert acme(durable.reopen(), "a") == FIXTURES["acme"]


def test_a_second_store_on_the_same_file_is_refused(durable: Backend) -> None:
    with pytest.raises(PersistenceError, match="another mockserver"):
        SqlitePersistence(durable.path, timeout=0.1)


def test_a_file_that_is_not_a_state_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(PersistenceError, match=r"junk\.db"):
        SqlitePersistence(junk)
    with pytest.raises(PersistenceError, match="cannot open"):
        SqlitePersistence(tmp_path / "missing-dir" / "state.db")


def test_sqlites_words_for_a_read_only_or_locked_file_are_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile probe, as another user, got SQLite's bare "disk I/O error" for a read-only file.
    The suite may run as root, whom no file mode stops, so the access check is what is faked."""
    path = tmp_path / "state.db"
    assert _hint(path, sqlite3.OperationalError("database is locked")) == " (is another mockserver using it?)"
    assert _hint(path, sqlite3.OperationalError("disk I/O error")) == ""
    monkeypatch.setattr(os, "access", lambda _path, _mode: False)
    expected = f" ({path} or its directory is read-only for this user: the store writes both)"
    assert _hint(path, sqlite3.OperationalError("disk I/O error")) == expected


def test_a_newer_schema_is_refused(durable: Backend) -> None:
    durable.store.close()
    db = sqlite3.connect(durable.path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(PersistenceError, match="schema 99"):
        SqlitePersistence(durable.path)
    durable.store = Store(SPECS, FIXTURES)


def test_a_version_1_file_is_upgraded_and_keeps_its_states(durable: Backend) -> None:
    """Schema 2 added the deleted ids; a file an earlier mockserver wrote opens as it was."""
    state = durable.store.session("s").states["acme"]
    with state.transaction():
        state["projects"].put({"id": 3, "name": "Gamma"})
    durable.store.close()
    db = sqlite3.connect(durable.path)
    db.execute("DROP TABLE deleted")
    db.execute("PRAGMA user_version = 1")
    db.close()
    reopened = durable.reopen()
    assert set(acme(reopened, "s")["projects"]) == {"1", "2", "3"}
    state = reopened.session("s").states["acme"]
    with state.transaction():
        state["projects"].delete(3)
    assert durable.reopen().session("s").states["acme"]["projects"].next_id() == 4
    durable.store.close()  # it holds the file's lock
    db = sqlite3.connect(durable.path)
    try:
        assert db.execute("PRAGMA user_version").fetchone() == (2,)
    finally:
        db.close()
    durable.store = Store(SPECS, FIXTURES)


@pytest.mark.parametrize("high", ["'x'", "-5", "0", str(2**63 - 1), "1.5"])
def test_a_tampered_deleted_id_is_a_clear_error(durable: Backend, high: str) -> None:
    """A negative or 19-digit mark was accepted and ignored, so the deleted id came back."""
    state = durable.store.session("s").states["acme"]
    with state.transaction():
        state["projects"].delete(2)
    durable.store.close()
    db = sqlite3.connect(durable.path)
    db.execute(f"UPDATE deleted SET high = {high}")
    db.commit()
    db.close()
    persistence = SqlitePersistence(durable.path)
    with pytest.raises(StorageError, match=r"acme projects's deleted id is .*; the file was changed outside"):
        Store(SPECS, FIXTURES, persistence=persistence)
    persistence.close()
    durable.store = Store(SPECS, FIXTURES)


def test_a_version_1_file_with_a_foreign_deleted_table_is_refused_by_its_columns(durable: Backend) -> None:
    durable.store.close()
    db = sqlite3.connect(durable.path)
    db.execute("DROP TABLE deleted")
    db.execute("CREATE TABLE deleted (x TEXT)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with pytest.raises(PersistenceError, match=r"table deleted has columns \['x'\], not session, vendor"):
        SqlitePersistence(durable.path)
    durable.store = Store(SPECS, FIXTURES)


def test_a_saved_state_that_no_longer_fits_is_a_clear_error(durable: Backend) -> None:
    with durable.store.session("s").states["acme"].transaction():
        durable.store.session("s").states["acme"]["projects"].put({"id": 3})
    durable.store.close()
    shrunk = {"acme": {"projects": CollectionSpec()}}
    persistence = SqlitePersistence(durable.path)
    with pytest.raises(StateError, match="session 's', vendor acme: unknown collections: tokens"):
        Store(shrunk, {"acme": {"projects": {}}}, persistence=persistence)
    persistence.close()
    durable.store = Store(SPECS, FIXTURES)


def test_vendors_not_served_are_left_alone(durable: Backend) -> None:
    other = durable.store.session("s").states["other"]
    other.load({"things": {"z": {"id": "z"}}})
    durable.store.close()
    only_acme = Store({"acme": SPECS["acme"]}, FIXTURES, persistence=SqlitePersistence(durable.path))
    only_acme.reset("s")
    only_acme.close()
    assert durable.reopen().session("s").states["other"].dump() == {"things": {"z": {"id": "z"}}}


class FullDisk:
    """A SqlitePersistence whose drops fail, as they do when the disk is full."""

    def __init__(self, inner: SqlitePersistence) -> None:
        self.inner = inner
        self.lock = inner.lock

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def drop(self, session: str, vendors: list[str]) -> None:
        raise StorageError("database or disk is full")


def test_GEN_4_a_reset_that_cannot_be_saved_leaves_the_session_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = Store(SPECS, FIXTURES, persistence=FullDisk(SqlitePersistence(path)))
    session = store.session("a")
    with session.states["acme"].transaction():
        session.states["acme"]["projects"].put({"id": 3, "name": "Gamma"})
    session.faults.add(Fault(status=500))
    with pytest.raises(StorageError, match="disk is full"):
        store.reset("a")
    assert store.session("a") is session  # the same session: memory, journal and faults
    assert len(session.faults.list()) == 1
    with session.states["acme"].transaction():  # still writing through
        session.states["acme"]["projects"].put({"id": 4, "name": "Delta"})
    store.close()
    reopened = Store(SPECS, FIXTURES, persistence=SqlitePersistence(path))
    assert set(acme(reopened, "a")["projects"]) == {"1", "2", "3", "4"}
    reopened.close()


def test_a_closed_database_is_a_storage_error_not_a_crash(durable: Backend) -> None:
    state = durable.store.session().states["acme"]
    durable.store.close()
    with pytest.raises(StorageError, match="could not be written"), state.transaction():
        state["projects"].put({"id": 3, "name": "Gamma"})
    assert acme(durable.store) == FIXTURES["acme"]  # rolled back
    with pytest.raises(StorageError):
        durable.store.reset()
    assert acme(durable.store) == FIXTURES["acme"]
    durable.store = durable._open()


def test_a_file_with_foreign_tables_is_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE states(x)")
    db.close()
    with pytest.raises(PersistenceError, match=r"not a mockserver state database \(it holds tables states\)"):
        SqlitePersistence(foreign)
    # one of ours whose table was altered since
    altered = tmp_path / "altered.db"
    SqlitePersistence(altered).close()
    db = sqlite3.connect(altered)
    db.execute("ALTER TABLE records RENAME COLUMN json TO body")
    db.close()
    with pytest.raises(PersistenceError, match="table records has columns"):
        SqlitePersistence(altered)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "a\ud800b", 10**400])
def test_GEN_13_nothing_is_stored_that_cannot_be_sent_back_as_json(backend: Backend, value: Any) -> None:
    state = backend.store.session().states["acme"]
    with pytest.raises(UnstorableError) as caught, state.transaction():
        state["projects"].put({"id": 1, "name": "Alpha", "budget": value})
    assert "projects['1'].budget" in str(caught.value)
    assert state["projects"].get(1) == {"id": 1, "name": "Alpha"}
    assert backend.reopen().session().states["acme"]["projects"].get(1) == {"id": 1, "name": "Alpha"}


@pytest.mark.parametrize(
    ("stored", "named"),
    [
        ('{"id": 3, "name": NaN}', r"acme projects\['3'\].name: nan is not a finite number"),
        ('{"id": 3, "budget": Infinity}', r"acme projects\['3'\].budget: inf is not a finite number"),
        (b'{"id": 3, "name": "\xff"}', r"acme projects\['3'\] is stored as bytes \(a BLOB\), not JSON text"),
        ("[3]", r"acme projects\['3'\] is not a JSON object"),
        ("{", r"acme projects\['3'\] is not JSON \(Expecting property name"),
        ("[" * 100_000, r"acme projects\['3'\] is nested too deeply to read"),
    ],
)
def test_GEN_13_a_saved_record_changed_outside_mockserver_is_named(
    durable: Backend, stored: object, named: str
) -> None:
    with durable.store.session("s").states["acme"].transaction():
        durable.store.session("s").states["acme"]["projects"].put({"id": 3})
    durable.store.close()
    db = sqlite3.connect(durable.path)
    db.execute("UPDATE records SET json = ? WHERE session = 's' AND id = '3'", (stored,))
    db.commit()
    db.close()
    persistence = SqlitePersistence(durable.path)
    with pytest.raises(StorageError, match=named) as caught:  # saved sessions load at start
        Store(SPECS, FIXTURES, persistence=persistence)
    assert "another" not in str(caught.value)  # not blamed on another version or server
    persistence.close()
    durable.store = Store(SPECS, FIXTURES)


def test_GEN_3_an_index_read_from_fields_follows_updates_that_change_keep_or_drop_them() -> None:
    spec = CollectionSpec(
        indexes={
            "name": FieldsKey(lambda name: str(name or "").lower() or None, "name"),
            "pair": FieldsKey(lambda a, b: (a, b), "a", "b"),
            "owner": value_of("owner"),
        }
    )
    state = VendorState({"things": spec}, {"things": {"1": {"id": 1, "name": "Alpha", "a": 1, "b": 2}}})
    things = state["things"]
    found = things.find

    def thing() -> dict[str, Any]:
        record = things.get(1)
        assert record is not None
        return record

    with state.transaction():
        things.put({**thing(), "note": "other fields only"})  # no index read changes
    assert (
        found("name", "alpha") == {"1"} and found("pair", (1, 2)) == {"1"} and found("owner", None) == set()
    )
    with state.transaction():
        things.put({**thing(), "name": "Beta", "b": 3, "owner": "x"})
    assert found("name", "alpha") == set() and found("name", "beta") == {"1"}
    assert found("pair", (1, 2)) == set() and found("pair", (1, 3)) == {"1"} and found("owner", "x") == {"1"}
    without = {k: v for k, v in thing().items() if k not in ("name", "owner")}
    with state.transaction():
        things.put({**without, "added": True})  # fields dropped while another is added
    assert found("name", "beta") == set() and found("owner", "x") == set() and found("pair", (1, 3)) == {"1"}

    def rename_then_fail(_: VendorState) -> None:
        things.put({**thing(), "name": "Gamma"})

    rejected(state, rename_then_fail)
    assert found("name", "gamma") == set() and found("name", None) == set()
