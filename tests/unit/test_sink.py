"""The sink estimate: stated sinks only, verified-alive trees in full, the rest at a survival
rate that is observed when a check exists and never assumed to be 100 %."""

from __future__ import annotations

from decimal import Decimal

from saxaul.catalogue import shipped_species
from saxaul.domain.sink import PlantedTrees, estimate_sink

CATALOGUE = shipped_species()


def _trees(
    trees: int,
    *,
    alive: bool = False,
    observed: tuple[int, int] | None = None,
    irrigated: bool = False,
    species: str = "saxaul",
) -> PlantedTrees:
    return PlantedTrees(species, alive, observed, irrigated, trees)


def test_the_docstring_example() -> None:
    estimate = estimate_sink([_trees(10, alive=True), _trees(20)], CATALOGUE)

    assert estimate.kg_co2 == Decimal("286.4")
    (saxaul,) = estimate.species
    assert (saxaul.verified_alive, saxaul.unchecked) == (10, 20)
    assert saxaul.method == (
        "20 planted, unchecked, at catalogue rate 0.30 × 17.9 kg",
        "10 verified alive × 17.9 kg",
    )


def test_drip_irrigation_earns_the_irrigated_rate_and_an_observed_rate_wins() -> None:
    irrigated = estimate_sink([_trees(10, irrigated=True)], CATALOGUE)
    observed = estimate_sink([_trees(10, irrigated=True, observed=(1, 4))], CATALOGUE)

    assert irrigated.kg_co2 == Decimal("152.1")  # 10 × 0.85 × 17.9 = 152.15, rounded down
    assert observed.kg_co2 == Decimal("44.7")  # 10 × 1/4 × 17.9 = 44.75, rounded down


def test_no_planted_tree_counts_in_full_without_a_check() -> None:
    for irrigated in (False, True):
        estimate = estimate_sink([_trees(1, irrigated=irrigated)], CATALOGUE)
        assert estimate.kg_co2 < Decimal("17.9")


def test_species_without_a_stated_sink_are_named_not_counted() -> None:
    estimate = estimate_sink(
        [_trees(5, alive=True, species="red_willow"), _trees(1, alive=True)], CATALOGUE
    )

    assert estimate.kg_co2 == Decimal("17.9")
    assert estimate.not_counted == ("red_willow",)
    assert [s.species_id for s in estimate.species] == ["saxaul"]


def test_nothing_planted_estimates_nothing() -> None:
    estimate = estimate_sink([], CATALOGUE)

    assert (estimate.kg_co2, estimate.species, estimate.not_counted) == (Decimal(0), (), ())
