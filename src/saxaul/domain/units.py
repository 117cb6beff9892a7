"""Units: integer grams and milligrams, and the day arithmetic caps are counted in.

Why integers: energy is a ledger (1 g avoided CO2e = 1 g energy) and a ledger never rounds
twice. Per-event avoided emissions are kept in whole milligrams (floor), because per-kilometre
methods give fractions of a gram (5 km × 26.9 g/km = 134.5 g = 134 500 mg); energy is then
credited in whole grams per award, rounding down (conservative).

Example: an award of 134 500 mg credits 134 g (``avoided_mg // MG_PER_G``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NewType

Grams = NewType("Grams", int)
Milligrams = NewType("Milligrams", int)

MG_PER_G = 1000
MASS_UNIT_IN_MG: dict[str, Decimal] = {
    "mg": Decimal(1),
    "g": Decimal(1000),
    "kg": Decimal(1_000_000),
    "t": Decimal(1_000_000_000),
}


def mg_from_g(grams: Decimal) -> Milligrams:
    """Exact milligrams for a decimal gram figure taken from a pack (refuses sub-mg values)."""
    mg = grams * MG_PER_G
    if mg != mg.to_integral_value():
        raise ValueError(f"{grams} g is not a whole number of milligrams")
    return Milligrams(int(mg))


def day_ordinal(local_date: dt.date) -> int:
    """The day key used for caps and awards: the proleptic Gregorian ordinal of a local date."""
    return local_date.toordinal()


def month_ordinal(local_date: dt.date) -> int:
    """A month's key: the ordinal of its first day, so day and month keys share one int column."""
    return local_date.replace(day=1).toordinal()
