"""Local dates of many instants in a few time zones, without converting every instant.

Converting each event's instant to its pack's zone costs Polars ~20 ns an event per zone,
the largest single cost of the kernel. But a zone's UTC offset changes only at transitions,
whole seconds that tzdb spaces days apart (the closest pair in any zone: about four days). So
the offset is tabulated once per UTC hour of the batch's span and per zone; an event's local
date is then ``(instant + offset) // 1 day``. In the rare hour holding a transition, the
transition second is found by bisection and instants before and after it get their own
offsets. Every offset still comes from Polars' own conversion, so the result is exactly what
converting each instant would give.

A batch spanning over ~120 years (2²⁰ hours) is converted per event instead.

Example: 2026-03-29T00:30Z in Europe/London → hour 00:00Z offset +0 → 2026-03-29; the hour
01:00Z holds the BST transition at 01:00:00Z, so 01:00Z and later get +1 h.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

_SECOND_US = 1_000_000
_HOUR_US = 3_600 * _SECOND_US
_DAY_US = 24 * _HOUR_US
_MAX_HOURS = 1 << 20
"""Tabulate at most this many hours (~120 years) per zone, whatever the batch size."""


def _offset_us(instant_us: pl.Expr, timezone: str) -> pl.Expr:
    """The zone's UTC offset in µs at an instant given in µs since the epoch."""
    local = instant_us.cast(pl.Datetime("us", "UTC")).dt.convert_time_zone(timezone)
    return local.dt.replace_time_zone(None).cast(pl.Int64) - instant_us


def _transitions(hours: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """For hours whose start and end offsets differ: the second the offset changes.

    Bisection over whole seconds (tzdb transitions are whole seconds): ``low`` keeps the
    start's offset, ``high`` the end's; 12 halvings bring 3 599 s down to one.
    """
    span = hours.select(
        "slot",
        "before",
        low=pl.col("start") // _SECOND_US,
        high=(pl.col("start") + _HOUR_US) // _SECOND_US - 1,
    )
    middle = (pl.col("low") + pl.col("high")) // 2
    same = _offset_us(middle * _SECOND_US, timezone) == pl.col("before")
    for _ in range(12 if span.height else 0):
        span = span.with_columns(
            low=pl.when(same).then(middle).otherwise("low"),
            high=pl.when(same).then("high").otherwise(middle),
        )
    return span.select("slot", change_us=pl.col("high") * _SECOND_US)


@dataclass(frozen=True, slots=True)
class ZoneOffsets:
    """Per zone and UTC hour of a batch: the offset, and the one change inside the hour if any.

    Arrays are zone-major: slot = zone index × ``hours`` + (hour − ``first_hour``).
    """

    timezones: tuple[str, ...]
    first_hour: int
    hours: int
    before_us: pl.Series
    change_us: pl.Series
    after_us: pl.Series

    @classmethod
    def spanning(cls, instants: pl.Series, timezones: Sequence[str]) -> ZoneOffsets | None:
        """The table for these instants, or ``None`` when converting each one is cheaper."""
        micros = instants.dt.epoch("us").drop_nulls()
        if micros.is_empty():
            return None
        first_hour = int(micros.min()) // _HOUR_US  # type: ignore[arg-type]
        hours = int(micros.max()) // _HOUR_US - first_hour + 1  # type: ignore[arg-type]
        if hours > _MAX_HOURS:
            return None
        start = (pl.int_range(hours, dtype=pl.Int64) + first_hour) * _HOUR_US
        tables = []
        for zone, timezone in enumerate(timezones):
            table = pl.select(
                slot=pl.int_range(hours, dtype=pl.Int64) + zone * hours,
                start=start,
                before=_offset_us(start, timezone),
                after=_offset_us(start + _HOUR_US - 1, timezone),
            )
            changes = _transitions(table.filter(pl.col("before") != pl.col("after")), timezone)
            tables.append(table.join(changes, on="slot", how="left", maintain_order="left"))
        table = pl.concat(tables)
        return cls(
            tuple(timezones),
            first_hour,
            hours,
            table["before"],
            table["change_us"],
            table["after"],
        )

    def local_date(self, zone_index: pl.Expr) -> pl.Expr:
        """The local date of ``occurred_at`` in the zone ``timezones[zone_index]``."""
        micros = pl.col("occurred_at").dt.epoch("us")
        slot = zone_index * self.hours + micros // _HOUR_US - self.first_hour
        change = pl.lit(self.change_us).gather(slot)
        offset = (
            pl.when(change.is_not_null() & (micros >= change))
            .then(pl.lit(self.after_us).gather(slot))
            .otherwise(pl.lit(self.before_us).gather(slot))
        )
        return ((micros + offset) // _DAY_US).cast(pl.Int32).cast(pl.Date)


def local_date(
    zone_offsets: ZoneOffsets | None, timezones: Sequence[str], zone_index: pl.Expr
) -> pl.Expr:
    """``occurred_at``'s local date in ``timezones[zone_index]``: tabulated, or per event."""
    if zone_offsets is not None:
        return zone_offsets.local_date(zone_index)
    return pl.coalesce(
        pl.when(zone_index == i)
        .then(pl.col("occurred_at"))
        .dt.convert_time_zone(timezone)
        .dt.date()
        for i, timezone in enumerate(timezones)
    )
