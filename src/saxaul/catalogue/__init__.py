"""Game data files (energy and abuse rules, species catalogue) → validated domain values.

Why a package apart from ``saxaul.methodology``: these files price and pace the game rather
than score behaviour, and depend only on the standard library, jsonschema and the domain.
"""

from saxaul.catalogue.load import (
    abuse_rules_from_text,
    energy_rules_from_text,
    load_abuse_rules,
    load_energy_rules,
    load_species,
    shipped_abuse_rules,
    shipped_energy_rules,
    shipped_species,
    species_from_text,
)
from saxaul.domain.content import content_hash

__all__ = [
    "abuse_rules_from_text",
    "content_hash",
    "energy_rules_from_text",
    "load_abuse_rules",
    "load_energy_rules",
    "load_species",
    "shipped_abuse_rules",
    "shipped_energy_rules",
    "shipped_species",
    "species_from_text",
]
