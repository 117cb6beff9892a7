"""Commit one chunk of validated events: the fast path for new data, the exact path otherwise.

The rule this module owns: a chunk's new events, their awards and balls, the cap usage they
spend, the rows refused and the import's resume cursor commit in ONE transaction.

Fast path: probe a few of the chunk's keys (a re-sent file is caught here, before any work),
then score the chunk as if every event were new and append it; the primary key on
``dedupe_key`` refuses the append if any event is already stored, and then the transaction is
rolled back and the exact path runs: split the chunk against what is stored (duplicate,
conflicting payload, key collision), score only the new events, append them. New data is
written once with no staging copy; re-sent data pays for one indexed lookup per event.
Example: a re-run of a fully imported 500 000-row chunk → fast path refused → exact path finds
500 000 duplicates → nothing but the cursor changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from saxaul.domain.events import INELIGIBLE, EventStatus, RejectCode, Rejection
from saxaul.domain.units import MG_PER_G
from saxaul.ingest.events import EventChunk
from saxaul.scoring.kernel import cap_groups, score
from saxaul.scoring.table import BehaviourTable
from saxaul.services.import_runs import taken_over
from saxaul.store import ingest_repo as repo
from saxaul.store.bulk import BulkConnection, UniqueViolation
from saxaul.store.ingest_repo import Lease
from saxaul.store.uow import bulk_transaction


@dataclass(frozen=True, slots=True)
class ChunkTarget:
    """Where a chunk goes: the import (and the run's lease on it) and the row its end leaves
    the cursor at."""

    lease: Lease
    rows_done: int
    now_us: int

    @property
    def import_id(self) -> int:
        return self.lease.import_id


def commit_chunk(
    bulk: BulkConnection,
    table: BehaviourTable,
    target: ChunkTarget,
    chunk: EventChunk,
    totals: dict[str, int],
) -> tuple[dict[str, int], list[Rejection]]:
    """Commit ``chunk``; returns its counters and every row it refused (validation included)."""
    events = chunk.accepted.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    counts = {
        "rows_read": chunk.rows_read,
        "duplicates": chunk.duplicates_in_chunk,
        "rejected": len(chunk.rejected),
    }
    try:
        with bulk_transaction(bulk):
            if repo.any_stored(bulk, events["dedupe_key"]):
                raise UniqueViolation("a re-send: go straight to the exact path")
            counts |= _write(bulk, table, target, events)
            _close_chunk(bulk, target, chunk, chunk.rejected, totals, counts)
            return counts, list(chunk.rejected)
    except UniqueViolation:
        pass
    with bulk_transaction(bulk):
        fresh, refused, duplicates = _split_against_store(bulk, events)
        counts |= _write(bulk, table, target, fresh)
        counts["duplicates"] += duplicates
        counts["rejected"] += len(refused)
        rejected = [*chunk.rejected, *refused]
        _close_chunk(bulk, target, chunk, rejected, totals, counts)
    return counts, rejected


def _close_chunk(
    bulk: BulkConnection,
    target: ChunkTarget,
    chunk: EventChunk,
    rejected: list[Rejection],
    totals: dict[str, int],
    counts: dict[str, int],
) -> None:
    """Quarantine the refused rows and move the cursor, inside the chunk's transaction."""
    repo.quarantine_rows(
        bulk, repo.quarantine_frame(target.import_id, rejected, chunk.location, target.now_us)
    )
    for key, value in counts.items():
        totals[key] = totals.get(key, 0) + value
    if not repo.advance_import(bulk, target.lease, target.rows_done, totals):
        raise taken_over(target.import_id)


def _split_against_store(
    bulk: BulkConnection, events: pl.DataFrame
) -> tuple[pl.DataFrame, list[Rejection], int]:
    """Separate new events from duplicates, conflicting re-sends and key collisions."""
    stored = repo.existing_events(bulk, events["dedupe_key"]).rename(
        {"source": "s_source", "event_id": "s_event_id", "payload_hash": "s_payload_hash"}
    )
    matched = events.join(stored, on="dedupe_key", how="inner")
    same_id = (pl.col("source") == pl.col("s_source")) & (
        pl.col("event_id") == pl.col("s_event_id")
    )
    same_payload = pl.col("payload_hash") == pl.col("s_payload_hash")
    duplicates = matched.filter(same_id & same_payload).height
    refused = [
        _refusal(row) for row in matched.filter(~(same_id & same_payload)).iter_rows(named=True)
    ]
    fresh = events.join(stored.select("dedupe_key"), on="dedupe_key", how="anti")
    return fresh, refused, duplicates


def _refusal(row: dict[str, object]) -> Rejection:
    """Why a stored key refuses this row: another payload under its id, or a hash collision."""
    event = f"{row['source']}/{row['event_id']}"
    if (row["source"], row["event_id"]) != (row["s_source"], row["s_event_id"]):
        return Rejection(
            line=int(str(row["line"])),
            code=RejectCode.KEY_COLLISION,
            reason=f"event {event} shares a dedupe key with stored event "
            f"{row['s_source']}/{row['s_event_id']}; report this to the operator",
            raw=event,
            field="event_id",
        )
    return Rejection(
        line=int(str(row["line"])),
        code=RejectCode.EXISTS_WITH_DIFFERENT_PAYLOAD,
        reason=f"event {event} was already accepted with different fields; send a correction "
        "as a new event (or a reversal naming it), not as a re-send",
        raw=event,
        field="event_id",
    )


def _write(
    bulk: BulkConnection, table: BehaviourTable, target: ChunkTarget, events: pl.DataFrame
) -> dict[str, int]:
    """Score ``events`` against stored consent and cap usage, then append everything."""
    if events.height == 0:
        return {}
    consent = repo.consent_of(bulk, events["user_id"])
    prior = repo.cap_usage_of(bulk, cap_groups(events, table))
    result = score(events, consent, prior, table)
    awards = result.awards.with_row_index("id", offset=repo.next_award_id(bulk)).with_columns(
        pl.col("id").cast(pl.Int64),
        pl.lit(target.import_id).alias("import_id"),
        (pl.col("avoided_mg") // MG_PER_G).alias("energy_g"),  # whole grams, floor (units.py)
        pl.lit(target.now_us).alias("created_at_us"),
    )
    rows = (
        events.join(result.events, on="row", how="left")
        .join(
            awards.select("user_id", "behaviour", "day", pl.col("id").alias("award_id")),
            on=["user_id", "behaviour", "day"],
            how="left",
        )
        .with_columns(
            pl.col("occurred_at").dt.epoch("us").alias("occurred_at_us"),
            pl.lit(target.import_id).alias("import_id"),
            pl.when(pl.col("status") == str(EventStatus.SCORED)).then(pl.col("award_id")),
        )
    )
    repo.insert_events(bulk, rows)
    repo.insert_awards(bulk, awards)
    repo.save_cap_usage(bulk, result.usage, prior)
    statuses = dict(result.events["status"].value_counts().iter_rows())
    return {
        "new_events": events.height,
        "scored": int(statuses.get(str(EventStatus.SCORED), 0)),
        "no_consent": int(statuses.get(str(EventStatus.NO_CONSENT), 0)),
        "not_effective": int(statuses.get(str(EventStatus.NOT_EFFECTIVE), 0)),
        "ineligible": sum(int(statuses.get(str(status), 0)) for status in INELIGIBLE),
        "awards": awards.height,
        "balls": int((awards["energy_g"] > 0).sum()),
        "avoided_mg": int(awards["avoided_mg"].sum()),
        "energy_g": int(awards["energy_g"].sum()),
    }
