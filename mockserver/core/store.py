"""In-memory state: sessions of vendor states of indexed collections, with transactions.

A request runs inside :meth:`VendorState.transaction`; every write records an undo entry, so a
rejected request (or a bug halfway through) leaves the state exactly as it was (GEN-4).
Indexes map a derived key to record ids, so uniqueness checks never scan (100,000 projects).

The in-memory records and indexes are the working set in every mode. Given a
:class:`Persistence` (``--store sqlite:PATH``), the store builds :class:`DurableVendorState`
instead, which writes each committed transaction through before the transaction returns; the
in-memory path itself never pays for it.

A whole document (admin PUT, fixtures, a saved state) is checked on a scratch state first
(:func:`prepare`: shape, strict JSON, record schemas, index keys, the vendor's render probe) and
only then adopted, in one step: it is applied whole or not at all, and saved only if it passed.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from mypy_extensions import mypyc_attr

from mockserver.core.faults import Fault, FaultBook
from mockserver.core.journal import (
    DEFAULT_BODY_BYTES,
    DEFAULT_BUDGET_BYTES,
    DEFAULT_POOL_BYTES,
    Journal,
    JournalPool,
)
from mockserver.core.limits import Window
from mockserver.core.operations import MAX_ID_DIGITS
from mockserver.core.records import Check, compile_schema, short
from mockserver.core.strict import is_strict_json, strict_json_problems, strict_json_text

_ABSENT: Final[Any] = object()

Record = dict[str, Any]
Document = dict[str, dict[str, Record]]
"""A vendor's whole state: collection name -> record id (``str``) -> record."""
KeyFn = Callable[[Record], Any]
"""Derives an index key from a record; ``None`` means "not indexed"."""
Probe = Callable[["VendorState", int], list[str]]
"""What a vendor finds wrong rendering every record of a candidate state (at most ``limit``
problems): the vendor's side of "a record the store accepts can be read" (``Vendor.render_problems``)."""
MAX_PROBLEMS: Final = 100
"""A rejected document lists at most this many problems, and checking stops there (as GEN-5)."""


class FieldsKey:
    """An index key read from some fields of a record only (``FieldsKey(normalized, "name")``):
    an update that leaves those fields as they were keeps the record's key, which is then not
    computed again. ``key`` gets the fields' values (``None`` for an absent one), in order."""

    __slots__ = ("_one", "fields", "key", "names")

    def __init__(self, key: Callable[..., Any], *names: str) -> None:
        self.key = key
        self.names = names
        self.fields = frozenset(names)
        self._one = names[0] if len(names) == 1 else None

    def __call__(self, record: Record) -> Any:
        if self._one is not None:  # the usual index; every store and every record loaded
            return self.key(record.get(self._one))
        return self.key(*[record.get(name) for name in self.names])


def value_of(name: str) -> FieldsKey:
    """The index key that is a field's value itself."""
    return FieldsKey(_itself, name)


def _itself(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class CollectionSpec:
    """How a vendor's collection is keyed and indexed, and what its records look like."""

    id_field: str = "id"
    indexes: Mapping[str, KeyFn] = field(default_factory=dict)
    record_schema: Mapping[str, Any] | None = None
    """JSON Schema of a stored record (the subset of :mod:`mockserver.core.records`): the fields
    the vendor's handlers and renderers read, each typed. ``None``: any object."""
    check_record: Check | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # compiled at import: a bad schema fails there (set either way: mypyc, which compiles this
        # module, gives an init=False field no default)
        check = None if self.record_schema is None else compile_schema(self.record_schema)
        object.__setattr__(self, "check_record", check)


class StateError(ValueError):
    """A state document that does not fit the vendor's collections: every ``problem`` found (at
    most :data:`MAX_PROBLEMS`), each naming collection, record id and field."""

    def __init__(self, problems: str | Sequence[str], context: str = "") -> None:
        found = [problems] if isinstance(problems, str) else list(problems)
        # A message must itself be strict JSON: escape what a lone surrogate in a key left in it.
        self.problems = [p.encode("utf-8", "backslashreplace").decode("utf-8") for p in found]
        self.context = context
        super().__init__(self.summary())

    def summary(self) -> str:
        head = f"{self.context}: " if self.context else ""
        if len(self.problems) == 1:
            return head + self.problems[0]
        more = " (checking stopped there)" if len(self.problems) >= MAX_PROBLEMS else ""
        return f"{head}{len(self.problems)} problems{more}: " + "; ".join(self.problems)

    def within(self, context: str) -> StateError:
        return type(self)(self.problems, f"{context}: {self.context}" if self.context else context)


class FixtureError(StateError):
    """A vendor's fixture document (built-in or ``--fixtures DIR``) does not fit its collections."""

    def __init__(self, problems: str | Sequence[str], context: str = "", vendor: str = "") -> None:
        super().__init__(problems, context)
        self.vendor = vendor

    def within(self, context: str) -> FixtureError:
        outer = f"{context}: {self.context}" if self.context else context
        return FixtureError(self.problems, outer, self.vendor)


class UnstorableError(ValueError):
    """A request computed a value that cannot be sent back as strict JSON (GEN-13); the request
    is rejected and its transaction rolled back."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@mypyc_attr(native_class=False)  # mypyc compiles no subclass of RuntimeError as a native class
class StorageError(RuntimeError):
    """The persistence could not save a change (disk full, file gone, database closed); the
    change was not made, in memory or in the file."""


class Collection:
    """Records by id (always stored under ``str(id)``) plus secondary indexes."""

    def __init__(self, name: str, spec: CollectionSpec, owner: VendorState) -> None:
        self.name = name
        self.spec = spec
        self._owner = owner
        self._records: dict[str, Record] = {}
        self._deleted_high = 0
        """The highest numeric id deleted: a vendor's auto-increment never hands it out again."""
        self._indexes: dict[str, dict[Any, set[str]]] = {n: {} for n in spec.indexes}
        self._index_keys: dict[str, KeyFn] = dict(spec.indexes)
        """The spec's index key functions as a dict, which compiled code reads without calling a
        method by name (on every write)."""
        self._index_names = list(spec.indexes)
        self._always: list[str] = []
        """The indexes whose key function does not say which fields it reads: an update computes
        their keys again whatever it changed."""
        self._readers: dict[str, list[str]] = {}
        """Field -> the indexes whose key is read from it (a FieldsKey says which)."""
        for index, key_fn in spec.indexes.items():
            if not isinstance(key_fn, FieldsKey):
                self._always.append(index)
                continue
            for field_name in key_fn.names:
                self._readers.setdefault(field_name, []).append(index)

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
        """The vendor's auto-increment: one past every id held or deleted. Past 18 digits no path
        could name the record (and the next call would hand the same id out again): the create
        fails as a database's does when its sequence runs out, changing nothing."""
        held = max((int(k) for k in self._records if _numeric(k)), default=0)
        following = max(held, self._deleted_high) + 1
        if following >= _ID_CEILING:
            raise StorageError(f"{self.name} has no id left: {following - 1} is the largest a path can name")
        return following

    def put(self, record: Record) -> Record:
        key = str(record[self.spec.id_field])
        # GEN-13, once for every vendor: nothing is stored that cannot be sent back as JSON. The
        # values the stored version already holds were checked when it was stored.
        held = self._records.get(key)
        changed: Record | None = None
        if held is None:
            fresh = record
        else:
            fresh = {}
            added = 0
            for k, v in record.items():  # one pass: what changed, and how many fields are new
                was = held.get(k, _ABSENT)
                if was is not v:
                    fresh[k] = v
                    added += was is _ABSENT
            # the fields an update changed, if it removed none (each held field is still there):
            # indexes that read none of them stay
            if len(record) - added == len(held):
                changed = fresh
        if not is_strict_json(fresh):
            problems = strict_json_problems(record, 5, f"{self.name}[{key!r}]")
            if problems:
                raise UnstorableError(problems)
        self._owner._remember(self, key, held)
        self._store(key, record, changed)
        return record

    def delete(self, record_id: object) -> Record | None:
        key = str(record_id)
        old = self._records.get(key)
        if old is not None:
            self._owner._remember(self, key, old)
            self._unstore(key)
            if self._owner._undo is None:  # in a transaction, only once it commits
                self._burn(key)
        return old

    def _burn(self, key: str) -> None:
        if _numeric(key):
            self._deleted_high = max(self._deleted_high, int(key))

    def _store(self, key: str, record: Record, changed: Record | None = None) -> None:
        """``changed``: the fields an update changed (with their new values), if it removed none."""
        held = self._records.pop(key, None)  # a rewritten record goes last, as on the disk
        self._records[key] = record
        # an update computes again only the keys that read a field it changed
        names = self._index_names if changed is None or held is None else self._moved_by(changed)
        for name in names:
            key_fn = self._index_keys[name]
            index_key = key_fn(record)
            if held is not None:
                old_key = key_fn(held)
                if old_key == index_key:  # an update leaves most index keys as they were
                    continue
                self._unindex(name, old_key, key)
            if index_key is not None:
                self._indexes[name].setdefault(index_key, set()).add(key)

    def _moved_by(self, changed: Record) -> list[str]:
        """The indexes whose key an update of the ``changed`` fields can move."""
        moved = list(self._always)
        readers = self._readers
        for field_name in changed:
            names = readers.get(field_name)
            if names is not None:  # most fields are read by no index
                moved.extend(name for name in names if name not in moved)
        return moved

    def _unstore(self, key: str) -> None:
        record = self._records.pop(key)
        for name, key_fn in self._index_keys.items():
            self._unindex(name, key_fn(record), key)

    def _unindex(self, name: str, index_key: Any, key: str) -> None:
        ids = self._indexes[name].get(index_key)
        if ids is not None:
            ids.discard(key)
            if not ids:
                del self._indexes[name][index_key]

    def _admit(self, key: str, record: Record, problems: list[str]) -> None:
        """Store a candidate's record (:func:`prepare`), or say why an index cannot key it."""
        keys = {}
        for name, key_fn in self._index_keys.items():
            try:
                index_key = key_fn(record)
                hash(index_key)
            except Exception as exc:  # any failure of a key function is this record's problem
                problems.append(f"{self.name}[{key!r}]: index {name!r} cannot key this record ({short(exc)})")
                return
            keys[name] = index_key
        self._records[key] = record
        for name, index_key in keys.items():
            if index_key is not None:
                self._indexes[name].setdefault(index_key, set()).add(key)

    def _restore(self, key: str, record: Record | None) -> None:
        if record is None:
            if key in self._records:
                self._unstore(key)
        else:
            self._store(key, record)

    def dump(self) -> dict[str, Record]:
        return copy.deepcopy(self._records)


@mypyc_attr(allow_interpreted_subclasses=True)  # tests observe its methods in a subclass
class VendorState:
    """One vendor's collections within one session.

    ``document`` is checked whole (:func:`prepare`, with the vendor's render ``probe``), unless it
    is ``trusted``: a template that already passed, such as the store's checked fixtures.
    """

    def __init__(
        self,
        specs: Mapping[str, CollectionSpec],
        document: Mapping[str, Any],
        probe: Probe | None = None,
        *,
        trusted: bool = False,
    ) -> None:
        self._undo: list[tuple[Collection, str, Record | None]] | None = None
        self.specs = specs
        self.probe = probe
        self.collections = {name: Collection(name, spec, self) for name, spec in specs.items()}
        if trusted:
            self._install(_copy_document(document))
        elif document:
            self._adopt(prepare(specs, document, probe))

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def _remember(self, collection: Collection, key: str, old: Record | None) -> None:
        if self._undo is not None:
            self._undo.append((collection, key, old))

    def transaction(self) -> Transaction:
        """Commit on normal exit; undo every write if the block raises."""
        return Transaction(self)

    def _committing(self, undo: list[tuple[Collection, str, Record | None]]) -> None:
        """Called before a transaction with writes ends; raising undoes them (a durable state
        writes them through here)."""

    def load(self, document: Mapping[str, Any], *, owned: bool = False) -> None:
        """Replace the whole state with ``document``: checked on a scratch state, then adopted in
        one step (all or nothing); a bad document raises :class:`StateError`. ``owned``: the
        caller hands it over (just parsed), so its records are kept rather than copied."""
        self.install(self.check(document, owned=owned))

    def check(self, document: Mapping[str, Any], *, owned: bool = False) -> VendorState:
        """The first half of :meth:`load`: ``document`` checked whole on a scratch state. It
        reads nothing of this state, so it needs no lock: a large document takes seconds."""
        return prepare(self.specs, document, self.probe, owned=owned)

    def install(self, scratch: VendorState) -> None:
        """The second half of :meth:`load`: adopt what :meth:`check` made, in one step."""
        self._adopt(scratch)

    def _install(self, checked: Document) -> None:
        for name, collection in self.collections.items():
            collection._records.clear()
            for index in collection._indexes.values():
                index.clear()
            for key, record in checked.get(name, {}).items():
                collection._store(key, record)

    def _adopt(self, scratch: VendorState) -> None:
        """Take over a prepared scratch state's records and indexes (no copying, no failure)."""
        for name, collection in self.collections.items():
            collection._records = scratch.collections[name]._records
            collection._indexes = scratch.collections[name]._indexes

    def dump(self) -> dict[str, dict[str, Record]]:
        return {name: c.dump() for name, c in self.collections.items()}


class Transaction:
    """``with state.transaction():`` a plain class, not ``contextlib.contextmanager``: it runs on
    every call, and the generator machinery costs more than the undo log it manages."""

    __slots__ = ("_outer", "_state")

    def __init__(self, state: VendorState) -> None:
        self._state = state
        self._outer = False

    def __enter__(self) -> VendorState:
        state = self._state
        self._outer = state._undo is None  # nested: the outer transaction owns the undo log
        if self._outer:
            state._undo = []
        return state

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if not self._outer:
            return
        state = self._state
        undo = state._undo
        assert undo is not None  # set by __enter__
        try:
            if kind is None and undo:
                state._committing(undo)
        except BaseException:
            _undo(undo)
            raise
        else:
            if kind is not None:
                _undo(undo)
            else:  # a committed delete burns its id; a rolled-back one changed nothing (GEN-4)
                for collection, key, old in undo:
                    if old is not None and key not in collection._records:
                        collection._burn(key)
        finally:
            state._undo = None


def _undo(undo: list[tuple[Collection, str, Record | None]]) -> None:
    for collection, key, old in reversed(undo):
        collection._restore(key, old)


class Persistence(Protocol):
    """Where a durable store writes through (``mockserver.core.persistence``). Every write is one
    atomic write that is durable when it returns, or raises :class:`StorageError` having changed
    nothing; ``lock`` serialises them."""

    @property
    def lock(self) -> AbstractContextManager[Any]:
        """Held around every write, and by the store while it detaches a reset or evicted session."""
        ...

    def sessions(self) -> list[str]:
        """The names of the sessions that have a saved state."""
        ...

    def load_session(self, session: str) -> dict[str, Document]:
        """The saved states of ``session``: vendor -> document (empty: nothing saved)."""
        ...

    def deleted_marks(self, session: str) -> dict[str, dict[str, int]]:
        """The highest id deleted from each collection of ``session``: vendor -> collection -> id."""
        ...

    def write(
        self,
        session: str,
        vendor: str,
        changes: Mapping[str, Mapping[str, Record | None]],
        marks: Mapping[str, int] | None = None,
    ) -> None:
        """Upsert (record) or delete (``None``) the given ids of each collection, and save the
        collections' new highest deleted ids (``marks``)."""
        ...

    def replace(
        self,
        session: str,
        vendor: str,
        document: Mapping[str, Mapping[str, Record]],
        marks: Mapping[str, int] | None = None,
    ) -> None:
        """Save ``document`` as the vendor's whole state in ``session`` (the deleted ids saved
        stay: a replaced state never hands them out either, as in memory)."""
        ...

    def drop(self, session: str, vendors: list[str]) -> None:
        """Forget these vendors' states and deleted ids in ``session``."""
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
        probe: Probe | None,
        persistence: Persistence,
        session: str,
        vendor: str,
        saved: bool,
        *,
        trusted: bool = False,
    ) -> None:
        super().__init__(specs, document, probe, trusted=trusted)
        self._persistence = persistence
        self._session = session
        self._vendor = vendor
        self._saved = saved
        self._detached = False
        self._evicted = False

    def _committing(self, undo: list[tuple[Collection, str, Record | None]]) -> None:
        changes: dict[str, dict[str, Record | None]] = {}
        marks: dict[str, int] = {}
        for collection, key, old in undo:
            record = changes.setdefault(collection.name, {})[key] = collection._records.get(key)
            if record is None and old is not None and _numeric(key) and int(key) > collection._deleted_high:
                marks[collection.name] = max(int(key), marks.get(collection.name, 0))
        with self._persistence.lock:
            self._check_not_evicted()
            if self._detached:  # reset meanwhile: this session is no longer the saved one
                return
            if self._saved:
                self._persistence.write(self._session, self._vendor, changes, marks)
            else:
                self._persistence.replace(self._session, self._vendor, _records_of(self), marks)
                self._saved = True

    def install(self, scratch: VendorState) -> None:
        with self._persistence.lock:
            self._check_not_evicted()
            if not self._detached:  # saved first: a failed write leaves the state as it was
                self._persistence.replace(self._session, self._vendor, _records_of(scratch))
                self._saved = True
            self._adopt(scratch)

    def detach(self) -> None:
        """Stop writing through (the session was reset); call it under ``persistence.lock``."""
        self._detached = True

    def evict(self) -> None:
        """The store forgot this session and will re-load it from the file on its next use: a
        request still holding this copy must fail rather than write behind the re-loaded one.
        Call it under ``persistence.lock``."""
        self._evicted = True

    def _check_not_evicted(self) -> None:
        if self._evicted:
            raise StorageError(f"session {self._session!r} left memory during the request; retry it")


_ID_CEILING: Final = 10**18
"""The first id of 19 digits: routes take 18 (``operations.MAX_ID_DIGITS``), and 64 bits hold them."""


def _numeric(key: str) -> bool:
    # ASCII digits only ('²'.isdigit() holds too) and ids a 64-bit integer holds
    return key.isascii() and key.isdigit() and len(key) < 19


def _records_of(state: VendorState) -> dict[str, dict[str, Record]]:
    return {name: c._records for name, c in state.collections.items()}


def _copy_document(document: Mapping[str, Any]) -> Document:
    """A private copy (``str`` ids); the C codec copies a JSON tree several times faster than
    ``copy.deepcopy``, and every document here is JSON (:func:`prepare` checked it)."""
    return {str(name): json.loads(json.dumps(records)) for name, records in document.items()}


def prepare(
    specs: Mapping[str, CollectionSpec],
    document: Any,
    probe: Probe | None = None,
    limit: int = MAX_PROBLEMS,
    *,
    owned: bool = False,
) -> VendorState:
    """``document`` checked whole and installed on a scratch state, ready to be adopted: its
    shape, strict JSON (GEN-13), each record against its collection's ``record_schema``, every
    index key, then the vendor's render ``probe`` on the result. Anything wrong raises
    :class:`StateError` listing the problems (at most ``limit``)."""
    if not isinstance(document, Mapping):
        raise StateError(["the state document must be a JSON object of collections"])
    # Each stage reports what it finds and passes only what it found sound to the next, so
    # that one answer lists every problem (up to ``limit``), not only the first stage's.
    problems: list[str] = []
    sound = _sound_shapes(specs, document, problems, limit)
    text = strict_json_text(document)
    if text is None:
        problems += strict_json_problems(document, limit - len(problems), "")
    for name, keys in sound.items():
        check = specs[name].check_record
        if check is None:
            continue
        for key in list(keys):
            if len(problems) >= limit:
                break
            found = len(problems)
            check(document[name][key], f"{name}[{key!r}]", problems)
            if len(problems) > found:  # key functions may assume the types the schema checks
                keys.remove(key)
    scratch = VendorState(specs, {}, probe, trusted=True)
    records = document if problems else _private(document, text, owned)
    for name, keys in sound.items():
        collection = scratch.collections[name]
        for key in keys:
            if len(problems) >= limit:
                break
            # the copy was parsed back from JSON text: its keys are strings, as the store's are
            record = records[name][key] if records is document else records[name][str(key)]
            collection._admit(str(key), record, problems)
    if not problems and probe is not None:  # the vendor's render, on a whole sound state
        problems = probe(scratch, limit)
    if problems:
        raise StateError(problems[:limit])
    return scratch


def _private(document: Mapping[str, Any], text: bytes | None, owned: bool) -> Mapping[str, Any]:
    """The document's records for the store alone: its own if handed over, else a copy (parsed
    back from the text the strict check encoded, when it did)."""
    if owned:
        return document
    return json.loads(text) if text is not None else _copy_document(document)


def _sound_shapes(
    specs: Mapping[str, CollectionSpec], document: Mapping[str, Any], problems: list[str], limit: int
) -> dict[str, list[str]]:
    """The document's shape: problems are appended; returns the keys of the records whose shape
    is sound, by collection (a known collection, an object carrying its key as its id)."""
    unknown = sorted(map(str, set(document) - set(specs)))
    if unknown:  # named, but never more than a line's worth: the names are the caller's
        named = ", ".join(name if len(name) <= 40 else name[:40] + "…" for name in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        problems.append(f"unknown collections: {named}{more}; known: {sorted(specs)}")
    sound: dict[str, list[str]] = {}
    for name, records in document.items():
        if name not in specs:
            continue
        if not isinstance(records, Mapping):
            problems.append(f"collection {name!r} must be an object of records by id")
            continue
        id_field = specs[name].id_field
        keys = sound[name] = []
        for key, record in records.items():
            if len(problems) >= limit:
                return sound
            if not isinstance(record, Mapping):
                problems.append(f"{name}[{key!r}] must be an object")
            elif str(record.get(id_field)) != str(key):
                problems.append(f"{name}[{key!r}] must carry {id_field!r} equal to its key")
            elif unreachable := _unreachable_id(record.get(id_field)):
                problems.append(f"{name}[{key!r}]: {id_field!r} {unreachable}")
            else:
                keys.append(key)
    return sound


def _unreachable_id(value: Any) -> str | None:
    """Why no call could ever name a record by this id (a record nobody can read or change by
    id is a seeding mistake, not a tenant's legacy data), or None."""
    if value == "":
        return "is empty: no path segment, token or reference is empty"
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) > MAX_ID_DIGITS:
        return f"has more than {MAX_ID_DIGITS} digits: no path takes it (64-bit ids)"
    return None


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
        journal_pool: JournalPool | None = None,
    ) -> None:
        self.name = name
        self.states = states
        self.lock = threading.RLock()
        self.journal = Journal(journal_size, *journal_bounds, pool=journal_pool)
        self.faults = FaultBook()
        self.last_used = 0
        """When the session was last asked for (a store-wide counter): the least recent goes first
        when the store is over ``max_sessions``."""
        self.accepted = False
        """A call in it was accepted (the web layer says so). Sessions only ever refused, such as
        a flood of bad calls each naming a new session, are forgotten before any of these."""
        self.rate_windows: dict[object, dict[str, Window]] = {}
        """``--rate-limits``: the limiter's windows of this session (``core.limits.Metered``)."""


class Store:
    """All sessions, created lazily on first use: from the session's saved state when the
    persistence has one, from the fixtures otherwise.

    Each vendor's fixtures are checked once, here (:class:`FixtureError`), with the vendor's
    render ``probes``. Past ``max_sessions`` the least recently used session (never the default
    one) is forgotten: in memory it comes back from the fixtures; with a persistence from the file
    if it was saved there, so forgetting it only frees memory. At startup every saved session
    is loaded and checked once, so a file that no longer fits fails then, not on first use.
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
        probes: Mapping[str, Probe] | None = None,
        journal_bounds: tuple[int, int] = (DEFAULT_BODY_BYTES, DEFAULT_BUDGET_BYTES),
        journal_pool_bytes: int = DEFAULT_POOL_BYTES,
    ) -> None:
        self._specs = specs
        self._probes = dict(probes or {})
        self._templates = {vendor: self._template(vendor, fixtures.get(vendor, {})) for vendor in specs}
        self._journal_size = journal_size
        self._journal_bounds = journal_bounds
        """Each session journal's (body_bytes, budget_bytes)."""
        self.journal_pool = JournalPool(journal_pool_bytes)
        """All the journals together: past it, those of the sessions used longest ago are emptied."""
        self.journal_pool.shed = self._shed_journals
        self._persistence = persistence
        # A session costs ~100 KiB plus its journal; a suite that names a new session per test
        # and never resets would otherwise grow without bound.
        self._max_sessions = max_sessions
        self._faults = tuple(faults)
        """Faults every session starts with (``serve --fuzz-responses``); a reset brings them back."""
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._clock = itertools.count(1)
        for name in persistence.sessions() if persistence is not None else ():
            self.session(name)

    def _template(self, vendor: str, document: Mapping[str, Any]) -> Document:
        try:
            checked = prepare(self._specs[vendor], document, self._probes.get(vendor))
        except StateError as exc:
            raise FixtureError(exc.problems, f"fixtures of {vendor}", vendor) from None
        return _records_of(checked)

    def session(self, name: str | None = None) -> Session:
        name = name or self.DEFAULT_SESSION
        session = self._sessions.get(name)
        if session is None:
            with self._lock:
                session = self._sessions.get(name)
                if session is None:
                    saved, marks = self._load(name)
                    session = self._new_session(name, saved, marks)
                    if self._max_sessions and len(self._sessions) >= self._max_sessions:
                        self._evict_least_recent()
                    self._sessions[name] = session
        session.last_used = next(self._clock)
        return session

    def _evict_least_recent(self) -> None:
        """Forget the session used longest ago (never the default one), one that never had a call
        accepted if there is one; call under ``_lock``."""
        candidates = [s for s in self._sessions.values() if s.name != self.DEFAULT_SESSION]
        if not candidates:
            return
        victim = min(candidates, key=_least_valued)
        if self._persistence is not None:
            with self._persistence.lock:
                for state in victim.states.values():
                    assert isinstance(state, DurableVendorState)
                    state.evict()
        del self._sessions[victim.name]
        victim.journal.leave_pool()

    def _shed_journals(self, keeping: Journal) -> None:
        """Empty the journals of the sessions used longest ago, those never accepted first, but
        not ``keeping``, until the pool holds at most three quarters of its limit (so that the
        next calls do not shed again). Their rule counts and states stay."""
        pool = self.journal_pool
        with self._lock:
            order = sorted(self._sessions.values(), key=_least_valued)
        for session in order:
            if pool.held <= pool.limit * 3 // 4:
                return
            if session.journal is not keeping:
                session.journal.clear()

    def _load(self, name: str) -> tuple[dict[str, Document], dict[str, dict[str, int]]]:
        """A session's saved states and deleted ids (nothing, without a persistence)."""
        if self._persistence is None:
            return {}, {}
        return self._persistence.load_session(name), self._persistence.deleted_marks(name)

    def _new_session(
        self, name: str, saved: Mapping[str, Document], marks: Mapping[str, Mapping[str, int]]
    ) -> Session:
        states = {vendor: self._new_state(name, vendor, saved.get(vendor)) for vendor in self._specs}
        for vendor, highs in marks.items():
            collections = states[vendor].collections if vendor in states else {}
            for collection, high in highs.items():
                if collection in collections:  # else a vendor or collection this server does not serve
                    collections[collection]._burn(str(high))
        session = Session(name, states, self._journal_size, self._journal_bounds, self.journal_pool)
        for fault in self._faults:
            session.faults.add(fault)
        return session

    def _new_state(self, session: str, vendor: str, saved: Document | None) -> VendorState:
        specs, probe, template = self._specs[vendor], self._probes.get(vendor), self._templates[vendor]
        persistence = self._persistence
        if persistence is None:
            return VendorState(specs, template, probe, trusted=True)
        if saved is None:
            return DurableVendorState(
                specs, template, probe, persistence, session, vendor, saved=False, trusted=True
            )
        try:  # the render probe ran when it was saved; the file may come from another version
            scratch = prepare(specs, saved)
        except StateError as exc:
            raise exc.within(f"saved state of session {session!r}, vendor {vendor}") from None
        state = DurableVendorState(specs, {}, probe, persistence, session, vendor, saved=True, trusted=True)
        state._adopt(scratch)
        return state

    def reset(self, name: str | None = None) -> None:
        """Forget a session (its state, journal and faults); it comes back from the fixtures on its
        next use. With a persistence the saved state is dropped first: if that fails
        (:class:`StorageError`), the session stays exactly as it was, in memory and in the file."""
        name = name or self.DEFAULT_SESSION
        with self._lock:
            session = self._sessions.get(name)
            if self._persistence is not None:
                with self._persistence.lock:  # a request still holding the old session saves nothing
                    self._persistence.drop(name, list(self._specs))
                    for state in session.states.values() if session is not None else []:
                        assert isinstance(state, DurableVendorState)
                        state.detach()
            if session is not None:
                session.faults.clear()  # nor is it faulted any more
                session.journal.leave_pool()
                del self._sessions[name]

    def session_names(self) -> list[str]:
        """The sessions in memory (with a persistence, saved ones may be in the file only)."""
        return sorted(self._sessions)

    def sessions(self) -> list[Session]:
        """The sessions in memory, by name, without creating one or counting it as used (the
        admin API's session list must not keep sessions alive)."""
        with self._lock:
            return [self._sessions[name] for name in sorted(self._sessions)]

    def close(self) -> None:
        """Close the persistence, if any (the in-memory state stays readable)."""
        if self._persistence is not None:
            self._persistence.close()


def _least_valued(session: Session) -> tuple[bool, int]:
    """Sessions never accepted a call first, then the least recently used."""
    return session.accepted, session.last_used
