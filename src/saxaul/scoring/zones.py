"""Local dates of many instants in a few time zones, without converting every instant.

Converting each event's instant to its pack's zone costs Polars ~20 ns per event and zone,
a quarter of the kernel's per-event work. But a zone's UTC offset changes only at transitions,
whole seconds that tzdb spaces days apart (the closest pair in any zone: about four days). So
the offset is tabulated once per UTC hour of the batch's span and per zone, and an event's
local date is ``(instant + offset) // 1 day``. In the rare hour holding a transition, the
transition second is found by bisection; instants from it on get the new offset. Every offset
still comes from Polars' own conversion, so the dates are exactly what converting each instant
gives (``tests/unit/test_scoring_zones.py`` checks that, transition seconds included).

A batch spanning over ~120 years (2²⁰ hours) is converted per event instead.

Example: Europe/London on 2026-03-29 has offset 0 through the hour from 00:00Z (00:30Z is the
29th) and +1 h from 01:00Z. America/Sitka changed offset inside the hour from 1867-10-19T00:00Z:
bisection finds 00:31:13Z, from which instants fall a local day earlier, on 18 October.
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
_NEVER = (1 << 63) - 1
"""``change_us`` of an hour without a transition (a sentinel keeps the column null-free)."""


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
    """Per zone and UTC hour of a batch: the offset, and the one change inside the hour if any
    (``change_us``: the instant the offset becomes ``after_us``; ``_NEVER`` without a change).

    Arrays are zone-major: slot = zone index × ``hours`` + (hour − ``first_hour``).
    """

    first_hour: int
    hours: int
    before_us: pl.Series
    change_us: pl.Series
    after_us: pl.Series

    @classmethod
    def spanning(cls, instants: pl.Series, timezones: Sequence[str]) -> ZoneOffsets | None:
        """The table for these instants, or ``None`` if their span is too long to tabulate."""
        hour = instants.dt.epoch("us") // _HOUR_US
        first_hour, last_hour = (
            hour.to_frame("hour")
            .select(pl.col("hour").min().alias("first"), pl.col("hour").max().alias("last"))
            .row(0)
        )
        if first_hour is None or last_hour - first_hour >= _MAX_HOURS:
            return None
        hours = last_hour - first_hour + 1
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
            tables.append(
                table.join(changes, on="slot", how="left", maintain_order="left").with_columns(
                    pl.col("change_us").fill_null(_NEVER)
                )
            )
        table = pl.concat(tables)
        return cls(
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
        offset = (
            pl.when(micros >= pl.lit(self.change_us).gather(slot))
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
    per_zone = [
        pl.when(zone_index == i).then(pl.col("occurred_at")).dt.convert_time_zone(tz).dt.date()
        for i, tz in enumerate(timezones)
    ]
    return pl.coalesce(*per_zone, pl.lit(None, pl.Date))  # no zones: no events either
