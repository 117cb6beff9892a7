"""The load tests' world: players, two friend graphs, simulated days and their balls.

Set-up is untimed and goes through the services (see ``build_world``): N participants enrolled;
two friend graphs (uniform, and Zipf-skewed so a few hot players are everybody's friend); a day
of scored events per cell plus day 0, imported and minted as balls; day 0's big ball collected
by every player so plants, pools and waterings can be paid for. Each cell plays on its own
simulated day against that day's fresh balls, so no cell inherits another's leftovers (nor its
daily limits or covers). The HTTP load plays at the real now, on every day ripe then, and aims
some collects at a day that is not ripe yet.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from saxaul.domain.accounts import participant_account_id
from saxaul.domain.clock import to_us
from saxaul.domain.friends import FriendshipStatus, pair
from saxaul.domain.play import Collect, Move
from saxaul.services import game, imports, participants
from saxaul.services.balls import mint_balls
from saxaul.services.runtime import Runtime
from saxaul.sim.clock import DemoClock
from saxaul.sim.forest_play import local
from saxaul.store import ledger_repo
from saxaul.store.tables import balls, friendships

Log = Callable[[str], None]

ZIPF_S = 1.1
"""Skew of the Zipf distribution over players (TigerBeetle's and Jepsen's choice of ~1)."""
SOLO_SPECIES = "saxaul"
"""17,900 g: every player can afford one after collecting day 0's ball."""
CO_SPECIES = "caragana"
"""The cheapest species (16,930 g), co-planted by 3–5 friends pooling 300–3,000 g at a time."""
UNIFORM_CHORDS_PER_PLAYER = 4
"""Uniform graph: a ring (2 friends each) plus 4 random chords per player → ~10 friends each."""
ZIPF_PICKS_PER_PLAYER = 5
"""Zipf graph: every player befriends 5 players drawn Zipf-skewed → ~10 friends on average, but
the hottest players have thousands (a 'hot friend' everybody steals from)."""
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


class BenchFailed(RuntimeError):
    """The benchmark found something wrong (a broken ledger, a failed batch): figures void."""


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
    HTTP cells play at the real now, on the days that are ripe then. An unripe day, if asked
    for, is yesterday: its balls appeared at today's midnight and ripen at tomorrow's.
    """

    days: tuple[dt.date, ...]
    """Day 0 (starting energy), one day per cell, then the unripe day if any."""
    http_days: tuple[int, ...]
    zone: str
    """The rules' time zone: balls appear at local midnight, daily limits count local days."""
    unripe_day: int | None = None
    """The day whose balls are still growing at the real now (yesterday), if any."""

    @staticmethod
    def for_cells(
        service_cells: int, http_cells: int, today: dt.date, zone: str, *, unripe: bool = False
    ) -> Timeline:
        """Days ending so that the last ``http_cells`` days are ripe and unexpired ``today``,
        followed by yesterday when ``unripe``."""
        cells = service_cells + http_cells
        # The cell days end at today-2: each ripe since today 00:00 or before and expiring at
        # the coming local midnight or later, whatever the hour the benchmark runs (so at most
        # three days are ripe and unexpired at once: today-4, today-3, today-2).
        last = today - dt.timedelta(days=2)
        first = last - dt.timedelta(days=cells)
        days = tuple(first + dt.timedelta(days=j) for j in range(cells + 1))
        if unripe:
            days += (today - dt.timedelta(days=1),)
        return Timeline(
            days,
            tuple(range(service_cells + 1, cells + 1)),
            zone,
            len(days) - 1 if unripe else None,
        )

    def imported_at(self, day: int) -> dt.datetime:
        """When day ``day``'s events are imported (scored): 23:00 local that day."""
        return self.local(self.days[day], 23)

    def plays_at(self, day: int) -> dt.datetime:
        """When the service cell of day ``day`` plays: 08:00 local two days later."""
        return self.local(self.days[day] + dt.timedelta(days=2), 8)

    def local(self, day: dt.date, hour: int) -> dt.datetime:
        """``hour`` o'clock on ``day`` in the rules' zone."""
        return local(day, hour, self.zone)


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
    watering_steps_g: tuple[int, ...]
    """The rules' watering steps: waterings give one of these (any other is ``not_a_step``)."""


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
    enrolled = timeline.local(timeline.days[0] - dt.timedelta(days=30), 0).isoformat()
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
    clock.set(timeline.local(timeline.days[0] + dt.timedelta(days=2), 6))
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
    return World(graph, timeline, by_day, owner, cost, figures, rt.rules.watering_steps_g)


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
    index = {timeline.local(d + dt.timedelta(days=2), 0): j for j, d in enumerate(timeline.days)}
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
