"""Durable state for ``--store sqlite:PATH``: the store's write-through layer, on stdlib sqlite3.

One table of records keyed by (session, vendor, collection, id), their JSON as the value, plus
one row per saved (session, vendor) state, so a saved state with no records is not mistaken for
"take the fixtures", and the highest id deleted from each collection, so that an id is not
handed out again after a restart (a vendor's auto-increment never is). Every write is one
SQLite transaction, committed (WAL, ``synchronous=FULL``: fsynced) before it returns. Records
keep their in-memory order: a replaced row gets a new rowid, as a replaced dict entry moves to
the end, and loading reads by rowid.

The connection holds the database file's lock for as long as it is open
(``locking_mode=EXCLUSIVE``), so a second server on the same file fails at startup instead of
silently diverging from the first.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from mockserver.core.store import Document, Record, StorageError
from mockserver.core.strict import is_strict_json, strict_json_problems

SCHEMA_VERSION = 2
"""1: states and records; 2 adds ``deleted`` (a version 1 file is upgraded when opened)."""
SCHEMA = """
CREATE TABLE IF NOT EXISTS states (
    session TEXT NOT NULL,
    vendor TEXT NOT NULL,
    PRIMARY KEY (session, vendor)
);
CREATE TABLE IF NOT EXISTS records (
    session TEXT NOT NULL,
    vendor TEXT NOT NULL,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (session, vendor, collection, id)
);
CREATE TABLE IF NOT EXISTS deleted (
    session TEXT NOT NULL,
    vendor TEXT NOT NULL,
    collection TEXT NOT NULL,
    high INTEGER NOT NULL,
    PRIMARY KEY (session, vendor, collection)
);
"""
COLUMNS = {  # each table's columns, and the schema version that added it
    "states": (["session", "vendor"], 1),
    "records": (["session", "vendor", "collection", "id", "json"], 1),
    "deleted": (["session", "vendor", "collection", "high"], 2),
}
_UPSERT = "INSERT OR REPLACE INTO records (session, vendor, collection, id, json) VALUES (?, ?, ?, ?, ?)"
_DELETE = "DELETE FROM records WHERE session = ? AND vendor = ? AND collection = ? AND id = ?"
_MARK = "INSERT OR REPLACE INTO deleted (session, vendor, collection, high) VALUES (?, ?, ?, ?)"


class PersistenceError(ValueError):
    """The state database cannot be used (a usage error at startup)."""


NOT_OURS = "use a new file, or one a mockserver wrote"


def _dumps(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _loads(text: object, place: str) -> Record:
    """A saved record. A mockserver writes only JSON objects of strict JSON (GEN-13), so anything
    else was changed outside it: named, not half-read."""
    if not isinstance(text, str):
        kind = "bytes (a BLOB)" if isinstance(text, bytes) else type(text).__name__
        raise ValueError(f"{place} is stored as {kind}, not JSON text; {_TAMPERED}")
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{place} is not JSON ({exc}); {_TAMPERED}") from None
    except RecursionError:
        raise ValueError(f"{place} is nested too deeply to read; {_TAMPERED}") from None
    if not isinstance(record, dict):
        raise ValueError(f"{place} is not a JSON object; {_TAMPERED}")
    if not is_strict_json(record):
        problems = strict_json_problems(record, 1, place)
        if problems:
            raise ValueError(f"{problems[0]}; {_TAMPERED}")
    return record


_TAMPERED = "the file was changed outside mockserver"


def _hint(path: Path, exc: sqlite3.Error) -> str:
    """What SQLite's words ("disk I/O error", "database is locked") mean for the user."""
    if "locked" in str(exc):
        return " (is another mockserver using it?)"
    directory = path.parent if str(path.parent) else Path(".")
    if (path.exists() and not os.access(path, os.W_OK)) or not os.access(directory, os.W_OK):
        return f" ({path} or its directory is read-only for this user: the store writes both)"
    return ""


class SqlitePersistence:
    """One connection per store, shared by every thread under ``lock``."""

    def __init__(self, path: Path, timeout: float = 1.0) -> None:
        self.path = path
        self.lock = threading.RLock()
        try:
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise PersistenceError(f"cannot open the state database {path}: {exc}") from None
        try:
            self._db.execute("PRAGMA locking_mode = EXCLUSIVE")  # before WAL: no shared memory
            (mode,) = self._db.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode != "wal":
                raise PersistenceError(f"{path}: SQLite cannot keep this database in WAL mode ({mode})")
            self._db.execute("PRAGMA synchronous = FULL")
            with self._transaction() as db:  # takes the file's lock for as long as we run
                (version,) = db.execute("PRAGMA user_version").fetchone()
                if version not in range(SCHEMA_VERSION + 1):
                    raise PersistenceError(
                        f"{path}: state database schema {version}, this mockserver reads {SCHEMA_VERSION}"
                    )
                _check_tables(db, path, version)
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                _check_tables(db, path, SCHEMA_VERSION)  # an upgrade may meet a foreign table
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            self._db.close()
            raise PersistenceError(f"cannot use the state database {path}: {exc}{_hint(path, exc)}") from None
        except PersistenceError:
            self._db.close()
            raise

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    @contextmanager
    def _saving(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; a failure (disk full, file gone, closed) is a StorageError."""
        try:
            with self._transaction() as db:
                yield db
        except sqlite3.Error as exc:
            raise StorageError(f"the state database {self.path} could not be written: {exc}") from exc

    def sessions(self) -> list[str]:
        with self.lock:
            try:
                return [name for (name,) in self._db.execute("SELECT DISTINCT session FROM states")]
            except sqlite3.Error as exc:
                raise StorageError(f"the state database {self.path} could not be read: {exc}") from exc

    def load_session(self, session: str) -> dict[str, Document]:
        with self.lock:
            try:
                saved: dict[str, Document] = {
                    vendor: {}
                    for (vendor,) in self._db.execute(
                        "SELECT vendor FROM states WHERE session = ?", (session,)
                    )
                }
                query = "SELECT vendor, collection, id, json FROM records WHERE session = ? ORDER BY rowid"
                rows = self._db.execute(query, (session,)) if saved else ()
                for vendor, collection, key, text in rows:
                    document = saved.get(vendor)
                    if document is not None:
                        document.setdefault(collection, {})[key] = _loads(
                            text, f"{vendor} {collection}[{key!r}]"
                        )
            except (sqlite3.Error, ValueError) as exc:  # ValueError: a row that is not JSON
                raise StorageError(f"the state database {self.path} could not be read: {exc}") from exc
            return saved

    def deleted_marks(self, session: str) -> dict[str, dict[str, int]]:
        with self.lock:
            try:
                query = "SELECT vendor, collection, high FROM deleted WHERE session = ?"
                marks: dict[str, dict[str, int]] = {}
                for vendor, collection, high in self._db.execute(query, (session,)):
                    if not isinstance(high, int) or not 0 < high < 10**18:  # what a delete can burn
                        raise ValueError(f"{vendor} {collection}'s deleted id is {high!r}; {_TAMPERED}")
                    marks.setdefault(vendor, {})[collection] = high
            except (sqlite3.Error, ValueError) as exc:
                raise StorageError(f"the state database {self.path} could not be read: {exc}") from exc
            return marks

    def write(
        self,
        session: str,
        vendor: str,
        changes: Mapping[str, Mapping[str, Record | None]],
        marks: Mapping[str, int] | None = None,
    ) -> None:
        upserts, deletes = [], []
        for collection, records in changes.items():
            for key, record in records.items():
                if record is None:
                    deletes.append((session, vendor, collection, key))
                else:
                    upserts.append((session, vendor, collection, key, _dumps(record)))
        with self._saving() as db:
            db.executemany(_DELETE, deletes)
            db.executemany(_UPSERT, upserts)
            _save_marks(db, session, vendor, marks)

    def replace(
        self,
        session: str,
        vendor: str,
        document: Mapping[str, Mapping[str, Record]],
        marks: Mapping[str, int] | None = None,
    ) -> None:
        rows = [
            (session, vendor, collection, key, _dumps(record))
            for collection, records in document.items()
            for key, record in records.items()
        ]
        with self._saving() as db:
            db.execute("DELETE FROM records WHERE session = ? AND vendor = ?", (session, vendor))
            db.execute("INSERT OR IGNORE INTO states (session, vendor) VALUES (?, ?)", (session, vendor))
            db.executemany(_UPSERT, rows)
            _save_marks(db, session, vendor, marks)

    def drop(self, session: str, vendors: list[str]) -> None:
        with self._saving() as db:
            for vendor in vendors:
                db.execute("DELETE FROM records WHERE session = ? AND vendor = ?", (session, vendor))
                db.execute("DELETE FROM states WHERE session = ? AND vendor = ?", (session, vendor))
                db.execute("DELETE FROM deleted WHERE session = ? AND vendor = ?", (session, vendor))

    def close(self) -> None:
        with self.lock:
            self._db.close()


def _save_marks(db: sqlite3.Connection, session: str, vendor: str, marks: Mapping[str, int] | None) -> None:
    rows = [(session, vendor, collection, high) for collection, high in (marks or {}).items()]
    db.executemany(_MARK, rows)


def _check_tables(db: sqlite3.Connection, path: Path, version: int) -> None:
    """Refuse a file that holds someone else's tables: ``CREATE TABLE IF NOT EXISTS`` would
    keep a foreign ``states`` table, and the first read would fail on its columns."""
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == 0 and tables:
        names = ", ".join(sorted(tables))
        raise PersistenceError(
            f"{path} is not a mockserver state database (it holds tables {names}); {NOT_OURS}"
        )
    for table, (expected, since) in COLUMNS.items():
        if version < since:
            continue  # created when the file is upgraded
        found = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        if found != expected:
            wanted = ", ".join(expected)
            raise PersistenceError(f"{path}: table {table} has columns {found}, not {wanted}; {NOT_OURS}")
