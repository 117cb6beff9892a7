"""The estimated carbon sink of planted trees: counted only where a source states one.

Why so narrow: a tree's energy price is not its sink (``domain.game_rules``), and a planted
seedling is not a surviving tree. So only species whose catalogue entry states a sink count,
a tree found alive counts in full, and a tree planted but not yet checked counts at a survival
rate: the order's observed rate once a survival check has sampled it, else the catalogue's
assumption for the species (its irrigated rate only when the planting evidence says drip
irrigation). No rate is ever assumed to be 100 %; owed, ordered and lost trees count nothing.

Example: saxaul (17.9 kg CO2), 10 trees found alive and 20 planted without irrigation nor a
check: 10 × 17.9 + 20 × 0.30 × 17.9 = 286.4 kg CO2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from saxaul.domain.game_rules import SpeciesCatalogue

KG = Decimal("0.1")
"""Figures are shown to 0.1 kg CO2, rounded down: an estimate never rounds itself up."""


@dataclass(frozen=True, slots=True)
class PlantedTrees:
    """Trees of one species and one order counted alike.

    ``observed`` is the order's last survival check as (alive, sampled), or ``None``;
    ``irrigated`` whether the planting evidence said drip irrigation.
    """

    species_id: str
    verified_alive: bool
    observed: tuple[int, int] | None
    irrigated: bool
    trees: int


@dataclass(frozen=True, slots=True)
class SpeciesSink:
    """The estimate for one species, and how each part of it was reached."""

    species_id: str
    kg_co2_per_tree: Decimal
    verified_alive: int
    unchecked: int
    kg_co2: Decimal
    method: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SinkEstimate:
    """The estimated sink of every counted species, and the species left out (no stated sink)."""

    kg_co2: Decimal
    species: tuple[SpeciesSink, ...]
    not_counted: tuple[str, ...]
    method: str


METHOD = (
    "verified-alive trees × stated sink per tree + planted-but-unchecked trees × survival rate "
    "× stated sink; the survival rate is the order's observed rate (alive / sampled at its last "
    "survival check) when there is one, else the species catalogue's assumption (its irrigated "
    "rate only where the planting evidence says drip irrigation); only species whose catalogue "
    "states a sink are counted"
)


def estimate_sink(groups: Iterable[PlantedTrees], catalogue: SpeciesCatalogue) -> SinkEstimate:
    """The estimated sink of ``groups`` under ``catalogue``; see the module docstring."""
    counted: dict[str, _Tally] = {}
    not_counted: set[str] = set()
    for group in groups:
        species = catalogue.get(group.species_id)
        if species.sink is None:
            not_counted.add(species.id)
            continue
        tally = counted.setdefault(species.id, _Tally(species.sink.kg_co2))
        if group.verified_alive:
            tally.add("verified alive", Decimal(1), group.trees)
        else:
            rate, why = _rate(group, species.survival.rate, species.survival.irrigated_rate)
            tally.add(f"planted, unchecked, at {why}", rate, group.trees)
    lines = tuple(tally.line(species_id) for species_id, tally in sorted(counted.items()))
    total = sum((line.kg_co2 for line in lines), Decimal(0))
    return SinkEstimate(total.quantize(KG), lines, tuple(sorted(not_counted)), METHOD)


class _Tally:
    """One species' trees, grouped by the rate they count at."""

    def __init__(self, per_tree: Decimal) -> None:
        self.per_tree = per_tree
        self.by_rate: dict[tuple[str, Decimal], int] = {}

    def add(self, why: str, rate: Decimal, trees: int) -> None:
        key = (why, rate)
        self.by_rate[key] = self.by_rate.get(key, 0) + trees

    def line(self, species_id: str) -> SpeciesSink:
        kg = sum(
            (trees * rate * self.per_tree for (_, rate), trees in self.by_rate.items()),
            Decimal(0),
        )
        alive = sum(t for (why, _), t in self.by_rate.items() if why == "verified alive")
        return SpeciesSink(
            species_id=species_id,
            kg_co2_per_tree=self.per_tree,
            verified_alive=alive,
            unchecked=sum(self.by_rate.values()) - alive,
            kg_co2=kg.quantize(KG, rounding=ROUND_FLOOR),
            method=tuple(
                f"{trees} {why} × {self.per_tree} kg"
                for (why, _), trees in sorted(self.by_rate.items())
            ),
        )


def _rate(group: PlantedTrees, rate: Decimal, irrigated_rate: Decimal) -> tuple[Decimal, str]:
    """The survival rate a group of unchecked trees counts at, and how it was chosen."""
    if group.observed is not None:
        alive, sampled = group.observed
        return Decimal(alive) / Decimal(sampled), f"observed {alive}/{sampled}"
    if group.irrigated:
        return irrigated_rate, f"catalogue irrigated rate {irrigated_rate}"
    return rate, f"catalogue rate {rate}"
