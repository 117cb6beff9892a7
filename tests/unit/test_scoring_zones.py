"""Tabulated zone offsets give exactly the local dates per-event conversion gives."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saxaul.scoring.zones import ZoneOffsets, local_date

UTC = dt.UTC
# Half-hour and 45-minute offsets, half-hour DST, clocks changing at local midnight (so the
# date flips at the transition second), a skipped day, and Sitka's 1867 step back a day.
ZONES = (
    "Asia/Shanghai",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Santiago",
    "Asia/Beirut",
    "America/Havana",
    "Pacific/Apia",
    "America/Sitka",
)
MIDNIGHT_TRANSITIONS = (
    ("Asia/Beirut", dt.datetime(2026, 3, 28, 22, tzinfo=UTC)),
    ("America/Santiago", dt.datetime(2026, 9, 6, 4, tzinfo=UTC)),
    ("America/Havana", dt.datetime(2026, 3, 8, 5, tzinfo=UTC)),
    ("America/Sitka", dt.datetime(1867, 10, 19, 0, 31, 13, tzinfo=UTC)),
)
CENTRES = (
    *(at for _, at in MIDNIGHT_TRANSITIONS),
    dt.datetime(2026, 3, 29, 1, tzinfo=UTC),
    dt.datetime(2026, 10, 25, 1, tzinfo=UTC),
    dt.datetime(2026, 4, 4, 15, tzinfo=UTC),
    dt.datetime(2011, 12, 30, 10, tzinfo=UTC),
)
instants = st.builds(
    lambda centre, seconds, micros: centre + dt.timedelta(seconds=seconds, microseconds=micros),
    st.sampled_from(CENTRES),
    st.integers(-3, 3) | st.integers(-3 * 86_400, 3 * 86_400),
    st.sampled_from((0, 1, 999_999)) | st.integers(0, 999_999),
)


def _dates(at: list[dt.datetime], zone: list[int], tabulate: bool) -> list[dt.date]:
    frame = pl.DataFrame({"occurred_at": at, "zone": zone}, schema_overrides={
        "occurred_at": pl.Datetime("us", "UTC"), "zone": pl.Int64,
    })  # fmt: skip
    offsets = ZoneOffsets.spanning(frame["occurred_at"], ZONES) if tabulate else None
    expr = local_date(offsets, ZONES, pl.col("zone"))
    return frame.select(expr).to_series().to_list()


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(instants, st.integers(0, len(ZONES) - 1)), min_size=1, max_size=50))
def test_tabulated_dates_equal_per_event_conversion(events: list[tuple[dt.datetime, int]]) -> None:
    at, zone = [a for a, _ in events], [z for _, z in events]

    assert _dates(at, zone, tabulate=True) == _dates(at, zone, tabulate=False)


def test_the_date_flips_at_the_transition_second() -> None:
    for timezone, transition in MIDNIGHT_TRANSITIONS:
        at = [
            transition + dt.timedelta(seconds=s, microseconds=m)
            for s in range(-3, 3)
            for m in (0, 1, 999_999)
        ]
        zone = [ZONES.index(timezone)] * len(at)
        expected = [a.astimezone(ZoneInfo(timezone)).date() for a in at]  # as the reference
        assert len(set(expected)) > 1, timezone
        assert _dates(at, zone, tabulate=True) == expected, timezone
        assert _dates(at, zone, tabulate=False) == expected, timezone


def test_a_span_over_120_years_is_converted_per_event() -> None:
    at = pl.Series(
        [dt.datetime(1867, 10, 19, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC)],
        dtype=pl.Datetime("us", "UTC"),
    )
    assert ZoneOffsets.spanning(at, ZONES) is None
    assert ZoneOffsets.spanning(at[:1], ZONES) is not None
