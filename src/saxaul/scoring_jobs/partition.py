"""One partition's events through the kernel, Arrow in and Arrow out: what each Spark task runs.

A partition holds whole users (the job hashes events by ``user_id``), so scoring it alone gives
each of its users exactly what scoring everything at once would: caps are per (user, behaviour,
period), claims per user. The partition's Arrow batches are gathered into one Polars frame (no
pandas, no Python rows), scored with ``kernel.score`` against the participants and prior usage
of its own users, and returned as Arrow.

A Spark task returns one schema, so a scoring partition returns its three outputs stacked:
column ``output`` names the output (``events``, ``awards``, ``usage``) and each output's
columns are prefixed with it (``awards__avoided_mg``), null in the other outputs' rows.

Example: a partition of 3 events of one user (two metro rides and an unknown behaviour,
filtered out before) → 2 ``events`` rows, 1 ``awards`` row, 1 ``usage`` row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from saxaul.scoring.kernel import ScoreResult, score
from saxaul.scoring.restate import RESTATE_SCHEMA, restate
from saxaul.scoring.table import (
    AWARD_SCHEMA,
    EVENT_RESULT_SCHEMA,
    EVENTS_SCHEMA,
    USAGE_SCHEMA,
    BehaviourTable,
)
from saxaul.scoring_jobs.inputs import WIRE

OUTPUTS: dict[str, dict[str, pl.DataType]] = {
    "events": EVENT_RESULT_SCHEMA,
    "awards": AWARD_SCHEMA,
    "usage": USAGE_SCHEMA,
}
"""A scoring job's outputs, each a folder of Parquet files under the output directory."""

RESTATEMENT = "restatement"
"""A restatement job's one output (``RESTATE_SCHEMA``)."""

SEPARATOR = "__"

STACKED: dict[str, pl.DataType] = {"output": pl.String()} | {
    f"{name}{SEPARATOR}{column}": dtype
    for name, schema in OUTPUTS.items()
    for column, dtype in schema.items()
}
"""The schema of a scoring partition's stacked outputs."""

_ARROW: dict[type[pl.DataType], pa.DataType] = {
    pl.Int64: pa.int64(),
    pl.Int32: pa.int32(),
    pl.Float64: pa.float64(),
    pl.String: pa.string(),
    pl.Boolean: pa.bool_(),
}


def arrow_schema(schema: dict[str, pl.DataType]) -> pa.Schema:
    """The Arrow schema Spark expects back (plain ``string``, not Polars' string views)."""
    return pa.schema([(name, _ARROW[type(dtype)]) for name, dtype in schema.items()])


@dataclass(frozen=True, slots=True)
class ScoringJob:
    """What every partition is scored with (shipped to each executor once)."""

    table: BehaviourTable
    participants: pl.DataFrame
    prior: pl.DataFrame


@dataclass(frozen=True, slots=True)
class RestatementJob:
    """What every partition is restated with: both programmes' tables and the participants."""

    current: BehaviourTable
    candidate: BehaviourTable
    participants: pl.DataFrame


def kernel_events(wire: pl.DataFrame) -> pl.DataFrame:
    """Wire-shaped events as the kernel's events frame (plus ``credited_mg``), by ``row``."""
    return wire.select(
        *(c for c in EVENTS_SCHEMA if c != "occurred_at"),
        "credited_mg",
        occurred_at=pl.from_epoch("occurred_at_us", "us").dt.replace_time_zone("UTC"),
    ).sort("row")


def _gather(batches: Iterable[pa.RecordBatch]) -> pl.DataFrame:
    """A task's batches as one wire-shaped frame (whatever string type Spark sent)."""
    gathered = list(batches)
    table = pa.Table.from_batches(gathered) if gathered else arrow_schema(WIRE).empty_table()
    return pl.DataFrame(table).select(pl.col(n).cast(t) for n, t in WIRE.items())


def _own(frame: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``frame`` about the partition's users (a smaller join and key space)."""
    return frame.join(events.select("user_id").unique(), on="user_id", how="semi")


def score_events(events: pl.DataFrame, job: ScoringJob) -> ScoreResult:
    """Kernel-shaped events of whole users scored against their own participants and usage."""
    return score(events, _own(job.participants, events), _own(job.prior, events), job.table)


def stacked(result: ScoreResult) -> pa.Table:
    """A result's three outputs stacked in the ``STACKED`` schema."""
    frames: dict[str, pl.DataFrame] = {
        "events": result.events,
        "awards": result.awards,
        "usage": result.usage,
    }
    parts = [
        frames[name].select(
            pl.lit(name).alias("output"),
            *(pl.col(c).alias(f"{name}{SEPARATOR}{c}") for c in schema),
        )
        for name, schema in OUTPUTS.items()
    ]
    frame = pl.concat(parts, how="diagonal")  # each output's columns null in the others' rows
    table: pa.Table = frame.select(pl.col(n).cast(t) for n, t in STACKED.items()).to_arrow()
    return table.cast(arrow_schema(STACKED))


def score_partition(batches: Iterable[pa.RecordBatch], job: ScoringJob) -> Iterator[pa.RecordBatch]:
    """A Spark task's body: its wire-shaped batches scored, the outputs stacked."""
    events = kernel_events(_gather(batches))
    if events.height:
        yield from stacked(score_events(events, job)).to_batches()


def restate_events(events: pl.DataFrame, job: RestatementJob) -> pl.DataFrame:
    """Kernel-shaped events of whole users restated per (behaviour, month)."""
    return restate(
        events,
        _own(job.participants, events),
        job.current,
        job.candidate,
        by=("behaviour", "month"),
    )


def restate_partition(
    batches: Iterable[pa.RecordBatch], job: RestatementJob
) -> Iterator[pa.RecordBatch]:
    """A Spark task's body for a restatement: partial sums per (behaviour, month)."""
    events = kernel_events(_gather(batches))
    if events.height:
        lines = restate_events(events, job)
        yield from lines.to_arrow().cast(arrow_schema(RESTATE_SCHEMA)).to_batches()
