"""Scoring Parquet events with the kernel: the Polars engine (one process) beside Spark.

Both runs are ``services.file_scoring.score_files`` on the same input, so each figure is the
whole job: read the events, score them (``kernel.score``), write events, awards and usage as
Parquet. Spark's session start (JVM, ~10 s) is timed apart, and its first job (Python workers
starting, code shipped) is a warm-up left out of the best time. Events are the simulated
pilot's (``saxaul.sim``: walking every day for every user, payments, transit, bills) under the
shipped programme, over ``--days`` days (each user's daily walk is one of the events); both
engines must credit the same milligrams.

Run from the repository root: ``python -m bench.spark_scoring [--events N] [--users U]
[--master local[2]] [--partitions P] [--repeat R]`` (progress on stderr, JSON on stdout).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from saxaul.loadtest.machine import machine
from saxaul.scoring.table import BehaviourTable
from saxaul.scoring_jobs.spark import SparkRunner
from saxaul.services.file_scoring import ScoreRequest, ScoreSummary, score_files
from saxaul.services.methodology import active_programme
from saxaul.sim.behaviours import behaviour_events
from saxaul.sim.population import population
from saxaul.sim.scenario import START

Log = Callable[[str], None]
FILES = 8
"""Event files written (Spark reads them as that many splits before hashing by user)."""


def write_input(root: Path, events: int, users: int, days: int) -> tuple[Path, Path, int]:
    """Simulated events as Parquet files and the participants' consent; paths and event count."""
    programme = active_programme("", "")
    table = BehaviourTable.from_packs(programme.packs, dict(programme.choices))
    people = population(users, seed=11, start=START)
    frame = behaviour_events(
        people, events=events, days=days, start=START, seed=11, behaviours=table.behaviour_ids
    ).select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
        "user_id",
        "behaviour",
        pl.col("occurred_at").str.to_datetime(
            "%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", time_unit="us"
        ),
        "quantity",
        "amount_minor",
        "attributes",
    )
    folder = root / "events"
    folder.mkdir()
    for i, part in enumerate(frame.iter_slices(frame.height // FILES + 1)):
        part.write_parquet(folder / f"part-{i}.parquet")
    participants = root / "participants.parquet"
    people.select(
        "user_id",
        consent_at=pl.col("enrolled_at").str.to_datetime(time_zone="UTC", time_unit="us"),
    ).write_parquet(participants)
    return folder, participants, frame.height


def _best(run: Callable[[], ScoreSummary], repeat: int, log: Log, label: str) -> ScoreSummary:
    runs = []
    for i in range(repeat):
        summary = run()
        log(f"  {label} run {i + 1}: {summary.seconds:.2f} s")
        runs.append(summary)
    return min(runs, key=lambda s: s.seconds)


def run_bench(
    *, events: int, users: int, days: int, master: str, partitions: int, repeat: int, log: Log
) -> dict[str, Any]:
    """Score one input with both engines; events/s of each (best of ``repeat``) and the ratio."""
    result: dict[str, Any] = {"machine": machine(), "users": users, "days": days}
    with tempfile.TemporaryDirectory(prefix="saxaul-spark-bench-") as tmp:
        root = Path(tmp)
        folder, participants, count = write_input(root, events, users, days)
        result["events"] = count
        log(f"{count:,} events of {users:,} users over {days} day(s)")

        def local() -> ScoreSummary:
            request = ScoreRequest(folder, participants, None, root / "polars", "polars")
            return score_files(request, "", "")

        polars = _best(local, repeat, log, "polars")
        started = time.perf_counter()
        with SparkRunner(master, partitions) as runner:
            result["spark_session_start_s"] = round(time.perf_counter() - started, 2)

            def spark() -> ScoreSummary:
                request = ScoreRequest(
                    folder, participants, None, root / "spark", "spark", master, partitions
                )
                return score_files(request, "", "", runner=runner)

            warm_up = spark()
            log(f"  spark warm-up: {warm_up.seconds:.2f} s")
            result["spark_first_job_s"] = warm_up.seconds
            on_spark = _best(spark, repeat, log, "spark")
    if (on_spark.events, on_spark.awards, on_spark.credited_mg) != (
        polars.events,
        polars.awards,
        polars.credited_mg,
    ):
        raise SystemExit(f"the engines disagree: {polars} vs {on_spark}")
    result["polars"] = {"seconds": polars.seconds, "events_per_s": round(count / polars.seconds)}
    result["spark"] = {
        "master": master,
        "partitions": partitions,
        "seconds": on_spark.seconds,
        "events_per_s": round(count / on_spark.seconds),
    }
    result["polars_over_spark"] = round(on_spark.seconds / polars.seconds, 2)
    result["awards"], result["credited_mg"] = polars.awards, polars.credited_mg
    log(
        f"polars {result['polars']['events_per_s']:,} events/s, spark "
        f"{result['spark']['events_per_s']:,} events/s: polars {result['polars_over_spark']}× "
        "faster"
    )
    return result


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.events <= args.users * args.days:
        parser.error("--events must exceed --users × --days (every user walks once a day)")
    log: Log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    result = run_bench(
        events=args.events,
        users=args.users,
        days=args.days,
        master=args.master,
        partitions=args.partitions,
        repeat=args.repeat,
        log=log,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
