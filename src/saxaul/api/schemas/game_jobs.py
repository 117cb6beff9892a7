"""Shapes of the game's operator endpoints: the ball jobs and the ledger audit."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class JobOut(BaseModel):
    """What one run of a ball job did."""

    model_config = ConfigDict(from_attributes=True)

    balls: int = Field(description="Balls minted, or balls whose remainder expired.")
    grams: int = Field(description="Grams moved: issued into new balls, or moved to `expired`.")


class AuditOut(BaseModel):
    """The ledger recomputed from its transfers, and every invariant that does not hold."""

    model_config = ConfigDict(from_attributes=True)

    ok: bool = Field(description="`true` when `problems` is empty.")
    by_kind: dict[str, int] = Field(
        description="Grams per account kind, summed over the transfers; they sum to 0."
    )
    issued_g: int = Field(description="All energy ever issued, net of reversals.")
    accounts: int
    transfers: int
    problems: list[str] = Field(description="Each broken invariant, as a sentence.")
