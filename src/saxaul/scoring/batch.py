"""One batch's integer keys, and its per-event columns: local day, period, status, raw mg.

These are the reference's rules 1–3 for every event at once (``saxaul.scoring.reference``):
the local day in the behaviour's pack time zone and its cap periods; ``no_consent`` /
``not_effective`` / the attribute rules' status / ``scored`` from the participant's consent,
the pack's effective dates and ``rule_status``; and ``event_mg`` as one float multiply, a
floor and the per-event cap.

The attribute rules' columns come from ``saxaul.scoring.rules`` (``rule_status`` and the
claim key), computed once per batch: a caller that also needs ``cap_groups`` passes them in.

Why integer keys: users and behaviours become row numbers of the participants and of the
behaviour table, both sorted by id, so one Int64 per (user, behaviour, day or period) groups
and sorts like the strings would, at a fraction of the cost.

Example: participants [u2, u1] and behaviours [metro, walking] → ``uidx`` u1 = 0, u2 = 1;
``bidx`` metro = 0, walking = 1; u2's walking on day 739 680 packs as
``(1 · 2 + 1) · 2²² + 739 680 = 13 322 592``.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import polars as pl

from saxaul.domain.events import EventStatus
from saxaul.domain.methodology import CapPeriod
from saxaul.scoring.rules import rule_columns, with_attributes
from saxaul.scoring.table import EVENTS_SCHEMA, USAGE_SCHEMA, BehaviourTable
from saxaul.scoring.zones import ZoneOffsets, local_date

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

STATUS = pl.Enum([status.value for status in EventStatus])
"""Status while scoring: comparing and building an enum is ~20× cheaper than strings."""
_UNLIMITED = (1 << 63) - 1
_LAST_DAY = (1 << 31) - 1
_NO_MINIMUM = -(1 << 63)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
DAY_SPAN = 1 << 22
"""Room for a day or month ordinal in a packed key: above ``date.max.toordinal()`` (3 652 059)."""


def refuse_repeats(frame: pl.DataFrame, keys: list[str], what: str) -> None:
    """Raise ``ValueError`` if a key repeats: a join on it would count events twice."""
    repeated = frame.filter(pl.struct(keys).is_duplicated()).select(keys).unique()
    if repeated.height:
        raise ValueError(f"{what} repeat keys {keys}: {repeated.head(5).rows()}")


def conform(frame: FrameT, schema: dict[str, pl.DataType]) -> FrameT:
    """Exactly the schema's columns, in its order and types (extra input columns are left out)."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


class Batch:
    """What one batch is scored with: integer keys, the behaviour table, and zone offsets.

    ``uidx`` is a participant's row and ``bidx`` a behaviour's row, both in id order, so a
    packed key ``(uidx · behaviours + bidx) · 2²² + ordinal`` sorts like (user, behaviour, day).
    """

    def __init__(
        self,
        table: BehaviourTable,
        participants: pl.DataFrame,
        events: pl.DataFrame,
        rules: pl.DataFrame | None = None,
    ) -> None:
        # A missing limit becomes the largest integer and a missing minimum the smallest, so
        # every comparison is null-free (gathering nullable columns measured 3× slower).
        self.table = table.frame.with_columns(
            pl.col("per_event_max_mg", "max_count", "max_mg").fill_null(_UNLIMITED),
            pl.col("effective_to").fill_null(_LAST_DAY),
            pl.col("min_amount_minor").fill_null(_NO_MINIMUM),
        )
        refuse_repeats(participants, ["user_id"], "participants")
        self.users = participants.sort("user_id").with_row_index("uidx")
        self.timezones = table.timezones
        self.zones = ZoneOffsets.spanning(events["occurred_at"], self.timezones)
        self.rules = rule_columns(events, table) if rules is None else rules

    def attr(self, name: str, behaviour: pl.Expr | None = None) -> pl.Expr:
        """A behaviour-table column, read at each row's behaviour (default: column ``bidx``)."""
        return pl.lit(self.table[name]).gather(pl.col("bidx") if behaviour is None else behaviour)

    def behaviours_where(self, name: str, value: str) -> pl.Expr:
        """Whether the row's behaviour has ``value`` in table column ``name``."""
        rows = self.table.with_row_index().filter(pl.col(name) == value)["index"]
        return pl.col("bidx").is_in(rows.to_list())

    def local_date(self) -> pl.Expr:
        """The event's date in its pack's time zone."""
        zone_of_row = [self.timezones.index(tz) for tz in self.table["timezone"]]
        zone_index = pl.lit(pl.Series(zone_of_row, dtype=pl.Int64)).gather(pl.col("bidx"))
        return local_date(self.zones, self.timezones, zone_index).alias("local_date")

    def behaviour_index(self) -> pl.Expr:
        """Row of the behaviour in the table; an unknown behaviour id fails the cast."""
        categories = pl.Enum(self.table["behaviour"].to_list())
        return pl.col("behaviour").cast(categories).to_physical().cast(pl.Int64).alias("bidx")

    def packed(self, ordinal: pl.Expr) -> pl.Expr:
        """One Int64 for (user, behaviour, day or period); a null period packs as 0."""
        user_behaviour = pl.col("uidx").cast(pl.Int64) * self.table.height + pl.col("bidx")
        return user_behaviour * DAY_SPAN + ordinal.fill_null(0)

    def unpacked(self, key: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
        """``uidx``, ``bidx`` and the ordinal back from a packed key column."""
        user_behaviour = pl.col(key) // DAY_SPAN
        return (
            (user_behaviour // self.table.height).alias("uidx"),
            (user_behaviour % self.table.height).alias("bidx"),
            (pl.col(key) % DAY_SPAN).cast(pl.Int32),
        )

    def names(self) -> list[pl.Expr]:
        """``user_id`` and ``behaviour`` strings back from their row numbers."""
        return [
            pl.lit(self.users["user_id"]).gather(pl.col("uidx")).alias("user_id"),
            self.attr("behaviour").alias("behaviour"),
        ]


def _ordinal(date: pl.Expr) -> pl.Expr:
    """``day_ordinal`` of a Polars date (days since 1970-01-01 shifted to Python's ordinal)."""
    return (date.cast(pl.Int32) + _EPOCH_ORDINAL).cast(pl.Int32)


def _day_and_period(batch: Batch) -> list[pl.Expr]:
    """``day_ordinal`` of the local date, and the cap and claim period keys (``month_ordinal``
    for months: the day's ordinal less its day of the month, plus one)."""
    local_date = pl.col("local_date")
    day = _ordinal(local_date)

    def period(column: str) -> pl.Expr:
        return (
            pl.when(batch.behaviours_where(column, CapPeriod.DAY.value))
            .then(day)
            .when(batch.behaviours_where(column, CapPeriod.MONTH.value))
            .then(day - local_date.dt.day().cast(pl.Int32) + 1)
        )

    return [
        day.alias("day"),
        period("cap_period").alias("period_key"),
        period("claim_period").alias("claim_period_key"),
    ]


def _status(batch: Batch) -> pl.Expr:
    """``may_score`` (participants already hold the scope), then ``Pack.is_effective``."""
    at = pl.col("occurred_at")
    consented = (
        pl.col("consent_at").is_not_null()
        & (at >= pl.col("consent_at"))
        & (pl.col("withdrawn_at").is_null() | (at < pl.col("withdrawn_at")))
    )
    day = pl.col("day")
    effective = (day >= batch.attr("effective_from")) & (day <= batch.attr("effective_to"))
    return (
        pl.when(~consented)
        .then(pl.lit(EventStatus.NO_CONSENT.value, STATUS))
        .when(~effective)
        .then(pl.lit(EventStatus.NOT_EFFECTIVE.value, STATUS))
        .when(pl.col("rule_status").is_not_null())
        .then(pl.col("rule_status").cast(STATUS))
        .otherwise(pl.lit(EventStatus.SCORED.value, STATUS))
        .alias("status")
    )


def at_most(value: pl.Expr, cap: pl.Expr) -> pl.Expr:
    """``min(value, cap)`` for a cap read from the batch's table (no cap: the largest Int64)."""
    return pl.when(value > cap).then(cap).otherwise(value)


def _event_mg(batch: Batch) -> pl.Expr:
    """``event_mg`` (one float multiply, floor, per-event cap), as if the event were scored."""
    # A missing amount is under any minimum, and nothing is under a missing (smallest) one.
    amount = pl.col("amount_minor").fill_null(_NO_MINIMUM)
    under_minimum = amount < batch.attr("min_amount_minor")
    product = (pl.col("quantity") * batch.attr("rate_mg")).floor().cast(pl.Int64)
    return (
        pl.when(under_minimum)
        .then(pl.lit(0, pl.Int64))
        .otherwise(at_most(product, batch.attr("per_event_max_mg")))
        .alias("raw_mg")
    )


def placed(events: pl.LazyFrame, batch: Batch) -> pl.LazyFrame:
    """Every event, in input order, with its behaviour's row, local day and cap period."""
    return (
        conform(with_attributes(events), EVENTS_SCHEMA)
        .with_columns(batch.behaviour_index())
        .with_columns(batch.local_date())
        .with_columns(_day_and_period(batch))
    )


def with_outcomes(events: pl.LazyFrame, batch: Batch) -> pl.LazyFrame:
    """Every event, in input order, placed, with its user's row, status and raw mg."""
    users = batch.users.lazy().select("user_id", "uidx", "consent_at", "withdrawn_at")
    return (
        placed(events, batch)
        .join(users, on="user_id", how="left", maintain_order="left")
        .join(batch.rules.lazy(), on="row", how="left", maintain_order="left")
        .with_columns(_status(batch), _event_mg(batch))  # independent: computed in parallel
        .with_columns(
            raw_mg=pl.when(pl.col("status") == EventStatus.SCORED.value).then("raw_mg").otherwise(0)
        )
        .select(
            "row",
            "occurred_at",
            "user_id",
            "uidx",
            "bidx",
            "day",
            "period_key",
            "status",
            "raw_mg",
            "claim",
            "claim_period_key",
        )
    )


def prior_by_group(prior: pl.DataFrame, batch: Batch) -> pl.LazyFrame:
    """Prior usage keyed like the cap groups (rows of unknown users or behaviours cannot match)."""
    refuse_repeats(prior, ["user_id", "behaviour", "period_key"], "prior usage rows")
    behaviours = batch.table.lazy().select("behaviour", bidx=pl.int_range(pl.len(), dtype=pl.Int64))
    return (
        conform(prior.lazy(), USAGE_SCHEMA)
        .join(batch.users.lazy().select("user_id", "uidx"), on="user_id")
        .join(behaviours, on="behaviour")
        .select(
            batch.packed(pl.col("period_key")).alias("group"),
            pl.col("counted").alias("prior_counted"),
            pl.col("credited_mg").alias("prior_mg"),
        )
    )
