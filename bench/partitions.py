"""What partitioning (migration 0014) costs the hot writes on PostgreSQL, side by side.

Why interleaved and not two runs: on a shared machine the load drifts by a factor of two
within minutes, so two benchmark runs compare two moments, not two schemas. Here one process
keeps one scratch schema per variant and takes turns: each round appends one chunk of events
(the bulk writer's COPY, ``BulkConnection.append``) and 30 game batches of 100 transfers plus
30 of the game's day-facts reads to every variant, so drift hits all of them alike. Medians.

Variants: ``0013`` (unpartitioned), ``0013-wide-key`` (0013 with the events key widened to
``(dedupe_key, day)``), ``0014-no-trigger`` (partitioned, identity triggers off), ``0014``, and
``0014-keys-copied`` (the events' trigger off, their keys written by a second COPY instead).

Run from the repository root: ``nice -n 19 python -m bench.partitions [--rounds 20]``;
PostgreSQL is ``SAXAUL_BENCH_POSTGRES_URL`` unless ``--postgres-url`` says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection

from saxaul.loadtest.scratch import postgres_url, scratch_database
from saxaul.store import partitions, tables
from saxaul.store.bulk import BulkConnection
from saxaul.store.engine import make_engine
from saxaul.store.ingest_repo import EVENT_COLUMNS
from saxaul.store.migrate import upgrade

CHUNK = 20_000
BATCH = 100
AT_US = 1_780_000_000_000_000
SETUP: dict[str, tuple[str, tuple[str, ...]]] = {
    "0013": ("0013", ()),
    "0013-wide-key": (
        "0013",
        (
            "ALTER TABLE events DROP CONSTRAINT pk_events",
            "ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY (dedupe_key, day)",
        ),
    ),
    "0014-no-trigger": (
        "head",
        (
            "ALTER TABLE events DISABLE TRIGGER event_keys_claim",
            "ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfer_ids_claim",
        ),
    ),
    "0014": ("head", ()),
    "0014-keys-copied": ("head", ("ALTER TABLE events DISABLE TRIGGER event_keys_claim",)),
}
APPEND = (
    "INSERT INTO ledger_transfers (id, debit_account, credit_account, amount_g, kind, at_us, "
    "reference) SELECT * FROM unnest(CAST(%(i)s AS TEXT[]), CAST(%(d)s AS TEXT[]), "
    "CAST(%(c)s AS TEXT[]), CAST(%(g)s AS BIGINT[]), CAST(%(k)s AS TEXT[]), "
    "CAST(%(t)s AS BIGINT[]), CAST(%(r)s AS TEXT[]))"
)
FACTS = (
    "SELECT 'steal', credit_account, count(*) FROM ledger_transfers WHERE credit_account = "
    "ANY(CAST(%(p)s AS TEXT[])) AND at_us >= %(at)s AND kind = 'steal' GROUP BY credit_account "
    "UNION ALL SELECT 'debit', debit_account, sum(amount_g) FROM ledger_transfers "
    "WHERE debit_account = ANY(CAST(%(p)s AS TEXT[])) GROUP BY debit_account"
)


def events(k: int) -> pl.DataFrame:
    """Chunk ``k`` of synthetic scored events (random dedupe keys, one day)."""
    ids = pl.Series(range(k * CHUNK, (k + 1) * CHUNK), dtype=pl.Int64)
    frame = pl.DataFrame(
        {
            "dedupe_key": ids.hash(seed=1).reinterpret(signed=True),
            "source": "transit",
            "event_id": ids.cast(pl.String),
            "user_id": "u" + (ids % 5000).cast(pl.String),
            "behaviour": "metro_ride",
            "occurred_at_us": AT_US + ids,
            "quantity": 1.0,
            "payload_hash": ids,
            "import_id": 1,
            "status": "scored",
            "day": 740_000,
            "raw_mg": 52_000,
            "credited_mg": 52_000,
        }
    ).with_columns(
        pl.lit(None, pl.Int64).alias("amount_minor"),
        pl.lit(None, pl.String).alias("currency"),
        pl.lit(None, pl.String).alias("merchant_category"),
        pl.lit(None, pl.String).alias("attributes"),
        pl.lit(None, pl.Int64).alias("award_id"),
    )
    return frame.select(EVENT_COLUMNS).sort("dedupe_key")


def transfers(k: int) -> dict[str, list[Any]]:
    """Batch ``k`` of 100 steals from distinct balls to 50 players."""
    n = range(BATCH)
    return {
        "i": [f"t{k}-{j}" for j in n],
        "d": [f"ball:{k * BATCH + j}" for j in n],
        "c": [f"user:u{j % 50}" for j in n],
        "g": [5] * BATCH,
        "k": ["steal"] * BATCH,
        "t": [AT_US + k] * BATCH,
        "r": [str(k * BATCH + j) for j in n],
    }


def timed(work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _append(bulk: BulkConnection, chunk: pl.DataFrame, keys_copied: bool) -> None:
    """One chunk in one transaction; ``keys_copied``: the keys by a second COPY instead of
    the trigger (the alternative not taken, docs/partitioning.md)."""
    bulk.execute("BEGIN")
    bulk.append(tables.events, chunk)
    if keys_copied:
        bulk.append(partitions.event_keys, chunk.select("dedupe_key", "day"))
    bulk.commit()


def _sql(conn: Connection, sql: str, params: dict[str, Any]) -> None:
    """Run ``sql`` and read all its rows, if it returns any."""
    result = conn.exec_driver_sql(sql, params)
    if result.returns_rows:
        result.all()


def run(rounds: int, postgres: str) -> dict[str, Any]:
    """Every variant's medians: events/s appended, ms per transfer batch and per facts read."""
    figures: dict[str, dict[str, list[float]]] = {v: {"ev": [], "tx": [], "rd": []} for v in SETUP}
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        bulks, conns = {}, {}
        for variant, (revision, statements) in SETUP.items():
            url = stack.enter_context(scratch_database("postgresql", work, postgres, "parts"))
            engine = make_engine(url)
            stack.callback(engine.dispose)
            upgrade(engine, revision)
            with engine.begin() as conn:
                for sql in statements:
                    conn.exec_driver_sql(sql)
            bulks[variant] = stack.enter_context(BulkConnection(url))
            conns[variant] = stack.enter_context(engine.connect())
        for k in range(rounds):
            chunk = events(k)
            for variant, bulk in bulks.items():
                copied = variant.endswith("copied")
                figures[variant]["ev"].append(CHUNK / timed(partial(_append, bulk, chunk, copied)))
                conn = conns[variant]
                for j in range(30):
                    with conn.begin():
                        batch = transfers(k * 30 + j)
                        figures[variant]["tx"].append(timed(partial(_sql, conn, APPEND, batch)))
                    players = [f"user:u{(j + p) % 50}" for p in range(20)]
                    read = partial(_sql, conn, FACTS, {"p": players, "at": AT_US})
                    figures[variant]["rd"].append(timed(read))
                    conn.rollback()
    return {
        v: {
            "events_per_s": round(statistics.median(f["ev"])),
            "transfer_batch_ms": round(statistics.median(f["tx"]) * 1000, 2),
            "day_facts_ms": round(statistics.median(f["rd"]) * 1000, 2),
        }
        for v, f in figures.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--postgres-url", default=postgres_url())
    args = parser.parse_args()
    print(json.dumps(run(args.rounds, args.postgres_url), indent=2))


if __name__ == "__main__":
    main()
