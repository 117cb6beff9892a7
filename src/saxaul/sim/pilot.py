"""The calibrated pilot: a synthetic population, its friendships and its days of behaviour.

Why calibrated and not just shaped: the pilot's outcomes (avoided CO2, trees) come from how
many people were enrolled on each day, how often they paid, rode and walked, and how unequal
they were; a scenario file (``pilot_scenario``) holds those numbers with their sources, and
this module turns them into files ``saxaul import`` reads, at any size (``users`` scales the
scenario's 1:1000 population), the same for the same seed.

* **Enrolment** follows the scenario's cumulative monthly curve exactly (counts per month are
  rounded, days within a month uniform); each month's newcomers carry the gender mix that moves
  the cumulative share to the month's figure.
* **Behaviour**: an enrolled participant's events of a behaviour on a day are Poisson with
  mean ``active_share × rate_per_day × multiplier`` (the multiplier lognormal with mean 1, the
  activity skew); walking is one step report at most. Events start the day after enrolment.
* **Friendships**: Barabási–Albert growth in enrolment order (each newcomer befriends
  ``mean_degree / 2`` earlier participants in proportion to their friends so far), so a few
  participants have hundreds of friends and most a handful; ``since`` is the newcomer's
  enrolment.
* **Ages** are drawn from the scenario's bands as ages in the year of its first day, or of its
  last (``ages_at = "end"``), so the impact report, which ages people as year − birth year,
  finds the bands where the scenario put them.

Memory stays bounded: the population and its friendships are held (a few hundred bytes per
participant), events are made and written one day at a time.

Example: ``write_pilot(out, load_scenario(), users=2_000, days=184, start=None, seed=7,
behaviours=None)`` → ``participants.csv``, ``friendships.csv`` and 184
``events-2016-08-01.csv``… files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from saxaul.sim.behaviours import amounts_minor, export_rows, peak_times
from saxaul.sim.pilot_scenario import SimScenario
from saxaul.sim.scenario import write_frame

WALK_HOUR = dt.time(23, 30)
"""When a phone reports the day's steps (local time), as in ``behaviours``."""


@dataclass(slots=True)
class PilotFiles:
    """What ``write_pilot`` wrote."""

    participants: Path
    friendships: Path
    events: list[Path] = field(default_factory=list)
    """One file per simulated day, in day order."""
    activity: dict[str, float] = field(default_factory=dict)
    """Each participant's activity multiplier: keen payers play keenly (``pilot_play``)."""
    people: int = 0
    friendships_count: int = 0
    events_count: int = 0


def _month_bounds(scenario: SimScenario, start: dt.date) -> list[dt.date]:
    """First day of each enrolment month and the day after the last, shifted to ``start``."""
    last = scenario.months[-1]
    after = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)
    shift = start - scenario.start
    return [m + shift for m in (*scenario.months, after)]


def _monthly(total: int, cumulative: tuple[float, ...]) -> np.ndarray:
    """Newcomers per month so the cumulative counts round to the curve."""
    ends = np.round(np.array(cumulative) * total).astype(np.int64)
    return np.diff(np.concatenate([[0], ends]))


def _newcomers_women(cumulative: tuple[float, ...], women: tuple[float, ...]) -> np.ndarray:
    """Women's share among each month's newcomers that moves the cumulative share as stated."""
    c, w = np.array(cumulative), np.array(women)
    before_c, before_w = np.concatenate([[0.0], c[:-1]]), np.concatenate([[0.0], w[:-1]])
    new = np.maximum(c - before_c, 1e-12)
    shares: np.ndarray = np.clip((c * w - before_c * before_w) / new, 0.0, 1.0)
    return shares


def _ages_year(scenario: SimScenario, start: dt.date) -> int:
    """The year the scenario's age bands are ages in: its first day's, or its last day's when
    the bands describe the population at the end (the seed report's "by January 2017")."""
    if scenario.ages_at == "end":
        return (start + dt.timedelta(days=scenario.days - 1)).year
    return start.year


def population(scenario: SimScenario, users: int, *, start: dt.date, seed: int) -> pl.DataFrame:
    """``users`` participants in enrolment order: user_id, enrolled_at (ISO, local offset),
    consent, gender, birth_year, province, plus ``day`` (enrolment day index) and
    ``activity`` (the multiplier), which the participants file leaves out."""
    rng = np.random.default_rng(seed)
    zone = ZoneInfo(scenario.timezone)
    bounds = _month_bounds(scenario, start)
    counts = _monthly(users, scenario.cumulative_share)
    first_day = [(b - start).days for b in bounds]
    day = np.concatenate(
        [rng.integers(first_day[m], first_day[m + 1], size=n) for m, n in enumerate(counts)]
    )
    women = np.repeat(_newcomers_women(scenario.cumulative_share, scenario.women_share), counts)
    draw = rng.random(users)
    unstated = scenario.unstated_share
    gender = np.where(
        draw < unstated,
        "unknown",
        np.where(draw < unstated + (1 - unstated) * women, "female", "male"),
    )
    midnight = dt.datetime.combine(start, dt.time(), zone).timestamp()
    at_s = (midnight + day * 86_400 + rng.integers(0, 86_400, size=users)).astype(np.int64)
    order = np.argsort(at_s, kind="stable")
    day, gender = day[order], gender[order]
    enrolled = pl.Series(at_s[order] * 1_000_000)
    bands = np.array([(lo, hi) for lo, hi, _ in scenario.age_bands])
    band = rng.choice(len(bands), size=users, p=[s for _, _, s in scenario.age_bands])
    age = rng.integers(bands[band, 0], bands[band, 1] + 1)
    names = np.array([name for name, _ in scenario.provinces])
    shares = np.array([share for _, share in scenario.provinces])
    sigma = scenario.skew_sigma
    activity = rng.lognormal(-(sigma**2) / 2, sigma, size=users)
    return pl.DataFrame(
        {
            "user_id": [f"p{i:07d}" for i in range(1, users + 1)],
            "enrolled_at": enrolled.cast(pl.Datetime("us", "UTC"))
            .dt.convert_time_zone(scenario.timezone)
            .dt.strftime("%Y-%m-%dT%H:%M:%S%:z"),
            "consent": ["true"] * users,
            "gender": gender,
            "birth_year": _ages_year(scenario, start) - age,
            "province": rng.choice(names, size=users, p=shares / shares.sum()),
            "day": day,
            "activity": np.minimum(activity, scenario.max_multiplier),
        }
    )


def friendships(people: pl.DataFrame, mean_degree: int, *, seed: int) -> pl.DataFrame:
    """Barabási–Albert friendships of ``people`` (in enrolment order): user_a, user_b, since."""
    rng = np.random.default_rng(seed)
    n, m = people.height, mean_degree // 2
    if n < 2 or m == 0:
        return pl.DataFrame(schema={"user_a": pl.String, "user_b": pl.String, "since": pl.String})
    # every friendship's two ends, so a uniform pick among them is proportional to degree
    ends = np.empty(2 * m * n, dtype=np.int64)
    newcomer = np.empty(m * n, dtype=np.int64)
    target = np.empty(m * n, dtype=np.int64)
    picks = rng.random((n, m))
    filled = edges = 0
    for i in range(1, n):
        chosen = (
            np.arange(i)[: min(i, m)]
            if filled == 0
            else np.unique(ends[(picks[i] * filled).astype(np.int64)])
        )
        k = chosen.size
        newcomer[edges : edges + k], target[edges : edges + k] = i, chosen
        ends[filled : filled + k], ends[filled + k : filled + 2 * k] = i, chosen
        filled, edges = filled + 2 * k, edges + k
    ids, enrolled = people["user_id"], people["enrolled_at"]
    return pl.DataFrame(
        {
            "user_a": ids.gather(target[:edges]),
            "user_b": ids.gather(newcomer[:edges]),
            "since": enrolled.gather(newcomer[:edges]),
        }
    )


def day_events(
    scenario: SimScenario,
    people: pl.DataFrame,
    day: int,
    date: dt.date,
    rng: np.random.Generator,
    behaviours: frozenset[str] | None,
) -> pl.DataFrame:
    """One day's events of the participants enrolled before ``day`` (a day index)."""
    enrolled = people["day"].to_numpy() < day
    users = people["user_id"].to_numpy()[enrolled]
    weight = scenario.active_share * people["activity"].to_numpy()[enrolled]
    parts: list[pl.DataFrame] = []
    for rate in scenario.behaviours:
        if behaviours is not None and rate.id not in behaviours:
            continue
        if rate.id == "walking":
            who = np.flatnonzero(rng.random(users.size) < np.minimum(weight * rate.rate_per_day, 1))
            at_us = int(
                dt.datetime.combine(date, WALK_HOUR, ZoneInfo(scenario.timezone)).timestamp()
                * 1_000_000
            )
            steps = np.round(
                rng.lognormal(np.log(scenario.median_steps), scenario.steps_sigma, size=who.size)
            )
            times = np.full(who.size, at_us, dtype=np.int64)
        else:
            who = np.repeat(np.arange(users.size), rng.poisson(weight * rate.rate_per_day))
            steps = np.ones(who.size)
            times = peak_times(rng, who.size, 1, date)
        parts.append(
            pl.DataFrame(
                {
                    "source": [rate.source_system] * who.size,
                    "user_id": users[who],
                    "behaviour": [rate.id] * who.size,
                    "at_us": times,
                    "quantity": steps,
                    "amount_minor": amounts_minor(rng, who.size),
                },
                schema_overrides={
                    "user_id": pl.String,
                    "source": pl.String,
                    "behaviour": pl.String,
                },
            )
        )
    return export_rows(pl.concat(parts), f"pilot-{date:%Y%m%d}")


def days_of(
    scenario: SimScenario,
    people: pl.DataFrame,
    *,
    start: dt.date,
    days: int,
    seed: int,
    behaviours: frozenset[str] | None,
) -> Iterator[tuple[dt.date, pl.DataFrame]]:
    """Each day's date and events, in order; a day's random stream depends on the seed only."""
    for day in range(days):
        rng = np.random.default_rng([seed, day])
        date = start + dt.timedelta(days=day)
        yield date, day_events(scenario, people, day, date, rng, behaviours)


def write_pilot(
    out: Path,
    scenario: SimScenario,
    *,
    users: int,
    days: int,
    start: dt.date | None,
    seed: int,
    behaviours: frozenset[str] | None,
    fmt: str = "csv",
) -> PilotFiles:
    """Participants, friendships and one events file per day (``fmt``: csv, ndjson, parquet)."""
    out.mkdir(parents=True, exist_ok=True)
    first = start or scenario.start
    people = population(scenario, users, start=first, seed=seed)
    people = people.filter(pl.col("day") < days)
    files = PilotFiles(
        out / "participants.csv",
        out / "friendships.csv",
        people=people.height,
        activity=dict(people.select("user_id", "activity").iter_rows()),
    )
    people.drop("day", "activity").write_csv(files.participants)
    friends = friendships(people, scenario.mean_degree, seed=seed)
    friends.write_csv(files.friendships)
    files.friendships_count = friends.height
    for date, frame in days_of(
        scenario, people, start=first, days=days, seed=seed, behaviours=behaviours
    ):
        path = out / f"events-{date:%Y-%m-%d}.{fmt}"
        write_frame(frame, path)
        files.events.append(path)
        files.events_count += frame.height
    return files
