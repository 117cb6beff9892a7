"""One SQLite library per process: SQLAlchemy talks to SQLite through the ADBC driver too.

Why: the bulk writer needs ADBC (Arrow ingest, ADR 0001), and ADBC bundles its own SQLite.
Two copies of SQLite in one process corrupt WAL databases — POSIX locks are per process, so
neither copy sees the other's locks and one may checkpoint or delete the WAL under the other
(sqlite.org "How To Corrupt An SQLite Database File" §2.2.2; reproduced here as "database disk
image is malformed"). So the SQLAlchemy engine's DBAPI for SQLite is this thin adapter over
``adbc_driver_sqlite.dbapi``: the PEP 249 module plus the two sqlite3-module hooks SQLAlchemy's
pysqlite dialect calls (``create_function`` and ``cursor.lastrowid``).
"""

from __future__ import annotations

import contextlib
import types
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import adbc_driver_sqlite.dbapi as adbc

SQLITE_VERSION = "3.53.1"  # the version the pinned adbc-driver-sqlite bundles


READ_ONLY = ("SELECT", "PRAGMA", "EXPLAIN", "WITH")
BEGIN_WRITE = "BEGIN IMMEDIATE"


def _reads(operation: str) -> bool:
    return operation.lstrip().upper().startswith(READ_ONLY)


class Cursor:
    """An ADBC cursor that begins a transaction before a write, as ``sqlite3`` does."""

    def __init__(self, cursor: Any, owner: Connection) -> None:
        self._cursor = cursor
        self._owner = owner
        self._changes = -1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def execute(self, operation: str, parameters: Any = None) -> Any:
        """Run a statement, first opening a write transaction if it may write.

        ``BEGIN IMMEDIATE`` itself takes the write lock now, before the reads of a
        read-modify-write (the game's batches), and is otherwise a no-op inside a transaction.
        """
        if operation.strip().upper() == BEGIN_WRITE:
            self._owner.begin_if(BEGIN_WRITE)
            return None
        self._owner.begin_if(operation)
        result = self._cursor.execute(operation, parameters)
        self._changes = -1 if _reads(operation) else self._owner.changes()
        return result

    def executemany(self, operation: str, seq_of_parameters: Any) -> Any:
        """Run a statement for each parameter set, inside one write transaction."""
        self._owner.begin_if(operation)
        result = self._cursor.executemany(operation, seq_of_parameters)
        self._changes = self._owner.changes()
        return result

    @property
    def rowcount(self) -> int:
        """Rows changed by the last write (``sqlite3`` semantics; ADBC reports -1)."""
        return self._changes

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    @property
    def lastrowid(self) -> int:
        """``last_insert_rowid()`` of this connection (sqlite3's ``cursor.lastrowid``)."""
        probe = self._owner.raw.cursor()
        try:
            probe.execute("SELECT last_insert_rowid()")
            return int(probe.fetchone()[0])
        finally:
            probe.close()


class Connection:
    """An ADBC connection in autocommit mode that manages transactions like ``sqlite3``.

    Reads outside a transaction run on their own snapshot; the first write opens
    ``BEGIN IMMEDIATE`` (no lock upgrade deadlocks), held until ``commit`` or ``rollback``.
    ADBC's own manual-commit mode keeps a write lock between transactions, which would block
    every other connection, so it is not used.
    """

    def __init__(self, connection: Any) -> None:
        self.raw = connection
        self._control = connection.cursor()
        self._cursors: weakref.WeakSet[Any] = weakref.WeakSet()
        self._prepared: dict[str, Any] = {}
        self.in_transaction = False
        self.closed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    def cursor(self) -> Cursor:
        """A cursor that opens transactions on writes and knows ``lastrowid``."""
        raw_cursor = self.raw.cursor()
        self._cursors.add(raw_cursor)
        return Cursor(raw_cursor, self)

    def prepared(self, operation: str) -> Any:
        """The raw ADBC cursor kept for ``operation`` on this connection, prepared once.

        Why: SQLAlchemy opens a new cursor per statement, so ADBC prepares the SQL every time;
        the hot statements of ``store.driver`` are a fixed set of constant texts, so one
        prepared statement each per connection is a bounded cache.
        """
        cursor = self._prepared.get(operation)
        if cursor is None:
            cursor = self._prepared[operation] = self.raw.cursor()
            self._cursors.add(cursor)
        return cursor

    def query(self, operation: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run ``operation`` on its prepared cursor; its rows, read as Arrow columns.

        ADBC's ``fetchall`` converts one cell at a time in Python; converting whole columns
        and zipping them is several times faster for the game's few hundred rows.
        """
        self.begin_if(operation)
        cursor = self.prepared(operation)
        cursor.execute(operation, parameters or None)
        if not cursor.description:
            return []
        table = cursor.fetch_arrow_table()
        return list(zip(*(column.to_pylist() for column in table.columns), strict=True))

    def execute_batch(self, operation: str, batch: Any) -> None:
        """Run ``operation`` once per row of an Arrow record batch, on its prepared cursor."""
        self.begin_if(operation)
        self.prepared(operation).executemany(operation, batch)

    def begin_if(self, operation: str) -> None:
        """Open a write transaction unless one is open or the statement only reads."""
        if self.in_transaction or _reads(operation):
            return
        self._control.execute(BEGIN_WRITE)
        self.in_transaction = True

    def changes(self) -> int:
        """Rows changed by the most recent INSERT, UPDATE or DELETE on this connection."""
        self._control.execute("SELECT changes()")
        return int(self._control.fetchone()[0])

    def commit(self) -> None:
        """Commit the open transaction, if any."""
        if self.in_transaction:
            self.in_transaction = False
            self._control.execute("COMMIT")

    def rollback(self) -> None:
        """Roll back the open transaction, if any."""
        if self.in_transaction:
            self.in_transaction = False
            self._control.execute("ROLLBACK")

    def close(self) -> None:
        """Roll back anything open, close every cursor, then the connection.

        ADBC refuses to close a connection with open statements, and raising from a finaliser
        during garbage collection can break unrelated code (CPython's AST compiler, seen here),
        so an unreferenced connection is closed the same way by ``__del__``.
        """
        if self.closed:
            return
        self.closed = True
        self.rollback()
        for cursor in list(self._cursors):
            cursor.close()
        self._prepared.clear()
        self._control.close()
        self.raw.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def create_function(self, *_args: Any, **_kwargs: Any) -> None:
        """SQLAlchemy registers a REGEXP function; Saxaul never uses it, so this is a no-op."""


def connect(path: str, pragmas: Sequence[str]) -> Connection:
    """Open ``path`` and apply ``pragmas`` (outside any transaction, as some require)."""
    raw = adbc.connect(path, autocommit=True)
    cursor = raw.cursor()
    for pragma in pragmas:
        cursor.execute(pragma)
        cursor.fetchall()
    cursor.close()
    return Connection(raw)


def module(make: Callable[[], Connection]) -> types.SimpleNamespace:
    """The DBAPI "module" SQLAlchemy needs: ADBC's exceptions and constants, our ``connect``."""
    namespace = types.SimpleNamespace(
        **{name: getattr(adbc, name) for name in dir(adbc) if not name.startswith("_")}
    )
    namespace.sqlite_version = SQLITE_VERSION
    namespace.sqlite_version_info = tuple(int(p) for p in SQLITE_VERSION.split("."))
    namespace.paramstyle = "qmark"
    namespace.connect = lambda *_a, **_k: make()
    return namespace
