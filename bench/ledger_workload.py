"""The ledger benchmark's workload: seeded move streams (``saxaul.loadtest.moves``), played by
worker threads.

A **service** cell runs K threads that each call ``services.game.play(rt, batch)`` with B moves
(one transaction per batch, retried on a race) for a fixed time. Refused moves (already stolen,
daily limit, not enough energy, …) are normal game answers, counted apart from applied ones.
"""

from __future__ import annotations

import statistics
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from saxaul.domain.play import Outcome
from saxaul.loadtest.moves import MoveStream, move_name
from saxaul.loadtest.scratch import postgres_url
from saxaul.loadtest.world import World
from saxaul.services import game
from saxaul.services.runtime import Runtime


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """What to run; the defaults took 4 min 55 s on the project's 2-core machine (shared)."""

    players: int = 10_000
    seconds: float = 10.0
    threads: int = 8
    batches: tuple[int, ...] = (1, 100)
    postgres_url: str | None = field(default_factory=postgres_url)
    """Empty or ``None``: SQLite only (and no pgbench)."""
    http: bool = True
    pgbench: bool = True
    pgbench_seconds: int = 30
    seed: int = 2016


@dataclass(slots=True)
class Tally:
    """What one worker saw: moves applied and refused (by kind and code), call latencies."""

    applied: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ended: float = 0.0

    def add(self, other: Tally) -> None:
        """Fold another worker's tally into this one."""
        self.applied.update(other.applied)
        self.refused.update(other.refused)
        self.latencies.extend(other.latencies)
        self.errors.extend(other.errors)
        self.ended = max(self.ended, other.ended)


@dataclass(frozen=True, slots=True)
class Cell:
    """One measurement: an engine, a mode (``service`` with a batch size, or ``http``), a
    distribution of players, and the simulated day whose balls it plays on."""

    engine: str
    mode: str
    batch: int
    distribution: str
    day: int

    @property
    def name(self) -> str:
        """The mode's key in the results: ``service_b1``, ``service_b100``, ``http``."""
        return "http" if self.mode == "http" else f"service_b{self.batch}"


def run_workers(
    threads: int, seconds: float, work: Callable[[int, float, Tally], None]
) -> tuple[Tally, float]:
    """Run ``work(k, deadline, tally)`` on ``threads`` threads started together; the elapsed
    time runs from the common start to the end of the last call that began before the deadline."""
    tallies = [Tally() for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)
    clock: list[float] = [0.0]

    def run(k: int) -> None:
        barrier.wait()
        try:
            work(k, clock[0] + seconds, tallies[k])
        except Exception as exc:
            tallies[k].errors.append(f"{type(exc).__name__}: {exc}"[:500])
        tallies[k].ended = time.perf_counter()

    workers = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(threads)]
    for worker in workers:
        worker.start()
    clock[0] = time.perf_counter()
    barrier.wait()
    for worker in workers:
        worker.join()
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total, total.ended - clock[0]


def service_cell(rt: Runtime, world: World, cell: Cell, config: BenchConfig) -> tuple[Tally, float]:
    """K threads play batches through ``game.play`` until the cell's time is up."""

    def work(k: int, deadline: float, tally: Tally) -> None:
        stream = MoveStream(
            world, cell.distribution, cell.day, worker_seed(config, cell, k), f"w{k}"
        )
        while time.perf_counter() < deadline:
            moves = [move for move, _ in stream.take(cell.batch)]
            started = time.perf_counter()
            outcomes = game.play(rt, moves)
            tally.latencies.append(time.perf_counter() - started)
            _count(tally, outcomes)

    return run_workers(config.threads, config.seconds, work)


def worker_seed(config: BenchConfig, cell: Cell, worker: int) -> int:
    """The same stream for a worker on every engine and run (``hash`` of a string is salted
    per process, CRC-32 is not); another for each distribution, day and batch size."""
    return zlib.crc32(
        f"{config.seed}:{cell.distribution}:{cell.day}:{cell.batch}:{worker}".encode()
    )


def _count(tally: Tally, outcomes: Sequence[Outcome]) -> None:
    for outcome in outcomes:
        kind = move_name(outcome.move)
        if outcome.refusal is None:
            tally.applied[kind] += 1
        else:
            tally.refused[f"{kind}:{outcome.refusal.code}"] += 1


def cell_figures(tally: Tally, seconds: float, pgbench_tps: float | None) -> dict[str, Any]:
    """A cell's counts, rates and call latencies, and its rates as ratios to pgbench's tps."""
    applied = sum(tally.applied.values())
    refused = sum(tally.refused.values())
    ops = applied + refused
    lat = sorted(tally.latencies)
    out: dict[str, Any] = {
        "ops": ops,
        "applied": applied,
        "refused": refused,
        "seconds": round(seconds, 3),
        "ops_per_s": round(ops / seconds, 1),
        "applied_per_s": round(applied / seconds, 1),
        "refused_per_s": round(refused / seconds, 1),
        "calls": len(lat),
        "call_ms_p50": round(1000 * statistics.median(lat), 2) if lat else None,
        "call_ms_p99": round(1000 * lat[int(0.99 * (len(lat) - 1))], 2) if lat else None,
        "applied_by_move": dict(sorted(tally.applied.items())),
        "refused_by_code": dict(tally.refused.most_common()),
    }
    if pgbench_tps:
        out["ops_per_s_vs_pgbench"] = round(ops / seconds / pgbench_tps, 3)
        out["applied_per_s_vs_pgbench"] = round(applied / seconds / pgbench_tps, 3)
    return out
