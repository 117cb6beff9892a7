"""How a played pilot reads on screen: a line a month, then its totals beside the targets.

Why shared: ``saxaul simulate --play`` and ``saxaul demo`` play the same calibrated scenario
(``sim.pilot_play``) and must report it the same way, so a figure in the demo's output can be
found in docs/simulator.md's runs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from saxaul.services.impact_headline import Headline
from saxaul.services.impact_page import hidden_mark
from saxaul.sim.pilot import PilotFiles
from saxaul.sim.pilot_play import PilotPlayLog
from saxaul.sim.pilot_scenario import SimScenario


def print_written(
    console: Console, scenario: SimScenario, files: PilotFiles, out: Path, seconds: float
) -> None:
    """What ``write_pilot`` wrote, in one line."""
    console.print(
        f"{scenario.ref}: {files.people:,} participants, {files.friendships_count:,} "
        f"friendships, {files.events_count:,} events in {len(files.events)} daily files → "
        f"{out} ({seconds:,.1f} s)"
    )


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
    console.print(
        "time by step: "
        + ", ".join(f"{phase} {seconds:,.0f} s" for phase, seconds in log.phases.items())
    )


def print_headline(
    console: Console, head: Headline, k: int, scenario: SimScenario, users: int
) -> None:
    """The report's headline beside what the seed report states, scaled to ``users``; a figure
    the report suppresses (fewer than ``k`` participants behind it) reads as on the page."""
    scale = users / scenario.participants
    under_28 = sum(share for _, high, share in scenario.age_bands if high < 28)
    over_50 = sum(share for low, _, share in scenario.age_bands if low >= 50)
    top, top_share = max(scenario.provinces, key=lambda province: province[1])
    table = Table(title="headline · 要点")
    for name in ("", "this report", "seed report (this size)"):
        table.add_column(name, justify="right" if name else "left")
    rows = (
        ("participants · 用户", head.participants, f"{users:,}"),
        ("women · 女性 (%)", head.women_pct, f"{100 * scenario.women_share[-1]:.0f}"),
        ("under 28 · 28岁以下 (%)", head.under_28_pct, f"{100 * under_28:.0f}"),
        ("50 and over · 50岁以上 (%)", head.over_50_pct, f"{100 * over_50:.0f}"),
        ("top province · 第一省份", head.top_province, top),
        ("its share · 占比 (%)", head.top_province_pct, f"{100 * top_share:.0f}"),
        (
            "avoided CO2 · 减排 (t)",
            head.avoided_t,
            f"{scenario.play.target_avoided_t * scale:,.2f}",
        ),
        ("trees · 植树", head.trees, f"{scenario.play.target_trees * scale:,.1f}"),
    )
    for name, value, target in rows:
        table.add_row(name, hidden_mark(k) if value is None else _figure(value), target)
    console.print(table)


def _figure(value: object) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
