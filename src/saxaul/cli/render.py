"""How results look in a terminal: progress bars and tables shared by the commands and the demo."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table

from saxaul.reports.awards import BehaviourTotal, ProgrammeTotals


@contextlib.contextmanager
def import_progress(
    console: Console, label: str, total: int | None, unit: str = "rows"
) -> Iterator[Callable[[int], None]]:
    """A progress bar over rows (or another ``unit``); yields the function that advances it."""
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda rows: bar.advance(task, rows)


def print_import(console: Console, kind: str, result: Any) -> None:
    """An import summary as a two-column table, then what to do about refusals."""
    if result.run:
        console.print(escape(result.run))
    table = Table(title=f"{kind} import: {result.name}", show_header=False)
    for key, value in dataclasses.asdict(result).items():
        if key not in ("rejections", "name", "run"):
            shown = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
            table.add_row(key.replace("_", " "), shown)
    console.print(table)
    if getattr(result, "no_consent", 0):
        console.print(
            f"[yellow]{result.no_consent:,} events were kept but not scored: their users have "
            "not consented to scoring (enrol them with a participants file, consent=true).[/]"
        )
    for rejection in result.rejections[:10]:
        console.print(f"  [red]rejected[/] {escape(str(rejection))}")
    if result.rejected:
        console.print("  all refused rows: saxaul quarantine list")


def print_summary(
    console: Console, totals: ProgrammeTotals, behaviours: list[BehaviourTotal]
) -> None:
    """Programme totals and the per-behaviour table (energy in grams = g CO2e avoided)."""
    console.print(
        f"[bold]Participants[/] {totals.participants:,} ({totals.consenting:,} consenting to "
        f"scoring) · [bold]events[/] {totals.events:,} ({totals.scored:,} scored, "
        f"{totals.no_consent:,} without consent) · [bold]awards[/] {totals.awards:,} · "
        f"[bold]avoided[/] {totals.avoided_mg / 1e9:,.3f} t CO2e · "
        f"[bold]green energy[/] {totals.energy_g:,} g"
    )
    table = Table(Column("behaviour", no_wrap=True))
    for numeric in ("events", "scored", "users", "energy g", "kg CO2e"):
        table.add_column(numeric, no_wrap=True, justify="right", min_width=len(numeric) + 1)
    table.add_column("pack", no_wrap=True, overflow="ellipsis", max_width=22)
    for b in behaviours:
        table.add_row(
            b.behaviour,
            f"{b.events:,}",
            f"{b.scored:,}",
            f"{b.users:,}",
            f"{b.energy_g:,}",
            f"{b.avoided_mg / 1e6:,.1f}",
            b.pack_ref,
        )
    console.print(table)
