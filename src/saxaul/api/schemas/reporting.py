"""Shapes of ``GET /v1/summary``: the programme at a glance and each behaviour's share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProgrammeTotalsOut(BaseModel):
    """Participants, events and credits across the programme."""

    model_config = ConfigDict(from_attributes=True)

    participants: int = Field(description="Participants enrolled, whatever their consent.")
    consenting: int = Field(description="Participants whose scoring consent is in force.")
    events: int = Field(description="Events stored.")
    scored: int = Field(description="Events scored under a methodology pack.")
    no_consent: int = Field(description="Events kept but not scored for lack of consent.")
    not_effective: int = Field(
        description="Events kept but not scored: their pack was not in force on their date."
    )
    ineligible: int = Field(
        description="Events kept but not scored: a pack rule refused them (a second bill for "
        "one account in a month, a credit before the visit, a missing attribute). With "
        "`scored`, `no_consent` and `not_effective`, every event stored."
    )
    awards: int = Field(description="Awards (one per user, day and behaviour scored).")
    avoided_mg: int = Field(description="Avoided emissions credited, in milligrams CO2e.")
    energy_g: int = Field(description="Green energy credited, in grams.")


class BehaviourTotalOut(BaseModel):
    """Scored events and credited energy of one behaviour."""

    model_config = ConfigDict(from_attributes=True)

    behaviour: str = Field(description="Behaviour id, as in its methodology pack.")
    pack_ref: str = Field(description="`id@version` of the pack that credited it; `-` if none.")
    events: int = Field(description="Events of this behaviour stored.")
    scored: int = Field(description="Of those, events scored.")
    users: int = Field(description="Distinct users credited for it.")
    avoided_mg: int = Field(description="Avoided emissions credited, in milligrams CO2e.")
    energy_g: int = Field(description="Green energy credited, in grams.")


class Summary(BaseModel):
    """Programme totals and per-behaviour totals, read in one snapshot."""

    programme: ProgrammeTotalsOut = Field(description="Totals across the programme.")
    behaviours: list[BehaviourTotalOut] = Field(
        description="Per-behaviour totals, largest credited energy first."
    )
