"""False positives of the abuse rules on simulated normal players: flags per participant.

    python -m bench.abuse_fpr --users 2000 --days 90
    python -m bench.abuse_fpr --users 400 --days 30 --work /tmp/fpr   # a quick look

Plays the calibrated pilot (``saxaul.sim.pilot_play``, the same run as ``saxaul simulate
--play``) on a fresh SQLite store, so every event is scored under the plausibility rules and
every move lands in the ledger; then measures three ways:

- ``plausibility``: flags raised at scoring (the events as the simulator writes them);
- ``scan_nightly``: ``saxaul abuse scan`` over each local day, the nightly cadence;
- ``scan_whole``: one scan over the whole run (what a look back over a season sees);
- ``human_timing``: the detectors (not the store) over the same moves with their instants
  re-drawn from a human session model, because the simulator plays every move of a morning at
  07:00:00 sharp (see docs/abuse.md). Each participant-day's moves are put in one or two
  sessions (start 06:00-23:00 local, uniform), moves in a session a log-normal gap apart
  (median 4 s, σ 1), so the timing detectors meet a human spread instead of a clock.

Prints one JSON object: participants, flags of each measure, the rate, and the flagged rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import zoneinfo
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.clock import to_us
from saxaul.domain.holds import Flag
from saxaul.domain.paging import MAX_PAGE
from saxaul.services import abuse, methodology
from saxaul.services.abuse_detectors import actor_account, detect
from saxaul.services.runtime import Runtime
from saxaul.sim.clock import DemoClock
from saxaul.sim.pilot import write_pilot
from saxaul.sim.pilot_play import play_pilot
from saxaul.sim.pilot_scenario import load_scenario
from saxaul.store import abuse_repo

SESSION_MEDIAN_GAP_S = 4.0
"""Median gap between two taps in one session of the human timing model."""
SESSION_SIGMA = 1.0
"""Log-normal σ of those gaps: heavy-tailed, as human inter-action times are."""
FIRST_HOUR, LAST_HOUR = 6, 23
"""Sessions start between these local hours."""
TWO_SESSIONS_SHARE = 0.5
"""Share of participant-days played in two sessions (morning and evening, say) rather than one."""


def humanised(moves: pl.DataFrame, zone: zoneinfo.ZoneInfo, seed: int) -> pl.DataFrame:
    """``moves`` with each participant-day's instants re-drawn from the session model, kept
    in the same local day and in the same order."""
    rng = np.random.default_rng(seed)
    framed = moves.with_columns(
        actor_account(moves).alias("actor"),
        pl.from_epoch("at_us", time_unit="us")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(zone.key)
        .dt.date()
        .alias("local_day"),
    ).sort("actor", "local_day", "at_us")
    at = framed["at_us"].to_numpy().copy()
    groups = (
        framed.with_row_index("i")
        .group_by("actor", "local_day", maintain_order=True)
        .agg(pl.col("i"))
    )
    for day, rows in zip(groups["local_day"].to_list(), groups["i"].to_list(), strict=True):
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        sessions = 1 + int(rng.random() < TWO_SESSIONS_SHARE)
        cut = sorted(rng.choice(len(rows) + 1, size=sessions - 1, replace=True).tolist())
        for part in np.split(np.array(rows), cut):
            if part.size == 0:
                continue
            start = midnight + dt.timedelta(hours=float(rng.uniform(FIRST_HOUR, LAST_HOUR)))
            gaps = rng.lognormal(np.log(SESSION_MEDIAN_GAP_S), SESSION_SIGMA, part.size)
            at[part] = to_us(start) + np.cumsum(gaps * 1e6).astype(np.int64)
    return framed.with_columns(pl.Series("at_us", at)).drop("actor", "local_day").sort("at_us")


def measure(users: int, days: int, seed: int, work: Path, log: Any) -> dict[str, Any]:
    scenario = load_scenario()
    start = dt.datetime.combine(scenario.start, dt.time(), tzinfo=dt.UTC)
    clock = DemoClock(start)
    work.mkdir(parents=True, exist_ok=True)
    db = work / "fpr.db"
    db.unlink(missing_ok=True)
    rt: Runtime = bootstrap(Settings(database_url=f"sqlite:///{db}"), clock=clock)
    began = time.perf_counter()
    files = write_pilot(
        work / "files",
        scenario,
        users=users,
        days=days,
        start=None,
        seed=seed,
        behaviours=methodology.scored_behaviours(rt),
    )
    played = play_pilot(rt, clock, scenario, files, seed=seed)
    log(f"played {users} participants × {days} days in {time.perf_counter() - began:.0f} s")
    end = clock.now() + dt.timedelta(days=1)
    zone = zoneinfo.ZoneInfo(rt.abuse.timezone)
    _, plausibility = abuse.list_flags(rt)
    day = dt.datetime.combine(scenario.start, dt.time(), tzinfo=zone)
    while day < end:
        abuse.scan(rt, day, day + dt.timedelta(days=1))
        day += dt.timedelta(days=1)
    _, nightly = abuse.list_flags(rt)
    abuse.scan(rt, start - dt.timedelta(days=1), end)
    flags = _every_flag(rt)
    total = len(flags)
    with rt.db.reading() as conn:
        moves = abuse_repo.moves(conn, start - dt.timedelta(days=1), end)
        awarded = abuse_repo.awarded(conn, start - dt.timedelta(days=1), end)
    human = detect(humanised(moves, zone, seed), awarded, rt.abuse)
    rt.db.dispose()
    participants = played.participants
    return {
        "users": users,
        "days": days,
        "seed": seed,
        "participants": participants,
        "moves": moves.height,
        "steals": int((moves["kind"] == "steal").sum()),
        "plausibility_flags": plausibility,
        "scan_nightly_flags": nightly - plausibility,
        "scan_whole_flags": total - nightly,
        "flags": total,
        "flag_rate": total / participants,
        "rules_flagged": dict(Counter(flag.rule_id for flag in flags)),
        "human_timing_findings": len(human),
        "human_timing_rate": len({f.user_id for f in human}) / participants,
        "human_timing_rules": dict(Counter(f.rule.id for f in human)),
    }


def _every_flag(rt: Runtime) -> list[Flag]:
    """Every flag, page after page."""
    flags: list[Flag] = []
    while True:
        page, _ = abuse.list_flags(rt, limit=MAX_PAGE, after_id=flags[-1].id if flags else 0)
        flags += page
        if len(page) < MAX_PAGE:
            return flags


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("var/abuse-fpr"))
    args = parser.parse_args(argv)
    result = measure(
        args.users, args.days, args.seed, args.work, lambda m: print(m, file=sys.stderr)
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
