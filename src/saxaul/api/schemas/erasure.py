"""Shapes of erasure and retention: the confirmation a participant gives, what was done."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from saxaul.api.schemas import BodyIn
from saxaul.services.participant_auth import PASSWORD_MAX


class EraseMeIn(BodyIn):
    """What a participant gives to erase their own account."""

    confirm: str = Field(
        min_length=1,
        max_length=128,
        description="Your own user id, typed again: erasure cannot be undone.",
        examples=["u-000042"],
    )
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=PASSWORD_MAX,
        description="Your sign-in password; required when you have one (not when you sign in "
        "through an app backend).",
    )


class ErasureOut(BaseModel):
    """What an erasure did; `already`: it had been done before and nothing changed."""

    model_config = ConfigDict(from_attributes=True)

    user_id: str = Field(description="The pseudonym, kept for the ledger's sums.")
    erased_at: dt.datetime
    already: bool
    requested_by: str = Field(description="`participant`, or `operator:<key name>`.")
    touched: dict[str, int] = Field(description="Rows deleted or overwritten per table.")
    partners_notified: list[str] = Field(
        description="Partners sent `participant.erased` (they held the participant's trees)."
    )


class RetentionOut(BaseModel):
    """What a raw-event retention run did."""

    model_config = ConfigDict(from_attributes=True)

    before: dt.datetime = Field(description="Events and quarantined rows before this instant.")
    events_stripped: int = Field(description="Events whose payment details were nulled.")
    quarantine_deleted: int = Field(description="Quarantined rows deleted.")
