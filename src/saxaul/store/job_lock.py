"""The lock that lets one process at a time run the scheduled jobs on a database.

Why a lock held for as long as the holder lives, not one per run: every server of an
installation starts a scheduler, and the jobs are safe to run twice but not free (each pass
scans the awards and the balls, and locks ball accounts that players are playing), so one
server runs them and the others stand by; when the holder stops or dies, the lock goes with it
and the next scheduler to try takes over.

* PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a dedicated autocommit
  connection. Advisory locks are per database, so the key includes the schema (several
  installations, or test runs, may share a database in separate schemas). The server releases
  it when the session ends, however the process ended.
* SQLite: an exclusive ``flock`` on ``<database file>.jobs-lock`` beside the database. The OS
  releases it when the process exits. An in-memory database belongs to one process: its lock
  is always free.

The same kind of lock, under another key, keeps the stream consumer of ``saxaul serve`` to
one process per database (``job_lock(db, "stream")``, ``jobs.StreamConsumer``).

Example: ``lock = job_lock(rt.db); if lock.acquire(): run the jobs``; ``lock.release()``.
"""

from __future__ import annotations

import fcntl
import os
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from saxaul.store.engine import bulk_uri, is_sqlite
from saxaul.store.uow import Database

ADVISORY_CLASSES = {"jobs": 0x5A58, "stream": 0x5A59}
"""First half of each advisory lock's key ("SX", "SY"); the second is a hash of the schema's
name. One lock per purpose: the scheduled jobs and the stream consumer are held apart, often
by different processes."""


class JobLock(Protocol):
    """Held by at most one holder per database at a time."""

    def acquire(self) -> bool:
        """Take the lock if it is free, without waiting; True while this holder has it."""

    def release(self) -> None:
        """Give the lock up (nothing happens if it is not held)."""


def job_lock(db: Database, purpose: str = "jobs") -> JobLock:
    """The lock of the database ``db`` opens for ``purpose`` (a key of ``ADVISORY_CLASSES``:
    ``jobs``, the scheduled jobs; ``stream``, the server's stream consumer)."""
    if is_sqlite(db.url):
        path = bulk_uri(db.url)
        return FileLock(None if path == ":memory:" else f"{path}.{purpose}-lock")
    return AdvisoryLock(db.engine, ADVISORY_CLASSES[purpose])


class AdvisoryLock:
    """A PostgreSQL session advisory lock on a connection kept for as long as it is held."""

    def __init__(self, engine: Engine, cls: int = ADVISORY_CLASSES["jobs"]) -> None:
        self._engine = engine
        self._cls = cls
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        """Take the lock, or check that the session holding it is still there."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except DBAPIError:  # the session is gone, and the lock with it
                self._drop()
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            held = conn.execute(
                text("SELECT pg_try_advisory_lock(:cls, hashtext(current_schema()))"),
                {"cls": self._cls},
            ).scalar()
        except DBAPIError:
            conn.invalidate()
            raise
        if held:
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        """Unlock and return the connection (closing it would only return it to the pool,
        where the session, and so the lock, would live on)."""
        if self._conn is None:
            return
        try:
            self._conn.execute(
                text("SELECT pg_advisory_unlock(:cls, hashtext(current_schema()))"),
                {"cls": self._cls},
            )
            self._conn.close()
        except DBAPIError:
            self._drop()
        self._conn = None

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.invalidate()
            self._conn.close()
            self._conn = None


class FileLock:
    """An exclusive ``flock`` on a file beside the SQLite database (``None``: always free)."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock if no other open file holds it."""
        if self._path is None or self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Unlock and close the file (the file stays, empty, for the next holder)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
