"""Printing a reversal file's outcome: statuses, where the grams came from, what to fix."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from saxaul.domain.reversal import ReversalStatus
from saxaul.services.reversals import ReversalImport

SHOWN = 20
"""Rows listed per kind of problem; the counts above them cover the rest."""


def print_reversals(console: Console, name: str, done: ReversalImport) -> None:
    """Counts by status, grams taken back by origin, then the rows that need a look."""
    table = Table(title=f"reversals: {name}", show_header=False)
    table.add_row("rows read", f"{done.rows_read:,}")
    for status, count in sorted(done.by_status.items()):
        table.add_row(status.replace("_", " "), f"{count:,}")
    table.add_row("rejected", f"{len(done.rejected):,}")
    clawback = done.clawback
    table.add_row("taken back this run", f"{clawback.total_g:,} g")
    table.add_row("  from balls", f"{clawback.from_ball_g:,} g")
    table.add_row("  from expired", f"{clawback.from_expired_g:,} g")
    table.add_row("  from balances", f"{clawback.from_balance_g:,} g")
    table.add_row("  owed as debt", f"{clawback.debt_g:,} g")
    console.print(table)
    for rejection in done.rejected[:SHOWN]:
        where = f"line {rejection.line}" + (f" ({rejection.field})" if rejection.field else "")
        console.print(f"  [red]rejected[/] {where}: {escape(rejection.reason)}")
    unapplied = [
        r
        for r in done.results
        if r.status not in (ReversalStatus.APPLIED, ReversalStatus.NOT_SCORED)
    ]
    for result in unapplied[:SHOWN]:
        request = result.request
        console.print(
            f"  [yellow]{result.status}[/] {escape(request.source)}/{escape(request.event_id)}: "
            f"{escape(result.detail)}"
        )
    if done.results and all(r.replayed for r in done.results):
        console.print("every row was received before: nothing moved again")
