"""The ledger benchmark: mixed game moves per second, beside pgbench TPC-B in the same run.

Run from the repository root: ``python -m bench.ledger [--players N] [--seconds S] [--json]``
(progress on stderr, the result on stdout: a table, or JSON with ``--json``). PostgreSQL is
``SAXAUL_BENCH_POSTGRES_URL`` (``saxaul.loadtest.scratch``) unless ``--postgres-url`` says
otherwise; ``--postgres-url ''`` measures SQLite only.

Why this shape: absolute numbers drift between runs and machines, ratios measured side by side
hold, so pgbench's TPC-B runs on the same PostgreSQL in the same job and every figure is also
printed as a ratio to its tps; uniform random players flatter every database, so each cell runs
once with uniform players and once with Zipf-skewed players and friendships (a few hot players
everybody steals from).

What is measured, per engine (SQLite WAL + ``synchronous=FULL``; PostgreSQL with its configured
durability) × mode × distribution:

* **service, batch B** — K threads each call ``services.game.play(rt, batch)`` with B moves
  (``bench/ledger_workload.py``, moves from ``saxaul.loadtest.moves``);
* **http** — the real server in a subprocess (``saxaul.loadtest.server``), one move per request
  (``bench/ledger_http.py``).

The world each engine plays in is built untimed through the services
(``saxaul.loadtest.world``).
After every cell ``ledger_audit.audit`` must find nothing, or the benchmark fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.ledger_http import http_cell
from bench.ledger_workload import BenchConfig, Cell, Tally, cell_figures, service_cell
from bench.report import format_ledger_summary
from saxaul.bootstrap import bootstrap
from saxaul.catalogue import shipped_energy_rules
from saxaul.config import Settings
from saxaul.domain.clock import to_us
from saxaul.loadtest.http_game import audit_summary, issue_tokens
from saxaul.loadtest.machine import durability, machine
from saxaul.loadtest.moves import HTTP_ROUTES, MIX
from saxaul.loadtest.pgbench import run_pgbench
from saxaul.loadtest.scratch import postgres_url, scratch_database
from saxaul.loadtest.server import HttpUnavailable, require_routes, serve
from saxaul.loadtest.world import (
    METRO_BY_KM,
    ZIPF_S,
    BenchFailed,
    Graph,
    Timeline,
    World,
    build_world,
    make_graph,
)
from saxaul.services.balls import expire_balls
from saxaul.services.runtime import Runtime
from saxaul.sim.clock import DemoClock

Log = Callable[[str], None]


def _engine_run(
    engine: str,
    url: str,
    graph: Graph,
    timeline: Timeline,
    config: BenchConfig,
    pgbench_tps: float | None,
    work: Path,
    log: Log,
) -> dict[str, Any]:
    """Set up one database, then play every cell on it, auditing after each."""
    clock = DemoClock(timeline.imported_at(0))
    rt = bootstrap(Settings(database_url=url, activity_packs=METRO_BY_KM), clock=clock)
    out: dict[str, Any] = {"durability": durability(rt.db.engine), "cells": {}}
    try:
        world = build_world(rt, clock, graph, timeline, work, log)
        out["setup"] = world.setup
        plan = [(batch, dist) for batch in config.batches for dist in ("uniform", "zipf")]
        for day, (batch, dist) in enumerate(plan, start=1):
            cell = Cell(engine, "service", batch, dist, day)
            clock.set(timeline.plays_at(day))
            expired = expire_balls(rt)
            log(
                f"{engine} {cell.name} {cell.distribution}: {config.threads} threads, "
                f"{config.seconds:g} s (expired {expired.balls} old balls first)"
            )
            _record(out, cell, service_cell(rt, world, cell, config), pgbench_tps, rt, log)
        if config.http:
            out["http_setup"] = _http_cells(
                rt, clock, world, timeline, engine, url, config, pgbench_tps, out, log
            )
    finally:
        rt.db.dispose()
    return out


def _http_cells(
    rt: Runtime,
    clock: DemoClock,
    world: World,
    timeline: Timeline,
    engine: str,
    url: str,
    config: BenchConfig,
    pgbench_tps: float | None,
    out: dict[str, Any],
    log: Log,
) -> dict[str, Any]:
    """Both HTTP cells at the real now (the server's clock), on the two days ripe today."""
    clock.set(dt.datetime.now(dt.UTC))
    clock.run()
    started = time.perf_counter()
    expire_balls(rt)
    tokens = issue_tokens(rt, world.graph.players, config.threads)
    setup: dict[str, Any] = {
        "tokens": len(tokens),
        "seconds": round(time.perf_counter() - started, 1),
    }
    with serve(url, log) as base:
        try:
            require_routes(base, (path for _, path in HTTP_ROUTES.values()))
        except HttpUnavailable as missing:
            log(f"  HTTP mode NOT RUN on {engine}: {missing}")
            setup["unavailable"] = str(missing)
            return setup
        for dist, day in zip(("uniform", "zipf"), timeline.http_days, strict=True):
            cell = Cell(engine, "http", 1, dist, day)
            log(f"{engine} http {dist}: {config.threads} client threads, {config.seconds:g} s")
            measured = http_cell(base, world, tokens, cell, config)
            _record(out, cell, measured, pgbench_tps, rt, log)
    return setup


def _record(
    out: dict[str, Any],
    cell: Cell,
    measured: tuple[Tally, float],
    pgbench_tps: float | None,
    rt: Runtime,
    log: Log,
) -> None:
    """Log and keep one cell's figures, audit the ledger, and fail on any failed call."""
    tally, seconds = measured
    figures = cell_figures(tally, seconds, pgbench_tps)
    log(
        f"  {figures['ops']:,} ops in {figures['seconds']} s = {figures['ops_per_s']:,} ops/s "
        f"({figures['applied_per_s']:,} applied, {figures['refused_per_s']:,} refused /s); "
        f"p50 {figures['call_ms_p50']} ms, p99 {figures['call_ms_p99']} ms per call"
    )
    out["cells"].setdefault(cell.name, {})[cell.distribution] = figures
    if tally.errors:
        figures["errors"] = tally.errors[:20]
        raise BenchFailed(
            f"{cell.engine} {cell.name} {cell.distribution}: {len(tally.errors)} calls failed, "
            f"first: {tally.errors[0]}"
        )
    figures["audit"] = _checked_audit(rt, f"{cell.engine} {cell.name} {cell.distribution}", log)


def run_ledger_bench(config: BenchConfig, log: Log = print) -> dict[str, Any]:
    """Run the whole benchmark and return every figure (also logged as it goes)."""
    started = time.perf_counter()
    result: dict[str, Any] = {
        "machine": machine(),
        "config": {
            "players": config.players,
            "seconds_per_cell": config.seconds,
            "threads": config.threads,
            "batches": list(config.batches),
            "zipf_s": ZIPF_S,
            "mix_percent": dict(MIX),
            "seed": config.seed,
            "http": config.http,
        },
    }
    pgbench_tps: float | None = None
    if config.pgbench and config.postgres_url:
        result["pgbench"] = run_pgbench(config.postgres_url, config.pgbench_seconds, log)
        pgbench_tps = float(result["pgbench"]["tps"])
    graph = make_graph(config.players, config.seed)
    service_cells = 2 * len(config.batches)
    zone = shipped_energy_rules().timezone
    timeline = Timeline.for_cells(service_cells, 2, dt.datetime.now(ZoneInfo(zone)).date(), zone)
    engines = ["sqlite", "postgresql"] if config.postgres_url else ["sqlite"]
    result["engines"] = {}
    with tempfile.TemporaryDirectory(prefix="saxaul-ledger-bench-") as tmp:
        for engine in engines:
            log(f"{engine}: set-up of {config.players:,} players …")
            with scratch_database(engine, Path(tmp), config.postgres_url, "ledger") as url:
                result["engines"][engine] = _engine_run(
                    engine, url, graph, timeline, config, pgbench_tps, Path(tmp), log
                )
    result["seconds_total"] = round(time.perf_counter() - started, 1)
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["measured_at_us"] = to_us(dt.datetime.now(dt.UTC))
    return result


def _checked_audit(rt: Runtime, label: str, log: Log) -> dict[str, Any]:
    """The ledger audit, printed; any problem stops the benchmark."""
    summary = audit_summary(rt)
    log(f"  audit after {label}: {summary}")
    if not summary["conserved"]:
        raise BenchFailed(f"ledger audit after {label} found {len(summary['problems'])} problems")
    return summary


def main() -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per cell")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--batch", type=int, action="append", help="moves per batch; repeat (default 1 and 100)"
    )
    parser.add_argument("--postgres-url", default=postgres_url(), help="empty: SQLite only")
    parser.add_argument("--pgbench-seconds", type=int, default=30)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    config = BenchConfig(
        players=args.players,
        seconds=args.seconds,
        threads=args.threads,
        batches=tuple(args.batch or (1, 100)),
        postgres_url=args.postgres_url or None,
        http=not args.skip_http,
        pgbench_seconds=args.pgbench_seconds,
    )
    result = run_ledger_bench(config, log=lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps(result, indent=2) if args.json else format_ledger_summary(result))


if __name__ == "__main__":
    main()
