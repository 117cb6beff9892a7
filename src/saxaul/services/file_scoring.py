"""``saxaul score``: score (or restate) events stored as Parquet, in-process or on Spark.

Why a service: the command and the tests ask for one thing, "score these files with the
programme", and the engine is a choice, not a different rule. Both engines run
``saxaul.scoring.kernel.score`` with the programme's behaviour table (the configured packs and
activity choices, ``methodology.active_programme``), so their outputs must be equal to the
milligram; the summary is read back from the written files the same way for both. The awards
are not loaded into a ledger.

An archive (``saxaul archive export``, format 3) is scored as its store scored it: its own
participants (unless others are given) and its events, whose sealed payment details are opened
here, on the driver, with the store's keys when a database is given (``ScoreRequest.store``)
and handed to the engine as plain rows (``scoring_jobs.inputs.PAID``). Without a key (no
store, or the participant was erased) they are missing, as retention leaves old events, and the
summary counts those events (``sealed_unopened``).

Example: ``score_files(ScoreRequest(Path("events"), Path("participants.parquet"), None,
Path("out"), "spark", "local[2]", 4), "", "")`` → ``ScoreSummary(engine="spark", events=…,
awards=…, credited_mg=…, seconds=…)``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

import polars as pl

from saxaul.domain.errors import InputRejected
from saxaul.reports.archive import MANIFEST, RESCORABLE, ArchiveInputs, KeyLookup
from saxaul.scoring.table import BehaviourTable
from saxaul.scoring_jobs.inputs import PAID, read_participants, read_prior
from saxaul.scoring_jobs.local import restate_local, score_local
from saxaul.scoring_jobs.partition import RestatementJob, ScoringJob
from saxaul.scoring_jobs.spark import SparkRunner
from saxaul.services.methodology import active_programme, resolve_pack
from saxaul.store import personal_keys_repo
from saxaul.store.uow import Database

Engine = Literal["polars", "spark"]
ENGINES: tuple[Engine, ...] = ("polars", "spark")


@dataclass(frozen=True, slots=True)
class ScoreRequest:
    """Where the inputs are, where the outputs go, and which engine runs the kernel."""

    events: Path
    participants: Path | None
    """``None``: the archive's own (only when ``events`` is an archive)."""
    prior: Path | None
    out: Path
    engine: Engine
    master: str = "local[2]"
    partitions: int = 8
    store: str | None = None
    """The database URL whose data keys open an archive's sealed payment details; ``None``:
    none are opened."""


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """What a scoring run wrote: outcomes of events in the programme, award rows, their mg."""

    engine: Engine
    events: int
    scored: int
    awards: int
    credited_mg: int
    seconds: float
    sealed_unopened: int = 0
    """Events whose sealed payment details no key opened (scored without them)."""


@dataclass(frozen=True, slots=True)
class Restatement:
    """A restatement's lines (``RESTATE_SCHEMA``) and the events scored without their sealed
    payment details."""

    lines: pl.DataFrame
    sealed_unopened: int


@dataclass(frozen=True, slots=True)
class Sources:
    """Where a job's participants are, and an archive's payment details opened."""

    participants: Path
    paid: pl.DataFrame | None
    sealed_unopened: int


def sources(request: ScoreRequest) -> Sources:
    """The participants and opened payment details of ``request``'s events.

    Refused: no participants for plain files, or an archive of a format without what scoring
    reads."""
    if not (request.events / MANIFEST).is_file():
        if request.participants is None:
            raise InputRejected(
                "participants are needed (--participants) unless the events are an archive",
                code="invalid_participants",
            )
        return Sources(request.participants, None, 0)
    with _store_keys(request.store) as keys:
        archive = ArchiveInputs.open(request.events, keys)
        if archive.format_version < RESCORABLE:
            raise InputRejected(
                f"archive {request.events} is format {archive.format_version}: its events lack "
                f"what scoring reads (quantity, payment details); export format {RESCORABLE} or "
                "later from a store that still holds them (saxaul archive export --out NEW)",
                code="invalid_archive",
            )
        opened = archive.payments()
    paid = opened.frame.select(pl.col("dedupe_key").alias("row"), *(n for n in PAID if n != "row"))
    participants = request.participants or request.events / "participants"
    return Sources(participants, paid, opened.unopened)


@contextmanager
def _store_keys(url: str | None) -> Iterator[KeyLookup | None]:
    """The store's data key lookup (a reader's connection), or ``None`` without a store."""
    if url is None:
        yield None
        return
    db = Database(url)
    try:
        with db.bulk(lookups=True) as bulk:
            yield partial(personal_keys_repo.keys_of, bulk)
    finally:
        db.dispose()


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
    found = sources(request)
    job = ScoringJob(table, read_participants(found.participants), read_prior(request.prior))
    started = time.perf_counter()
    with _runner(request, runner) as spark:
        if spark is None:
            score_local(request.events, job, request.out, found.paid)
        else:
            spark.score(request.events, job, request.out, found.paid)
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
        sealed_unopened=found.sealed_unopened,
    )


def restate_files(
    request: ScoreRequest,
    candidate_ref: str,
    packs_spec: str,
    choices_spec: str,
    runner: SparkRunner | None = None,
) -> Restatement:
    """What replacing its namesake with pack ``candidate_ref`` changes, per (behaviour, month).

    The candidate programme is the current one with the candidate in place of the pack of the
    same id, as ``saxaul rescore`` builds it; ``RESTATE_SCHEMA`` lines, also written as the
    ``restatement`` output.
    """
    found = sources(request)
    programme = active_programme(packs_spec, choices_spec)
    candidate = resolve_pack(candidate_ref)
    others = tuple(p for p in programme.packs if p.id != candidate.id)
    choices = dict(programme.choices)
    job = RestatementJob(
        BehaviourTable.from_packs(programme.packs, choices),
        BehaviourTable.from_packs((*others, candidate), choices),
        read_participants(found.participants),
    )
    with _runner(request, runner) as spark:
        if spark is None:
            lines = restate_local(request.events, job, request.out, found.paid)
        else:
            lines = spark.restate(request.events, job, request.out, found.paid)
    return Restatement(lines, found.sealed_unopened)
