"""Shapes of ``GET /v1/summary`` (the programme at a glance and each behaviour's share) and
``GET /v1/operator/dashboard``."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from saxaul.api.schemas.orders import CountsOut


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


class DashboardDayOut(BaseModel):
    """One local day of the programme."""

    model_config = ConfigDict(from_attributes=True)

    day: dt.date = Field(description="The local day (the rules' zone).")
    energy_g: dict[str, int] = Field(
        description="Grams moved that day by each flow: award (issued), collect, steal, water, "
        "expire, plant."
    )
    players: int = Field(description="Participants who made a game move that day.")


class DashboardOut(BaseModel):
    """The operator dashboard's figures now, and the last days."""

    model_config = ConfigDict(from_attributes=True)

    as_of: dt.datetime = Field(description="The instant the figures describe.")
    participants: int = Field(description="Participants enrolled, whatever their consent.")
    consenting: int = Field(description="Participants whose scoring consent is in force.")
    avoided_mg: int = Field(description="Emissions avoided, as scored, in mg CO2e.")
    energy_g: dict[str, int] = Field(
        description="Grams ever moved by each flow: award (issued), collect, steal, water, "
        "expire, plant."
    )
    trees: CountsOut = Field(description="Every promised tree by pipeline status.")
    days: list[DashboardDayOut] = Field(description="The last `days` local days, oldest first.")
