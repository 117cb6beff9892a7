"""Restatement: what the current programme and a candidate credit for the same events.

Why one home: an operator previews a new pack version over the events in the store
(``services.rescoring``) and over a long Parquet span on Spark (``saxaul.scoring_jobs``); both
must count alike. Every event of a behaviour the candidate scores is scored in one pass (cap
order = event time, no prior usage) under each programme; an event of a behaviour the current
programme does not score credits 0 under it. ``stored_mg`` is what the events say they were
credited (0 where the input has no ``credited_mg``).

Example: 6 metro rides in one day, each stored at 52 000 mg, a candidate with a 5-ride cap →
one line ``metro_ride``: events 6, stored_mg 312 000, current_mg 312 000, candidate_mg 260 000.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from saxaul.scoring.kernel import empty_prior, score
from saxaul.scoring.table import BehaviourTable

RESTATE_SCHEMA: dict[str, pl.DataType] = {
    "behaviour": pl.String(),
    "month": pl.String(),
    "events": pl.Int64(),
    "stored_mg": pl.Int64(),
    "current_mg": pl.Int64(),
    "candidate_mg": pl.Int64(),
}
"""One line per (behaviour, local month ``YYYY-MM`` in the candidate pack's zone)."""

_UNIX_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _credited(
    events: pl.DataFrame, participants: pl.DataFrame, table: BehaviourTable
) -> pl.DataFrame:
    """``row``, local ``day`` and ``credited_mg`` of the events of behaviours ``table`` scores."""
    known = events.filter(pl.col("behaviour").is_in(sorted(table.behaviour_ids)))
    outcomes = score(known, participants, empty_prior(), table).events
    return outcomes.select("row", "day", "credited_mg")


def restate(
    events: pl.DataFrame,
    participants: pl.DataFrame,
    current: BehaviourTable,
    candidate: BehaviourTable,
    by: Sequence[str] = ("behaviour",),
) -> pl.DataFrame:
    """Per ``by`` (``behaviour``, optionally ``month``): events, stored, current and candidate mg.

    ``events``: the kernel's events frame, with ``credited_mg`` if stored credits are known.
    Only events of behaviours the candidate scores are counted; sorted by ``by``.
    """
    known = events.filter(pl.col("behaviour").is_in(sorted(candidate.behaviour_ids)))
    stored = pl.col("credited_mg") if "credited_mg" in known.columns else pl.lit(0, pl.Int64)
    new = _credited(known, participants, candidate).select(
        "row",
        candidate_mg="credited_mg",
        month=(pl.col("day") - _UNIX_EPOCH_ORDINAL).cast(pl.Date).dt.strftime("%Y-%m"),
    )
    now = _credited(known, participants, current).select("row", current_mg="credited_mg")
    lines = (
        known.select("row", "behaviour", stored_mg=stored.fill_null(0).cast(pl.Int64))
        .join(new, on="row", how="left")
        .join(now, on="row", how="left")
        .group_by(list(by))
        .agg(
            events=pl.len().cast(pl.Int64),
            stored_mg=pl.col("stored_mg").sum(),
            current_mg=pl.col("current_mg").fill_null(0).sum(),
            candidate_mg=pl.col("candidate_mg").fill_null(0).sum(),
        )
    )
    return lines.select(*by, *list(RESTATE_SCHEMA)[2:]).sort(list(by))
