"""Shapes of the abuse review queue (``/v1/operator/abuse/…``) and of the scan job."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from saxaul.api.schemas import BodyIn

NOTE_MAX = 2000
"""Characters of an operator's note at most: bounds a request body, not a rule."""


class FlagOut(BaseModel):
    """One abuse flag: who, which rule of which rules version, why, the evidence, the hold."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Flag id; pass the last one as `after_id` to page on.")
    user_id: str = Field(description="The flagged participant.")
    rule_id: str = Field(description="The rule that tripped, e.g. `walking_steps_per_day`.")
    rules_ref: str = Field(description="The abuse rules version that held it, e.g. `abuse@1.0.0`.")
    reason_en: str = Field(description="Why, in English (the rule's text).")
    reason_zh: str = Field(description="Why, in Chinese (the rule's text).")
    evidence: dict[str, Any] = Field(description="The numbers that tripped the rule.")
    ball_id: str | None = Field(description="The flagged award's ball; null for a detector's flag.")
    held_g: int = Field(description="Grams held when flagged.")
    status: Literal["open", "released", "confirmed"]
    created_at: dt.datetime
    decided_by: str | None = Field(description="The operator key that decided.")
    decided_at: dt.datetime | None
    note: str | None


class FlagsPage(BaseModel):
    """A page of flags, oldest first."""

    items: list[FlagOut] = Field(description="The flags on this page.")
    total: int = Field(description="Flags matching the filter, on every page.")
    next_after_id: int | None = Field(
        description="Pass as `after_id` for the next page; null when this page is the last."
    )


class DecisionIn(BodyIn):
    """An operator's decision on an open flag."""

    decision: Literal["release", "confirm"] = Field(
        description="`release`: the held energy goes back to the participant (its ball while "
        "it can still be collected); `confirm`: it goes to the `forfeited` account."
    )
    note: str | None = Field(default=None, max_length=NOTE_MAX, description="Why, for the record.")


class ScanOut(BaseModel):
    """What a scan found, how many flags were new, and the grams those flags hold."""

    model_config = ConfigDict(from_attributes=True)

    findings: int
    flagged: int
    held_g: int


class HoldOut(BaseModel):
    """Why a ball is (or was) held, for its owner: the rule's reason in both languages."""

    model_config = ConfigDict(from_attributes=True)

    status: Literal["open", "released", "confirmed"] = Field(
        description="`open`: held until an operator decides; `released`: given back; "
        "`confirmed`: forfeited."
    )
    reason_en: str
    reason_zh: str
    held_g: int
