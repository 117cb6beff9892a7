"""Enrol participants from files, with consent recorded before anything is scored.

Consent in a participants file is given at ``enrolled_at``: ``consent=true`` grants the scoring
and reports scopes, a scope list grants exactly those, ``false`` enrols without scoring. Opting
out is a separate act (``opt_out``) that stops scoring from that instant on; a later file
re-import does not undo it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from saxaul.domain.clock import to_us
from saxaul.domain.errors import NotFound
from saxaul.domain.participants import ConsentScope
from saxaul.ingest.events import file_sha256
from saxaul.ingest.participants import iter_participant_chunks
from saxaul.services import operator_audit
from saxaul.services.import_runs import renewed, run_import, taken_over
from saxaul.services.imports import Claimed, Progress, sample_rejections
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.runtime import Runtime
from saxaul.store import ingest_repo as repo
from saxaul.store import participants_repo
from saxaul.store.uow import WriteUnitOfWork, bulk_transaction


@dataclass(slots=True)
class ParticipantImportSummary:
    """What a participants import did."""

    name: str
    import_id: int = 0
    run: str = ""
    """What this run did with the import's earlier state (see ``import_runs``)."""
    rows_read: int = 0
    enrolled_or_updated: int = 0
    with_scoring_consent: int = 0
    rejected: int = 0
    seconds: float = 0.0
    rejections: list[dict[str, object]] = field(default_factory=list)


def import_participants(
    rt: Runtime,
    path: Path,
    *,
    progress: Progress | None = None,
    claimed: Claimed | None = None,
) -> ParticipantImportSummary:
    """Upsert participants and demographics from a file; bad rows go to quarantine."""
    started = time.perf_counter()
    summary = ParticipantImportSummary(name=str(path))
    identity = ("participants", file_sha256(path), path.name)
    with rt.db.bulk() as bulk, run_import(rt, bulk, *identity) as run:
        summary.import_id, summary.run = run.import_id, run.message
        if claimed:
            claimed(run.message, run.from_row)
        lease = run.lease
        chunks = iter_participant_chunks(path, chunk_rows=rt.chunk_rows, skip_rows=run.from_row)
        for chunk in chunks:
            now_us = to_us(rt.clock.now())
            frame = chunk.accepted.with_columns(
                pl.col("enrolled_at").dt.epoch("us").alias("enrolled_at_us"),
                pl.when(pl.col("consent_scopes") != "")
                .then(pl.col("enrolled_at").dt.epoch("us"))
                .otherwise(None)
                .alias("consent_at_us"),
                pl.lit(now_us).alias("updated_at_us"),
            )
            lease = renewed(rt, lease)
            with bulk_transaction(bulk):
                # the resume cursor moves with the rows, as for events: `imports list` shows
                # it, and a killed run resumes after the last committed chunk
                if not repo.advance_import(bulk, lease, chunk.end_row, run.counters):
                    raise taken_over(lease.import_id)
                repo.upsert_participants(bulk, frame)
                repo.quarantine_rows(
                    bulk,
                    repo.quarantine_frame(lease.import_id, chunk.rejected, chunk.location, now_us),
                )
            summary.rows_read += chunk.rows_read
            summary.enrolled_or_updated += frame.height
            summary.with_scoring_consent += int(
                frame["consent_scopes"].str.contains(ConsentScope.SCORING.value).sum()
            )
            summary.rejected += len(chunk.rejected)
            sample_rejections(summary.rejections, chunk.rejected, chunk.location)
            if progress:
                progress(chunk.rows_read)
    summary.seconds = time.perf_counter() - started
    return summary


def opt_out(rt: Runtime, user_id: str, *, act: OperatorAct | None = None) -> None:
    """Withdraw a participant's consent now: events from this instant on are not scored.

    An operator key's ``act`` is audited in the same transaction as the withdrawal, and so is
    its refusal (nobody with active consent has that id)."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> bool:
        withdrawn = participants_repo.withdraw(conn, user_id, at_us)
        if act is not None:
            outcome = operator_audit.OK if withdrawn else NotFound.code
            operator_audit.record(conn, act, [user_id], outcome, at_us)
        return withdrawn

    if not rt.db.write(work):
        raise NotFound(
            f"no enrolled participant {user_id!r} with active consent",
            field="user_id",
        )
