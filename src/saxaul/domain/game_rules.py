"""The game's numbers as values: energy-ball rules and the species a user can plant.

Why values and not constants: every game number (ripening, expiry, steal share, cover
durations, watering steps, tree prices) is versioned data with a tag and a source, so changing
one is a new version that anyone can read and cite. The loader in ``saxaul.catalogue`` builds
these from ``saxaul/packs/rules/energy/<version>/rules.toml`` and
``saxaul/packs/catalogue/species/<version>/species.toml``; the domain only reads them.

Why a species keeps its price and its sink apart: the energy cost is a *price* set to match an
estimated lifetime sink, never a measured sink, and reports must never present it as one, so
``Species.energy_cost_g`` and ``Species.sink`` are separate fields and ``sink`` is ``None``
unless a source states one.

Example: with the shipped rules, a ripe ball holding 25 g loses ``steal_g(25) == 7`` g to a
friend (30 % of 25 g = 7.5 g, rounded down to whole grams).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum


class Tag(StrEnum):
    """How well a game number is sourced (each data file's SOURCES.md explains the tags)."""

    SEED = "S"
    """Stated in the 2017 seed report itself."""
    PUBLIC = "P"
    """Found in a public secondary source (news, third-party compilations)."""
    UNCONFIRMED = "U"
    """Commonly described, not confirmed in any public source: a default to revisit."""


class StealRounding(StrEnum):
    """How a steal's share of a ball becomes whole grams (the ledger never holds fractions)."""

    FLOOR = "floor"
    """Round down: a thief never takes more than the share."""


@dataclass(frozen=True, slots=True)
class GameSource:
    """Where a tagged number comes from: a document section or a public address."""

    id: str
    title: str
    address: str
    locator: str


@dataclass(frozen=True, slots=True)
class Provenance:
    """The tag, the source id and the caveat that travel with one number."""

    tag: Tag
    source_id: str
    note: str


@dataclass(frozen=True, slots=True)
class EnergyRules:
    """Ball lifecycle, stealing, protection and watering limits of one rules version.

    Days for the daily limits are local calendar days in ``timezone``.
    """

    id: str
    version: str
    timezone: str
    ripening_delay: dt.timedelta
    expiry_after_ripe: dt.timedelta
    steal_share: Decimal
    steal_rounding: StealRounding
    steals_per_ball_per_friend: int
    daily_steal_limit: int
    min_steal_g: int
    protection_covers: tuple[dt.timedelta, ...]
    watering_steps_g: tuple[int, ...]
    daily_watering_limit: int
    provenance: tuple[tuple[str, Provenance], ...]
    sources: tuple[GameSource, ...]
    content_hash: str

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def protection_hours(self) -> tuple[int, ...]:
        """The covers offered, in whole hours."""
        return tuple(int(cover // dt.timedelta(hours=1)) for cover in self.protection_covers)

    def provenance_of(self, rule: str) -> Provenance:
        """Tag, source and note of one rule (by its name in ``rules.toml``), for display."""
        for name, provenance in self.provenance:
            if name == rule:
                return provenance
        raise KeyError(rule)

    def steal_g(self, remaining_g: int) -> int:
        """Grams one steal takes from a ripe ball holding ``remaining_g``; 0 means refused.

        A take below ``min_steal_g`` is refused rather than logged as an empty transfer.
        """
        rounding = {StealRounding.FLOOR: ROUND_FLOOR}[self.steal_rounding]
        take = int((self.steal_share * remaining_g).to_integral_value(rounding=rounding))
        return take if take >= self.min_steal_g else 0


@dataclass(frozen=True, slots=True)
class Partner:
    """The ecological partner that plants a species (pairings are unconfirmed in public data)."""

    name_en: str
    name_zh: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Region:
    """Where a species is planted."""

    name_en: str
    name_zh: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class SinkEstimate:
    """A sourced estimate of one plant's lifetime CO2 sink; never derived from its price."""

    kg_co2: Decimal
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class SurvivalAssumption:
    """Share of plantings assumed alive: without and with drip irrigation."""

    rate: Decimal
    irrigated_rate: Decimal
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Species:
    """A tree a user can plant: its energy price, partner, region, and sourced estimates."""

    id: str
    name_zh: str
    name_en: str
    scientific_name: str
    energy_cost_g: int
    cost_provenance: Provenance
    region: Region
    partner: Partner
    sink: SinkEstimate | None
    survival: SurvivalAssumption


@dataclass(frozen=True, slots=True)
class SpeciesCatalogue:
    """One version of the species list, with the sources its tags point to."""

    id: str
    version: str
    species: tuple[Species, ...]
    sources: tuple[GameSource, ...]
    content_hash: str

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def get(self, species_id: str) -> Species:
        """The species with ``species_id``; ``KeyError`` names what exists otherwise."""
        for species in self.species:
            if species.id == species_id:
                return species
        raise KeyError(f"{species_id!r}; known: {', '.join(s.id for s in self.species)}")
