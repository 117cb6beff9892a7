"""The Polars engine: the whole input scored in this process as one partition.

Why it exists beside Spark: it is the same kernel call a Spark task makes, so its outputs are
what the Spark job must reproduce, and for a span that fits in memory it needs no JVM at all.
Outputs are written as ``OUT/<output>/part-00000.parquet`` (see ``partition.OUTPUTS``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from saxaul.scoring_jobs.inputs import read_events, repeated_rows, with_paid
from saxaul.scoring_jobs.partition import (
    OUTPUTS,
    RESTATEMENT,
    RestatementJob,
    ScoringJob,
    kernel_events,
    restate_events,
    score_events,
)


def _events(path: Path, behaviours: frozenset[str], paid: pl.DataFrame | None) -> pl.DataFrame:
    """Kernel-shaped events of the given behaviours (with ``paid``'s details, ``PAID``);
    refused if a ``row`` repeats."""
    wire = with_paid(read_events(path), paid)
    repeated = wire.filter(pl.col("row").is_duplicated())["row"].unique().sort()
    if repeated.len():
        raise repeated_rows(repeated.head(3).to_list())
    return kernel_events(wire.filter(pl.col("behaviour").is_in(sorted(behaviours))))


def write_output(out: Path, name: str, frame: pl.DataFrame) -> None:
    """Replace output ``name`` under ``out`` with ``frame``."""
    folder = out / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    frame.write_parquet(folder / "part-00000.parquet", compression="zstd")


def score_local(events: Path, job: ScoringJob, out: Path, paid: pl.DataFrame | None = None) -> None:
    """Score the events under ``events`` and write every output under ``out``."""
    result = score_events(_events(events, job.table.behaviour_ids, paid), job)
    for name in OUTPUTS:
        write_output(out, name, getattr(result, name))


def restate_local(
    events: Path, job: RestatementJob, out: Path, paid: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Restate the events under ``events`` per (behaviour, month); written and returned."""
    lines = restate_events(_events(events, job.candidate.behaviour_ids, paid), job)
    write_output(out, RESTATEMENT, lines)
    return lines
