"""A planting season: the keenest demo players earn, collect and plant real-tree promises.

Why a season: a tree costs 16,930-215,680 g of energy and a pilot participant earns a few
hundred grams a day, so three simulated days fund no tree at all (the real programme's players
took months for their first saxaul). The demo therefore follows its keenest players through
the weeks after the pilot days — their own events, imported like any day's file, balls minted
and collected every other morning before they expire — and each plants a tree of their
favourite species as soon as they can afford it: favourites go in turn through the
``FAVOURITES`` cheapest species (the desert shrubs), so every partner planting one gets trees.
Everything goes through the services, so the trees are real promises with liabilities, ready
for partners' orders and evidence.

Example: ``season(rt, clock, planters, people, start, days=60, out=dir)`` → a ``SeasonLog``
with the events imported and the trees planted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from saxaul.domain.play import Collect, Move, Plant
from saxaul.services import forest, game, imports, methodology
from saxaul.services.balls import mint_balls
from saxaul.services.runtime import Runtime
from saxaul.sim.behaviours import behaviour_events
from saxaul.sim.clock import DemoClock
from saxaul.sim.forest_play import BATCH, local

EVENTS_PER_DAY = 12
"""Events a keen player's day brings (walking, rides, payments, bills)."""
STEP_DAYS = 2
"""Mornings between two rounds of minting and collecting: under a ball's life once ripe."""
FAVOURITES = 3
"""How many of the cheapest species the planters' favourites go through, in turn."""


@dataclass(slots=True)
class SeasonLog:
    """What the season did, for the demo's printout."""

    events: int = 0
    collected_g: int = 0
    trees: list[str] = field(default_factory=list)
    """Ids of the trees planted, in order."""
    species: dict[str, int] = field(default_factory=dict)
    """Trees planted by species id."""


def season(
    rt: Runtime,
    clock: DemoClock,
    planters: Sequence[str],
    people: pl.DataFrame,
    start: dt.date,
    *,
    days: int,
    out: Path,
    advance: Callable[[int], None],
    seed: int = 2017,
) -> SeasonLog:
    """Play ``days`` days from ``start`` for ``planters`` (rows of ``people``)."""
    log = SeasonLog()
    keen = people.filter(pl.col("user_id").is_in(list(planters)))
    frame = behaviour_events(
        keen.with_columns(pl.lit(1.0).alias("activity")),
        events=keen.height * days * EVENTS_PER_DAY,
        days=days,
        start=start,
        seed=seed,
        behaviours=methodology.scored_behaviours(rt),
    )
    zone = rt.rules.timezone
    day = pl.col("occurred_at").str.slice(0, 10).str.to_date()
    cheapest = sorted(rt.species.species, key=lambda s: (s.energy_cost_g, s.id))[:FAVOURITES]
    favourite = {p: cheapest[n % len(cheapest)] for n, p in enumerate(planters)}
    for step in range(STEP_DAYS, days + STEP_DAYS, STEP_DAYS):
        first, end = start + dt.timedelta(days=step - STEP_DAYS), start + dt.timedelta(days=step)
        # the days just ended are imported as a nightly job would, then minted and collected
        path = out / f"events-season-{first:%Y%m%d}.ndjson"
        frame.filter((day >= first) & (day < end)).write_ndjson(path)
        clock.set(local(end, 0, zone) + dt.timedelta(minutes=30))
        log.events += imports.import_events(rt, path).new_events
        clock.set(local(end, 7, zone))
        mint_balls(rt)
        moves: list[Move] = []
        for player in planters:
            moves.extend(
                Collect(player, ball.id)
                for ball in forest.my_forest(rt, player).balls
                if ball.state == "ripe"
            )
        _play(rt, moves, log, advance)
        plants: list[Plant] = []
        for player in planters:
            species = favourite[player]
            if forest.my_forest(rt, player).energy_g >= species.energy_cost_g:
                tree_id = f"season-{player}-{len(log.trees) + len(plants)}"
                plants.append(Plant(player, species.id, tree_id))
        outcomes = game.play(rt, plants)
        for plant, outcome in zip(plants, outcomes, strict=True):
            if outcome.ok:
                log.trees.append(plant.tree_id)
                log.species[plant.species_id] = log.species.get(plant.species_id, 0) + 1
    return log


def _play(rt: Runtime, moves: list[Move], log: SeasonLog, advance: Callable[[int], None]) -> None:
    for first in range(0, len(moves), BATCH):
        chunk = moves[first : first + BATCH]
        for outcome in game.play(rt, chunk):
            log.collected_g += sum(t.amount_g for t in outcome.transfers)
        advance(len(chunk))


def morning_after(
    rt: Runtime, clock: DemoClock, players: Sequence[str], people: pl.DataFrame, *, out: Path
) -> int:
    """One more ordinary day for ``players``, so that when the demo serves, their balls (and
    their friends') are ripe to collect and steal; returns how many balls were minted.

    Why: the season and the survival check move simulated time on by months, long past the
    pilot's balls' expiry; a newcomer opening the forest should still find something to tap.
    """
    zone = rt.rules.timezone
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    active = people.filter(pl.col("user_id").is_in(list(players)))
    frame = behaviour_events(
        active.with_columns(pl.lit(1.0).alias("activity")),
        events=active.height * EVENTS_PER_DAY,
        days=1,
        start=today,
        seed=2018,
        behaviours=methodology.scored_behaviours(rt),
    )
    path = out / f"events-{today:%Y%m%d}.ndjson"
    frame.write_ndjson(path)
    clock.set(local(today + dt.timedelta(days=1), 0, zone) + dt.timedelta(minutes=30))
    imports.import_events(rt, path)
    minted = mint_balls(rt).balls
    clock.set(local(today + dt.timedelta(days=2), 7, zone))  # a day after minting: ripe
    return minted
