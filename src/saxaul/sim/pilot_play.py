"""Play the calibrated pilot through the real services, one simulated day at a time.

Why through the services: the point of a 1:1000 pilot is to see the platform do what it would
do — participants enrolled by import, events scored by the methodology, balls minted and
expired by the jobs, friendships made, energy collected, stolen and spent on trees through
``game.play`` — and end with a ledger that audits clean. Only what participants *choose* is
simulated, with the scenario's play propensities:

* each morning (07:00 local) the daily collectors collect all their ripe balls first (they
  open the forest on waking); every other participant opens it with probability
  ``collect_other_per_day``, and, if a thief, first visits up to ``steal_friends`` friends
  with ripe balls left and takes from the oldest, then collects their own;
* a planter plants the scenario's species whenever their balance affords it, one a morning.

Daily collectors, thieves and planters are drawn once, each with probability ``share ×
activity`` (capped at 1; ``activity`` is the participant's multiplier, mean 1): keen payers
are keen players, so on average the scenario's shares hold and the heavy earners, who are the
ones who can ever afford a tree, mostly collect every day.

``sample`` plays only that share of the mornings' openers (drawn afresh each day), the way to
keep a large run short: balls the others leave ripen on and expire, as unopened forests do.

Each day D: at D+1 00:30 the day's events file is imported and balls minted (they ripen the
next midnight, shipped rules), the day's friendships are stored, then the morning is played
and the expiry job runs. Example: ``play_pilot(rt, clock, scenario, files, seed=7)`` →
``PilotPlayLog(trees=…, energy_minted_g=…)``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from saxaul.domain.clock import to_us
from saxaul.domain.play import Collect, Move, Plant, Steal
from saxaul.services import crowd, friends, imports, participants
from saxaul.services.balls import expire_balls, mint_balls
from saxaul.services.runtime import Runtime
from saxaul.sim.clock import DemoClock
from saxaul.sim.forest_play import PlayLog, local, play_batched
from saxaul.sim.pilot import PilotFiles
from saxaul.sim.pilot_scenario import SimScenario

MORNING_HOUR = 7
IMPORT_AFTER = dt.timedelta(minutes=30)
"""The nightly import runs half an hour after the day ends, as in the demo."""
BATCH = 5_000
"""Moves per transaction in the pilot's mornings. Nobody waits on its locks (one process plays
every participant in turn), so a transaction larger than the demo's ``forest_play.BATCH``
shares its commit and its statements among more moves, and plays every move alike (in order,
in one ``Table``)."""


@dataclass(slots=True)
class PilotPlayLog:
    """What the played pilot did: the figures docs/simulator.md reports."""

    participants: int = 0
    enrolled: int = 0
    """Participants enrolled by the last morning played (``participants`` counts them all)."""
    friendships: int = 0
    events: int = 0
    energy_g: int = 0
    """Energy scored by the imports: grams of CO2 avoided (1 g energy per g CO2)."""
    balls_minted: int = 0
    expired_g: int = 0
    trees: int = 0
    seconds: float = 0.0
    started: float = field(default_factory=time.perf_counter)
    """``time.perf_counter()`` when the run began."""
    play: PlayLog = field(default_factory=PlayLog)
    days: list[tuple[dt.date, int, int]] = field(default_factory=list)
    """Per day: date, cumulative energy scored (g), cumulative trees."""
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each step of the day (import, mint, friends, morning, plant, expire),
    summed over the run: where a large run's time goes, without a profiler."""

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the block's wall time to ``phases[phase]``."""
        began = time.perf_counter()
        try:
            yield
        finally:
            self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - began


def _in_utc(frame: pl.DataFrame) -> pl.DataFrame:
    """The friendships file with ``since`` as UTC instants, to compare with the clock."""
    return frame.with_columns(
        pl.col("since").str.to_datetime("%Y-%m-%dT%H:%M:%S%:z").dt.convert_time_zone("UTC")
    )


def play_pilot(
    rt: Runtime,
    clock: DemoClock,
    scenario: SimScenario,
    files: PilotFiles,
    *,
    seed: int,
    sample: float = 1.0,
    on_day: Callable[[dt.date, PilotPlayLog], None] = lambda _day, _log: None,
) -> PilotPlayLog:
    """Enrol, befriend, import, mint, collect, steal, plant and expire, day by day; ``on_day``
    hears of each day played (the command prints a line a month)."""
    log = PilotPlayLog()
    zone = rt.rules.timezone
    rng = np.random.default_rng([seed, 1])
    enrolled = pl.read_csv(files.participants, columns=["user_id", "enrolled_at"]).sort(
        "enrolled_at"
    )
    people = enrolled["user_id"].to_list()
    since_us = (
        enrolled["enrolled_at"].str.to_datetime("%Y-%m-%dT%H:%M:%S%:z").dt.epoch("us").to_numpy()
    )
    daily, thieves, planters = _keen(people, files.activity, scenario, rng)
    species = rt.species.get(scenario.play.species)
    first = dt.date.fromisoformat(files.events[0].stem.removeprefix("events-"))
    clock.set(local(first, 0, zone))
    log.participants = participants.import_participants(rt, files.participants).enrolled_or_updated
    pairs = _in_utc(pl.read_csv(files.friendships)).sort("since").rows()
    sinces = [since for _, _, since in pairs]
    made = 0
    circle: dict[str, list[str]] = defaultdict(list)
    for path in files.events:
        day = dt.date.fromisoformat(path.stem.removeprefix("events-"))
        clock.set(local(day + dt.timedelta(days=1), 0, zone) + IMPORT_AFTER)
        with log.timed("import"):
            imported = imports.import_events(rt, path)
        log.events += imported.new_events
        log.energy_g += imported.energy_g
        with log.timed("mint"):
            log.balls_minted += mint_balls(rt).balls
        clock.set(local(day + dt.timedelta(days=1), MORNING_HOUR, zone))
        due = pairs[made : bisect.bisect_right(sinces, clock.now())]
        made += len(due)
        if due:
            with log.timed("friends"):
                log.friendships += friends.befriend_many(rt, [(a, b, s) for a, b, s in due])
            for a, b, _ in due:
                circle[a].append(b)
                circle[b].append(a)
        active = people[: int(np.searchsorted(since_us, to_us(clock.now()), side="right"))]
        log.enrolled = len(active)
        roles = Roles(daily, thieves, circle)
        with log.timed("morning"), _collector_paused():
            _morning(rt, scenario, rng, log, active, roles, sample)
        with log.timed("plant"):
            _plant(rt, planters, species.id, species.energy_cost_g, day, log)
        with log.timed("expire"):
            log.expired_g += expire_balls(rt).grams
        log.days.append((day, log.energy_g, log.trees))
        on_day(day, log)
    log.seconds = time.perf_counter() - log.started
    return log


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector paused, then resume it.

    Why: a morning's transaction keeps about ten objects per move alive until it commits
    (moves, balls, transfers, outcomes, locked accounts), so the collector's generations keep
    filling and it walks those objects again and again, finding next to nothing: about a tenth
    of the morning's CPU at 20,000 participants. Memory is still freed by reference counting;
    the few cycles (a refused move's traceback) wait for the next collection after the block.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _keen(
    people: list[str], activity: dict[str, float], scenario: SimScenario, rng: np.random.Generator
) -> tuple[set[str], set[str], set[str]]:
    """Daily collectors, thieves and planters, each drawn with probability share × activity."""
    keen = np.array([activity.get(p, 1.0) for p in people])
    daily, thieves, planters = (
        {p for p, r in zip(people, rng.random(len(people)) / keen, strict=True) if r < share}
        for share in (
            scenario.play.collect_daily_share,
            scenario.play.steal_share,
            scenario.play.plant_share,
        )
    )
    return daily, thieves, planters


@dataclass(frozen=True, slots=True)
class Roles:
    """Who collects daily, who steals, and everyone's friends so far."""

    daily: set[str]
    thieves: set[str]
    circle: dict[str, list[str]]


def _morning(
    rt: Runtime,
    scenario: SimScenario,
    rng: np.random.Generator,
    log: PilotPlayLog,
    active: list[str],
    roles: Roles,
    sample: float,
) -> None:
    """Daily collectors first (balls ripen at midnight; they collect on waking), then the
    thieves among the other openers visit friends, then those others collect what is left.

    Who does what is drawn from the morning's ripe balls, before any move is played, so the
    three are played as one list, in that order, ``BATCH`` moves per transaction: usually the
    whole morning in one."""
    ripe = crowd.ripe_by_owner(rt)
    opens = rng.random(len(active)) < scenario.play.collect_other_per_day
    kept = rng.random(len(active)) < sample
    early = [p for p, keep in zip(active, kept, strict=True) if keep and p in roles.daily]
    late = [
        p
        for p, other, keep in zip(active, opens, kept, strict=True)
        if keep and other and p not in roles.daily
    ]
    moves = _collects(early, ripe)
    for p in early:
        ripe.pop(p, None)
    for thief in late:
        if thief not in roles.thieves:
            continue
        targets = [f for f in roles.circle.get(thief, ()) if f in ripe]
        picked = rng.permutation(len(targets))[: scenario.play.steal_friends]
        moves.extend(Steal(thief, ripe[targets[i]][0], targets[i]) for i in picked)
    moves.extend(_collects(late, ripe))
    play_batched(rt, moves, log.play, _quiet, BATCH)


def _quiet(_moves: int) -> None:
    """Moves are counted in the log; the command reports by the month, not by the batch."""


def _collects(players: list[str], ripe: dict[str, list[str]]) -> list[Move]:
    return [Collect(p, ball_id) for p in players for ball_id in ripe.get(p, ())]


def _plant(
    rt: Runtime, planters: set[str], species_id: str, cost_g: int, day: dt.date, log: PilotPlayLog
) -> None:
    """Every planter who can afford the species plants one, named by planter and day."""
    plants: list[Move] = [
        Plant(user, species_id, f"pilot-{user}-{day:%Y%m%d}")
        for user in sorted(crowd.affording(rt, cost_g))
        if user in planters
    ]
    before = log.play.applied.get("plant", 0)
    play_batched(rt, plants, log.play, _quiet)
    log.trees += log.play.applied.get("plant", 0) - before
