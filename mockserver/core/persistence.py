"""Durable state for ``--store sqlite:PATH``: the store's write-through layer, on stdlib sqlite3.

One table of records keyed by (session, vendor, collection, id), their JSON as the value, plus
one row per saved (session, vendor) state, so a saved state with no records is not mistaken for
"take the fixtures". Every write is one SQLite transaction, committed (WAL, ``synchronous=FULL``:
fsynced) before it returns. Records keep their in-memory order: a replaced row gets a new rowid,
as a replaced dict entry moves to the end, and loading reads by rowid.

The connection holds the database file's lock for as long as it is open
(``locking_mode=EXCLUSIVE``), so a second server on the same file fails at startup instead of
silently diverging from the first.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from mockserver.core.store import Document, Record

SCHEMA_VERSION = 1
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
"""
_UPSERT = "INSERT OR REPLACE INTO records (session, vendor, collection, id, json) VALUES (?, ?, ?, ?, ?)"
_DELETE = "DELETE FROM records WHERE session = ? AND vendor = ? AND collection = ? AND id = ?"


class PersistenceError(ValueError):
    """The state database cannot be used (a usage error at startup)."""


def _dumps(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


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
                if version not in (0, SCHEMA_VERSION):
                    raise PersistenceError(
                        f"{path}: state database schema {version}, this mockserver reads {SCHEMA_VERSION}"
                    )
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            self._db.close()
            hint = " (is another mockserver using it?)" if "locked" in str(exc) else ""
            raise PersistenceError(f"cannot use the state database {path}: {exc}{hint}") from None
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

    def load(self) -> dict[str, dict[str, Document]]:
        with self.lock:
            saved: dict[str, dict[str, Document]] = {}
            for session, vendor in self._db.execute("SELECT session, vendor FROM states"):
                saved.setdefault(session, {})[vendor] = {}
            query = "SELECT session, vendor, collection, id, json FROM records ORDER BY rowid"
            for session, vendor, collection, key, text in self._db.execute(query):
                document = saved.get(session, {}).get(vendor)
                if document is not None:
                    document.setdefault(collection, {})[key] = json.loads(text)
            return saved

    def write(self, session: str, vendor: str, changes: Mapping[str, Mapping[str, Record | None]]) -> None:
        upserts, deletes = [], []
        for collection, records in changes.items():
            for key, record in records.items():
                if record is None:
                    deletes.append((session, vendor, collection, key))
                else:
                    upserts.append((session, vendor, collection, key, _dumps(record)))
        with self._transaction() as db:
            db.executemany(_DELETE, deletes)
            db.executemany(_UPSERT, upserts)

    def replace(self, session: str, vendor: str, document: Mapping[str, Mapping[str, Record]]) -> None:
        rows = [
            (session, vendor, collection, key, _dumps(record))
            for collection, records in document.items()
            for key, record in records.items()
        ]
        with self._transaction() as db:
            db.execute("DELETE FROM records WHERE session = ? AND vendor = ?", (session, vendor))
            db.execute("INSERT OR IGNORE INTO states (session, vendor) VALUES (?, ?)", (session, vendor))
            db.executemany(_UPSERT, rows)

    def drop(self, session: str, vendors: list[str]) -> None:
        with self._transaction() as db:
            for vendor in vendors:
                db.execute("DELETE FROM records WHERE session = ? AND vendor = ?", (session, vendor))
                db.execute("DELETE FROM states WHERE session = ? AND vendor = ?", (session, vendor))

    def close(self) -> None:
        with self.lock:
            self._db.close()
