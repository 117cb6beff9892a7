"""Shapes of planting orders, evidence and the liability pipeline (``/v1/partner/…``, operator).

Why every input is bounded and closed (``extra="forbid"``): evidence is what a participant's
certificate rests on, so a field the partner misspells must be refused (422 naming it), not
silently dropped, and no list or string can be long enough to cost the server anything.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from saxaul.domain.clock import from_us
from saxaul.domain.liabilities import LiabilityStatus
from saxaul.domain.orders import EvidenceKind, OrderStatus
from saxaul.services.evidence import Accepted
from saxaul.services.orders import OrderDetail
from saxaul.services.pipeline import Counts, Pipeline
from saxaul.store.evidence_repo import StoredEvidence
from saxaul.store.orders_repo import Liability, StoredOrder
from saxaul.store.tables import INTEGER_MAX

MAX_TREES = 10_000
"""Trees one evidence may name; a larger planting is reported in several."""

Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class Closed(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- in


class DeclineIn(Closed):
    """Why the partner declines the order."""

    reason: Text = Field(examples=["site not ready before the spring planting season"])


class PhotoIn(Closed):
    """A photo of the planting: its SHA-256, or an https address (exactly one of the two)."""

    sha256: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-f]{64}$")
    url: str | None = Field(default=None, max_length=2048, pattern=r"^https://[^\s]+$")

    @model_validator(mode="after")
    def one_of(self) -> PhotoIn:
        if (self.sha256 is None) == (self.url is None):
            raise ValueError("give exactly one of sha256 and url")
        return self


class LocationIn(Closed):
    """Where the trees were planted (WGS 84 degrees), with the plot's outline if known."""

    lat: Lat
    lon: Lon
    polygon: list[tuple[Lon, Lat]] | None = Field(
        default=None,
        min_length=3,
        max_length=1000,
        description="The plot's outline as `[lon, lat]` pairs (GeoJSON order).",
    )


class PlantedTreeIn(Closed):
    """A tree of the order, as planted."""

    tree_id: Id
    plot_id: Id | None = None
    tag: Id | None = Field(default=None, description="The tree's tag or label in the field.")


class PlantingIn(Closed):
    """Trees of the order planted: when, where, photos, and how they are watered."""

    kind: Literal["planting"]
    planted_on: dt.date = Field(description="Not in the future, nor before the order.")
    location: LocationIn
    photos: list[PhotoIn] = Field(min_length=1, max_length=50)
    trees: list[PlantedTreeIn] = Field(
        min_length=1,
        max_length=MAX_TREES,
        description="Trees of this order, each `ordered` (or `lost` and now replanted).",
    )
    irrigation: Literal["drip", "none"] = Field(
        description="`drip` earns the species' irrigated survival rate in the sink estimate."
    )


class SampledIn(Closed):
    """One tree of the sample, found alive or dead."""

    tree_id: Id
    alive: bool = Field(strict=True)


class SurvivalIn(Closed):
    """A survival check of a sample of the order's planted trees."""

    kind: Literal["survival"]
    checked_on: dt.date = Field(description="Not in the future, nor before the order.")
    method: Text = Field(examples=["random sample of 10 %, stratified by plot"])
    sample: list[SampledIn] = Field(min_length=1, max_length=MAX_TREES)
    sampled_of: int = Field(
        strict=True,
        ge=1,
        le=INTEGER_MAX,
        description="The population the sample stands for: at least the sample, at most the "
        "order's planted trees.",
    )


EvidenceIn = Annotated[PlantingIn | SurvivalIn, Field(discriminator="kind")]


# ---------------------------------------------------------------- out


def _at(at_us: int | None) -> dt.datetime | None:
    return None if at_us is None else from_us(at_us)


class OrderOut(BaseModel):
    """A planting order: owed trees of one project, batched for its partner to plant."""

    id: str
    project_id: str
    status: OrderStatus
    units: int = Field(description="Trees in the order when it was made.")
    created_at: dt.datetime
    decided_at: dt.datetime | None = Field(description="When the partner answered.")
    decline_reason: str | None

    @classmethod
    def of(cls, order: StoredOrder) -> OrderOut:
        return cls(
            id=order.id,
            project_id=order.project_id,
            status=OrderStatus(order.status),
            units=order.units,
            created_at=from_us(order.created_at_us),
            decided_at=_at(order.decided_at_us),
            decline_reason=order.decision_note,
        )


class LiabilityOut(BaseModel):
    """Where one promised tree stands."""

    tree_id: str
    species_id: str
    status: LiabilityStatus
    status_en: str
    status_zh: str
    replacements: int = Field(description="Times it was replanted after it died.")

    @classmethod
    def of(cls, liability: Liability) -> LiabilityOut:
        status = LiabilityStatus(liability.status)
        return cls(
            tree_id=liability.tree_id,
            species_id=liability.species_id,
            status=status,
            status_en=status.label_en,
            status_zh=status.label_zh,
            replacements=liability.replacements,
        )


class OrderDetailOut(OrderOut):
    """An order and each of its trees (a declined order has none left)."""

    trees: list[LiabilityOut]

    @classmethod
    def of_detail(cls, detail: OrderDetail) -> OrderDetailOut:
        return cls(
            **OrderOut.of(detail.order).model_dump(),
            trees=[LiabilityOut.of(t) for t in detail.trees],
        )


class OrderPage(BaseModel):
    """A page of orders, by id."""

    items: list[OrderOut]
    total: int = Field(description="Orders matching the filter, on every page.")
    next_after_id: str | None = Field(description="Pass as `after_id` for the next page.")


class OrdersCreatedOut(BaseModel):
    """What a batching made."""

    orders: int
    trees: int


class EvidenceOut(BaseModel):
    """A report as stored: the canonical JSON it was hashed as, and its SHA-256."""

    id: int
    order_id: str
    kind: EvidenceKind
    sha256: str = Field(description="SHA-256 of `document` as canonical JSON.")
    reported_at: dt.datetime
    document: dict[str, Any]

    @classmethod
    def of(cls, evidence: StoredEvidence) -> EvidenceOut:
        return cls(
            id=evidence.id,
            order_id=evidence.order_id,
            kind=EvidenceKind(evidence.kind),
            sha256=evidence.sha256,
            reported_at=from_us(evidence.reported_at_us),
            document=json.loads(evidence.document),
        )


class SurvivalOut(BaseModel):
    """The observed survival of the order's sample."""

    alive: int
    sampled: int
    rate: float


class EvidenceAcceptedOut(BaseModel):
    """Evidence stored, and what it did to the trees it named."""

    evidence: EvidenceOut
    order: OrderOut
    outcomes: dict[str, Literal["planted", "replanted", "alive", "dead"]] = Field(
        description="Each tree named, and what the evidence says of it."
    )
    survival: SurvivalOut | None

    @classmethod
    def of(cls, accepted: Accepted) -> EvidenceAcceptedOut:
        observed = accepted.survival
        return cls(
            evidence=EvidenceOut.of(accepted.evidence),
            order=OrderOut.of(accepted.order),
            outcomes={tree: outcome.value for tree, outcome in accepted.outcomes},
            survival=None
            if observed is None
            else SurvivalOut(
                alive=observed[0], sampled=observed[1], rate=observed[0] / observed[1]
            ),
        )


class CountsOut(BaseModel):
    """Trees in each status; `replaced` counts those ever replanted after a loss."""

    model_config = ConfigDict(from_attributes=True)

    waiting: int
    owed: int
    ordered: int
    planted: int
    alive: int = Field(description="Verified alive by a survival check.")
    lost: int
    replaced: int
    total: int


class ProjectLineOut(BaseModel):
    """One project's trees of one species; `project_id` null is the waiting list."""

    project_id: str | None
    species_id: str
    counts: CountsOut


class SpeciesSinkOut(BaseModel):
    """The estimated sink of one species and how it was reached."""

    model_config = ConfigDict(from_attributes=True)

    species_id: str
    kg_co2_per_tree: Decimal = Field(description="The sink per tree the catalogue states.")
    verified_alive: int
    unchecked: int
    kg_co2: Decimal
    method: list[str]


class SinkOut(BaseModel):
    """The estimated sink of the planted trees, with its method; species without a stated
    sink are not counted (`not_counted`)."""

    model_config = ConfigDict(from_attributes=True)

    kg_co2: Decimal
    method: str
    species: list[SpeciesSinkOut]
    not_counted: list[str]


class PipelineOut(BaseModel):
    """The liability pipeline: every promised tree by status, by project and species."""

    total: CountsOut
    species: dict[str, CountsOut]
    projects: list[ProjectLineOut]
    sink: SinkOut

    @classmethod
    def of(cls, pipeline: Pipeline) -> PipelineOut:
        def counts(c: Counts) -> CountsOut:
            return CountsOut.model_validate(c)

        return cls(
            total=counts(pipeline.total),
            species={s: counts(c) for s, c in pipeline.species.items()},
            projects=[
                ProjectLineOut(
                    project_id=p.project_id, species_id=p.species_id, counts=counts(p.counts)
                )
                for p in pipeline.projects
            ],
            sink=SinkOut.model_validate(pipeline.sink),
        )
