"""Game data files (energy rules, species catalogue) → validated ``saxaul.domain`` values.

Why a package apart from ``saxaul.methodology``: these files price and pace the game rather
than score behaviour, and depend only on the standard library, jsonschema and the domain.
"""

from saxaul.catalogue.load import (
    energy_rules_from_text,
    load_energy_rules,
    load_species,
    shipped_energy_rules,
    shipped_species,
    species_from_text,
)
from saxaul.domain.content import content_hash

__all__ = [
    "content_hash",
    "energy_rules_from_text",
    "load_energy_rules",
    "load_species",
    "shipped_energy_rules",
    "shipped_species",
    "species_from_text",
]
