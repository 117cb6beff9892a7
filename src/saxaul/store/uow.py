"""Units of work: the one place a transaction begins, commits, rolls back or is played again.

Why one place: a read-modify-write is only as safe as the transaction around it, and the rules
for that differ by engine — SQLite must take its write lock *before* the reads (``BEGIN
IMMEDIATE``; a plain ``BEGIN`` would let two writers read the same state), threads of one
process queue best on our own lock rather than in SQLite's busy handler, and on PostgreSQL two
transactions may still collide on something no lock covers (a UNIQUE id, a deadlock). Services
never see any of this (nor SQLAlchemy): they hand ``Database.write`` a function of a unit of
work, and ``Database.reading`` gives them a snapshot to read from (ADR 0007).

Why the write side takes a *function* and not a ``with`` block: a function can be run again
after a lost race, and a runner may one day run many of them under one commit (group commit)
without the services knowing. So a unit of work must do nothing outside the database that
cannot be repeated, and must not open another unit of work inside it.

Example: ``rt.db.write(lambda uow: friends_repo.accept(uow, "u1", "u2", now))`` — committed
when the function returns, rolled back if it raises, played again if it lost a race.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import NewType, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from saxaul.store.bulk import BulkConnection
from saxaul.store.engine import is_sqlite, make_engine

UnitOfWork = NewType("UnitOfWork", Connection)
"""An open transaction as the store's functions receive it; only this module makes one."""
WriteUnitOfWork = NewType("WriteUnitOfWork", UnitOfWork)
"""A unit of work that may write: store functions that change rows ask for this type, so a
write from inside ``Database.reading`` is a type error, not a surprise in production."""

RETRIES = 20
"""Attempts per unit of work; each retry follows a rolled-back race, so this bounds a
pathological loop, not a wait."""
RACES = (IntegrityError, OperationalError)
"""What a lost race looks like: a UNIQUE id taken meanwhile, or a deadlock, serialization
failure or busy database (psycopg reports the last three as operational errors)."""

T = TypeVar("T")


class Database:
    """One database: its engine, this process's SQLite write lock, and the units of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sqlite = is_sqlite(url)
        self._write_lock = threading.Lock()
        """Serialises this process's write transactions on SQLite (one writer at a time
        anyway): threads queue here in order instead of in SQLite's busy handler, which sleeps
        in growing steps and is unfair (p99 4–5× lower, bench/ledger.py). Unused on
        PostgreSQL."""

    @property
    def one_writer(self) -> bool:
        """Whether write transactions run one at a time whatever the callers do (SQLite)."""
        return self._sqlite

    @contextlib.contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """A unit of work that only reads; it never retries and is never shared, so a block
        is enough. Whatever it leaves open is rolled back when the block ends."""
        with self.engine.connect() as conn:
            yield UnitOfWork(conn)

    def write(self, work: Callable[[WriteUnitOfWork], T]) -> T:
        """Run ``work`` in one write transaction: commit when it returns, roll back if it
        raises, and run it again from scratch when it lost a race (at most ``RETRIES`` times).

        On SQLite the write lock is taken first (ours, then SQLite's by ``BEGIN IMMEDIATE``),
        so everything ``work`` reads stays true until it commits; PostgreSQL locks rows as the
        store asks (``SELECT … FOR UPDATE``).
        """
        serial = self._write_lock if self._sqlite else contextlib.nullcontext()
        for attempt in range(RETRIES):
            try:
                with serial, self.engine.begin() as conn:
                    if self._sqlite:
                        conn.exec_driver_sql("BEGIN IMMEDIATE")
                    return work(WriteUnitOfWork(UnitOfWork(conn)))
            except RACES:
                if attempt == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def bulk(self, *, lookups: bool = False) -> BulkConnection:
        """A connection for Arrow bulk reads and writes (imports, minting); its transactions
        are ``bulk_transaction``'s. ``lookups``: one that only reads beside a writer."""
        return BulkConnection(self.url, lookups=lookups)

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, or before a forked worker starts)."""
        self.engine.dispose()


@contextlib.contextmanager
def bulk_transaction(bulk: BulkConnection) -> Iterator[BulkConnection]:
    """One bulk write transaction under the ingest lock: committed when the block ends,
    rolled back if it raises.

    Why no retries here, unlike ``Database.write``: imports and minting serialise on the ingest
    lock, so they cannot lose a race to each other; a chunk whose events collide with stored
    ones is rolled back and takes its exact path instead (``services.event_chunks``), which is
    a different write, not the same one again.
    """
    bulk.begin_locked()
    try:
        yield bulk
    except BaseException:
        bulk.rollback()
        raise
    bulk.commit()


@contextlib.contextmanager
def bulk_snapshot(bulk: BulkConnection) -> Iterator[BulkConnection]:
    """One read-only bulk transaction: every read inside sees the same moment of the database,
    so a report or an archive read table by table adds up. Rolled back at the end (it wrote
    nothing); never retried (a snapshot cannot lose a race)."""
    bulk.begin_snapshot()
    try:
        yield bulk
    finally:
        bulk.rollback()


@contextlib.contextmanager
def ingest_lock_held(bulk: BulkConnection) -> Iterator[BulkConnection]:
    """Hold the ingest lock between ``bulk_transaction``s too, for one import run.

    Why: a run carries cap usage in memory from one chunk to the next, which is exact only
    while no other import writes usage in between. On PostgreSQL the lock keeps them out until
    the run ends (its session dies with it); SQLite cannot hold a lock past a commit, so there
    a run compares ``foreign_commits`` instead and reads usage from the store when it moved.
    """
    bulk.hold_ingest_lock()
    try:
        yield bulk
    finally:
        bulk.release_ingest_lock()
