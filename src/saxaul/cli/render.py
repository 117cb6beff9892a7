"""How results look in a terminal: progress bars and tables shared by the commands and the demo."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from saxaul.cli.tables import print_line, print_plain
from saxaul.reports.awards import BehaviourTotal, ProgrammeTotals
from saxaul.services.methodology import PackListing


@dataclasses.dataclass(frozen=True, slots=True)
class ProgressBar:
    """A running progress bar: call it with the rows done; ``claimed`` starts it at a row."""

    bar: Progress
    task: TaskID

    def __call__(self, rows: int) -> None:
        self.bar.advance(self.task, rows)

    def claimed(self, run: str, from_row: int) -> None:
        """Say which import this run is at once (above the bar, on its stream: stderr, so
        ``--json`` stdout stays JSON), and count the rows earlier runs committed as done."""
        self.bar.console.print(escape(run))
        self.bar.update(self.task, completed=from_row)


@contextlib.contextmanager
def import_progress(
    console: Console, label: str, total: int | None, unit: str = "rows"
) -> Iterator[ProgressBar]:
    """A progress bar over rows (or another ``unit``) on ``console``."""
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        yield ProgressBar(bar, bar.add_task(label, total=total))


def print_import(console: Console, kind: str, result: Any) -> None:
    """An import summary as a two-column table, then what to do about refusals.

    The run line (``result.run``) is not repeated: ``ProgressBar.claimed`` said it already.
    """
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


SUMMARY_NUMBERS = ("events", "scored", "users", "energy g", "kg CO2e")
SUMMARY = ("behaviour", *SUMMARY_NUMBERS)


def print_summary(
    console: Console, totals: ProgrammeTotals, behaviours: list[BehaviourTotal]
) -> None:
    """Programme totals, then energy per behaviour (grams = g CO2e avoided), grouped by pack.

    In a terminal each pack gets its own table under its id@version, so the long pack ids need
    no column and the numbers fit 80 characters; piped, one plain line per behaviour.
    """
    headline = (
        f"Participants {totals.participants:,} ({totals.consenting:,} consenting to "
        f"scoring) · events {totals.events:,} ({totals.scored:,} scored, "
        f"{totals.no_consent:,} without consent, {totals.not_effective:,} before their pack "
        f"was in force, {totals.ineligible:,} ineligible under a pack rule) · "
        f"awards {totals.awards:,} · "
        f"avoided {totals.avoided_mg / 1e9:,.3f} t CO2e · green energy {totals.energy_g:,} g"
    )
    numbers = [
        (
            f"{b.events:,}",
            f"{b.scored:,}",
            f"{b.users:,}",
            f"{b.energy_g:,}",
            f"{b.avoided_mg / 1e6:,.1f}",
        )
        for b in behaviours
    ]
    if not console.is_terminal:
        print_line(console, headline)
        plain = [(b.behaviour, b.pack_ref, *n) for b, n in zip(behaviours, numbers, strict=True)]
        numeric = (False, False, *([True] * len(SUMMARY_NUMBERS)))
        print_plain(console, ("behaviour", "pack", *SUMMARY_NUMBERS), plain, numeric)
        return
    console.print(headline)
    by_pack: dict[str, list[tuple[str, ...]]] = {}
    for b, n in zip(behaviours, numbers, strict=True):
        by_pack.setdefault(b.pack_ref, []).append((b.behaviour, *n))
    everything = [row for rows in by_pack.values() for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in everything)]) for i, h in enumerate(SUMMARY)]
    for pack, pack_rows in by_pack.items():
        table = Table(title=pack, title_justify="left", title_style="bold")
        table.add_column(SUMMARY[0], min_width=widths[0], overflow="fold")
        for header, width in zip(SUMMARY[1:], widths[1:], strict=True):
            table.add_column(header, justify="right", no_wrap=True, min_width=width)
        for row in pack_rows:
            table.add_row(*row)
        console.print(table)


def print_packs(console: Console, packs: Sequence[PackListing]) -> None:
    """The shipped packs: in a terminal, id@version with its title and whether it is active
    beneath, and the counts stacked, so the table fits 80 characters; piped, one plain line
    per pack."""
    if not console.is_terminal:
        headers = ("pack", "title", "region", "behaviours", "factors", "vectors", "active")
        rows = [
            (p.ref, p.title, p.region, str(p.behaviours), str(p.factors), str(p.vectors), _yes(p))
            for p in packs
        ]
        print_plain(console, headers, rows, (False, False, False, True, True, True))
        return
    table = Table(show_lines=True)
    table.add_column("pack", min_width=max(len(p.ref) for p in packs), overflow="fold")
    table.add_column("region", overflow="fold")
    table.add_column("size", no_wrap=True)
    for p in packs:
        active = "[green]active[/]" if p.active else "[dim]not active (SAXAUL_PACKS)[/]"
        table.add_row(
            f"[bold]{escape(p.ref)}[/]\n{escape(p.title)}\n{active}",
            escape(p.region),
            f"{p.behaviours} behaviours\n{p.factors} factors\n{p.vectors} vectors",
        )
    console.print(table)


def _yes(pack: PackListing) -> str:
    return "yes" if pack.active else ""
