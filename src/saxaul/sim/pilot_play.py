"""Play the calibrated pilot through the real services, one simulated day at a time.

Why through the services: the point of a 1:1000 pilot is to see the platform do what it would
do — participants enrolled by import, events scored by the methodology, balls minted and
expired by the jobs, friendships made, energy collected, stolen and spent on trees through
``game.play`` — and end with a ledger that audits clean. Only what participants *choose* is
simulated, with the scenario's play propensities:

* each morning (07:00 local) a participant opens the forest if a daily collector (a fixed
  ``collect_daily_share`` of them) or else with probability ``collect_other_per_day``;
* an opener who steals (a fixed ``steal_share``) first visits up to ``steal_friends`` friends
  with ripe balls and takes from the oldest, as ``forest_play.morning`` does, then collects
  their own ripe balls;
* a planter (a fixed ``plant_share``) plants the scenario's species whenever their balance
  affords it, one tree a morning.

``sample`` plays only that share of the mornings' openers (drawn afresh each day), the way to
keep a large run short: balls the others leave ripen on and expire, as unopened forests do.

Each day D: at D+1 00:30 the day's events file is imported and balls minted (they ripen the
next midnight, shipped rules), the day's friendships are stored, then the morning is played
and the expiry job runs. Example: ``play_pilot(rt, clock, scenario, files, seed=7)`` →
``PilotPlayLog(trees=…, energy_minted_g=…)``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
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


@dataclass(slots=True)
class PilotPlayLog:
    """What the played pilot did: the figures docs/simulator.md reports."""

    participants: int = 0
    friendships: int = 0
    events: int = 0
    energy_g: int = 0
    """Energy scored by the imports: grams of CO2 avoided (1 g energy per g CO2)."""
    balls_minted: int = 0
    expired_g: int = 0
    trees: int = 0
    seconds: float = 0.0
    play: PlayLog = field(default_factory=PlayLog)
    days: list[tuple[dt.date, int, int]] = field(default_factory=list)
    """Per day: date, cumulative energy scored (g), cumulative trees."""


def _friend_steps(frame: pl.DataFrame) -> pl.DataFrame:
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
    advance: Callable[[int], None] = lambda _: None,
) -> PilotPlayLog:
    """Enrol, befriend, import, mint, collect, steal, plant and expire, day by day."""
    started = time.perf_counter()
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
    kind = rng.random((3, len(people)))
    daily = {
        p for p, r in zip(people, kind[0], strict=True) if r < scenario.play.collect_daily_share
    }
    thieves = {p for p, r in zip(people, kind[1], strict=True) if r < scenario.play.steal_share}
    planters = {p for p, r in zip(people, kind[2], strict=True) if r < scenario.play.plant_share}
    species = rt.species.get(scenario.play.species)
    first = dt.date.fromisoformat(files.events[0].stem.removeprefix("events-"))
    clock.set(local(first, 0, zone))
    log.participants = participants.import_participants(rt, files.participants).enrolled_or_updated
    pending = _friend_steps(pl.read_csv(files.friendships)).sort("since").rows()
    circle: dict[str, list[str]] = defaultdict(list)
    for path in files.events:
        day = dt.date.fromisoformat(path.stem.removeprefix("events-"))
        clock.set(local(day + dt.timedelta(days=1), 0, zone) + IMPORT_AFTER)
        imported = imports.import_events(rt, path)
        log.events += imported.new_events
        log.energy_g += imported.energy_g
        log.balls_minted += mint_balls(rt).balls
        clock.set(local(day + dt.timedelta(days=1), MORNING_HOUR, zone))
        due = [row for row in pending if row[2] <= clock.now()]
        pending = pending[len(due) :]
        if due:
            log.friendships += friends.befriend_many(rt, [(a, b, since) for a, b, since in due])
            for a, b, _ in due:
                circle[a].append(b)
                circle[b].append(a)
        active = people[: int(np.searchsorted(since_us, to_us(clock.now()), side="right"))]
        roles = Roles(daily, thieves, circle)
        _morning(rt, scenario, rng, log, advance, active, roles, sample)
        _plant(rt, planters, species.id, species.energy_cost_g, day, log)
        log.expired_g += expire_balls(rt).grams
        log.days.append((day, log.energy_g, log.trees))
    log.seconds = time.perf_counter() - started
    return log


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
    advance: Callable[[int], None],
    active: list[str],
    roles: Roles,
    sample: float,
) -> None:
    """Steals first (eager friends), then owners collect all their ripe balls."""
    ripe = crowd.ripe_by_owner(rt)
    opens = rng.random(len(active)) < scenario.play.collect_other_per_day
    kept = rng.random(len(active)) < sample
    openers = [
        p
        for p, other, keep in zip(active, opens, kept, strict=True)
        if keep and (p in roles.daily or other)
    ]
    steals: list[Move] = []
    for thief in openers:
        if thief not in roles.thieves:
            continue
        targets = [f for f in roles.circle.get(thief, ()) if f in ripe]
        picked = rng.permutation(len(targets))[: scenario.play.steal_friends]
        steals.extend(Steal(thief, ripe[targets[i]][0], targets[i]) for i in picked)
    play_batched(rt, steals, log.play, advance)
    collects: list[Move] = [Collect(p, ball_id) for p in openers for ball_id in ripe.get(p, ())]
    play_batched(rt, collects, log.play, advance)


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
    play_batched(rt, plants, log.play, lambda _: None)
    log.trees += log.play.applied.get("plant", 0) - before
