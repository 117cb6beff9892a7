"""Shapes of the forest game: what a participant sends for a move, and what they read back.

Why every input is bounded here: a request is refused (422, naming the field) before it reaches
the game, so no id, amount or list can be large enough to cost the server anything. The values
the game's rules offer (watering steps, cover hours) are versioned data, so they are declared in
the document from the rules the app runs (``rules_keywords``), never written here. The output
models are read from the typed views of ``services.game_views`` (``from_attributes``), so the
OpenAPI document shows every field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from saxaul.api.schemas import BodyIn
from saxaul.api.schemas.abuse import HoldOut
from saxaul.domain.game_rules import (
    EnergyRules,
    Partner,
    Provenance,
    Region,
    SinkEstimate,
    Species,
    SpeciesCatalogue,
)
from saxaul.domain.planting import MAX_CO_PLANTERS
from saxaul.services.game_requests import GRAMS_MAX

MAX_ID = 128

Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID)]


# ---------------------------------------------------------------- moves in


class WaterIn(BodyIn):
    """How much energy to give a friend: one of the rules' watering steps."""

    amount_g: int = Field(
        strict=True,
        description="Grams, a JSON integer: one of the watering steps of the rules in force.",
    )


class CoverIn(BodyIn):
    """How long a protection cover should last."""

    hours: int = Field(
        strict=True,
        description="Hours, a JSON integer: one of the covers the rules in force offer.",
    )


class PlantIn(BodyIn):
    """The species to plant alone (see `GET /v1/species`)."""

    species_id: Id = Field(description="A species id of the catalogue.", examples=["saxaul"])


class CoPlantIn(BodyIn):
    """The species to co-plant and the friends to fund it with."""

    species_id: Id = Field(description="A species id of the catalogue.", examples=["saxaul"])
    friends: list[Id] = Field(
        min_length=1,
        max_length=MAX_CO_PLANTERS,
        description=f"Friends who may pool into the tree, each named once and not you; at most "
        f"{MAX_CO_PLANTERS} planters in all, you included.",
        examples=[["u-000043"]],
        json_schema_extra={"uniqueItems": True},
    )


class PoolIn(BodyIn):
    """How much energy to pool into a co-planted tree."""

    amount_g: int = Field(
        strict=True,
        ge=1,
        le=GRAMS_MAX,
        description="Grams, a JSON integer, at most what the tree still needs.",
    )


def rules_keywords(rules: EnergyRules) -> dict[str, dict[str, dict[str, Any]]]:
    """The JSON Schema keywords ``rules`` set on request fields, by model and field name.

    Why declared rather than validated here: the game refuses any other value itself, with the
    steps or covers it offers (``not_a_step``, ``not_a_cover``: 422), so the document states the
    rule's values from the same data and the rule keeps its one home.
    """
    return {
        WaterIn.__name__: {"amount_g": {"enum": list(rules.watering_steps_g)}},
        CoverIn.__name__: {"hours": {"enum": list(rules.protection_hours)}},
    }


# ---------------------------------------------------------------- what moves touch


class ViewOut(BaseModel):
    """An answer read from a service's typed view, attribute by attribute."""

    model_config = ConfigDict(from_attributes=True)


class TakeOut(ViewOut):
    """One take from a ball (a collect or a steal), or one share pooled into a tree."""

    user_id: str
    grams: int


class BallOut(ViewOut):
    """An energy ball: its times, what is left and who took what."""

    id: str
    owner: str
    behaviour: str = Field(description="The behaviour whose award this ball is.")
    amount_g: int = Field(description="Grams awarded.")
    remaining_g: int = Field(description="Grams still in the ball.")
    state: Literal["growing", "ripe", "empty", "expired"]
    created_at: dt.datetime
    ripens_at: dt.datetime = Field(description="From then on it can be collected or stolen.")
    expires_at: dt.datetime = Field(description="From then on its remainder goes to `expired`.")
    taken_by: list[TakeOut] = Field(description="Every collect and steal, in order.")
    expired_g: int


class FriendBallOut(BallOut):
    """A friend's ball, with what the viewer could steal from it now."""

    stealable_g: int = Field(description="0 while not ripe, already stolen, or covered.")


class SpeciesNameOut(ViewOut):
    """A species by name."""

    id: str
    name_zh: str
    name_en: str
    scientific_name: str


class CertificateOut(ViewOut):
    """Where a promised tree's signed certificate is, with its gist in Chinese and English."""

    number: str
    species_zh: str
    species_en: str
    region_zh: str
    region_en: str
    partner_zh: str
    partner_en: str
    planting: str
    planting_zh: str
    url: str | None = Field(
        description="`GET` it for the signed file (`?format=html|pdf` for a page or PDF); "
        "null only in answers stored before certificates were signed."
    )
    key_id: str | None = Field(
        description="The key that signs it (`GET /v1/certificates/public-key`)."
    )


class PlantingOut(ViewOut):
    """Where a promised tree stands in the real world."""

    status: Literal["waiting", "owed", "ordered", "planted", "alive", "lost"]
    label_en: str
    label_zh: str
    replacements: int = Field(description="Times it was replanted after it died.")


class TreeOut(ViewOut):
    """A tree: its species, how far its funding has got, its planters and certificate."""

    id: str
    species: SpeciesNameOut
    catalogue: str = Field(description="The species catalogue `id@version` that priced it.")
    mode: Literal["solo", "co"]
    status: Literal["funding", "promised", "cancelled"]
    cost_g: int
    pooled_g: int
    progress: float = Field(description="`pooled_g / cost_g`, 0 to 1.")
    initiator: str
    members: list[str] = Field(description="Who may pool into it and gets its certificate.")
    shares: list[TakeOut] = Field(description="Every share pooled, in order.")
    created_at: dt.datetime
    promised_at: dt.datetime | None
    certificate: CertificateOut | None = Field(description="Once the tree is promised.")
    planting: PlantingOut | None = Field(
        default=None,
        description="Once promised: where the real tree stands (owed, ordered, planted, alive, "
        "lost), in Chinese and English.",
    )


class TreePage(BaseModel):
    """A page of the caller's trees, newest first."""

    trees: list[TreeOut]
    next_after_id: str | None = Field(
        description="Pass as `after_id` for the next page; `null` after the last."
    )


class CoverOut(ViewOut):
    """A protection cover: nobody can steal from its owner while it lasts."""

    user_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    hours: int


class TransferOut(ViewOut):
    """One ledger transfer: whole grams from one account to another."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: str = Field(description="The transfer's idempotency key, e.g. `collect:<ball>`.")
    kind: str = Field(description="`collect`, `steal`, `water`, `pool`, `plant`, …")
    from_: str = Field(alias="from", description="The debited account.")
    to: str = Field(description="The credited account.")
    amount_g: int
    at: dt.datetime
    reference: str = Field(description="What it is about: a ball, a tree, a friend.")


class MoveOut(ViewOut):
    """The answer to an applied move: its transfers and the ball, tree or cover it changed."""

    move: str = Field(description="`collect`, `steal`, `water`, `protect`, `plant`, …")
    transfers: list[TransferOut]
    ball: BallOut | None = None
    tree: TreeOut | None = None
    cover: CoverOut | None = None
    replayed: bool = Field(
        description="`true` when this is the stored answer to an earlier request with the same "
        "Idempotency-Key: nothing moved again."
    )


# ---------------------------------------------------------------- reads


class ProgressOut(ViewOut):
    """How far the caller's energy goes towards one species."""

    species_id: str
    name_zh: str
    name_en: str
    cost_g: int
    share: float = Field(description="Energy over cost, capped at 1.")


class BehaviourNameOut(ViewOut):
    """A behaviour's name in Chinese and English, for labelling its balls."""

    id: str
    name_zh: str
    name_en: str


class ForestOut(ViewOut):
    """The caller's forest: energy, live balls, cover, debt and progress."""

    user_id: str
    as_of: dt.datetime = Field(
        description="The server's clock when this was read; count down to `ripens_at` from it."
    )
    energy_g: int = Field(description="Spendable energy.")
    owed_g: int = Field(description="Energy owed after a reversal; repaid from new energy.")
    covered_until: dt.datetime | None
    next_ripens_at: dt.datetime | None
    balls: list[BallOut]
    progress: list[ProgressOut]
    rules: str = Field(description="The energy rules `id@version` in force.")
    watering_steps_g: list[int] = Field(
        description="The grams one watering may give a friend under the rules in force."
    )
    cover_hours: list[int] = Field(description="The protection covers the rules in force offer.")
    behaviours: list[BehaviourNameOut] = Field(description="The names of the balls' behaviours.")


class FriendForestOut(ViewOut):
    """A friend's forest, with what the caller could steal right now."""

    user_id: str
    as_of: dt.datetime = Field(
        description="The server's clock when this was read; count down to `ripens_at` from it."
    )
    covered_until: dt.datetime | None
    stealable_now: int = Field(description="How many balls the caller could steal from now.")
    next_ripens_at: dt.datetime | None
    balls: list[FriendBallOut]
    behaviours: list[BehaviourNameOut] = Field(description="The names of the balls' behaviours.")


class FriendSummaryOut(ViewOut):
    """One friend: energy gained this week, trees, and what the caller could steal now."""

    user_id: str
    energy_this_week_g: int = Field(description="Energy they gained from play this local week.")
    trees: int = Field(description="Promised trees they plant or co-plant.")
    stealable_now: int = Field(description="How many of their balls the caller could steal now.")
    stealable_g: int = Field(
        description="What the caller would take from those balls in all, before the caller's "
        "own daily limit."
    )
    next_ripens_at: dt.datetime | None
    covered_until: dt.datetime | None


class FriendsForestsOut(ViewOut):
    """The caller's friends, most energy this week first."""

    week_starts: dt.datetime
    friends: list[FriendSummaryOut]


class FactorStoryOut(ViewOut):
    """One factor of a ball's formula, with the source of its value."""

    id: str
    value: Decimal
    unit: str = Field(examples=["g CO2/trip"])
    year: int = Field(description="The data year of the value.")
    status: Literal["C", "S", "D", "U"] = Field(
        description="`C` confirmed, `S` secondary source, `D` derived, `U` unconfirmed."
    )
    note: str
    source_id: str
    source_title: str
    source_url: str
    source_locator: str = Field(description="Where in the source the value is.")


class BallStoryOut(ViewOut):
    """Why one of my balls holds what it holds: its award and the pack version that scored it."""

    ball_id: str
    behaviour: str
    name_zh: str
    name_en: str
    day: dt.date = Field(description="The local day of the behaviour.")
    pack_id: str
    pack_version: str
    pack_title: str
    formula: Literal["fixed_per_activity", "per_unit", "baseline_minus_project"]
    activity_unit: str
    baseline_note: str
    factors: list[FactorStoryOut]
    events_counted: int = Field(description="Events of that day the award counted (after caps).")
    avoided_mg: int = Field(description="Avoided CO2e credited, in milligrams.")
    energy_g: int = Field(description="The award's energy: whole grams of the avoided CO2e.")
    hold: HoldOut | None = Field(
        default=None,
        description="Why an abuse rule holds (or held) this ball's energy, in Chinese and "
        "English; null when it never did.",
    )


class RankOut(ViewOut):
    """One place on a leaderboard."""

    rank: int
    user_id: str
    value: int
    me: bool


class LeaderboardOut(ViewOut):
    """The caller and their friends, ranked by energy gained this week and by trees."""

    week_starts: dt.datetime
    energy_this_week_g: list[RankOut]
    trees: list[RankOut]


class StatementEntryOut(TransferOut):
    """A transfer on the caller's statement, with its place in the ledger."""

    seq: int


class StatementOut(ViewOut):
    """A page of the caller's transfers, newest first."""

    transfers: list[StatementEntryOut]
    next_before: int | None = Field(description="Pass as `before` for the next page.")


class ProvenanceOut(ViewOut):
    """How well one number is sourced."""

    tag: Literal["S", "P", "U"] = Field(
        description="`S` seed report, `P` public secondary source, `U` unconfirmed default."
    )
    source: str = Field(description="The id of a source in `sources`.")
    note: str

    @staticmethod
    def fields_of(provenance: Provenance) -> dict[str, Any]:
        """The provenance fields, to go beside the numbers or names they qualify."""
        return {"tag": provenance.tag, "source": provenance.source_id, "note": provenance.note}

    @classmethod
    def of(cls, provenance: Provenance) -> ProvenanceOut:
        """How ``provenance``'s number is sourced."""
        return cls(**cls.fields_of(provenance))


class NamedOut(ProvenanceOut):
    """A region or partner, by name, with its provenance."""

    name_zh: str
    name_en: str

    @classmethod
    def named(cls, place: Region | Partner) -> NamedOut:
        """A region or partner with the provenance of its name."""
        return cls(name_zh=place.name_zh, name_en=place.name_en, **cls.fields_of(place.provenance))


class SinkOut(ProvenanceOut):
    """A sourced estimate of one plant's lifetime CO2 sink (never derived from its price)."""

    kg_co2: Decimal

    @classmethod
    def estimate(cls, sink: SinkEstimate) -> SinkOut:
        """``sink`` with its provenance."""
        return cls(kg_co2=sink.kg_co2, **cls.fields_of(sink.provenance))


class SpeciesOut(SpeciesNameOut):
    """A species one can plant: price, where and by whom, and its sink where a source states it."""

    energy_cost_g: int = Field(description="The price in energy; not a measured sink.")
    cost_provenance: ProvenanceOut
    region: NamedOut
    partner: NamedOut
    sink: SinkOut | None
    remaining_capacity: int = Field(
        description="Trees of this species the open projects may still be promised; at 0 a "
        "planting is refused `no_capacity` (or waits, where the waiting list is on)."
    )

    @classmethod
    def of(cls, species: Species, remaining: int) -> SpeciesOut:
        """``species`` with the provenance of its price, region, partner and sink."""
        return cls(
            remaining_capacity=remaining,
            id=species.id,
            name_zh=species.name_zh,
            name_en=species.name_en,
            scientific_name=species.scientific_name,
            energy_cost_g=species.energy_cost_g,
            cost_provenance=ProvenanceOut.of(species.cost_provenance),
            region=NamedOut.named(species.region),
            partner=NamedOut.named(species.partner),
            sink=None if species.sink is None else SinkOut.estimate(species.sink),
        )


class SourceOut(ViewOut):
    """A document or address a provenance tag points to."""

    id: str
    title: str
    address: str


class CatalogueOut(ViewOut):
    """The species catalogue in force."""

    catalogue: str = Field(description="`id@version`.")
    species: list[SpeciesOut]
    sources: list[SourceOut]

    @classmethod
    def of(cls, catalogue: SpeciesCatalogue, remaining: Mapping[str, int]) -> CatalogueOut:
        """The catalogue as a participant reads it.

        Why every number carries its tag and source: a tree's price is set by the programme and
        its CO2 sink is a separate estimate, and most of them are unconfirmed; the app must be
        able to say so next to each, never present a price as a measured sink.
        """
        return cls(
            catalogue=catalogue.ref,
            species=[SpeciesOut.of(s, remaining.get(s.id, 0)) for s in catalogue.species],
            sources=[SourceOut.model_validate(source) for source in catalogue.sources],
        )
