"""The vectorised scorer: a batch of events → per-event outcomes, daily awards, new cap usage.

It re-states ``saxaul.scoring.reference`` (and through it ``may_score``, ``event_mg`` and
``apply_caps``) in Polars expressions, with no Python loop over rows; a property test holds the
two to exact equality. ``apply_caps`` walks a period's events in order; here the scored events
are sorted once by (user, behaviour, local day, ``occurred_at``, ``row``), which makes every
award and every cap group a run of rows, and the walk becomes running sums within runs:

- an event *counts* if it earns raw > 0 and ``prior.counted`` plus the number of earlier such
  events in its group is below ``max_count``;
- with ``cum`` the running sum of counted raw milligrams, an event is credited
  ``min(prior_mg + cum, max_mg) − min(prior_mg + cum − raw, max_mg)``: what it adds under the
  cap (never negative, and 0 once ``prior_mg`` alone reaches the cap).

Before the caps, ``one_per`` claims: of the scored events with raw > 0 that share a (user,
claim key, claim period), in (``occurred_at``, ``row``) order, only the first earns, and only
if no earlier batch claimed the key (claims are carried in the usage frame under the claim
key); the others become ``already_claimed`` with raw 0.

Per-event columns (local day, periods, status, raw mg) and the integer keys come from
``saxaul.scoring.batch``; this module claims, orders, caps and aggregates.

Example (metro: max 5 trips a day at 52 000 mg; prior usage that day: 4 trips, 208 000 mg),
two more trips → events ``counted`` [true, false], ``credited_mg`` [52 000, 0]; one award row
(avoided_mg 52 000, events_counted 1, events_scored 2); usage (5, 260 000).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from saxaul.domain.events import EventStatus
from saxaul.scoring.batch import (
    DAY_SPAN,
    STATUS,
    Batch,
    at_most,
    conform,
    placed,
    prior_by_group,
    with_outcomes,
)
from saxaul.scoring.rules import with_attributes
from saxaul.scoring.table import (
    AWARD_SCHEMA,
    EVENT_RESULT_SCHEMA,
    PARTICIPANTS_SCHEMA,
    USAGE_SCHEMA,
    BehaviourTable,
)

_INT64_MAX = (1 << 63) - 1
_ENGINE: Final = "in-memory"
"""Most steps here depend on row order (sorts, running sums, shifts); measured on 2 cores, the
in-memory engine runs them about twice as fast as the streaming default."""


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


def _in_award_order(per_event: pl.DataFrame, batch: Batch) -> tuple[pl.DataFrame, bool]:
    """Scored events sorted by (user, behaviour, day, occurred_at, row), and whether each cap
    group's events also run in (occurred_at, row) order, as caps need.

    In award order each award is a run of rows, and so is each cap group (a period is a run of
    days), with both ``award`` and ``group`` ascending. Usually one stable sort on a single
    Int64, (user, behaviour) then instant, of rows in ``row`` order gets there: award order
    follows whenever local days only go forward in time, which ``award`` being sorted confirms.
    A three-column sort (slower with many ties) covers a key too wide for 63 bits, and zones
    whose clock falls back across midnight.
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
    )
    if not per_event["row"].is_sorted():
        scored = scored.sort("row")  # the stable sort below then breaks ties by row
    frame = scored.collect(engine=_ENGINE)
    key = _user_behaviour_then_instant(frame)
    if key is not None:
        ordered = frame.sort(key, maintain_order=True)
        if ordered["award"].is_sorted():
            return ordered.with_columns(_runs()), True
    ordered = frame.sort("award", "occurred_at", "row").with_columns(_runs())
    return ordered, _in_cap_order(ordered)


def _user_behaviour_then_instant(frame: pl.DataFrame) -> pl.Expr | None:
    """``(user, behaviour) · span + (instant − first)`` as one Int64, or None if it won't fit."""
    if frame.is_empty():
        return None
    micros = pl.col("occurred_at").dt.epoch("us")
    user_behaviour = pl.col("award") // DAY_SPAN
    first, last, pairs = frame.select(
        micros.min().alias("first"), micros.max().alias("last"), user_behaviour.max() + 1
    ).row(0)
    span = int(last) - int(first) + 1
    if int(pairs) * span > _INT64_MAX:
        return None
    return user_behaviour * span + (micros - int(first))


def _runs() -> list[pl.Expr]:
    """Where each row's award run and cap-group run begin, for ``_run_sum``."""
    return [
        pl.when(_starts(key)).then(pl.int_range(pl.len())).forward_fill().alias(f"{key}_start")
        for key in ("award", "group")
    ]


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
    """Inclusive running sum of ``value`` within the row's run of equal ``key`` values."""
    running = value.cum_sum()
    return running - (running - value).gather(pl.col(f"{key}_start"))


def _apply_caps(in_cap_order: pl.LazyFrame, prior: pl.LazyFrame, batch: Batch) -> pl.LazyFrame:
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
            counted=(eligible == 1) & (pl.col("prior_counted") + pl.col("earlier") < max_count)
        )
        .with_columns(earned=pl.when("counted").then("raw_mg").otherwise(pl.lit(0, pl.Int64)))
        .with_columns(total_after=pl.col("prior_mg") + _run_sum(earned, "group"))
        .select(
            "position",
            "award",
            "group",
            "award_start",
            "group_start",
            "prior_counted",
            "prior_mg",
            "counted",
            credited_mg=at_most(total_after, max_mg) - at_most(total_after - earned, max_mg),
        )
    )


def _capped(
    ordered: pl.DataFrame, in_cap_order: bool, prior: pl.LazyFrame, batch: Batch
) -> pl.LazyFrame:
    """Scored events in award order with ``counted`` and ``credited_mg``."""
    if in_cap_order:
        return _apply_caps(ordered.lazy(), prior, batch)
    by_group = ordered.lazy().sort("group", "occurred_at", "row").with_columns(_runs())
    capped = _apply_caps(by_group, prior, batch).sort("award")  # order within runs is free
    return capped.with_columns(_runs())


def _awards(capped: pl.LazyFrame, batch: Batch) -> pl.LazyFrame:
    """Award totals read off the last row of each award's run."""
    uidx, bidx, day = batch.unpacked("award")
    provenance = (batch.attr(name) for name in ("pack_id", "pack_version", "factor_ids"))
    return (
        capped.select(
            "award",
            avoided_mg=_run_sum(pl.col("credited_mg"), "award"),
            events_counted=_run_sum(pl.col("counted").cast(pl.Int64), "award"),
            events_scored=pl.int_range(1, pl.len() + 1) - pl.col("award_start"),
            last=_ends("award"),
        )
        .filter("last")
        .with_columns(uidx, bidx, day.alias("day"))
        .with_columns(*batch.names(), *provenance)
        .pipe(conform, AWARD_SCHEMA)
    )


def _usage(capped: pl.LazyFrame, batch: Batch) -> pl.LazyFrame:
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
        .pipe(conform, USAGE_SCHEMA)
    )


def _in_input_order(outcomes: pl.DataFrame, capped: pl.DataFrame) -> pl.DataFrame:
    """Per-event results: non-scored events keep 0 / false, scored ones get their caps outcome."""
    positions = capped["position"]
    credited = pl.zeros(outcomes.height, pl.Int64, eager=True).scatter(
        positions, capped["credited_mg"]
    )
    counted = pl.repeat(False, outcomes.height, eager=True).scatter(positions, capped["counted"])
    return outcomes.with_columns(credited_mg=credited, counted=counted).select(*EVENT_RESULT_SCHEMA)


def _claimed(per_event: pl.DataFrame, prior: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply ``one_per`` claims; return the events and the usage rows of the new claims.

    A claim's usage row is (user_id, claim key, claim period, counted 1, credited_mg 0).
    """
    earning = (pl.col("status") == EventStatus.SCORED.value) & (pl.col("raw_mg") > 0)
    keys = ["user_id", "claim", "claim_period_key"]
    candidates = per_event.filter(earning & pl.col("claim").is_not_null())
    if candidates.is_empty():
        return per_event, pl.DataFrame(schema=USAGE_SCHEMA)
    taken = prior.select(
        "user_id", claim="behaviour", claim_period_key="period_key", taken=pl.lit(True)
    )
    decided = (
        candidates.sort("occurred_at", "row")
        .join(taken, on=keys, how="left", maintain_order="left")
        .with_columns(first=pl.struct(keys).is_first_distinct() & pl.col("taken").is_null())
    )
    lost = decided.filter(~pl.col("first")).select("row", lost=pl.lit(True))
    events = (
        per_event.join(lost, on="row", how="left", maintain_order="left")
        .with_columns(
            status=pl.when("lost")
            .then(pl.lit(EventStatus.ALREADY_CLAIMED.value, STATUS))
            .otherwise("status"),
            raw_mg=pl.when("lost").then(0).otherwise("raw_mg"),
        )
        .drop("lost")
    )
    claims = decided.filter("first").select(
        "user_id",
        behaviour="claim",
        period_key="claim_period_key",
        counted=pl.lit(1, pl.Int64),
        credited_mg=pl.lit(0, pl.Int64),
    )
    return events, claims.pipe(conform, USAGE_SCHEMA)


def cap_groups(
    events: pl.DataFrame, table: BehaviourTable, rules: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The (user_id, behaviour, period_key) groups a batch may touch: load their usage as prior.

    Every event of a behaviour with a cap period counts, consented or not (over-fetching prior
    usage is harmless); so does every claim key (``behaviour`` = the key, the claim period).
    Sorted, one row per group, with ``USAGE_SCHEMA``'s key columns. ``rules``: the events'
    ``rule_columns``, when the caller has them already (it passes the same to ``score``).
    """
    batch = Batch(table, empty_participants(), events, rules)
    where = placed(with_attributes(events).lazy(), batch).join(
        batch.rules.lazy(), on="row", how="left"
    )
    caps = where.filter(pl.col("period_key").is_not_null()).select(
        "user_id", "behaviour", "period_key"
    )
    claims = where.filter(pl.col("claim").is_not_null()).select(
        "user_id", behaviour="claim", period_key="claim_period_key"
    )
    return (
        pl.concat([caps, claims])
        .unique()
        .sort("user_id", "behaviour", "period_key")
        .collect(engine=_ENGINE)
    )


def score(
    events: pl.DataFrame,
    participants: pl.DataFrame,
    prior: pl.DataFrame,
    table: BehaviourTable,
    *,
    rules: pl.DataFrame | None = None,
) -> ScoreResult:
    """Score a batch of events (schemas: ``EVENTS_SCHEMA``, ``PARTICIPANTS_SCHEMA``, ...).

    The caller guarantees every ``behaviour`` is in ``table`` and ``row`` is unique (ideally
    ascending, which saves a sort). ``participants`` and ``prior`` must have one row per key:
    an unknown behaviour or a repeated key raises rather than miscounts. ``prior`` is the
    usage of earlier batches, e.g. the previous call's ``usage``, so splitting a batch in
    time never changes totals. ``rules``: the events' ``rule_columns`` if already computed.
    """
    batch = Batch(table, participants, events, rules)
    per_event = with_outcomes(events.lazy(), batch).collect(engine=_ENGINE)
    per_event, claims = _claimed(per_event, prior)
    ordered, in_cap_order = _in_award_order(per_event, batch)
    capped = _capped(ordered, in_cap_order, prior_by_group(prior, batch), batch)
    outcome_columns = {k: v for k, v in EVENT_RESULT_SCHEMA.items() if k in per_event.columns}
    outcomes, capped_events, awards, usage = pl.collect_all(
        [
            conform(per_event.lazy(), outcome_columns),  # runs beside the caps: 2 cores
            capped.select("position", "counted", "credited_mg"),
            _awards(capped, batch),
            _usage(capped, batch),
        ],
        engine=_ENGINE,
    )
    if claims.height:
        usage = pl.concat([usage, claims]).sort("user_id", "behaviour", "period_key")
    return ScoreResult(_in_input_order(outcomes, capped_events), awards, usage)
