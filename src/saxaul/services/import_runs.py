"""Who runs an import, and what happens when that run fails or its process dies: never stuck.

The rule this module owns: one run at a time owns an import. The ``imports`` row names its
owner (``host:pid:run``) and a lease; every chunk commit renews the lease and moves the cursor
only while the row still names that owner. A new run of the same content:

- finds none → registers it (``started``);
- finds it ``running`` under an owner that is gone (same host, process not alive — or this
  process, run no longer active) or whose lease has lapsed (any host) → takes it over and
  resumes at the cursor (``resumed``);
- finds it ``running`` under a live owner → refuses (``Conflict``): two runs of one file at once
  would only race for the cursor;
- finds it ``failed`` → runs again from the cursor (``rerun``); ``done`` → checks every row
  again from the start (``recheck``: all duplicates, by design harmless).

A run that raises marks the import ``failed`` with the error; a run killed outright leaves it
``running`` under a dead owner, which the next run takes over. Claims happen in a transaction
holding the ingest lock, so two runs starting together are ordered: the second sees the first
as a live owner. A run that finds its import taken over (its lease lapsed while it was alive)
stops without writing the chunk at hand (``ImportTakenOver``).

Example: ``saxaul import day1.csv`` killed at row 6,000, run again → "resumed import 12 at row
6,000 (chunk 4) after run myhost:4242:9f… stopped".
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from saxaul.domain.clock import to_us
from saxaul.domain.errors import Conflict, DomainError
from saxaul.services.runtime import Runtime
from saxaul.store import ingest_repo as repo
from saxaul.store.bulk import BulkConnection
from saxaul.store.ingest_repo import ImportCursor, Lease
from saxaul.store.uow import bulk_transaction

logger = logging.getLogger(__name__)

US_PER_S = 1_000_000
ERROR_MAX_CHARS = 2_000
_ACTIVE: set[str] = set()
"""Owner tokens of the runs this process is executing. Why process-wide: whether one of this
process's own runs is still going is a fact about the process, like its pid; it lets a run in
the same process (an API server) tell a live sibling from one that ended without a trace."""


class RunKind(StrEnum):
    """How a run began, relative to what the ``imports`` row said."""

    STARTED = "started"
    RESUMED = "resumed"
    RERUN = "rerun"
    RECHECK = "recheck"


class ImportTakenOver(Conflict):
    """Another run owns this import now (this run's lease lapsed); this run stops."""


@dataclass(frozen=True, slots=True)
class ImportRun:
    """A claimed import: the lease to write under, where to start, and what was done."""

    lease: Lease
    kind: RunKind
    from_row: int
    counters: dict[str, int]
    message: str

    @property
    def import_id(self) -> int:
        return self.lease.import_id


def owner_token() -> str:
    """A new run's owner: this host, this process and a fresh run id."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def owner_gone(owner: str) -> bool:
    """Whether the run named ``owner`` has certainly ended (``False`` when we cannot tell)."""
    host, pid, _run = owner.rsplit(":", 2)
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return owner not in _ACTIVE
    if os.name != "posix":
        return False  # no safe liveness probe: the lease decides
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def lease_until(rt: Runtime) -> int:
    """When a lease taken or renewed now lapses."""
    return to_us(rt.clock.now()) + rt.import_lease_seconds * US_PER_S


def renewed(rt: Runtime, lease: Lease) -> Lease:
    """The same lease, lapsing ``import_lease_seconds`` from now."""
    return Lease(lease.import_id, lease.owner, lease_until(rt))


def taken_over(import_id: int) -> ImportTakenOver:
    return ImportTakenOver(
        f"import {import_id} was taken over by another run after this run's lease lapsed; "
        "it carries on there (raise SAXAUL_IMPORT_LEASE_SECONDS if chunks take this long)",
        import_id=import_id,
    )


@contextlib.contextmanager
def run_import(
    rt: Runtime, bulk: BulkConnection, kind: str, content_sha256: str, name: str
) -> Iterator[ImportRun]:
    """Claim the import of this content for one run; mark it done, or failed with the error."""
    owner = owner_token()
    now_us = to_us(rt.clock.now())
    with bulk_transaction(bulk):
        run = _claim(rt, bulk, (kind, content_sha256, name), owner, now_us)
    _ACTIVE.add(owner)
    try:
        yield run
    except ImportTakenOver:
        raise
    except BaseException as exc:
        _mark_failed(rt, bulk, run.lease, exc)
        raise
    else:
        with bulk_transaction(bulk):
            if not repo.finish_import(bulk, run.lease, to_us(rt.clock.now())):
                raise taken_over(run.import_id)
    finally:
        _ACTIVE.discard(owner)


def _claim(
    rt: Runtime, bulk: BulkConnection, identity: tuple[str, str, str], owner: str, now_us: int
) -> ImportRun:
    kind, content_sha256, name = identity
    found = repo.find_import(bulk, kind, content_sha256)
    if found is None:
        lease = Lease(0, owner, lease_until(rt))
        found = repo.register_import(bulk, kind, content_sha256, name, lease, now_us)
        return ImportRun(
            Lease(found.id, owner, lease.until_us),
            RunKind.STARTED,
            0,
            {},
            f"started import {found.id}",
        )
    lease = Lease(found.id, owner, lease_until(rt))
    run_kind, from_row, message = _next_run(rt, found, now_us)
    repo.claim_import(bulk, lease, from_row)
    return ImportRun(lease, run_kind, from_row, dict(found.counters), message)


def _next_run(rt: Runtime, found: ImportCursor, now_us: int) -> tuple[RunKind, int, str]:
    """What a new run does with an import in ``found``'s state, and how to say so."""
    at = f"at row {found.rows_committed:,} (chunk {found.rows_committed // rt.chunk_rows + 1})"
    if found.status == "done":
        return RunKind.RECHECK, 0, f"import {found.id} was done: checking every row again"
    if found.status == "failed":
        return (
            RunKind.RERUN,
            found.rows_committed,
            (f"re-running failed import {found.id} {at}; it had failed: {found.error}"),
        )
    lapsed = found.lease_until_us is None or found.lease_until_us <= now_us
    if found.owner is None or lapsed or owner_gone(found.owner):
        why = "its lease lapsed" if lapsed and found.owner else f"run {found.owner} stopped"
        return (
            RunKind.RESUMED,
            found.rows_committed,
            (f"resumed import {found.id} {at} after {why}"),
        )
    raise Conflict(
        f"import {found.id} of this content is running now ({found.owner}); wait for it to "
        "finish, or run this again once it has stopped",
        import_id=found.id,
        owner=found.owner,
    )


def _mark_failed(rt: Runtime, bulk: BulkConnection, lease: Lease, exc: BaseException) -> None:
    """Record why the run failed; if even that fails, the dead owner's row is taken over."""
    detail = exc.detail if isinstance(exc, DomainError) else str(exc)
    error = f"{type(exc).__name__}: {detail}"[:ERROR_MAX_CHARS]
    try:
        with bulk_transaction(bulk):
            repo.fail_import(bulk, lease, error, to_us(rt.clock.now()))
    except Exception:
        logger.exception("could not mark import %d failed", lease.import_id)


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One import as listed for operators."""

    id: int
    kind: str
    name: str
    status: str
    rows_committed: int
    started_at_us: int
    finished_at_us: int | None
    owner: str | None
    error: str | None


def list_imports(rt: Runtime, *, limit: int = 50) -> list[ImportRow]:
    """The latest imports, newest first, with their status and, when failed, why."""
    with rt.db.reading() as conn:
        return [ImportRow(**row) for row in repo.latest_imports(conn, limit)]
