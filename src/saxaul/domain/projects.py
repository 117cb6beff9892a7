"""Planting projects: what a partner has contracted to deliver, and the default catalogue of them.

Why a project apart from the species: the species catalogue says what a tree costs in energy;
a project says who plants it, where, how many at most (``capacity``) and with what evidence.
Every promised tree is owed by one project (``domain.liabilities``), so a project's capacity is
how many promises the platform may make on that partner's behalf. A tree project's energy price
is always its species' cost: one price list, so two projects of one species never price a tree
differently.

Example: the default catalogue's ``see-foundation-saxaul`` plants saxaul for SEE Foundation,
capacity 100,000 trees (a placeholder tagged U), at saxaul's 17,900 g a tree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from saxaul.domain.errors import DomainError
from saxaul.domain.game_rules import GameSource, Provenance


class ProjectOutcome(StrEnum):
    """What a project delivers: trees of one species, land restored in m2, or another unit."""

    TREES = "trees"
    LAND = "land"
    OTHER = "other"


class ProjectStatus(StrEnum):
    """A draft is not yet shown or allocated; only an open live project is promised trees."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class EvidenceItem(StrEnum):
    """What a partner reports: each planting's date, GPS position and photos; survival samples."""

    PLANTING_DATE = "planting_date"
    PLANTING_GPS = "planting_gps"
    PLANTING_PHOTOS = "planting_photos"
    SURVIVAL_SAMPLE = "survival_sample"


class ProjectRefused(DomainError):
    """A project a partner may not create or change so. Codes: ``project_invalid`` (a field that
    does not fit the others), ``unknown_species``, ``price_mismatch`` (a tree project priced
    otherwise than its species), ``capacity_below_allocated``."""

    code = "project_invalid"


TREE_UNIT = "tree"
LAND_UNIT = "m2"


@dataclass(frozen=True, slots=True)
class CataloguePartner:
    """A partner the default catalogue's projects belong to (seeded approved, with no keys)."""

    id: str
    name_en: str
    name_zh: str
    kind: str


@dataclass(frozen=True, slots=True)
class DefaultProject:
    """One default project: a partner planting one species; every number but the placeholders
    (capacity, period) comes from the species catalogue."""

    id: str
    partner_id: str
    species_id: str
    capacity: int
    starts_on: dt.date
    ends_on: dt.date | None
    evidence_required: tuple[EvidenceItem, ...]
    pairing: Provenance
    capacity_provenance: Provenance
    period_provenance: Provenance


@dataclass(frozen=True, slots=True)
class ProjectCatalogue:
    """A validated default-projects file (``saxaul.catalogue.projects``)."""

    id: str
    version: str
    partners: tuple[CataloguePartner, ...]
    projects: tuple[DefaultProject, ...]
    sources: tuple[GameSource, ...]
    content_hash: str

    @property
    def ref(self) -> str:
        """``id@version``: stored as each seeded project's ``source``."""
        return f"{self.id}@{self.version}"
