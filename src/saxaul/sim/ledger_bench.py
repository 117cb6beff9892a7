"""The ledger benchmark: mixed game moves per second, beside pgbench TPC-B in the same run.

Why this shape (``MEASURED.md`` §4.3, §6 item 2): absolute numbers drift between runs and
machines, ratios measured side by side hold, so pgbench's TPC-B runs on the same PostgreSQL in
the same job and every figure is also printed as a ratio to its tps; uniform random players
flatter every database, so each cell runs once with uniform players and once with Zipf-skewed
players and friendships (a few hot players everybody steals from).

What is measured, per engine (SQLite WAL + ``synchronous=FULL``; PostgreSQL with its configured
durability) × mode × distribution:

* **service, batch B** — K threads each call ``services.game.play(rt, batch)`` with B moves
  (one transaction per batch, retried on a race), for a fixed time;
* **http** — the real app under uvicorn in a subprocess; K client threads send one move per
  request with a participant token and an Idempotency-Key (``play_request``'s path).

The workload is a seeded stream per worker: 40 % steal, 25 % collect, 15 % water, 10 % protect,
10 % trees (3 % solo plant, 2 % co-plant, 5 % pool into the stream's co-plantings). Refused
moves (already stolen, daily limit, not enough energy, …) are normal game answers and are
counted apart from applied ones. After every cell ``ledger_audit.audit`` must find nothing, or
the benchmark fails.

Set-up, untimed, through the services (see ``build_world``): N participants enrolled; two
friend graphs (uniform and Zipf); a day of scored events per cell plus day 0, imported and
minted as balls; day 0's big ball collected by every player so plants, pools and waterings can
be paid for. Each cell plays on its own simulated day against that day's fresh balls, so no
cell inherits another's leftovers (nor its daily limits or covers).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import sqlalchemy as sa

from saxaul.bootstrap import bootstrap
from saxaul.catalogue import shipped_energy_rules
from saxaul.config import Settings
from saxaul.domain.accounts import participant_account_id
from saxaul.domain.clock import to_us
from saxaul.domain.friends import FriendshipStatus, pair
from saxaul.domain.play import Collect, CoPlant, Move, Outcome, Plant, Pool, Protect, Steal, Water
from saxaul.services import game, imports, participant_auth, participants
from saxaul.services.balls import expire_balls, mint_balls
from saxaul.services.game_requests import tree_id_for
from saxaul.services.ledger_audit import LedgerAudit, audit
from saxaul.services.runtime import Runtime
from saxaul.sim.clock import DemoClock
from saxaul.sim.forest_play import local
from saxaul.sim.pgbench import admin_engine, run_pgbench
from saxaul.store import ledger_repo
from saxaul.store.tables import balls, friendships

Log = Callable[[str], None]

ZIPF_S = 1.1
"""Skew of the Zipf distribution over players (TigerBeetle's and Jepsen's choice of ~1)."""
MIX: tuple[tuple[str, int], ...] = (
    ("steal", 40),
    ("collect", 25),
    ("water", 15),
    ("protect", 10),
    ("plant", 3),
    ("co_plant", 2),
    ("pool", 5),
)
"""Share of each move in the stream, in percent (the tree moves together make 10 %)."""
SOLO_SPECIES = "saxaul"
"""17,900 g: every player can afford one after collecting day 0's ball."""
CO_SPECIES = "caragana"
"""The cheapest species (16,930 g), co-planted by 3–5 friends pooling 300–3,000 g at a time."""
COVER_HOURS = 24
"""Covers last one day, so they end before the next cell's simulated day begins."""
UNIFORM_CHORDS_PER_PLAYER = 4
"""Uniform graph: a ring (2 friends each) plus 4 random chords per player → ~10 friends each."""
ZIPF_PICKS_PER_PLAYER = 5
"""Zipf graph: every player befriends 5 players drawn Zipf-skewed → ~10 friends on average, but
the hottest players have thousands (the 'hot friend' of MEASURED §6)."""
METRO_BY_KM = "metro_trip=shenzhen-public-transit-2021"
"""The bench's programme scores metro trips per km (the shipped one scores them per ride)."""
ENERGY_DAY_KM = (100.0, 100.0, 100.0, 100.0)
"""Day 0: four 100 km Shenzhen metro trips, each capped at 4,670 g → one 18,680 g ball."""
PLAY_DAY_EVENTS: tuple[tuple[str, str, float, int], ...] = (
    # behaviour, source, quantity, events per player per day → one ball per behaviour
    ("metro_km", "sz-transit", 3.0, 1),
    ("bus_ride", "transit", 1.0, 2),
    ("walking", "phone", 10_000.0, 1),
)
SETUP_BATCH = 1_000
"""Collects per ``game.play`` call in the set-up: big enough to be quick, small enough to keep
each set-up transaction short."""
ZONE = shipped_energy_rules().timezone
"""The shipped rules' zone: balls appear at local midnight, daily limits count local days."""
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
REFUSED_HTTP = frozenset({400, 403, 404, 409, 422, 429})
"""HTTP answers that are game refusals (a problem document with a ``code``), not failures."""


class BenchFailed(RuntimeError):
    """The benchmark found something wrong (a broken ledger, a failed batch): figures void."""


class HttpUnavailable(RuntimeError):
    """The served app has no game routes yet, so the HTTP mode cannot run."""


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """What to run; the defaults took 4 min 55 s on the project's 2-core machine (shared)."""

    players: int = 10_000
    seconds: float = 10.0
    threads: int = 8
    batches: tuple[int, ...] = (1, 100)
    postgres_url: str | None = PG_DEFAULT
    http: bool = True
    pgbench: bool = True
    pgbench_seconds: int = 30
    seed: int = 2016


# ---------------------------------------------------------------- the world (set-up)


@dataclass(frozen=True, slots=True)
class Graph:
    """Who is friends with whom, kept per distribution so a uniform cell's targets are as
    uniform as its actors.

    Both edge sets are stored as accepted friendships in every database; a uniform cell draws
    targets (steals, waterings, co-planters) only from ``uniform``, a Zipf cell only from
    ``zipf``, where most players have befriended the same few hot ones.
    """

    players: tuple[str, ...]
    uniform: dict[str, tuple[str, ...]]
    zipf: dict[str, tuple[str, ...]]
    hot: tuple[str, ...]
    """Players from hottest to coldest (Zipf rank 1 first)."""
    cum_weights: tuple[float, ...]
    """Cumulative Zipf weights over ``hot``, for ``random.choices``."""

    def friends(self, distribution: str) -> dict[str, tuple[str, ...]]:
        """The adjacency a cell of ``distribution`` plays on."""
        return self.uniform if distribution == "uniform" else self.zipf

    def pairs(self) -> set[tuple[str, str]]:
        """Every friendship of both graphs, as stored ``(low, high)`` pairs."""
        return {pair(a, b) for adj in (self.uniform, self.zipf) for a in adj for b in adj[a]}


def make_graph(players: int, seed: int) -> Graph:
    """The two friend graphs over ``players`` players, deterministic in ``seed``."""
    ids = tuple(f"p{n:06d}" for n in range(players))
    rng = random.Random(seed)
    hot = list(ids)
    rng.shuffle(hot)
    cum = tuple(itertools.accumulate(1.0 / (rank**ZIPF_S) for rank in range(1, players + 1)))
    uniform: set[tuple[str, str]] = {pair(ids[i], ids[(i + 1) % players]) for i in range(players)}
    for _ in range(players * UNIFORM_CHORDS_PER_PLAYER):
        a, b = rng.sample(ids, 2)
        uniform.add(pair(a, b))
    zipf: set[tuple[str, str]] = set()
    for player in ids:
        for friend in rng.choices(hot, cum_weights=cum, k=ZIPF_PICKS_PER_PLAYER):
            if friend != player:
                zipf.add(pair(player, friend))
    return Graph(
        players=ids,
        uniform=_adjacency(ids, uniform),
        zipf=_adjacency(ids, zipf),
        hot=tuple(hot),
        cum_weights=cum,
    )


def _adjacency(ids: Sequence[str], pairs: set[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    adj: dict[str, list[str]] = {p: [] for p in ids}
    for a, b in sorted(pairs):
        adj[a].append(b)
        adj[b].append(a)
    return {p: tuple(friends) for p, friends in adj.items()}


@dataclass(frozen=True, slots=True)
class Timeline:
    """Simulated days, placed so the HTTP cells' days are ripe at the real (server's) now.

    Day ``j``'s events are imported at 23:00 local on that day, so its balls appear at the next
    midnight, ripen a day later and expire 72 h after that (shipped rules). Day 0 is collected
    in the set-up; service cell ``i`` plays at 08:00 local two days after its day ``i``; the
    HTTP cells play at the real now, on the two days that are ripe then.
    """

    days: tuple[dt.date, ...]
    """Day 0 (starting energy) and one day per cell."""
    http_days: tuple[int, ...]

    @staticmethod
    def for_cells(service_cells: int, http_cells: int, today: dt.date) -> Timeline:
        """Days ending so that the last ``http_cells`` days are ripe and unexpired ``today``."""
        cells = service_cells + http_cells
        # The last two days are today-3 and today-2: ripe since yesterday / today 00:00 and
        # expiring two / three days from now, whatever the hour the benchmark runs.
        last = today - dt.timedelta(days=2)
        first = last - dt.timedelta(days=cells)
        days = tuple(first + dt.timedelta(days=j) for j in range(cells + 1))
        return Timeline(days, tuple(range(service_cells + 1, cells + 1)))

    def imported_at(self, day: int) -> dt.datetime:
        """When day ``day``'s events are imported (scored): 23:00 local that day."""
        return _local(self.days[day], 23)

    def plays_at(self, day: int) -> dt.datetime:
        """When the service cell of day ``day`` plays: 08:00 local two days later."""
        return _local(self.days[day] + dt.timedelta(days=2), 8)


def _local(day: dt.date, hour: int) -> dt.datetime:
    return local(day, hour, ZONE)


@dataclass(frozen=True, slots=True)
class World:
    """One database's players, friends and balls, ready for cells to play on."""

    graph: Graph
    timeline: Timeline
    balls: dict[int, dict[str, tuple[str, ...]]]
    """Per day index, each owner's ball ids."""
    owner: dict[str, str]
    """Each ball's owner (an HTTP steal names the forest it steals in)."""
    co_cost_g: int
    setup: dict[str, Any]


def build_world(
    rt: Runtime, clock: DemoClock, graph: Graph, timeline: Timeline, work: Path, log: Log
) -> World:
    """Enrol, befriend, import and mint, then collect day 0: everything a cell needs.

    Participants and events go through the import services and balls through the minting job,
    as in production. Friendships are written straight into ``friendships`` as accepted rows of
    exactly the shape ``services.friends`` leaves (an invitation from the lower id, accepted at
    the same instant): 100 k invite-and-accept transactions would cost minutes of set-up and
    are not what is measured.
    """
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    phases: dict[str, float] = {}
    lap = [started]

    def phase(name: str) -> None:
        now = time.perf_counter()
        phases[name] = round(now - lap[0], 2)
        lap[0] = now

    people = work / "participants.csv"
    n = len(graph.players)
    enrolled = _local(timeline.days[0] - dt.timedelta(days=30), 0).isoformat()
    pl.DataFrame(
        {
            "user_id": graph.players,
            "enrolled_at": [enrolled] * n,
            "consent": ["true"] * n,
        }
    ).write_csv(people)
    clock.set(timeline.imported_at(0) - dt.timedelta(days=1))
    participants.import_participants(rt, people)
    phase("enrol")
    pairs = sorted(graph.pairs())
    at_us = to_us(clock.now())
    with rt.db.engine.begin() as conn:
        conn.execute(
            sa.insert(friendships),
            [
                {
                    "user_low": low,
                    "user_high": high,
                    "inviter": low,
                    "status": FriendshipStatus.ACCEPTED.value,
                    "invited_at_us": at_us,
                    "accepted_at_us": at_us,
                }
                for low, high in pairs
            ],
        )
    phase("friendships")
    figures["friendships"] = len(pairs)
    figures["friends_per_player_uniform"] = round(_mean_degree(graph.uniform), 1)
    figures["friends_per_player_zipf"] = round(_mean_degree(graph.zipf), 1)
    figures["friends_of_hottest_player_zipf"] = len(graph.zipf[graph.hot[0]])
    events = 0
    for day in range(len(timeline.days)):
        clock.set(timeline.imported_at(day))
        path = work / f"events-{day}.parquet"
        frame = _day_events(graph.players, timeline.days[day], energy_day=day == 0)
        frame.write_parquet(path)
        summary = imports.import_events(rt, path)
        if summary.new_events != frame.height:
            raise BenchFailed(f"day {day}: {summary.new_events} of {frame.height} events stored")
        events += frame.height
    figures["events_imported"] = events
    phase("import_events")
    minted = mint_balls(rt)
    phase("mint_balls")
    figures["balls_minted"] = minted.balls
    figures["energy_minted_g"] = minted.grams
    by_day, owner = _balls_by_day(rt, timeline)
    clock.set(_local(timeline.days[0] + dt.timedelta(days=2), 6))
    collects: list[Move] = [Collect(p, b) for p, ids in by_day[0].items() for b in ids]
    refused = 0
    for start in range(0, len(collects), SETUP_BATCH):
        refused += sum(not o.ok for o in game.play(rt, collects[start : start + SETUP_BATCH]))
    if refused:
        raise BenchFailed(f"set-up: {refused} of day 0's collects were refused")
    phase("collect_day_0")
    if rt.db.engine.dialect.name == "postgresql":
        # What autovacuum would do within a minute or two: without fresh statistics after the
        # bulk set-up, the planner picks a sequential scan of every transfer for the daily
        # watering count (26 ms instead of 6 ms per batch of 100 moves, measured).
        with rt.db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        phase("analyze")
    figures["starting_energy_g_per_player"] = _starting_energy(rt, graph.players[0])
    figures["balls_per_player_per_day"] = len(PLAY_DAY_EVENTS)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["phase_seconds"] = phases
    log(f"  set-up: {figures}")
    cost = rt.species.get(CO_SPECIES).energy_cost_g
    return World(graph, timeline, by_day, owner, cost, figures)


def _mean_degree(adj: dict[str, tuple[str, ...]]) -> float:
    return sum(len(v) for v in adj.values()) / max(len(adj), 1)


def _day_events(players: Sequence[str], day: dt.date, *, energy_day: bool) -> pl.DataFrame:
    """One day's events for every player: day 0 earns the big ball, others three small ones."""
    plan = (
        [("metro_km", "sz-transit", km, 1) for km in ENERGY_DAY_KM]
        if energy_day
        else list(PLAY_DAY_EVENTS)
    )
    rows: dict[str, list[Any]] = {
        k: [] for k in ("event_id", "source", "user_id", "behaviour", "occurred_at", "quantity")
    }
    for player in players:
        seq = 0
        for behaviour, source, quantity, count in plan:
            for _ in range(count):
                seq += 1
                rows["event_id"].append(f"{player}-{day.isoformat()}-{seq}")
                rows["source"].append(source)
                rows["user_id"].append(player)
                rows["behaviour"].append(behaviour)
                rows["occurred_at"].append(f"{day.isoformat()}T{7 + seq:02d}:00:00+08:00")
                rows["quantity"].append(quantity)
    return pl.DataFrame(rows)


def _balls_by_day(
    rt: Runtime, timeline: Timeline
) -> tuple[dict[int, dict[str, tuple[str, ...]]], dict[str, str]]:
    """Every minted ball, grouped by the day it was earned (from when it ripens)."""
    index = {_local(d + dt.timedelta(days=2), 0): j for j, d in enumerate(timeline.days)}
    ripe_day = {to_us(instant): j for instant, j in index.items()}
    grouped: dict[int, dict[str, list[str]]] = {j: {} for j in range(len(timeline.days))}
    owner: dict[str, str] = {}
    with rt.db.engine.connect() as conn:
        rows = conn.execute(
            sa.select(balls.c.id, balls.c.owner, balls.c.ripens_at_us).order_by(balls.c.id)
        )
        for row in rows:
            day = ripe_day.get(row.ripens_at_us)
            if day is None:
                raise BenchFailed(f"ball {row.id} ripens at an unexpected instant")
            grouped[day].setdefault(row.owner, []).append(row.id)
            owner[row.id] = row.owner
    return {j: {p: tuple(ids) for p, ids in g.items()} for j, g in grouped.items()}, owner


def _starting_energy(rt: Runtime, player: str) -> int:
    with rt.db.reading() as conn:
        return ledger_repo.balance_of(conn, participant_account_id(player))


# ---------------------------------------------------------------- the workload


@dataclass(slots=True)
class _Planting:
    tree_id: str
    members: tuple[str, ...]
    needed_g: int


class MoveStream:
    """A seeded stream of moves for one worker of one cell, each with its Idempotency-Key.

    Why per worker: each thread draws from its own generator, so the stream a worker plays is
    the same on every engine and every run, whatever the interleaving. Trees get ids derived
    from the actor and key (``game_requests.tree_id_for``), as an HTTP plant would, so the
    service and HTTP modes play the very same moves.
    """

    def __init__(self, world: World, distribution: str, day: int, seed: int, tag: str) -> None:
        self._rng = random.Random(seed)
        self._graph = world.graph
        self._friends = world.graph.friends(distribution)
        self._balls = world.balls[day]
        self._zipf = distribution == "zipf"
        self._tag = tag
        self._count = 0
        self._plantings: list[_Planting] = []
        self._kinds = [kind for kind, _ in MIX]
        self._cum = list(itertools.accumulate(share for _, share in MIX))
        self._co_cost = world.co_cost_g

    def take(self, n: int) -> list[tuple[Move, str]]:
        """The next ``n`` moves with their keys."""
        return [self.next() for _ in range(n)]

    def _actor(self) -> str:
        if self._zipf:
            return self._rng.choices(self._graph.hot, cum_weights=self._graph.cum_weights)[0]
        return self._rng.choice(self._graph.players)

    def _friend(self, actor: str) -> str:
        friends = self._friends[actor]
        return self._rng.choice(friends) if friends else actor

    def next(self) -> tuple[Move, str]:
        """One move: its kind drawn from ``MIX``, its actor from the cell's distribution."""
        self._count += 1
        key = f"{self._tag}-{self._count}"
        kind = self._rng.choices(self._kinds, cum_weights=self._cum)[0]
        actor = self._actor()
        rng = self._rng
        if kind == "pool" and self._plantings:
            planting = rng.choice(self._plantings[-50:])
            amount = min(rng.randint(300, 3_000), planting.needed_g)
            planting.needed_g -= amount
            if planting.needed_g <= 0:
                self._plantings.remove(planting)
            return Pool(rng.choice(planting.members), planting.tree_id, amount), key
        if kind in ("pool", "co_plant"):
            friends = self._friends[actor]
            chosen = tuple(rng.sample(friends, min(len(friends), rng.randint(2, 4))))
            tree_id = tree_id_for(actor, key)
            self._plantings.append(_Planting(tree_id, (actor, *chosen), self._co_cost))
            return CoPlant(actor, CO_SPECIES, chosen, tree_id), key
        if kind == "steal":
            friend = self._friend(actor)
            return Steal(actor, rng.choice(self._balls.get(friend) or ("none",))), key
        if kind == "collect":
            return Collect(actor, rng.choice(self._balls.get(actor) or ("none",))), key
        if kind == "water":
            return Water(actor, self._friend(actor), rng.choice((10, 18, 66))), key
        if kind == "protect":
            return Protect(actor, COVER_HOURS), key
        return Plant(actor, SOLO_SPECIES, tree_id_for(actor, key)), key


# ---------------------------------------------------------------- cells


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


def _move_name(move: Move) -> str:
    return "co_plant" if isinstance(move, CoPlant) else type(move).__name__.lower()


def _run_workers(
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


def _service_cell(
    rt: Runtime, world: World, cell: Cell, config: BenchConfig
) -> tuple[Tally, float]:
    """K threads play batches through ``game.play`` until the cell's time is up."""

    def work(k: int, deadline: float, tally: Tally) -> None:
        stream = MoveStream(world, cell.distribution, cell.day, _seed(config, cell, k), f"w{k}")
        while time.perf_counter() < deadline:
            moves = [move for move, _ in stream.take(cell.batch)]
            started = time.perf_counter()
            outcomes = game.play(rt, moves)
            tally.latencies.append(time.perf_counter() - started)
            _count(tally, outcomes)

    return _run_workers(config.threads, config.seconds, work)


def _seed(config: BenchConfig, cell: Cell, worker: int) -> int:
    """The same stream for a worker on every engine and run (``hash`` of a string is salted
    per process, CRC-32 is not); another for each distribution, day and batch size."""
    return zlib.crc32(
        f"{config.seed}:{cell.distribution}:{cell.day}:{cell.batch}:{worker}".encode()
    )


def _count(tally: Tally, outcomes: Sequence[Outcome]) -> None:
    for outcome in outcomes:
        kind = _move_name(outcome.move)
        if outcome.refusal is None:
            tally.applied[kind] += 1
        else:
            tally.refused[f"{kind}:{outcome.refusal.code}"] += 1


def _figures(tally: Tally, seconds: float, pgbench_tps: float | None) -> dict[str, Any]:
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


def _checked_audit(rt: Runtime, label: str, log: Log) -> dict[str, Any]:
    """The ledger audit, printed; any problem stops the benchmark."""
    started = time.perf_counter()
    result: LedgerAudit = audit(rt)
    summary = {
        "ok": result.ok,
        "seconds": round(time.perf_counter() - started, 2),
        "accounts": result.accounts,
        "transfers": result.transfers,
        "issued_g": result.issued_g,
        "by_kind_g": dict(sorted(result.by_kind.items())),
        "problems": result.problems[:20],
    }
    log(f"  audit after {label}: {summary}")
    if not result.ok:
        raise BenchFailed(f"ledger audit after {label} found {len(result.problems)} problems")
    return summary


# ---------------------------------------------------------------- HTTP


HTTP_ROUTES: dict[str, tuple[str, str]] = {
    "collect": ("POST", "/v1/me/balls/{ball_id}/collect"),
    "steal": ("POST", "/v1/friends/{user_id}/balls/{ball_id}/steal"),
    "water": ("POST", "/v1/friends/{user_id}/water"),
    "protect": ("POST", "/v1/me/covers"),
    "plant": ("POST", "/v1/me/trees"),
    "co_plant": ("POST", "/v1/me/co-plantings"),
    "pool": ("POST", "/v1/trees/{tree_id}/pool"),
}
"""The game routes the HTTP mode calls (``api/routers/game.py``); checked against the served
OpenAPI document first."""


def _http_request(move: Move, world: World) -> tuple[str, str, dict[str, Any] | None]:
    """The method, path and JSON body that ask the served app for ``move``."""
    match move:
        case Collect(ball_id=ball_id):
            method, path = HTTP_ROUTES["collect"]
            return method, path.format(ball_id=ball_id), None
        case Steal(ball_id=ball_id):
            method, path = HTTP_ROUTES["steal"]
            owner = world.owner.get(ball_id, move.actor)
            return method, path.format(user_id=owner, ball_id=ball_id), None
        case Water(friend=friend, amount_g=amount_g):
            method, path = HTTP_ROUTES["water"]
            return method, path.format(user_id=friend), {"amount_g": amount_g}
        case Protect(hours=hours):
            method, path = HTTP_ROUTES["protect"]
            return method, path, {"hours": hours}
        case Plant(species_id=species_id):
            method, path = HTTP_ROUTES["plant"]
            return method, path, {"species_id": species_id}
        case CoPlant(species_id=species_id, friends=friends):
            method, path = HTTP_ROUTES["co_plant"]
            return method, path, {"species_id": species_id, "friends": list(friends)}
        case Pool(tree_id=tree_id, amount_g=amount_g):
            method, path = HTTP_ROUTES["pool"]
            return method, path.format(tree_id=tree_id), {"amount_g": amount_g}
    raise ValueError(f"no HTTP route for {move!r}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_app(port: int) -> None:
    """Serve the real app on ``port`` (run in the benchmark's server subprocess).

    The app is loaded by name, as ``uvicorn saxaul.api.app:create_app --factory`` would, with
    ``SAXAUL_*`` settings from the environment.
    """
    import uvicorn

    uvicorn.run(
        "saxaul.api.app:create_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


@contextlib.contextmanager
def _server(database_url: str, log: Log) -> Iterator[str]:
    """The app under uvicorn in a subprocess on a free port; its base URL while it runs."""
    import httpx

    port = _free_port()
    env = {**os.environ, "SAXAUL_DATABASE_URL": database_url}
    code = "import sys; from saxaul.sim.ledger_bench import serve_app; serve_app(int(sys.argv[1]))"
    process = subprocess.Popen([sys.executable, "-c", code, str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise BenchFailed(f"the server exited with {process.returncode} before serving")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise BenchFailed("the server did not answer /healthz within 30 s")
        log(f"  server pid {process.pid} on {base}")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _require_game_routes(base: str) -> None:
    """Refuse to run the HTTP mode against an app that serves no game routes."""
    import httpx

    served = set(httpx.get(f"{base}/openapi.json", timeout=10).json().get("paths", {}))
    missing = sorted({path for _, path in HTTP_ROUTES.values()} - served)
    if missing:
        raise HttpUnavailable(
            "the served app lacks these game routes, so the HTTP mode cannot run: "
            + ", ".join(missing)
            + " (see HTTP_ROUTES in saxaul.sim.ledger_bench)"
        )


def _issue_tokens(rt: Runtime, players: Sequence[str], threads: int) -> dict[str, str]:
    """A participant token for each player (what an app backend would obtain for them).

    One transaction each; on PostgreSQL several threads issue them side by side, on SQLite one
    (its writers queue on the file lock, and more threads only add the busy handler's sleeps).
    """

    def issue(player: str) -> tuple[str, str]:
        return player, participant_auth.issue_token(rt, player, dt.timedelta(hours=2)).token

    if rt.db.engine.dialect.name == "sqlite" or threads <= 1:
        return dict(map(issue, players))
    with ThreadPoolExecutor(threads) as pool:
        return dict(pool.map(issue, players))


def _http_cell(
    base: str, world: World, tokens: dict[str, str], cell: Cell, config: BenchConfig
) -> tuple[Tally, float]:
    """K client threads send one move per request, each with its player's token and a key."""
    import httpx

    def work(k: int, deadline: float, tally: Tally) -> None:
        stream = MoveStream(world, cell.distribution, cell.day, _seed(config, cell, k), f"h{k}")
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        with httpx.Client(base_url=base, timeout=60, limits=limits) as client:
            while time.perf_counter() < deadline:
                ((move, key),) = stream.take(1)
                method, path, body = _http_request(move, world)
                headers = {
                    "Authorization": f"Bearer {tokens[move.actor]}",
                    "Idempotency-Key": key,
                }
                started = time.perf_counter()
                response = client.request(method, path, json=body, headers=headers)
                tally.latencies.append(time.perf_counter() - started)
                kind = _move_name(move)
                if response.status_code < 300:
                    tally.applied[kind] += 1
                elif response.status_code in REFUSED_HTTP:
                    code = _problem_code(response)
                    tally.refused[f"{kind}:{code}"] += 1
                else:
                    tally.errors.append(f"{method} {path} → {response.status_code}")
                    if len(tally.errors) > 20:
                        return

    return _run_workers(config.threads, config.seconds, work)


def _problem_code(response: Any) -> str:
    try:
        return str(response.json().get("code", response.status_code))
    except ValueError:
        return str(response.status_code)


# ---------------------------------------------------------------- engines and the run


def _machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlalchemy": sa.__version__,
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _durability(rt: Runtime) -> dict[str, Any]:
    """The settings that decide what a commit costs, read back from the live connection."""
    with rt.db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return {
                "sqlite_version": conn.exec_driver_sql("SELECT sqlite_version()").scalar(),
                "journal_mode": conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
                "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                    int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
                ),
                "page_size": conn.exec_driver_sql("PRAGMA page_size").scalar(),
                "pool": type(rt.db.engine.pool).__name__,
            }
        return {
            name: str(conn.execute(sa.text(f"SHOW {name}")).scalar())
            for name in (
                "server_version",
                "synchronous_commit",
                "fsync",
                "wal_sync_method",
                "shared_buffers",
                "max_connections",
            )
        } | {"pool": type(rt.db.engine.pool).__name__}


@contextlib.contextmanager
def _database(engine: str, work: Path, postgres_url: str | None) -> Iterator[str]:
    """A new, empty database for one engine: a SQLite file or a PostgreSQL schema."""
    if engine == "sqlite":
        yield f"sqlite:///{work / f'ledger-{uuid.uuid4().hex[:8]}.db'}"
        return
    assert postgres_url
    schema = f"bench_ledger_{uuid.uuid4().hex[:8]}"
    admin = admin_engine(postgres_url)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        sep = "&" if "?" in postgres_url else "?"
        yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


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
    out: dict[str, Any] = {"durability": _durability(rt), "cells": {}}
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
            _record(out, cell, _service_cell(rt, world, cell, config), pgbench_tps, rt, log)
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
    tokens = _issue_tokens(rt, world.graph.players, config.threads)
    setup: dict[str, Any] = {
        "tokens": len(tokens),
        "seconds": round(time.perf_counter() - started, 1),
    }
    with _server(url, log) as base:
        try:
            _require_game_routes(base)
        except HttpUnavailable as missing:
            log(f"  HTTP mode NOT RUN on {engine}: {missing}")
            setup["unavailable"] = str(missing)
            return setup
        for dist, day in zip(("uniform", "zipf"), timeline.http_days, strict=True):
            cell = Cell(engine, "http", 1, dist, day)
            log(f"{engine} http {dist}: {config.threads} client threads, {config.seconds:g} s")
            measured = _http_cell(base, world, tokens, cell, config)
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
    figures = _figures(tally, seconds, pgbench_tps)
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
        "machine": _machine(),
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
    timeline = Timeline.for_cells(service_cells, 2, dt.datetime.now(ZoneInfo(ZONE)).date())
    engines = ["sqlite", "postgresql"] if config.postgres_url else ["sqlite"]
    result["engines"] = {}
    with tempfile.TemporaryDirectory(prefix="saxaul-ledger-bench-") as tmp:
        for engine in engines:
            log(f"{engine}: set-up of {config.players:,} players …")
            with _database(engine, Path(tmp), config.postgres_url) as url:
                result["engines"][engine] = _engine_run(
                    engine, url, graph, timeline, config, pgbench_tps, Path(tmp), log
                )
    result["seconds_total"] = round(time.perf_counter() - started, 1)
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["measured_at_us"] = to_us(dt.datetime.now(dt.UTC))
    return result


def format_summary(result: dict[str, Any]) -> str:
    """The figures as a plain-text table: one line per engine × mode × distribution."""
    tps = result.get("pgbench", {}).get("tps")
    lines = [
        f"pgbench TPC-B: {tps} tps" if tps else "pgbench: not run",
        f"{'engine':<11}{'mode':<14}{'players':<9}{'ops/s':>10}{'applied/s':>11}"
        f"{'refused/s':>11}{'× pgbench':>11}{'p50 ms':>9}{'p99 ms':>9}",
    ]
    for engine, run in result.get("engines", {}).items():
        for mode, by_dist in run.get("cells", {}).items():
            for dist, f in by_dist.items():
                ratio = f.get("ops_per_s_vs_pgbench")
                lines.append(
                    f"{engine:<11}{mode:<14}{dist:<9}{f['ops_per_s']:>10,.0f}"
                    f"{f['applied_per_s']:>11,.0f}{f['refused_per_s']:>11,.0f}"
                    f"{'' if ratio is None else f'{ratio:.2f}':>11}"
                    f"{f['call_ms_p50'] or 0:>9.1f}{f['call_ms_p99'] or 0:>9.1f}"
                )
        if "unavailable" in run.get("http_setup", {}):
            lines.append(f"{engine:<11}http          not run: {run['http_setup']['unavailable']}")
    return "\n".join(lines)
