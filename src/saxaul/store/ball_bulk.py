"""Minting balls in bulk: pending awards out, balls, accounts and award transfers in, via Arrow.

Why not the game's row-by-row writer: an import of a day's events makes hundreds of thousands of
awards at once; building Python rows for three tables would cost more than the database's own
work (see ``bulk``). Each batch runs in the bulk writer's transaction, which holds the ingest
lock, so two minting jobs (or a job and an import) never mint the same award twice.
"""

from __future__ import annotations

import polars as pl

from saxaul.store.bulk import BulkConnection
from saxaul.store.tables import balls, ledger_accounts, ledger_transfers

MINT_MARK = "mint.awards"
"""The ``job_marks`` row holding the highest award id the minting job has passed."""
PENDING_AWARDS = (
    "SELECT a.id, a.user_id, a.behaviour, a.day, a.energy_g, a.created_at_us FROM awards a "
    "WHERE a.id > {mark:d} AND a.energy_g > 0 AND NOT EXISTS "
    "(SELECT 1 FROM balls b WHERE b.id = CAST(a.id AS TEXT)) ORDER BY a.id LIMIT {limit:d}"
)
SAVE_MARK = (
    "INSERT INTO job_marks (name, value) VALUES ('{name}', {value:d}) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)


def pending_awards(bulk: BulkConnection, limit: int) -> pl.DataFrame:
    """Up to ``limit`` awards worth ≥ 1 g that have no ball yet, oldest id first, and moves the
    mark past them (same transaction as the balls).

    Why a mark is safe: award ids are handed out as ``MAX(id) + 1`` under the ingest lock, which
    minting holds too, so no award can appear below the mark after it moved; the ``NOT EXISTS``
    still guards each row. Without it every run walked every award ever scored.
    """
    mark = bulk.scalar(f"SELECT value FROM job_marks WHERE name = '{MINT_MARK}'") or 0
    pending = bulk.query(PENDING_AWARDS.format(mark=int(mark), limit=limit))
    passed = (
        int(pending["id"].max())  # type: ignore[arg-type]
        if pending.height == limit
        else int(bulk.scalar("SELECT COALESCE(MAX(id), 0) FROM awards"))
    )
    if passed > mark:
        bulk.execute(SAVE_MARK.format(name=MINT_MARK, value=passed))
    return pending


def append_balls(
    bulk: BulkConnection, made: pl.DataFrame, accounts: pl.DataFrame, awards: pl.DataFrame
) -> None:
    """Write new balls, their accounts (cached balance = amount) and their award transfers,
    as ``services.ball_frames`` builds them."""
    bulk.append(balls, made)
    bulk.append(ledger_accounts, accounts)
    bulk.append(ledger_transfers, awards)
