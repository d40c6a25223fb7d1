"""In-memory state: sessions of vendor states of indexed collections, with transactions.

A request runs inside :meth:`VendorState.transaction`; every write records an undo entry, so a
rejected request (or a bug halfway through) leaves the state exactly as it was (GEN-4).
Indexes map a derived key to record ids, so uniqueness checks never scan (100,000 projects).

The in-memory records and indexes are the working set in every mode. Given a
:class:`Persistence` (``--store sqlite:PATH``), the store builds :class:`DurableVendorState`
instead, which writes each committed transaction through before the transaction returns; the
in-memory path itself never pays for it.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from mockserver.core.faults import Fault, FaultBook
from mockserver.core.journal import DEFAULT_BODY_BYTES, DEFAULT_BUDGET_BYTES, Journal

Record = dict[str, Any]
Document = dict[str, dict[str, Record]]
"""A vendor's whole state: collection name -> record id (``str``) -> record."""
KeyFn = Callable[[Record], Any]
"""Derives an index key from a record; ``None`` means "not indexed"."""


@dataclass(frozen=True)
class CollectionSpec:
    """How a vendor's collection is keyed and indexed."""

    id_field: str = "id"
    indexes: Mapping[str, KeyFn] = field(default_factory=dict)


class StateError(ValueError):
    """A state document that does not fit the vendor's collections."""


class Collection:
    """Records by id (always stored under ``str(id)``) plus secondary indexes."""

    def __init__(self, name: str, spec: CollectionSpec, owner: VendorState) -> None:
        self.name = name
        self.spec = spec
        self._owner = owner
        self._records: dict[str, Record] = {}
        self._indexes: dict[str, dict[Any, set[str]]] = {n: {} for n in spec.indexes}

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(list(self._records.values()))

    def __contains__(self, record_id: object) -> bool:
        return str(record_id) in self._records

    def get(self, record_id: object) -> Record | None:
        """The stored record; treat it as read-only and write changes back with :meth:`put`."""
        return self._records.get(str(record_id))

    def find(self, index: str, key: Any) -> set[str]:
        """Ids of the records whose ``index`` key equals ``key``."""
        return self._indexes[index].get(key, set())

    def next_id(self) -> int:
        numeric = [int(k) for k in self._records if k.isdigit()]
        return max(numeric, default=0) + 1

    def put(self, record: Record) -> Record:
        key = str(record[self.spec.id_field])
        self._owner._remember(self, key, self._records.get(key))
        self._store(key, record)
        return record

    def delete(self, record_id: object) -> Record | None:
        key = str(record_id)
        old = self._records.get(key)
        if old is not None:
            self._owner._remember(self, key, old)
            self._unstore(key)
        return old

    def _store(self, key: str, record: Record) -> None:
        if key in self._records:
            self._unstore(key)
        self._records[key] = record
        for name, key_fn in self.spec.indexes.items():
            index_key = key_fn(record)
            if index_key is not None:
                self._indexes[name].setdefault(index_key, set()).add(key)

    def _unstore(self, key: str) -> None:
        record = self._records.pop(key)
        for name, key_fn in self.spec.indexes.items():
            index_key = key_fn(record)
            ids = self._indexes[name].get(index_key)
            if ids is not None:
                ids.discard(key)
                if not ids:
                    del self._indexes[name][index_key]

    def _restore(self, key: str, record: Record | None) -> None:
        if record is None:
            if key in self._records:
                self._unstore(key)
        else:
            self._store(key, record)

    def dump(self) -> dict[str, Record]:
        return copy.deepcopy(self._records)


class VendorState:
    """One vendor's collections within one session."""

    def __init__(self, specs: Mapping[str, CollectionSpec], document: Mapping[str, Any]) -> None:
        self._undo: list[tuple[Collection, str, Record | None]] | None = None
        self.collections = {name: Collection(name, spec, self) for name, spec in specs.items()}
        self._install(check_document(self.collections, document))

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def _remember(self, collection: Collection, key: str, old: Record | None) -> None:
        if self._undo is not None:
            self._undo.append((collection, key, old))

    @contextmanager
    def transaction(self) -> Iterator[VendorState]:
        """Commit on normal exit; undo every write if the block raises."""
        if self._undo is not None:  # nested: the outer transaction owns the undo log
            yield self
            return
        self._undo = []
        try:
            yield self
        except BaseException:
            for collection, key, old in reversed(self._undo):
                collection._restore(key, old)
            raise
        finally:
            self._undo = None

    def load(self, document: Mapping[str, Any]) -> None:
        """Replace the whole state with ``document`` (validated first; all or nothing)."""
        self._install(check_document(self.collections, document))

    def _install(self, checked: Document) -> None:
        for name, collection in self.collections.items():
            collection._records.clear()
            for index in collection._indexes.values():
                index.clear()
            for key, record in checked.get(name, {}).items():
                collection._store(key, record)

    def dump(self) -> dict[str, dict[str, Record]]:
        return {name: c.dump() for name, c in self.collections.items()}


class Persistence(Protocol):
    """Where a durable store writes through (``mockserver.core.persistence``). Every method is
    one atomic write that is durable when it returns; ``lock`` serialises them."""

    @property
    def lock(self) -> AbstractContextManager[Any]:
        """Held around every write, and by the store while it detaches a reset session."""
        ...

    def load(self) -> dict[str, dict[str, Document]]:
        """Every saved session: session -> vendor -> document."""
        ...

    def write(self, session: str, vendor: str, changes: Mapping[str, Mapping[str, Record | None]]) -> None:
        """Upsert (record) or delete (``None``) the given ids of each collection."""
        ...

    def replace(self, session: str, vendor: str, document: Mapping[str, Mapping[str, Record]]) -> None:
        """Save ``document`` as the vendor's whole state in ``session``."""
        ...

    def drop(self, session: str, vendors: list[str]) -> None:
        """Forget these vendors' states in ``session``."""
        ...

    def close(self) -> None: ...


class DurableVendorState(VendorState):
    """A vendor state that writes every committed transaction and every :meth:`load` through to
    ``persistence`` before returning, so a request is answered only once its writes are saved.

    A state built from the fixtures is not in the database yet (``saved`` false): its first
    write saves the whole state, later ones only the records the undo log names. A failed write
    raises inside the transaction, so the in-memory state is rolled back as well.
    """

    def __init__(
        self,
        specs: Mapping[str, CollectionSpec],
        document: Mapping[str, Any],
        persistence: Persistence,
        session: str,
        vendor: str,
        saved: bool,
    ) -> None:
        super().__init__(specs, document)
        self._persistence = persistence
        self._session = session
        self._vendor = vendor
        self._saved = saved
        self._detached = False

    @contextmanager
    def transaction(self) -> Iterator[VendorState]:
        if self._undo is not None:
            yield self
            return
        with super().transaction():
            yield self
            if self._undo:
                self._write_through(self._undo)

    def _write_through(self, undo: list[tuple[Collection, str, Record | None]]) -> None:
        changes: dict[str, dict[str, Record | None]] = {}
        for collection, key, _ in undo:
            changes.setdefault(collection.name, {})[key] = collection._records.get(key)
        with self._persistence.lock:
            if self._detached:  # reset meanwhile: this session is no longer the saved one
                return
            if self._saved:
                self._persistence.write(self._session, self._vendor, changes)
            else:
                self._persistence.replace(self._session, self._vendor, self._records())
                self._saved = True

    def load(self, document: Mapping[str, Any]) -> None:
        checked = check_document(self.collections, document)
        with self._persistence.lock:
            if not self._detached:  # saved first: a failed write leaves the state as it was
                self._persistence.replace(self._session, self._vendor, checked)
                self._saved = True
            self._install(checked)

    def detach(self) -> None:
        """Stop writing through (the session was reset); call it under ``persistence.lock``."""
        self._detached = True

    def _records(self) -> dict[str, dict[str, Record]]:
        return {name: c._records for name, c in self.collections.items()}


def check_document(collections: Mapping[str, Collection], document: Mapping[str, Any]) -> Document:
    """Validate a state document's shape and return a private deep copy of it."""
    if not isinstance(document, Mapping):
        raise StateError("the state document must be a JSON object of collections")
    unknown = sorted(set(document) - set(collections))
    if unknown:
        raise StateError(f"unknown collections: {', '.join(unknown)}; known: {sorted(collections)}")
    checked: Document = {}
    for name, records in document.items():
        if not isinstance(records, Mapping):
            raise StateError(f"collection {name!r} must be an object of records by id")
        id_field = collections[name].spec.id_field
        for key, record in records.items():
            if not isinstance(record, Mapping):
                raise StateError(f"{name}[{key!r}] must be an object")
            if str(record.get(id_field)) != str(key):
                raise StateError(f"{name}[{key!r}] must carry {id_field!r} equal to its key")
        checked[name] = {str(k): copy.deepcopy(dict(v)) for k, v in records.items()}
    return checked


class Session:
    """A private copy of every vendor's state plus its own journal and faults (``X-Mock-Session``).

    Faults are test set-up, not state: no persistence saves them, and a reset drops them.
    """

    def __init__(
        self,
        name: str,
        states: dict[str, VendorState],
        journal_size: int,
        journal_bounds: tuple[int, int] = (DEFAULT_BODY_BYTES, DEFAULT_BUDGET_BYTES),
    ) -> None:
        self.name = name
        self.states = states
        self.lock = threading.RLock()
        self.journal = Journal(journal_size, *journal_bounds)
        self.faults = FaultBook()
        self.last_used = 0
        """When the session was last asked for (a store-wide counter): the least recent goes first
        when the store is over ``max_sessions``."""


class Store:
    """All sessions, created lazily from the fixtures on first use.

    With ``persistence`` every session saved there is loaded at once (a vendor it has no state
    for comes from the fixtures), and every committed write, ``load`` and ``reset`` is saved.
    """

    DEFAULT_SESSION = "default"

    def __init__(
        self,
        specs: Mapping[str, Mapping[str, CollectionSpec]],
        fixtures: Mapping[str, Mapping[str, Any]],
        journal_size: int = 1000,
        persistence: Persistence | None = None,
        max_sessions: int = 0,
        faults: Sequence[Fault] = (),
        journal_bounds: tuple[int, int] = (DEFAULT_BODY_BYTES, DEFAULT_BUDGET_BYTES),
    ) -> None:
        self._specs = specs
        self._fixtures = fixtures
        self._journal_size = journal_size
        self._journal_bounds = journal_bounds
        """Each session journal's (body_bytes, budget_bytes)."""
        self._persistence = persistence
        # A session costs ~100 KiB plus its journal; a suite that names a new session per test
        # and never resets would otherwise grow without bound. Saved sessions are never evicted.
        self._max_sessions = max_sessions if persistence is None else 0
        self._faults = tuple(faults)
        """Faults every session starts with (``serve --fuzz-responses``); a reset brings them back."""
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._clock = itertools.count(1)
        if persistence is not None:
            for name, saved in persistence.load().items():
                self._sessions[name] = self._new_session(name, saved)

    def session(self, name: str | None = None) -> Session:
        name = name or self.DEFAULT_SESSION
        session = self._sessions.get(name)
        if session is None:
            with self._lock:
                session = self._sessions.get(name)
                if session is None:
                    if self._max_sessions and len(self._sessions) >= self._max_sessions:
                        self._evict_least_recent()
                    session = self._new_session(name)
                    self._sessions[name] = session
        session.last_used = next(self._clock)
        return session

    def _evict_least_recent(self) -> None:
        """Forget the session used longest ago (never the default one); call under ``_lock``."""
        candidates = [s for s in self._sessions.values() if s.name != self.DEFAULT_SESSION]
        if candidates:
            del self._sessions[min(candidates, key=lambda s: s.last_used).name]

    def _new_session(self, name: str, saved: Mapping[str, Document] | None = None) -> Session:
        states = {
            vendor: self._new_state(name, vendor, specs, (saved or {}).get(vendor))
            for vendor, specs in self._specs.items()
        }
        session = Session(name, states, self._journal_size, self._journal_bounds)
        for fault in self._faults:
            session.faults.add(fault)
        return session

    def _new_state(
        self, session: str, vendor: str, specs: Mapping[str, CollectionSpec], saved: Document | None
    ) -> VendorState:
        fixtures = self._fixtures.get(vendor, {})
        persistence = self._persistence
        if persistence is None:
            return VendorState(specs, fixtures)
        if saved is None:
            return DurableVendorState(specs, fixtures, persistence, session, vendor, saved=False)
        try:
            return DurableVendorState(specs, saved, persistence, session, vendor, saved=True)
        except StateError as exc:
            raise StateError(f"saved state of session {session!r}, vendor {vendor}: {exc}") from None

    def reset(self, name: str | None = None) -> None:
        """Forget a session; it comes back from the fixtures on its next use."""
        name = name or self.DEFAULT_SESSION
        with self._lock:
            session = self._sessions.pop(name, None)
            if self._persistence is None:
                return
            with self._persistence.lock:  # a request still holding the old session saves nothing
                for state in session.states.values() if session is not None else []:
                    assert isinstance(state, DurableVendorState)
                    state.detach()
                self._persistence.drop(name, list(self._specs))

    def session_names(self) -> list[str]:
        return sorted(self._sessions)

    def close(self) -> None:
        """Close the persistence, if any (the in-memory state stays readable)."""
        if self._persistence is not None:
            self._persistence.close()
