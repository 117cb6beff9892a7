"""``saxaul simulate --scenario …`` / ``--start`` / ``--play``: the calibrated pilot simulator.

Why apart from ``simulate``'s plain mode: the plain mode writes a few days of events
(``sim.scenario``, the demo's next wave) and stays as it is; the calibrated mode follows a
scenario file (``sim.pilot_scenario``, default ``pilot-2016``) day by day, writes friendships
too and, with ``--play``, plays the whole population through the services on a simulated clock
against the configured database (``SAXAUL_DATABASE_URL``), then audits the ledger.

Example: ``saxaul simulate --users 2000 --days 184 --seed 7 --out /tmp/pilot --play``.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import typer
from rich.console import Console

from saxaul.bootstrap import bootstrap
from saxaul.cli.common import fail
from saxaul.cli.render_game import print_audit
from saxaul.cli.render_pilot import monthly, print_play, print_written
from saxaul.config import Settings
from saxaul.domain.errors import DomainError
from saxaul.services.ledger_audit import audit
from saxaul.sim.clock import DemoClock
from saxaul.sim.pilot import write_pilot
from saxaul.sim.pilot_play import play_pilot
from saxaul.sim.pilot_scenario import load_scenario


def run_pilot(
    console: Console,
    *,
    out: Path,
    ref: str,
    users: int,
    days: int | None,
    start: dt.date | None,
    seed: int,
    fmt: str,
    behaviours: frozenset[str] | None,
    play: bool,
    sample: float,
) -> None:
    """Write the scenario's files and, with ``play``, play them; print what came out."""
    try:
        scenario = load_scenario(ref)
    except DomainError as exc:
        fail(exc)
    began = time.perf_counter()
    files = write_pilot(
        out,
        scenario,
        users=users,
        days=days or scenario.days,
        start=start,
        seed=seed,
        behaviours=behaviours,
        fmt="csv" if play else fmt,
    )
    print_written(console, scenario, files, out, time.perf_counter() - began)
    if not play:
        return
    first = start or scenario.start
    clock = DemoClock(dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC))
    try:
        rt = bootstrap(Settings(), clock=clock)
        log = play_pilot(
            rt, clock, scenario, files, seed=seed, sample=sample, on_day=monthly(console)
        )
        result = audit(rt)
    except DomainError as exc:
        fail(exc)
    finally:
        if "rt" in locals():
            rt.db.dispose()
    print_play(console, scenario, log, users)
    print_audit(console, result)
    if not result.ok:
        raise typer.Exit(code=1)
