"""``saxaul score``: score (or restate) events stored as Parquet, in-process or on Spark.

Why a service: the command and the tests ask for one thing, "score these files with the
programme", and the engine is a choice, not a different rule. Both engines run
``saxaul.scoring.kernel.score`` with the programme's behaviour table (the configured packs and
activity choices, ``methodology.active_programme``), so their outputs must be equal to the
milligram; the summary is read back from the written files the same way for both. No database
is opened: the awards are not loaded into a ledger.

Example: ``score_files(ScoreRequest(Path("events"), Path("participants.parquet"), None,
Path("out"), "spark", "local[2]", 4), "", "")`` → ``ScoreSummary(engine="spark", events=…,
awards=…, credited_mg=…, seconds=…)``.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from saxaul.scoring.table import BehaviourTable
from saxaul.scoring_jobs.inputs import read_participants, read_prior
from saxaul.scoring_jobs.local import restate_local, score_local
from saxaul.scoring_jobs.partition import RestatementJob, ScoringJob
from saxaul.scoring_jobs.spark import SparkRunner
from saxaul.services.methodology import active_programme, resolve_pack

Engine = Literal["polars", "spark"]
ENGINES: tuple[Engine, ...] = ("polars", "spark")


@dataclass(frozen=True, slots=True)
class ScoreRequest:
    """Where the inputs are, where the outputs go, and which engine runs the kernel."""

    events: Path
    participants: Path
    prior: Path | None
    out: Path
    engine: Engine
    master: str = "local[2]"
    partitions: int = 8


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """What a scoring run wrote: outcomes of events in the programme, award rows, their mg."""

    engine: Engine
    events: int
    scored: int
    awards: int
    credited_mg: int
    seconds: float


def _runner(
    request: ScoreRequest, runner: SparkRunner | None
) -> AbstractContextManager[SparkRunner | None]:
    """The Spark runner to use: the caller's (kept running), a new one (stopped after), or none."""
    if request.engine != "spark" or runner is not None:
        return nullcontext(runner)
    return SparkRunner(request.master, request.partitions)


def _output(out: Path, name: str) -> pl.LazyFrame:
    return pl.scan_parquet(out / name / "*.parquet")


def score_files(
    request: ScoreRequest,
    packs_spec: str,
    choices_spec: str,
    runner: SparkRunner | None = None,
) -> ScoreSummary:
    """Score the events with the programme's packs; write events, awards and usage outputs."""
    programme = active_programme(packs_spec, choices_spec)
    table = BehaviourTable.from_packs(programme.packs, dict(programme.choices))
    job = ScoringJob(table, read_participants(request.participants), read_prior(request.prior))
    started = time.perf_counter()
    with _runner(request, runner) as spark:
        if spark is None:
            score_local(request.events, job, request.out)
        else:
            spark.score(request.events, job, request.out)
    seconds = time.perf_counter() - started
    events = _output(request.out, "events").select(
        events=pl.len(), scored=(pl.col("status") == "scored").sum()
    )
    awards = _output(request.out, "awards").select(
        awards=pl.len(), credited_mg=pl.col("avoided_mg").sum()
    )
    counts = pl.concat([events.collect(), awards.collect()], how="horizontal").row(0, named=True)
    return ScoreSummary(
        engine=request.engine,
        events=int(counts["events"]),
        scored=int(counts["scored"] or 0),
        awards=int(counts["awards"]),
        credited_mg=int(counts["credited_mg"] or 0),
        seconds=round(seconds, 3),
    )


def restate_files(
    request: ScoreRequest,
    candidate_ref: str,
    packs_spec: str,
    choices_spec: str,
    runner: SparkRunner | None = None,
) -> pl.DataFrame:
    """What replacing its namesake with pack ``candidate_ref`` changes, per (behaviour, month).

    The candidate programme is the current one with the candidate in place of the pack of the
    same id, as ``saxaul rescore`` builds it; ``RESTATE_SCHEMA`` lines, also written as the
    ``restatement`` output.
    """
    programme = active_programme(packs_spec, choices_spec)
    candidate = resolve_pack(candidate_ref)
    others = tuple(p for p in programme.packs if p.id != candidate.id)
    choices = dict(programme.choices)
    job = RestatementJob(
        BehaviourTable.from_packs(programme.packs, choices),
        BehaviourTable.from_packs((*others, candidate), choices),
        read_participants(request.participants),
    )
    with _runner(request, runner) as spark:
        if spark is None:
            return restate_local(request.events, job, request.out)
        return spark.restate(request.events, job, request.out)
