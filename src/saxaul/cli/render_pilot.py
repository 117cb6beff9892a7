"""How a played pilot reads on screen: a line a month, then its totals beside the targets.

Why shared: ``saxaul simulate --play`` and ``saxaul demo`` play the same calibrated scenario
(``sim.pilot_play``) and must report it the same way, so a figure in the demo's output can be
found in docs/simulator.md's runs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from saxaul.sim.pilot_play import PilotPlayLog
from saxaul.sim.pilot_scenario import SimScenario


def monthly(console: Console) -> Callable[[dt.date, PilotPlayLog], None]:
    """A line at each month's end, so a long run shows it is getting on."""

    def report(day: dt.date, log: PilotPlayLog) -> None:
        if (day + dt.timedelta(days=1)).day == 1:
            console.print(
                f"  {day:%Y-%m}: {log.enrolled:,} participants, {log.events:,} events, "
                f"{log.energy_g / 1e6:,.2f} t CO2 avoided, {log.trees:,} trees "
                f"({time.perf_counter() - log.started:,.0f} s)"
            )

    return report


def print_play(console: Console, scenario: SimScenario, log: PilotPlayLog, users: int) -> None:
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
