"""Printing the forest game for people: what the simulated mornings did, and the ledger audit."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from saxaul.services.ledger_audit import LedgerAudit
from saxaul.sim.forest_play import RUSH_THREADS, PlayLog


def demo_players(participants_csv: Path, count: int) -> list[str]:
    """The first ``count`` enrolled participants of the demo population play the game."""
    ids = pl.read_csv(participants_csv, columns=["user_id"])["user_id"].head(count)
    return [str(user) for user in ids]


def print_play(console: Console, log: PlayLog) -> None:
    """Moves applied and refused, grams moved by kind, expiry and the co-planted tree."""
    console.print(
        f"{log.balls_minted:,} balls minted from awards ({log.energy_minted_g:,} g) · "
        f"{log.friendships:,} friendships"
    )
    table = Table(title="moves · 操作", show_header=True)
    table.add_column("move")
    table.add_column("applied", justify="right")
    table.add_column("refused (code: count)")
    for kind in sorted(set(log.applied) | {k.split(":")[0] for k in log.refused}):
        refused = ", ".join(
            f"{code.split(':')[1]}: {n:,}"
            for code, n in sorted(log.refused.items())
            if code.startswith(f"{kind}:")
        )
        table.add_row(kind, f"{log.applied.get(kind, 0):,}", refused)
    console.print(table)
    if log.rush_requests:
        console.print(
            f"morning rush: {log.rush_requests:,} steal requests from {RUSH_THREADS} players at "
            f"once, played in {log.rush_transactions:,} transactions (group commit · 合并提交)"
        )
    moved = ", ".join(f"{kind} {grams:,} g" for kind, grams in sorted(log.grams.items()))
    console.print(f"energy moved: {moved}")
    console.print(
        f"expiry job: {log.expired_balls:,} uncollected balls, {log.expired_g:,} g → expired "
        "account (nothing vanishes · 过期能量不会消失)"
    )
    tree = log.tree
    if tree is not None:
        console.print(
            f"co-planting {tree.id}: {tree.species.name_zh} {tree.species.name_en}, "
            f"{tree.pooled_g:,}/{tree.cost_g:,} g pooled by "
            f"{len(tree.members)} friends, status {tree.status}"
        )


def print_audit(console: Console, audit: LedgerAudit) -> None:
    """Where every issued gram is now, and whether every ledger invariant holds."""
    table = Table(title="energy ledger · 能量账本", show_header=False)
    table.add_row("issued (net of reversals)", f"{audit.issued_g:,} g")
    for kind, grams in sorted(audit.by_kind.items()):
        if kind not in ("issuance", "gifts"):
            table.add_row(f"  in {kind} accounts", f"{grams:,} g")
    table.add_row("accounts / transfers", f"{audit.accounts:,} / {audit.transfers:,}")
    console.print(table)
    if audit.ok:
        console.print("audit: Σ = 0, no account below 0, caches = sums, every key once ✓")
    for problem in audit.problems:
        console.print(f"[bold red]AUDIT[/] {problem}")
