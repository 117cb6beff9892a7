"""``saxaul archive export``: the impact report's inputs written to a Parquet archive.

Why a service: the export reads the store in one snapshot (so the archive's tables add up) and
takes the liability pipeline's present state with it, which the report shows and which has no
history to archive (``services.impact.pipeline_snapshot``). First it gives every participant
without one a data key, which seals their demographics and their events' payment details in
the archive (``reports.personal_seal``: erasure deletes the key, and every copy of the archive
forgets them). The format is ``reports.archive``'s; ``saxaul report --archive DIR`` reads it
back, and ``saxaul score --events DIR`` rescores its events (``services.file_scoring``).

Example: ``export_archive(rt, Path("var/archive"), dt.date(2026, 12, 1))`` → the manifest:
awards, events and transfers before 1 December (local), participants and trees whole.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from saxaul.domain.clock import to_us
from saxaul.reports import archive
from saxaul.services.impact import day_start_us, pipeline_snapshot
from saxaul.services.pipeline import liability_summary
from saxaul.services.runtime import Runtime
from saxaul.store import personal_keys_repo
from saxaul.store.uow import WriteUnitOfWork, bulk_snapshot

KEYS_PER_TRANSACTION = 10_000
"""Data keys made per transaction before an export (a tuning of lock time)."""


def export_archive(rt: Runtime, out: Path, before: dt.date | None = None) -> dict[str, Any]:
    """Write (or refresh) the archive in ``out``; facts only before the local date ``before``."""
    zone = rt.rules.timezone
    cutoff = None
    if before is not None:
        cutoff = archive.Cutoff(
            before.isoformat(), before.toordinal(), day_start_us(before, ZoneInfo(zone))
        )
    pipeline = pipeline_snapshot(liability_summary(rt))
    make_data_keys(rt)
    # a reader's connection: a small page cache, as each page is read once (measured: 256 MiB
    # of cache for nothing otherwise, docs/benchmarks.md)
    with rt.db.bulk(lookups=True) as bulk, bulk_snapshot(bulk):
        return archive.export(
            bulk, out, before=cutoff, zone=zone, chunk_rows=rt.chunk_rows, pipeline=pipeline
        )


def make_data_keys(rt: Runtime) -> int:
    """Give each participant (not erased) without a data key a new one; how many were made."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> int:
        missing = personal_keys_repo.keyless(conn, KEYS_PER_TRANSACTION)
        personal_keys_repo.make_keys(conn, missing, at_us)
        return len(missing)

    made = 0
    while True:
        count = rt.db.write(work)
        made += count
        if count < KEYS_PER_TRANSACTION:
            return made
