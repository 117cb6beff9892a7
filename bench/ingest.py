"""The ingest benchmark: end-to-end events/s beside two baselines measured in the same run.

* **in-memory limit** — the same scoring join, caps and per-user aggregation in Polars, with
  no dedupe and no persistence (what the machine can do if storage were free);
* **naive path** — per event: a Python scorer, then one transaction with one INSERT for the
  event and one upsert for its cap usage (what a plain web handler would do), on a sample;
* **Saxaul** — ``import_events`` on a Parquet file and a CSV file: validate, dedupe, score,
  cap, persist (SQLite WAL + synchronous=FULL; PostgreSQL with its configured durability),
  then the same file again (0 rows must go in) to time exactly-once re-import.

Every figure is printed with the machine, durability and library versions (ratios measured
side by side hold across machines; absolute numbers drift).

Run from the repository root: ``python -m bench.ingest [--events N] [--users U]`` (progress on
stderr, JSON on stdout). ``--file-gb 10 [--file-format ndjson]`` measures instead one import of
a generated file of that size (written day by day, never held in memory) in a child process,
with its peak resident memory (``ru_maxrss``), to show memory does not grow with the file.
PostgreSQL is ``SAXAUL_BENCH_POSTGRES_URL`` (``saxaul.loadtest.scratch``)
unless ``--postgres-url`` says otherwise; ``--postgres-url ''`` measures SQLite only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.clock import to_us
from saxaul.domain.methodology import CapUsage, apply_caps, event_mg, rate_mg_per_unit
from saxaul.domain.units import day_ordinal
from saxaul.loadtest.machine import durability, machine
from saxaul.loadtest.scratch import postgres_url as default_postgres_url
from saxaul.loadtest.scratch import scratch_database
from saxaul.scoring.kernel import empty_prior, score
from saxaul.scoring.table import BehaviourTable
from saxaul.services import imports, participants
from saxaul.services.methodology import active_programme
from saxaul.services.runtime import Runtime
from saxaul.sim.behaviours import behaviour_events
from saxaul.sim.population import population
from saxaul.sim.scenario import START

Log = Callable[[str], None]
NAIVE_SAMPLE = 20_000


def _in_memory_limit(events: pl.DataFrame, consent: pl.DataFrame, table: BehaviourTable) -> float:
    """Events/s of the scoring kernel alone on parsed, in-memory events (best of 3)."""
    frame = events.with_row_index("row").with_columns(
        pl.col("row").cast(pl.Int64),
        pl.col("occurred_at").str.to_datetime(time_zone="UTC"),
        pl.col("quantity").cast(pl.Float64),
    )
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        score(frame, consent, empty_prior(), table)
        best = min(best, time.perf_counter() - started)
    return frame.height / best


def _naive(rt: Runtime, events: pl.DataFrame, table: BehaviourTable) -> float:
    """Events/s of per-event Python scoring + one transaction per event, on a sample."""
    packs = {b.id: p for p in rt.packs for b in p.behaviours}
    meta = sa.MetaData()
    naive_events = sa.Table(
        "naive_events",
        meta,
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Text),
        sa.Column("behaviour", sa.Text),
        sa.Column("credited_mg", sa.BigInteger),
    )
    naive_usage = sa.Table(
        "naive_usage",
        meta,
        sa.Column("user_id", sa.Text, primary_key=True),
        sa.Column("behaviour", sa.Text, primary_key=True),
        sa.Column("day", sa.Integer, primary_key=True),
        sa.Column("counted", sa.BigInteger),
        sa.Column("credited_mg", sa.BigInteger),
    )
    meta.drop_all(rt.db.engine)
    meta.create_all(rt.db.engine)
    sample = events.head(NAIVE_SAMPLE).iter_rows(named=True)
    started = time.perf_counter()
    count = 0
    for ev in sample:
        pack = packs[ev["behaviour"]]
        behaviour = pack.behaviour(ev["behaviour"])
        when = dt.datetime.fromisoformat(ev["occurred_at"])
        raw = event_mg(
            rate_mg_per_unit(pack, behaviour), float(ev["quantity"]), ev["amount_minor"], behaviour
        )
        day = day_ordinal(when.date())
        with rt.db.engine.begin() as conn:
            used = conn.execute(
                sa.select(naive_usage.c.counted, naive_usage.c.credited_mg).where(
                    naive_usage.c.user_id == ev["user_id"],
                    naive_usage.c.behaviour == ev["behaviour"],
                    naive_usage.c.day == day,
                )
            ).first()
            prior = CapUsage(*used) if used else CapUsage()
            (credit,), usage = apply_caps([raw], prior, behaviour.caps)
            conn.execute(
                sa.insert(naive_events).values(
                    source=ev["source"],
                    event_id=ev["event_id"],
                    user_id=ev["user_id"],
                    behaviour=ev["behaviour"],
                    credited_mg=credit,
                )
            )
            upsert = sa.delete(naive_usage).where(
                naive_usage.c.user_id == ev["user_id"],
                naive_usage.c.behaviour == ev["behaviour"],
                naive_usage.c.day == day,
            )
            conn.execute(upsert)
            conn.execute(
                sa.insert(naive_usage).values(
                    user_id=ev["user_id"],
                    behaviour=ev["behaviour"],
                    day=day,
                    counted=usage.counted,
                    credited_mg=usage.credited_mg,
                )
            )
        count += 1
    elapsed = time.perf_counter() - started
    meta.drop_all(rt.db.engine)
    return count / elapsed


@contextlib.contextmanager
def _fresh_runtime(
    backend: str, work: Path, postgres_url: str | None, chunk_rows: int
) -> Iterator[Runtime]:
    """A runtime on a new, migrated database for one measurement."""
    with scratch_database(backend, work, postgres_url, "ingest") as url:
        rt = bootstrap(Settings(database_url=url, packs="", chunk_rows=chunk_rows))
        try:
            yield rt
        finally:
            rt.db.dispose()


def _backend(
    backend: str,
    files: dict[str, Path],
    people_path: Path,
    frame: pl.DataFrame,
    table: BehaviourTable,
    env: tuple[Path, str | None, int],
    log: Log,
) -> dict[str, Any]:
    """Naive path, then each file format end to end and again, each on a fresh database."""
    work, postgres_url, chunk_rows = env
    with _fresh_runtime(backend, work, postgres_url, chunk_rows) as rt:
        durability_of = durability(rt.db.engine)
        participants.import_participants(rt, people_path)
        log(f"{backend}: naive per-event path on {NAIVE_SAMPLE:,} events …")
        naive = _naive(rt, frame, table)
    out: dict[str, Any] = {
        "naive_events_per_s": round(naive),
        "durability": durability_of,
        "end_to_end": {},
    }
    for fmt, path in files.items():
        with _fresh_runtime(backend, work, postgres_url, chunk_rows) as rt:
            participants.import_participants(rt, people_path)
            first = imports.import_events(rt, path)
            again = imports.import_events(rt, path)
        figures = {
            "events": first.rows_read,
            "seconds": round(first.seconds, 3),
            "events_per_s": round(first.rows_read / first.seconds),
            "new_events": first.new_events,
            "energy_g": first.energy_g,
            "reimport_new_events": again.new_events,
            "reimport_events_per_s": round(again.rows_read / again.seconds),
        }
        out["end_to_end"][fmt] = figures
        log(f"  {backend} {fmt}: {figures}")
    best = max(v["events_per_s"] for v in out["end_to_end"].values())
    out["best_vs_naive"] = round(best / naive, 1)
    return out


def _programme_and_people(users: int) -> tuple[BehaviourTable, pl.DataFrame]:
    """The shipped programme's behaviours, and the simulated participants the events are of."""
    programme = active_programme("", "")
    table = BehaviourTable.from_packs(programme.packs, dict(programme.choices))
    return table, population(users, seed=11, start=START)


def run_ingest_bench(
    *,
    events: int,
    users: int,
    postgres_url: str | None,
    chunk_rows: int | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Run the benchmark and return every figure (also logged as it goes)."""
    table, people = _programme_and_people(users)
    frame = behaviour_events(
        people, events=events, days=1, start=START, seed=11, behaviours=table.behaviour_ids
    )
    chunk_rows = chunk_rows or Settings().chunk_rows
    result: dict[str, Any] = {
        "machine": machine(),
        "events": frame.height,
        "users": users,
        "chunk_rows": chunk_rows,
    }
    with tempfile.TemporaryDirectory(prefix="saxaul-bench-") as tmp:
        work = Path(tmp)
        people_path = work / "participants.csv"
        people.drop("activity").write_csv(people_path)
        files: dict[str, Path] = {"parquet": work / "events.parquet", "csv": work / "events.csv"}
        frame.write_parquet(files["parquet"])
        frame.write_csv(files["csv"])
        consent = people.select(
            "user_id",
            pl.col("enrolled_at").str.to_datetime(time_zone="UTC").alias("consent_at"),
            pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("withdrawn_at"),
        )
        limit = _in_memory_limit(frame, consent, table)
        result["in_memory_limit_events_per_s"] = round(limit)
        log(f"in-memory limit (Polars scoring, no dedupe, no persistence): {limit:,.0f} events/s")
        backends = ["sqlite", "postgresql"] if postgres_url else ["sqlite"]
        for backend in backends:
            env = (work, postgres_url, chunk_rows)
            figures = _backend(backend, files, people_path, frame, table, env, log)
            best = max(v["events_per_s"] for v in figures["end_to_end"].values())
            figures["best_vs_in_memory_limit"] = round(best / limit, 3)
            result[backend] = figures
    result["measured_at_us"] = to_us(dt.datetime.now(dt.UTC))
    return result


FILE_DAY_EVENTS = 1_000_000
"""Events simulated per day of a generated file: one day's frame is all it holds in memory."""


def write_events_file(
    path: Path, fmt: str, target_bytes: int, people: pl.DataFrame, table: BehaviourTable
) -> int:
    """Append simulated days (new event ids each day) to ``path`` until it holds
    ``target_bytes``; returns how many events it holds."""
    written = 0
    with path.open("wb") as out:
        day = 0
        while out.tell() < target_bytes:
            frame = behaviour_events(
                people,
                events=FILE_DAY_EVENTS,
                days=1,
                start=START + dt.timedelta(days=day),
                seed=1_000 + day,
                behaviours=table.behaviour_ids,
            )
            if fmt == "csv":
                frame.write_csv(out, include_header=day == 0)
            else:
                frame.write_ndjson(out)
            written += frame.height
            day += 1
    return written


def _import_in_child(url: str, path: Path, chunk_rows: int) -> tuple[dict[str, Any], int]:
    """``saxaul import --json path`` in a child process: its summary and peak RSS in bytes."""
    env = os.environ | {
        "SAXAUL_DATABASE_URL": url,
        "SAXAUL_PACKS": "",
        "SAXAUL_CHUNK_ROWS": str(chunk_rows),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "saxaul", "import", "--json", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"the import exited with {child.returncode}")
    return json.loads(output), usage.ru_maxrss * 1024  # Linux: kibibytes


def run_file_bench(
    *,
    file_gb: float,
    fmt: str,
    users: int,
    postgres_url: str | None,
    chunk_rows: int | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Generate a file of ``file_gb`` GB, import it once per backend, report speed and peak RSS."""
    table, people = _programme_and_people(users)
    chunk_rows = chunk_rows or Settings().chunk_rows
    result: dict[str, Any] = {"machine": machine(), "users": users, "chunk_rows": chunk_rows}
    with tempfile.TemporaryDirectory(prefix="saxaul-bench-") as tmp:
        work = Path(tmp)
        people_path = work / "participants.csv"
        people.drop("activity").write_csv(people_path)
        path = work / f"events.{fmt}"
        log(f"writing a {file_gb:g} GB {fmt} file …")
        events = write_events_file(path, fmt, int(file_gb * 1e9), people, table)
        result |= {"file_bytes": path.stat().st_size, "file_events": events, "format": fmt}
        backends = ["sqlite", "postgresql"] if postgres_url else ["sqlite"]
        for backend in backends:
            with scratch_database(backend, work, postgres_url, "file") as url:
                rt = bootstrap(Settings(database_url=url, packs="", chunk_rows=chunk_rows))
                try:
                    participants.import_participants(rt, people_path)
                finally:
                    rt.db.dispose()
                log(f"{backend}: importing {events:,} events in a child process …")
                summary, peak = _import_in_child(url, path, chunk_rows)
            figures = {
                "events": summary["rows_read"],
                "seconds": round(summary["seconds"], 3),
                "events_per_s": round(summary["rows_read"] / summary["seconds"]),
                "peak_rss_mib": round(peak / (1 << 20)),
            }
            result[backend] = figures
            log(f"  {backend}: {figures}")
    result["measured_at_us"] = to_us(dt.datetime.now(dt.UTC))
    return result


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--postgres-url", default=default_postgres_url(), help="empty: SQLite only")
    parser.add_argument("--chunk-rows", type=int, default=None)
    parser.add_argument(
        "--file-gb", type=float, default=None, help="import a generated file of this size"
    )
    parser.add_argument("--file-format", choices=["csv", "ndjson"], default="csv")
    args = parser.parse_args()
    log: Log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    if args.file_gb:
        result = run_file_bench(
            file_gb=args.file_gb,
            fmt=args.file_format,
            users=args.users,
            postgres_url=args.postgres_url or None,
            chunk_rows=args.chunk_rows,
            log=log,
        )
        print(json.dumps(result, indent=2))
        return
    result = run_ingest_bench(
        events=args.events,
        users=args.users,
        postgres_url=args.postgres_url or None,
        chunk_rows=args.chunk_rows,
        log=log,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
