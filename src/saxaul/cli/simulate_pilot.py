"""``saxaul simulate --scenario …`` / ``--start`` / ``--play``: the calibrated pilot simulator.

Why apart from ``simulate``'s plain mode: the plain mode writes the demo's few days of events
(``sim.scenario``) and stays as it is; the calibrated mode follows a scenario file
(``sim.pilot_scenario``, default ``pilot-2016``) day by day, writes friendships too and, with
``--play``, plays the whole population through the services on a simulated clock against the
configured database (``SAXAUL_DATABASE_URL``), then audits the ledger.

Example: ``saxaul simulate --users 2000 --days 184 --seed 7 --out /tmp/pilot --play``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from saxaul.bootstrap import bootstrap
from saxaul.cli.common import fail
from saxaul.cli.render_game import print_audit
from saxaul.config import Settings
from saxaul.domain.errors import DomainError
from saxaul.services.ledger_audit import audit
from saxaul.sim.clock import DemoClock
from saxaul.sim.pilot import write_pilot
from saxaul.sim.pilot_play import PilotPlayLog, play_pilot
from saxaul.sim.pilot_scenario import SimScenario, load_scenario


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
    console.print(
        f"{scenario.ref}: {files.people:,} participants, {files.friendships_count:,} "
        f"friendships, {files.events_count:,} events in {len(files.events)} daily files → "
        f"{out} ({time.perf_counter() - began:,.1f} s)"
    )
    if not play:
        return
    first = start or scenario.start
    clock = DemoClock(dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC))
    try:
        rt = bootstrap(Settings(), clock=clock)
        log = play_pilot(
            rt, clock, scenario, files, seed=seed, sample=sample, on_day=_monthly(console)
        )
        result = audit(rt)
    except DomainError as exc:
        fail(exc)
    finally:
        if "rt" in locals():
            rt.db.dispose()
    _print_play(console, scenario, log, users)
    print_audit(console, result)
    if not result.ok:
        raise typer.Exit(code=1)


def _monthly(console: Console) -> Callable[[dt.date, PilotPlayLog], None]:
    """A line at each month's end, so a long run shows it is getting on."""

    def report(day: dt.date, log: PilotPlayLog) -> None:
        if (day + dt.timedelta(days=1)).day == 1:
            console.print(
                f"  {day:%Y-%m}: {log.events:,} events, {log.energy_g / 1e6:,.2f} t CO2 avoided, "
                f"{log.trees:,} trees ({time.perf_counter() - log.started:,.0f} s)"
            )

    return report


def _print_play(console: Console, scenario: SimScenario, log: PilotPlayLog, users: int) -> None:
    """The run's totals beside the scenario's targets, scaled to this run's size."""
    scale = users / scenario.participants
    table = Table(title=f"pilot played · 试点模拟 ({log.seconds:,.0f} s)")
    for name in ("", "this run", f"target ({scenario.days} days, this size)"):
        table.add_column(name, justify="right" if name else "left")
    table.add_row("participants", f"{log.participants:,}", f"{users:,}")
    table.add_row("friendships", f"{log.friendships:,}", "")
    table.add_row("events scored", f"{log.events:,}", "")
    table.add_row(
        "avoided CO2 (t)",
        f"{log.energy_g / 1e6:,.2f}",
        f"{scenario.play.target_avoided_t * scale:,.2f}",
    )
    table.add_row("trees planted", f"{log.trees:,}", f"{scenario.play.target_trees * scale:,.1f}")
    table.add_row("expired (g)", f"{log.expired_g:,}", "")
    for kind, count in sorted(log.play.applied.items()):
        table.add_row(f"  {kind}", f"{count:,}", "")
    for kind, count in sorted(log.play.refused.items()):
        table.add_row(f"  refused {kind}", f"{count:,}", "")
    console.print(table)
    console.print(
        "time by step: "
        + ", ".join(f"{phase} {seconds:,.0f} s" for phase, seconds in log.phases.items())
    )
