"""A cap on the energy a whole pack version may ever credit: a business scenario's budget.

Why after scoring, inside the chunk's transaction: the grams already credited are read there
under the ingest lock (``store.uow.bulk_transaction``), so two requests racing for a
scenario's last grams are ordered and the second sees what the first spent. Scoring itself is
untouched (caps, consent and rules apply as for any event); the budget only withholds credit.

What happens past the budget: events are kept, in the order they occurred, and the first one
whose credit would cross the budget and every later earning one are stored with status
``over_budget`` and 0 credited (the answer counts them as ``over_budget``). They keep their
place in their behaviour's cap usage: they happened, and a budget raised later should not let
a participant earn twice in one day. The credited milligrams stay within the budget, so the
energy issued (each award floored to whole grams) does too.

Example: 1 000 g left and three scored events of 600 g each → the first is credited, the
second and third are ``over_budget``; ``counts["scored"]`` 3 → 1, ``over_budget`` 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from saxaul.domain.events import EventStatus
from saxaul.domain.units import MG_PER_G


@dataclass(frozen=True, slots=True)
class CreditBudget:
    """The pack version whose awards are budgeted, and the grams it may credit in total."""

    pack_id: str
    pack_version: str
    budget_g: int


def within_budget(
    rows: pl.DataFrame, awards: pl.DataFrame, counts: dict[str, int], left_mg: int
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """``rows``, ``awards`` and ``counts`` of a scored batch with only ``left_mg`` creditable.

    ``rows`` are the batch's event rows (status, credited_mg, award_id, occurred_at_us,
    dedupe_key) and ``awards`` its awards (id, avoided_mg, events_counted, events_scored).
    """
    earning = (pl.col("status") == str(EventStatus.SCORED)) & (pl.col("credited_mg") > 0)
    marked = rows.sort("occurred_at_us", "dedupe_key").with_columns(
        over=earning & (pl.when(earning).then("credited_mg").otherwise(0).cum_sum() > left_mg)
    )
    withheld = (
        marked.filter("over")
        .group_by("award_id")
        .agg(pl.col("credited_mg").sum().alias("withheld_mg"), pl.len().alias("withheld"))
    )
    over = pl.col("over")
    rows = marked.with_columns(
        pl.when(over)
        .then(pl.lit(str(EventStatus.OVER_BUDGET)))
        .otherwise("status")
        .alias("status"),
        pl.when(over).then(0).otherwise("credited_mg").alias("credited_mg"),
        pl.when(over).then(None).otherwise("award_id").alias("award_id"),
    ).select(rows.columns)
    less = pl.col("withheld").fill_null(0)
    awards = (
        awards.join(withheld, left_on="id", right_on="award_id", how="left")
        .with_columns(
            (pl.col("avoided_mg") - pl.col("withheld_mg").fill_null(0)).alias("avoided_mg"),
            (pl.col("events_counted") - less).alias("events_counted"),
            (pl.col("events_scored") - less).alias("events_scored"),
        )
        .with_columns((pl.col("avoided_mg") // MG_PER_G).alias("energy_g"))
        .filter(pl.col("events_scored") > 0)
        .select(awards.columns)
    )
    over_budget = int(marked["over"].sum())
    counts = counts | {
        "scored": counts["scored"] - over_budget,
        "over_budget": over_budget,
        "awards": awards.height,
        "balls": int((awards["energy_g"] > 0).sum()),
        "avoided_mg": int(awards["avoided_mg"].sum()),
        "energy_g": int(awards["energy_g"].sum()),
    }
    return rows, awards, counts
