"""Import behaviour events exactly once: validate → dedupe → score → cap → persist, per chunk.

The rule this module owns: a chunk's new events, their awards and balls, the cap usage they
spend, the rows refused and the import's resume cursor commit in ONE transaction. A re-run of a
file (or of an import killed with SIGKILL) resumes at the cursor, and anything before it that
is offered again is recognised by its dedupe key, so totals equal one clean import's.

Fast path, then exact path: a chunk is first scored as if every event were new and inserted
with ``ON CONFLICT DO NOTHING``; if fewer rows went in than were offered, the transaction is
rolled back and the chunk is split against what is stored (duplicate, conflicting payload, or
key collision) before scoring only the new events. New data pays for one insert; re-sent data
pays for one extra lookup.

Example: ``import_events(rt, Path("day1.csv"))`` → ``ImportSummary(new_events=1_998_731,
duplicates=0, rejected=1_269, scored=1_950_004, no_consent=48_727, energy_g=…)``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from saxaul.domain.clock import to_us
from saxaul.domain.events import EventStatus, RejectCode, Rejection
from saxaul.ingest.sniff import count_rows, detect_kind
from saxaul.ingest.events import EventChunk, file_sha256, iter_event_chunks, parse_event_body
from saxaul.scoring.kernel import cap_groups, score
from saxaul.scoring.table import BehaviourTable
from saxaul.services.runtime import Runtime
from saxaul.store import ingest_repo as repo
from saxaul.store.bulk import BulkConnection

Progress = Callable[[int], None]
REJECTION_SAMPLE = 20


@dataclass(slots=True)
class ImportSummary:
    """What an import did, for people (the CLI table) and machines (``--json``)."""

    name: str
    import_id: int = 0
    resumed_from_row: int = 0
    rows_read: int = 0
    new_events: int = 0
    duplicates: int = 0
    rejected: int = 0
    scored: int = 0
    no_consent: int = 0
    not_effective: int = 0
    awards: int = 0
    balls: int = 0
    avoided_mg: int = 0
    energy_g: int = 0
    seconds: float = 0.0
    rejections: list[dict[str, object]] = field(default_factory=list)

    def counters(self) -> dict[str, int]:
        """The additive totals, as stored on the import row."""
        return {k: v for k, v in asdict(self).items() if isinstance(v, int) and k != "import_id"}

    def add(self, other: dict[str, int]) -> None:
        """Add a chunk's counters."""
        for key, value in other.items():
            setattr(self, key, getattr(self, key) + value)


class _DuplicatesPresent(Exception):
    """Raised inside the fast-path transaction to roll it back when a key already existed."""


def file_kind(path: Path) -> str:
    """``events`` or ``participants``, from the file's columns."""
    return detect_kind(path)


def file_rows(path: Path) -> int | None:
    """How many data rows the file holds, when cheap to know (for progress bars)."""
    return count_rows(path)


def import_events(
    rt: Runtime, path: Path, *, progress: Progress | None = None
) -> ImportSummary:
    """Import one events file (CSV, NDJSON, JSON array or Parquet) exactly once."""
    table = BehaviourTable.from_packs(rt.packs)
    started = time.perf_counter()
    summary = ImportSummary(name=str(path))
    with BulkConnection(rt.database_url) as bulk:
        with bulk.transaction():
            cursor = repo.open_import(
                bulk, "events", file_sha256(path), path.name, to_us(rt.clock.now())
            )
        summary.import_id = cursor.id
        skip = cursor.rows_committed if cursor.status == "running" else 0
        summary.resumed_from_row = skip
        stored = dict(cursor.counters)  # cumulative over runs: a re-run adds only duplicates
        chunks = iter_event_chunks(
            path, known_behaviours=table.behaviour_ids, chunk_rows=rt.chunk_rows, skip_rows=skip
        )
        rows_done = skip
        for chunk in chunks:
            rows_done += chunk.rows_read
            counts = _commit_chunk(bulk, rt, table, cursor.id, chunk, rows_done, stored)
            summary.add(counts)
            _sample_rejections(summary, chunk.rejected, chunk.location)
            if progress:
                progress(chunk.rows_read)
        with bulk.transaction():
            repo.finish_import(bulk, cursor.id, to_us(rt.clock.now()))
    summary.seconds = time.perf_counter() - started
    return summary


def import_event_body(
    rt: Runtime, body: bytes, content_type: str, *, max_rows: int
) -> ImportSummary:
    """Import one HTTP bulk request (JSON array or NDJSON) exactly once.

    The request's identity is its content hash: retrying the same body is harmless, and each
    event is deduplicated by (source, event_id) in any case.
    """
    table = BehaviourTable.from_packs(rt.packs)
    chunk = parse_event_body(
        body, content_type, known_behaviours=table.behaviour_ids, max_rows=max_rows
    )
    return _import_chunk(rt, table, chunk, hashlib.sha256(body).hexdigest())


def _import_chunk(
    rt: Runtime, table: BehaviourTable, chunk: EventChunk, content_sha256: str
) -> ImportSummary:
    started = time.perf_counter()
    summary = ImportSummary(name=f"http:{content_sha256[:12]}")
    with BulkConnection(rt.database_url) as bulk:
        with bulk.transaction():
            cursor = repo.open_import(
                bulk, "http", content_sha256, summary.name, to_us(rt.clock.now())
            )
        summary.import_id = cursor.id
        summary.add(_commit_chunk(bulk, rt, table, cursor.id, chunk, chunk.rows_read, {}))
        _sample_rejections(summary, chunk.rejected, chunk.location)
        with bulk.transaction():
            repo.finish_import(bulk, cursor.id, to_us(rt.clock.now()))
    summary.seconds = time.perf_counter() - started
    return summary


def _sample_rejections(summary: ImportSummary, rejected: Iterable[Rejection], where: str) -> None:
    for rejection in rejected:
        if len(summary.rejections) >= REJECTION_SAMPLE:
            return
        summary.rejections.append(
            {where: rejection.line, "code": str(rejection.code), "field": rejection.field,
             "reason": rejection.reason}
        )


def _commit_chunk(
    bulk: BulkConnection,
    rt: Runtime,
    table: BehaviourTable,
    import_id: int,
    chunk: EventChunk,
    rows_done: int,
    totals: dict[str, int],
) -> dict[str, int]:
    """Commit one chunk (fast path, else exact path); returns the chunk's counters."""
    now_us = to_us(rt.clock.now())
    events = _with_row(chunk.accepted)
    base = {
        "rows_read": chunk.rows_read,
        "duplicates": chunk.duplicates_in_chunk,
        "rejected": len(chunk.rejected),
    }
    try:
        with bulk.transaction():
            counts = _write(bulk, table, import_id, events, now_us)
            if counts["new_events"] != events.height:
                raise _DuplicatesPresent
            _finish_chunk(bulk, import_id, chunk, [], rows_done, totals, base | counts, now_us)
            return base | counts
    except _DuplicatesPresent:
        pass
    with bulk.transaction():
        fresh, refused, duplicates = _split_against_store(bulk, events)
        counts = _write(bulk, table, import_id, fresh, now_us)
        if counts["new_events"] != fresh.height:  # impossible while we hold the ingest lock
            raise RuntimeError("events appeared during a locked import transaction")
        counts["duplicates"] = duplicates
        counts["rejected"] = len(refused)
        _finish_chunk(bulk, import_id, chunk, refused, rows_done, totals, base | counts, now_us)
    merged = base | counts
    merged["duplicates"] = base["duplicates"] + duplicates
    merged["rejected"] = base["rejected"] + len(refused)
    _sample_rejections_into(chunk, refused)
    return merged


def _sample_rejections_into(chunk: EventChunk, refused: list[Rejection]) -> None:
    chunk.rejected.extend(refused)


def _finish_chunk(
    bulk: BulkConnection,
    import_id: int,
    chunk: EventChunk,
    refused: list[Rejection],
    rows_done: int,
    totals: dict[str, int],
    counts: dict[str, int],
    now_us: int,
) -> None:
    repo.quarantine_rows(
        bulk, repo.quarantine_frame(import_id, [*chunk.rejected, *refused], chunk.location, now_us)
    )
    for key, value in counts.items():
        totals[key] = totals.get(key, 0) + value
    repo.advance_import(bulk, import_id, rows_done, totals)


def _with_row(accepted: pl.DataFrame) -> pl.DataFrame:
    return accepted.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))


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
    duplicates = matched.filter(same_id & (pl.col("payload_hash") == pl.col("s_payload_hash")))
    refused: list[Rejection] = []
    for row in matched.filter(~same_id | (pl.col("payload_hash") != pl.col("s_payload_hash"))).iter_rows(
        named=True
    ):
        collided = (row["source"], row["event_id"]) != (row["s_source"], row["s_event_id"])
        refused.append(
            Rejection(
                line=int(row["line"]),
                code=RejectCode.KEY_COLLISION if collided else RejectCode.EXISTS_WITH_DIFFERENT_PAYLOAD,
                reason=(
                    f"event {row['source']}/{row['event_id']} shares a dedupe key with stored "
                    f"event {row['s_source']}/{row['s_event_id']}; report this to the operator"
                    if collided
                    else f"event {row['source']}/{row['event_id']} was already accepted with "
                    "different fields; corrections are new events (or a reversal), not re-sends"
                ),
                raw=f"{row['source']}/{row['event_id']}",
                field="event_id",
            )
        )
    fresh = events.join(stored.select("dedupe_key"), on="dedupe_key", how="anti")
    return fresh, refused, duplicates.height


def _write(
    bulk: BulkConnection, table: BehaviourTable, import_id: int, events: pl.DataFrame, now_us: int
) -> dict[str, int]:
    """Score ``events`` against stored consent and cap usage, then write everything."""
    if events.height == 0:
        return {"new_events": 0}
    consent = repo.consent_of(bulk, events["user_id"]).select(
        pl.col("user_id").cast(pl.String),  # an empty SQLite result comes back typed i64
        pl.col("consent_at_us").cast(pl.Datetime("us", "UTC")).alias("consent_at"),
        pl.col("withdrawn_at_us").cast(pl.Datetime("us", "UTC")).alias("withdrawn_at"),
    )
    prior = repo.cap_usage_of(bulk, cap_groups(events, table))
    result = score(events, consent, prior, table)
    first_id = repo.next_award_id(bulk)
    awards = result.awards.with_row_index("id", offset=first_id).with_columns(
        pl.col("id").cast(pl.Int64),
        pl.lit(import_id).alias("import_id"),
        (pl.col("avoided_mg") // 1000).alias("energy_g"),
        pl.lit(now_us).alias("created_at_us"),
    )
    rows = events.join(result.events, on="row", how="left").join(
        awards.select("user_id", "behaviour", "day", pl.col("id").alias("award_id")),
        on=["user_id", "behaviour", "day"],
        how="left",
    ).with_columns(
        pl.col("occurred_at").dt.epoch("us").alias("occurred_at_us"),
        pl.lit(import_id).alias("import_id"),
        pl.when(pl.col("status") == str(EventStatus.SCORED))
        .then(pl.col("award_id"))
        .otherwise(None)
        .alias("award_id"),
    )
    inserted = repo.insert_events(bulk, rows)
    if inserted != events.height:
        return {"new_events": inserted}
    repo.insert_awards_and_balls(bulk, awards)
    repo.save_cap_usage(bulk, result.usage)
    statuses = result.events["status"].value_counts()
    by_status = dict(zip(statuses["status"].to_list(), statuses["count"].to_list(), strict=True))
    return {
        "new_events": inserted,
        "scored": int(by_status.get(str(EventStatus.SCORED), 0)),
        "no_consent": int(by_status.get(str(EventStatus.NO_CONSENT), 0)),
        "not_effective": int(by_status.get(str(EventStatus.NOT_EFFECTIVE), 0)),
        "awards": awards.height,
        "balls": int((awards["energy_g"] > 0).sum()),
        "avoided_mg": int(awards["avoided_mg"].sum()),
        "energy_g": int(awards["energy_g"].sum()),
    }
