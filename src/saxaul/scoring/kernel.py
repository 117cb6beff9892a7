"""The vectorised scorer: a batch of events → per-event outcomes, daily awards, new cap usage.

It re-states ``saxaul.scoring.reference`` (and through it ``may_score``, ``event_mg`` and
``apply_caps``) in Polars expressions, with no Python loop over rows; a property test holds the
two to exact equality. ``apply_caps`` walks a period's events in order; here the scored events
are sorted once by (cap group, ``occurred_at``, ``row``) and the walk becomes running sums
restarted at each group's first row:

- an event *counts* if it earns raw > 0 and ``prior.counted`` plus the number of earlier such
  events in its group is below ``max_count``;
- with ``cum`` the running sum of counted raw milligrams, an event is credited
  ``min(prior_mg + cum, max_mg) − min(prior_mg + cum − raw, max_mg)``: what it adds under the
  cap (never negative, and 0 once ``prior_mg`` alone reaches the cap).

Why integer keys: users and behaviours become row numbers of the participants and the table,
both sorted by id, so one Int64 per (user, behaviour, period) or (user, behaviour, day) groups
and sorts like the strings would, at a fraction of the cost.

Example (metro: max 5 trips a day at 52 000 mg; prior usage that day: 4 trips, 208 000 mg),
two more trips → events ``counted`` [true, false], ``credited_mg`` [52 000, 0]; one award row
(avoided_mg 52 000, events_counted 1, events_scored 2); usage (5, 260 000).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, TypeVar

import polars as pl

from saxaul.domain.events import EventStatus
from saxaul.domain.methodology import CapPeriod
from saxaul.scoring.table import (
    AWARD_SCHEMA,
    EVENT_RESULT_SCHEMA,
    EVENTS_SCHEMA,
    PARTICIPANTS_SCHEMA,
    USAGE_SCHEMA,
    BehaviourTable,
)
from saxaul.scoring.zones import ZoneOffsets, local_date

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

_ENGINE: Final = "in-memory"
"""Most steps here depend on row order (sorts, running sums, shifts); measured on 2 cores, the
in-memory engine runs them about twice as fast as the streaming default."""
_STATUS = pl.Enum([status.value for status in EventStatus])
"""Status while scoring: comparing and building an enum is ~20× cheaper than strings."""
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_DAY_SPAN = 1 << 22
"""Room for a day or month ordinal in a packed key: above ``date.max.toordinal()`` (3 652 059)."""


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """What one batch scored: ``events`` in input order, ``awards`` and ``usage`` sorted by key.

    Schemas: ``EVENT_RESULT_SCHEMA``, ``AWARD_SCHEMA`` and ``USAGE_SCHEMA``.
    """

    events: pl.DataFrame
    awards: pl.DataFrame
    usage: pl.DataFrame


def empty_participants() -> pl.DataFrame:
    """A participants frame with no rows (every event is then ``no_consent``)."""
    return pl.DataFrame(schema=PARTICIPANTS_SCHEMA)


def empty_prior() -> pl.DataFrame:
    """A prior-usage frame with no rows (no cap has been used yet)."""
    return pl.DataFrame(schema=USAGE_SCHEMA)


def _conform(frame: FrameT, schema: dict[str, pl.DataType]) -> FrameT:
    """Exactly the schema's columns, in its order and types (extra input columns are left out)."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


class _Batch:
    """What one batch is scored with: integer keys, the behaviour table, and zone offsets.

    ``uidx`` is a participant's row and ``bidx`` a behaviour's row, both in id order, so a
    packed key ``(uidx · behaviours + bidx) · 2²² + ordinal`` sorts like (user, behaviour, day).
    """

    def __init__(
        self, table: BehaviourTable, participants: pl.DataFrame, events: pl.DataFrame
    ) -> None:
        self.table = table.frame
        self.users = participants.sort("user_id").with_row_index("uidx")
        self.timezones = table.timezones
        self.zones = ZoneOffsets.spanning(events["occurred_at"], self.timezones)

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
        return user_behaviour * _DAY_SPAN + ordinal.fill_null(0)

    def unpacked(self, key: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
        """``uidx``, ``bidx`` and the ordinal back from a packed key column."""
        user_behaviour = pl.col(key) // _DAY_SPAN
        return (
            (user_behaviour // self.table.height).alias("uidx"),
            (user_behaviour % self.table.height).alias("bidx"),
            (pl.col(key) % _DAY_SPAN).cast(pl.Int32),
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


def _day_and_period(batch: _Batch) -> list[pl.Expr]:
    """``day_ordinal`` of the local date, and the cap period key (``month_ordinal`` for months)."""
    local_date = pl.col("local_date")
    return [
        _ordinal(local_date).alias("day"),
        pl.when(batch.behaviours_where("cap_period", CapPeriod.DAY.value))
        .then(_ordinal(local_date))
        .when(batch.behaviours_where("cap_period", CapPeriod.MONTH.value))
        .then(_ordinal(local_date.dt.month_start()))
        .alias("period_key"),
    ]


def _status(batch: _Batch) -> pl.Expr:
    """``may_score`` (participants already hold the scope), then ``Pack.is_effective``."""
    at = pl.col("occurred_at")
    consented = (
        pl.col("consent_at").is_not_null()
        & (at >= pl.col("consent_at"))
        & (pl.col("withdrawn_at").is_null() | (at < pl.col("withdrawn_at")))
    )
    day, until = pl.col("day"), batch.attr("effective_to")
    effective = (day >= batch.attr("effective_from")) & (until.is_null() | (day <= until))
    return (
        pl.when(~consented)
        .then(pl.lit(EventStatus.NO_CONSENT.value, _STATUS))
        .when(~effective)
        .then(pl.lit(EventStatus.NOT_EFFECTIVE.value, _STATUS))
        .otherwise(pl.lit(EventStatus.SCORED.value, _STATUS))
        .alias("status")
    )


def _at_most(value: pl.Expr, cap: pl.Expr) -> pl.Expr:
    """``min(value, cap)``, where a null cap means no cap."""
    return pl.when(cap.is_not_null() & (value > cap)).then(cap).otherwise(value)


def _raw_mg(batch: _Batch) -> pl.Expr:
    """``event_mg`` for scored events (one float multiply, floor, per-event cap); 0 otherwise."""
    minimum, amount = batch.attr("min_amount_minor"), pl.col("amount_minor")
    under_minimum = minimum.is_not_null() & (amount.is_null() | (amount < minimum))
    product = (pl.col("quantity") * batch.attr("rate_mg")).floor().cast(pl.Int64)
    return (
        pl.when((pl.col("status") != EventStatus.SCORED.value) | under_minimum)
        .then(pl.lit(0, pl.Int64))
        .otherwise(_at_most(product, batch.attr("per_event_max_mg")))
        .alias("raw_mg")
    )


def _placed(events: pl.LazyFrame, batch: _Batch) -> pl.LazyFrame:
    """Every event, in input order, with its behaviour's row, local day and cap period."""
    return (
        _conform(events, EVENTS_SCHEMA)
        .with_columns(batch.behaviour_index())
        .with_columns(batch.local_date())
        .with_columns(_day_and_period(batch))
    )


def _per_event(events: pl.LazyFrame, batch: _Batch) -> pl.LazyFrame:
    """Every event, in input order, placed, with its user's row, status and raw mg."""
    users = batch.users.lazy().select("user_id", "uidx", "consent_at", "withdrawn_at")
    return (
        _placed(events, batch)
        .join(users, on="user_id", how="left", maintain_order="left")
        .with_columns(_status(batch))
        .with_columns(_raw_mg(batch))
        .select("row", "occurred_at", "uidx", "bidx", "day", "period_key", "status", "raw_mg")
    )


def _prior_by_group(prior: pl.DataFrame, batch: _Batch) -> pl.LazyFrame:
    """Prior usage keyed like the cap groups (rows of unknown users or behaviours cannot match)."""
    behaviours = batch.table.lazy().select("behaviour", bidx=pl.int_range(pl.len(), dtype=pl.Int64))
    return (
        _conform(prior.lazy(), USAGE_SCHEMA)
        .join(batch.users.lazy().select("user_id", "uidx"), on="user_id")
        .join(behaviours, on="behaviour")
        .select(
            batch.packed(pl.col("period_key")).alias("group"),
            pl.col("counted").alias("prior_counted"),
            pl.col("credited_mg").alias("prior_mg"),
        )
    )


def _in_award_order(per_event: pl.DataFrame, batch: _Batch) -> pl.DataFrame:
    """Scored events sorted by (user, behaviour, day, occurred_at, row).

    In this order each award is a run of rows, and so is each cap group (a period is a run of
    days), with both ``award`` and ``group`` ascending. (An eager sort on three integer
    columns measured faster here than a lazy one, or than one sort on a packed Int128.)
    """
    scored = (
        per_event.lazy()
        .with_row_index("position")
        .filter(pl.col("status") == EventStatus.SCORED.value)
        .select(
            "position",
            "row",
            "occurred_at",
            "raw_mg",
            award=batch.packed(pl.col("day")),
            group=batch.packed(pl.col("period_key")),
        )
        .collect(engine=_ENGINE)
    )
    return scored.sort("award", "occurred_at", "row")


def _in_cap_order(ordered: pl.DataFrame) -> bool:
    """Whether each cap group's events already run in (occurred_at, row) order, as caps need.

    They do unless a time zone's clock falls back across midnight inside the batch, making a
    later instant's local day earlier; then the caps are applied in a separate sort.
    """
    at = pl.col("occurred_at")
    return bool(ordered.select((_starts("group") | (at >= at.shift(1))).all()).item())


def _starts(key: str) -> pl.Expr:
    """Whether the row begins a run of equal ``key`` values."""
    return (pl.col(key) != pl.col(key).shift(1)).fill_null(True)


def _ends(key: str) -> pl.Expr:
    """Whether the row ends a run of equal ``key`` values."""
    return (pl.col(key) != pl.col(key).shift(-1)).fill_null(True)


def _run_sum(value: pl.Expr, key: str) -> pl.Expr:
    """Inclusive running sum of ``value``, restarted wherever ``key`` changes from the row above."""
    running = value.cum_sum()
    return running - pl.when(_starts(key)).then(running - value).forward_fill()


def _apply_caps(in_cap_order: pl.LazyFrame, prior: pl.LazyFrame, batch: _Batch) -> pl.LazyFrame:
    """``apply_caps`` per group, for scored events sorted by (group, occurred_at, row).

    One step per ``with_columns``: each intermediate is computed once, not once per use.
    """
    eligible = (pl.col("raw_mg") > 0).cast(pl.Int64)
    max_count, max_mg, earned = pl.col("max_count"), pl.col("max_mg"), pl.col("earned")
    total_after = pl.col("total_after")
    behaviour = batch.unpacked("group")[1]
    return (
        in_cap_order.join(prior, on="group", how="left", maintain_order="left")
        .with_columns(
            pl.col("prior_counted", "prior_mg").fill_null(0),
            batch.attr("max_count", behaviour).alias("max_count"),
            batch.attr("max_mg", behaviour).alias("max_mg"),
            earlier=_run_sum(eligible, "group") - eligible,
        )
        .with_columns(
            counted=(eligible == 1)
            & (max_count.is_null() | (pl.col("prior_counted") + pl.col("earlier") < max_count))
        )
        .with_columns(earned=pl.when("counted").then("raw_mg").otherwise(pl.lit(0, pl.Int64)))
        .with_columns(total_after=pl.col("prior_mg") + _run_sum(earned, "group"))
        .select(
            "position",
            "award",
            "group",
            "prior_counted",
            "prior_mg",
            "counted",
            credited_mg=_at_most(total_after, max_mg) - _at_most(total_after - earned, max_mg),
        )
    )


def _capped(ordered: pl.DataFrame, prior: pl.LazyFrame, batch: _Batch) -> pl.LazyFrame:
    """Scored events in award order with ``counted`` and ``credited_mg``."""
    if _in_cap_order(ordered):
        return _apply_caps(ordered.lazy(), prior, batch)
    in_cap_order = ordered.lazy().sort("group", "occurred_at", "row")
    return _apply_caps(in_cap_order, prior, batch).sort("award")  # runs again; order within is free


def _awards(capped: pl.LazyFrame, batch: _Batch) -> pl.LazyFrame:
    """Award totals read off the last row of each award's run."""
    uidx, bidx, day = batch.unpacked("award")
    provenance = (batch.attr(name) for name in ("pack_id", "pack_version", "factor_ids"))
    return (
        capped.select(
            "award",
            avoided_mg=_run_sum(pl.col("credited_mg"), "award"),
            events_counted=_run_sum(pl.col("counted").cast(pl.Int64), "award"),
            events_scored=_run_sum(pl.repeat(1, pl.len(), dtype=pl.Int64), "award"),
            last=_ends("award"),
        )
        .filter("last")
        .with_columns(uidx, bidx, day.alias("day"))
        .with_columns(*batch.names(), *provenance)
        .pipe(_conform, AWARD_SCHEMA)
    )


def _usage(capped: pl.LazyFrame, batch: _Batch) -> pl.LazyFrame:
    """New usage totals read off the last row of each cap group's run.

    Behaviours without a cap period have no usage to carry (their packed period is 0).
    """
    uidx, bidx, period = batch.unpacked("group")
    return (
        capped.select(
            "group",
            counted=pl.col("prior_counted") + _run_sum(pl.col("counted").cast(pl.Int64), "group"),
            credited_mg=pl.col("prior_mg") + _run_sum(pl.col("credited_mg"), "group"),
            last=_ends("group") & (period > 0),
        )
        .filter("last")
        .with_columns(uidx, bidx, period.alias("period_key"))
        .with_columns(batch.names())
        .pipe(_conform, USAGE_SCHEMA)
    )


def _in_input_order(outcomes: pl.DataFrame, capped: pl.DataFrame) -> pl.DataFrame:
    """Per-event results: non-scored events keep 0 / false, scored ones get their caps outcome."""
    positions = capped["position"]
    credited = pl.zeros(outcomes.height, pl.Int64, eager=True).scatter(
        positions, capped["credited_mg"]
    )
    counted = pl.repeat(False, outcomes.height, eager=True).scatter(positions, capped["counted"])
    return outcomes.with_columns(credited_mg=credited, counted=counted).select(*EVENT_RESULT_SCHEMA)


def cap_groups(events: pl.DataFrame, table: BehaviourTable) -> pl.DataFrame:
    """The (user_id, behaviour, period_key) groups a batch may touch: load their usage as prior.

    Every event of a behaviour with a cap period counts, consented or not (over-fetching prior
    usage is harmless). Sorted, one row per group, with ``USAGE_SCHEMA``'s key columns.
    """
    batch = _Batch(table, empty_participants(), events)
    return (
        _placed(events.lazy(), batch)
        .filter(pl.col("period_key").is_not_null())
        .select("user_id", "behaviour", "period_key")
        .unique()
        .sort("user_id", "behaviour", "period_key")
        .collect(engine=_ENGINE)
    )


def score(
    events: pl.DataFrame,
    participants: pl.DataFrame,
    prior: pl.DataFrame,
    table: BehaviourTable,
) -> ScoreResult:
    """Score a batch of events (schemas: ``EVENTS_SCHEMA``, ``PARTICIPANTS_SCHEMA``, ...).

    The caller guarantees every ``behaviour`` is in ``table`` (an unknown one raises),
    ``row`` is unique, and ``participants`` / ``prior`` have one row per key. ``prior`` is
    the usage of earlier batches, e.g. the previous call's ``usage``, so splitting a batch
    never changes totals.
    """
    batch = _Batch(table, participants, events)
    per_event = _per_event(events.lazy(), batch).collect(engine=_ENGINE)
    ordered = _in_award_order(per_event, batch)
    capped = _capped(ordered, _prior_by_group(prior, batch), batch)
    outcome_columns = {k: v for k, v in EVENT_RESULT_SCHEMA.items() if k in per_event.columns}
    outcomes, capped_events, awards, usage = pl.collect_all(
        [
            _conform(per_event.lazy(), outcome_columns),  # runs beside the caps: 2 cores
            capped.select("position", "counted", "credited_mg"),
            _awards(capped, batch),
            _usage(capped, batch),
        ],
        engine=_ENGINE,
    )
    return ScoreResult(_in_input_order(outcomes, capped_events), awards, usage)
