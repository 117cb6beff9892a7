"""The vectorised scorer: a batch of events → per-event outcomes, daily awards, new cap usage.

It re-states ``saxaul.scoring.reference`` (and through it ``may_score``, ``event_mg`` and
``apply_caps``) in Polars expressions, with no Python loop over rows; a property test holds the
two to exact equality. ``apply_caps`` walks a period's events in order; here the walk becomes
two running sums per (user, behaviour, period) ordered by (``occurred_at``, ``row``):

- an event *counts* if it is scored, earns raw > 0, and ``prior.counted`` plus the number of
  earlier such events is below ``max_count``;
- with ``cum`` the running sum of counted raw milligrams, an event is credited
  ``min(prior_mg + cum, max_mg) − min(prior_mg + cum − raw, max_mg)``: what it adds under the
  cap (0 when ``prior_mg`` already exceeds the cap, since both terms are then ``max_mg``).

Example (metro: max 5 trips a day at 52 000 mg; prior usage that day: 4 trips, 208 000 mg),
two more trips → events ``counted`` [true, false], ``credited_mg`` [52 000, 0]; one award row
(avoided_mg 52 000, events_counted 1, events_scored 2); usage (5, 260 000).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from saxaul.domain.events import EventStatus
from saxaul.domain.methodology import CapPeriod
from saxaul.scoring.table import BehaviourTable

UTC_MICROS = pl.Datetime("us", "UTC")

EVENTS_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "user_id": pl.String(),
    "behaviour": pl.String(),
    "occurred_at": UTC_MICROS,
    "quantity": pl.Float64(),
    "amount_minor": pl.Int64(),
}
"""Input events; ``row`` is unique and breaks ties in ``occurred_at``; extra columns are ignored."""

PARTICIPANTS_SCHEMA: dict[str, pl.DataType] = {
    "user_id": pl.String(),
    "consent_at": UTC_MICROS,
    "withdrawn_at": UTC_MICROS,
}
"""Participants holding the ``scoring`` scope, one row per user; ``withdrawn_at`` nullable."""

USAGE_SCHEMA: dict[str, pl.DataType] = {
    "user_id": pl.String(),
    "behaviour": pl.String(),
    "period_key": pl.Int32(),
    "counted": pl.Int64(),
    "credited_mg": pl.Int64(),
}
"""Cap usage per (user, behaviour, period): the ``prior`` input and the ``usage`` output."""

EVENT_RESULT_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "status": pl.String(),
    "day": pl.Int32(),
    "period_key": pl.Int32(),
    "raw_mg": pl.Int64(),
    "credited_mg": pl.Int64(),
    "counted": pl.Boolean(),
}
"""Per-event outcome; ``day`` is the local ``day_ordinal``, ``period_key`` null without a period."""

AWARD_SCHEMA: dict[str, pl.DataType] = {
    "user_id": pl.String(),
    "behaviour": pl.String(),
    "day": pl.Int32(),
    "pack_id": pl.String(),
    "pack_version": pl.String(),
    "factor_ids": pl.String(),
    "avoided_mg": pl.Int64(),
    "events_counted": pl.Int64(),
    "events_scored": pl.Int64(),
}
"""One row per (user, behaviour, local day) with at least one scored event."""

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_CAP_GROUP = ("user_id", "behaviour", "period_key")
_CAP_ORDER = ("occurred_at", "row")


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """What one batch scored: ``events`` in input order, ``awards`` and ``usage`` sorted by key."""

    events: pl.DataFrame
    awards: pl.DataFrame
    usage: pl.DataFrame


def empty_participants() -> pl.DataFrame:
    """A participants frame with no rows (every event is then ``no_consent``)."""
    return pl.DataFrame(schema=PARTICIPANTS_SCHEMA)


def empty_prior() -> pl.DataFrame:
    """A prior-usage frame with no rows (no cap has been used yet)."""
    return pl.DataFrame(schema=USAGE_SCHEMA)


def _conform(frame: pl.LazyFrame, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """Exactly the schema's columns, in its order and types (extra input columns are left out)."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


def _ordinal(date: pl.Expr) -> pl.Expr:
    """``day_ordinal`` of a Polars date (days since 1970-01-01 shifted to Python's ordinal)."""
    return (date.cast(pl.Int32) + _EPOCH_ORDINAL).cast(pl.Int32)


def _local_date(timezones: tuple[str, ...]) -> pl.Expr:
    """The event's date in its pack's time zone; Polars needs a literal zone, so one per zone."""
    instant = pl.col("occurred_at")
    dates = [
        pl.when(pl.col("timezone") == tz).then(instant.dt.convert_time_zone(tz).dt.date())
        for tz in timezones
    ]
    return pl.coalesce(dates)


def _day_and_period(table: BehaviourTable) -> list[pl.Expr]:
    local_date = _local_date(table.timezones)
    period = pl.col("cap_period")
    return [
        _ordinal(local_date).alias("day"),
        pl.when(period == CapPeriod.DAY.value)
        .then(_ordinal(local_date))
        .when(period == CapPeriod.MONTH.value)
        .then(_ordinal(local_date.dt.month_start()))
        .alias("period_key"),
    ]


def _status() -> pl.Expr:
    """``may_score`` (participants already hold the scope), then ``Pack.is_effective``."""
    at = pl.col("occurred_at")
    consented = (
        pl.col("consent_at").is_not_null()
        & (at >= pl.col("consent_at"))
        & (pl.col("withdrawn_at").is_null() | (at < pl.col("withdrawn_at")))
    )
    day = pl.col("day")
    effective = (day >= pl.col("effective_from")) & (
        pl.col("effective_to").is_null() | (day <= pl.col("effective_to"))
    )
    return (
        pl.when(~consented)
        .then(pl.lit(EventStatus.NO_CONSENT.value))
        .when(~effective)
        .then(pl.lit(EventStatus.NOT_EFFECTIVE.value))
        .otherwise(pl.lit(EventStatus.SCORED.value))
        .alias("status")
    )


def _raw_mg() -> pl.Expr:
    """``event_mg`` for scored events (one float multiply, floor, per-event cap); 0 otherwise."""
    minimum = pl.col("min_amount_minor")
    amount = pl.col("amount_minor")
    under_minimum = minimum.is_not_null() & (amount.is_null() | (amount < minimum))
    product = (pl.col("quantity") * pl.col("rate_mg")).floor().cast(pl.Int64)
    return (
        pl.when((pl.col("status") != EventStatus.SCORED.value) | under_minimum)
        .then(pl.lit(0, pl.Int64))
        .otherwise(pl.min_horizontal(product, pl.col("per_event_max_mg")))
        .alias("raw_mg")
    )


def _running_sum(value: pl.Expr) -> pl.Expr:
    """Inclusive running sum within the event's cap group, in ``apply_caps`` order."""
    return value.cum_sum().over(_CAP_GROUP, order_by=_CAP_ORDER)


def _counted() -> pl.Expr:
    eligible = ((pl.col("status") == EventStatus.SCORED.value) & (pl.col("raw_mg") > 0)).cast(
        pl.Int64
    )
    earlier = _running_sum(eligible) - eligible
    max_count = pl.col("max_count")
    under_count = max_count.is_null() | (pl.col("prior_counted") + earlier < max_count)
    return ((eligible == 1) & under_count).alias("counted")


def _credited_mg() -> pl.Expr:
    earned = pl.when(pl.col("counted")).then(pl.col("raw_mg")).otherwise(pl.lit(0, pl.Int64))
    total_after = pl.col("prior_mg") + _running_sum(earned)
    max_mg = pl.col("max_mg")
    under_cap = pl.min_horizontal(total_after, max_mg) - pl.min_horizontal(
        total_after - earned, max_mg
    )
    return pl.when(max_mg.is_null()).then(earned).otherwise(under_cap).alias("credited_mg")


def _scored_events(
    events: pl.LazyFrame, participants: pl.LazyFrame, prior: pl.LazyFrame, table: BehaviourTable
) -> pl.LazyFrame:
    """Every event with its table row, consent, status, raw, counted and credited milligrams."""
    prior_usage = prior.select(
        *_CAP_GROUP,
        pl.col("counted").alias("prior_counted"),
        pl.col("credited_mg").alias("prior_mg"),
    )
    return (
        _conform(events, EVENTS_SCHEMA)
        .join(table.frame.lazy(), on="behaviour", how="left", maintain_order="left")
        .with_columns(_day_and_period(table))
        .join(participants, on="user_id", how="left", maintain_order="left")
        .with_columns(_status())
        .with_columns(_raw_mg())
        .join(prior_usage, on=_CAP_GROUP, how="left", nulls_equal=True, maintain_order="left")
        .with_columns(pl.col("prior_counted", "prior_mg").fill_null(0))
        .with_columns(_counted())
        .with_columns(_credited_mg())
    )


def _awards(scored: pl.LazyFrame, table: BehaviourTable) -> pl.LazyFrame:
    provenance = table.frame.lazy().select("behaviour", "pack_id", "pack_version", "factor_ids")
    return (
        scored.group_by("user_id", "behaviour", "day")
        .agg(
            pl.col("credited_mg").sum().alias("avoided_mg"),
            pl.col("counted").sum().cast(pl.Int64).alias("events_counted"),
            pl.len().cast(pl.Int64).alias("events_scored"),
        )
        .join(provenance, on="behaviour", how="left")
        .pipe(_conform, AWARD_SCHEMA)
        .sort("user_id", "behaviour", "day")
    )


def _usage(scored: pl.LazyFrame) -> pl.LazyFrame:
    return (
        scored.group_by(_CAP_GROUP)
        .agg(
            (pl.col("prior_counted").first() + pl.col("counted").sum()).alias("counted"),
            (pl.col("prior_mg").first() + pl.col("credited_mg").sum()).alias("credited_mg"),
        )
        .pipe(_conform, USAGE_SCHEMA)
        .sort(_CAP_GROUP)
    )


def score(
    events: pl.DataFrame,
    participants: pl.DataFrame,
    prior: pl.DataFrame,
    table: BehaviourTable,
) -> ScoreResult:
    """Score a batch of events (schemas: ``EVENTS_SCHEMA``, ``PARTICIPANTS_SCHEMA``, ...).

    The caller guarantees every ``behaviour`` is in ``table``, ``row`` is unique, and
    ``participants`` / ``prior`` have one row per key. ``prior`` is the usage of earlier
    batches, e.g. the previous call's ``usage``, so splitting a batch never changes totals.
    """
    scored_all = _scored_events(events.lazy(), participants.lazy(), prior.lazy(), table).collect()
    scored = scored_all.lazy().filter(pl.col("status") == EventStatus.SCORED.value)
    awards, usage = pl.collect_all([_awards(scored, table), _usage(scored)])
    events_result = _conform(scored_all.lazy(), EVENT_RESULT_SCHEMA).collect()
    return ScoreResult(events=events_result, awards=awards, usage=usage)
