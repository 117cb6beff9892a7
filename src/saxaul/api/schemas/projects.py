"""Shapes of planting projects: what a partner sends to create or change one, and reads back.

Why the site's geometry is checked here: a project's place is GeoJSON (RFC 7946) that maps and
auditors will read, so a longitude outside -180..180, a latitude outside -90..90, a polygon
ring that does not close, or one of more than 1,000 points is refused (422, naming the field)
before it is stored. Every string and list is bounded, and bodies refuse unknown fields.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from saxaul.domain.projects import EvidenceItem, ProjectOutcome, ProjectStatus
from saxaul.services.projects import ProjectDraft, StoredProject

MAX_POINTS = 1_000
MAX_UNITS = 10**12
"""Bound of a capacity or a price: far above any contract, far below the column's."""

Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Unit = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Currency = Annotated[str, StringConstraints(max_length=3, pattern=r"^[A-Z]{3}$")]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Position = tuple[Lon, Lat]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PointIn(_Body):
    """A GeoJSON Point: `[longitude, latitude]` in degrees (WGS 84)."""

    type: Literal["Point"]
    coordinates: Position


class PolygonIn(_Body):
    """A GeoJSON Polygon: rings of `[longitude, latitude]`, each closed (its last position is
    its first), the outer ring first; at most 1,000 positions in all."""

    type: Literal["Polygon"]
    coordinates: list[Annotated[list[Position], Field(min_length=4, max_length=MAX_POINTS)]] = (
        Field(min_length=1, max_length=MAX_POINTS)
    )

    @model_validator(mode="after")
    def _closed_and_bounded(self) -> PolygonIn:
        if sum(len(ring) for ring in self.coordinates) > MAX_POINTS:
            raise ValueError(f"a polygon has at most {MAX_POINTS} positions in all its rings")
        for n, ring in enumerate(self.coordinates):
            if ring[0] != ring[-1]:
                raise ValueError(f"ring {n} is not closed: its last position must be its first")
        return self


Geometry = Annotated[PointIn | PolygonIn, Field(discriminator="type")]


class SiteIn(_Body):
    """Where the project plants: a name, its region in Chinese and English, and its shape."""

    name: Text
    region_zh: Text
    region_en: Text
    geometry: Geometry


class SiteOut(BaseModel):
    """Where the project plants; a default project's geometry is not published (null)."""

    name: str
    region_zh: str
    region_en: str
    geometry: dict[str, Any] | None


class ProjectIn(_Body):
    """A new project. A tree project names its species, and its energy price per tree is the
    species' cost (leave it out, or send exactly that); land is counted in m2; any other
    outcome states its unit and its price."""

    outcome: ProjectOutcome
    species_id: Id | None = Field(default=None, description="Trees only: a species id.")
    unit: Unit | None = Field(
        default=None, description="`tree` for trees, `m2` for land, else your unit."
    )
    title_en: Text
    title_zh: Text | None = None
    site: SiteIn
    capacity: int = Field(strict=True, ge=1, le=MAX_UNITS, description="Units contracted.")
    unit_cost_minor: int | None = Field(
        default=None, strict=True, ge=0, le=MAX_UNITS, description="Cost per unit, minor units."
    )
    currency: Currency | None = Field(default=None, description="ISO 4217, with the cost.")
    energy_price_g: int | None = Field(default=None, strict=True, ge=1, le=MAX_UNITS)
    starts_on: dt.date
    ends_on: dt.date | None = None
    evidence_required: list[EvidenceItem] = Field(min_length=1, max_length=len(EvidenceItem))
    status: ProjectStatus = ProjectStatus.DRAFT

    @model_validator(mode="after")
    def _cost_with_currency(self) -> ProjectIn:
        if (self.unit_cost_minor is None) != (self.currency is None):
            raise ValueError("give unit_cost_minor and currency together, or neither")
        return self

    def draft(self) -> ProjectDraft:
        """The service's input."""
        return ProjectDraft(
            outcome=self.outcome,
            species_id=self.species_id,
            unit=self.unit,
            title_en=self.title_en,
            title_zh=self.title_zh,
            site=self.site.model_dump(),
            capacity=self.capacity,
            unit_cost_minor=self.unit_cost_minor,
            currency=self.currency,
            energy_price_g=self.energy_price_g,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            evidence_required=tuple(dict.fromkeys(self.evidence_required)),
            status=self.status,
        )


_REQUIRED = ("title_en", "site", "capacity", "starts_on", "evidence_required", "status")


class ProjectPatch(_Body):
    """The fields to change; those left out stay. What a project delivers (outcome, species,
    unit, energy price) is fixed once created: open a new project instead."""

    title_en: Text | None = None
    title_zh: Text | None = None
    site: SiteIn | None = None
    capacity: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=MAX_UNITS,
        description="Never below the trees already promised (409 `capacity_below_allocated`).",
    )
    unit_cost_minor: int | None = Field(default=None, strict=True, ge=0, le=MAX_UNITS)
    currency: Currency | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    evidence_required: list[EvidenceItem] | None = Field(
        default=None, min_length=1, max_length=len(EvidenceItem)
    )
    status: ProjectStatus | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> ProjectPatch:
        for name in _REQUIRED:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        if ("unit_cost_minor" in self.model_fields_set) != ("currency" in self.model_fields_set):
            raise ValueError("change unit_cost_minor and currency together")
        if (self.unit_cost_minor is None) != (self.currency is None):
            raise ValueError("give unit_cost_minor and currency together, or neither")
        return self

    def changes(self) -> dict[str, Any]:
        """The columns to change, as the service takes them."""
        changed = self.model_dump(exclude_unset=True, mode="python")
        if "evidence_required" in changed:
            changed["evidence_required"] = list(dict.fromkeys(changed["evidence_required"]))
        if "status" in changed:
            changed["status"] = ProjectStatus(changed["status"]).value
        return changed


class ProjectOut(BaseModel):
    """A project as stored, with how many trees (units) are already promised to it."""

    id: str
    partner_id: str
    mode: str = Field(description="`live` or `sandbox`, the mode of the key that created it.")
    outcome: ProjectOutcome
    species_id: str | None
    unit: str
    title_en: str
    title_zh: str | None
    site: SiteOut
    capacity: int
    allocated: int = Field(description="Units already promised; capacity never goes below it.")
    unit_cost_minor: int | None
    currency: str | None
    energy_price_g: int
    starts_on: dt.date
    ends_on: dt.date | None
    evidence_required: list[EvidenceItem]
    status: ProjectStatus
    source: str | None = Field(description="`projects@1.0.0` for a default project, else null.")

    @classmethod
    def of(cls, stored: StoredProject) -> ProjectOut:
        """The stored row as a partner reads it."""
        return cls(
            id=stored.id,
            partner_id=stored.partner_id,
            mode=stored.mode,
            outcome=ProjectOutcome(stored.outcome),
            species_id=stored.species_id,
            unit=stored.unit,
            title_en=stored.title_en,
            title_zh=stored.title_zh,
            site=SiteOut.model_validate(json.loads(stored.site)),
            capacity=stored.capacity,
            allocated=stored.allocated,
            unit_cost_minor=stored.unit_cost_minor,
            currency=stored.currency,
            energy_price_g=stored.energy_price_g,
            starts_on=dt.date.fromisoformat(stored.starts_on),
            ends_on=None if stored.ends_on is None else dt.date.fromisoformat(stored.ends_on),
            evidence_required=[EvidenceItem(e) for e in json.loads(stored.evidence_required)],
            status=ProjectStatus(stored.status),
            source=stored.source,
        )


class ProjectPage(BaseModel):
    """A page of projects by id; ask again with `after` = `next_after` for the next."""

    projects: list[ProjectOut]
    next_after: str | None
