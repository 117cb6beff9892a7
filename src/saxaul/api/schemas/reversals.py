"""Shapes of ``POST /v1/reversals``: refunds and chargebacks in, what each one did out.

Why validated whole by pydantic (unlike ``/v1/events``): a reversal batch is an operator's
correction, small and exact, so a malformed item refuses the request with the item and field
named, and nothing is half-applied.
"""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from saxaul.api.schemas import BodyIn
from saxaul.domain.reversal import (
    ReversalReason,
    ReversalRequest,
    ReversalResult,
    ReversalStatus,
)

MAX_ITEMS = 10_000
"""Most reversals in one request; send more as several requests."""
TEXT = r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"
"""Text as events take it: no surrounding spaces, no control characters."""


class ReversalIn(BodyIn):
    """A refund or chargeback: the reversal event, and the event whose award it reverses."""

    source: str = Field(
        min_length=1,
        max_length=64,
        pattern=TEXT,
        description="The system both events come from (a payment system reverses its own "
        "payments).",
        examples=["wallet"],
    )
    event_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=TEXT,
        description="The reversal event's own id; with `source` it identifies the reversal, so "
        "sending it again is harmless (answered with `replayed: true`).",
        examples=["refund-20261105-000017"],
    )
    original_event_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=TEXT,
        description="The `event_id` of the event being reversed, as it was imported.",
        examples=["tx-20261101-000123"],
    )
    reason: ReversalReason = Field(description="`refund` or `chargeback`.")
    occurred_at: AwareDatetime = Field(
        description="When the payment was reversed: ISO 8601 with a UTC offset.",
        examples=["2026-11-05T09:30:00+08:00"],
    )

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _text_only(cls, value: object) -> object:
        """A time is ISO 8601 text: a bare number would be read as seconds since 1970."""
        if not isinstance(value, str | dt.datetime):
            raise ValueError("send the time as ISO 8601 text with a UTC offset")
        return value

    def request(self) -> ReversalRequest:
        """The service's request for this item."""
        return ReversalRequest(
            self.source, self.event_id, self.original_event_id, self.reason, self.occurred_at
        )


class ReversalOut(BaseModel):
    """What one reversal did, and where its grams came from."""

    source: str
    event_id: str
    original_event_id: str
    status: ReversalStatus = Field(
        description="`applied`; `not_scored` (the event earned nothing); `unknown_event` (not "
        "recorded: import the event, then send the reversal again); `already_reversed` "
        "(another reversal event reversed it); `exists_with_different_fields` (this reversal "
        "event id was used with other fields)."
    )
    detail: str = Field(description="What happened, and what to do next if anything.")
    award_id: str | None = Field(description="The award, and ball, the event counted towards.")
    reversed_g: int = Field(description="Grams taken back in all, debt included.")
    from_ball_g: int = Field(description="Taken from the ball while uncollected: it shrank.")
    from_expired_g: int = Field(description="Taken back from what expired from the ball.")
    from_balance_g: int = Field(description="Taken from the owner's energy balance.")
    debt_g: int = Field(
        description="Owed by the owner, repaid from the next energy they are credited."
    )
    replayed: bool = Field(description="This reversal event was received before; nothing moved.")

    @classmethod
    def of(cls, result: ReversalResult) -> ReversalOut:
        """The answer for one service result."""
        request, clawback = result.request, result.clawback
        return cls(
            source=request.source,
            event_id=request.event_id,
            original_event_id=request.original_event_id,
            status=result.status,
            detail=result.detail,
            award_id=result.award_id,
            reversed_g=clawback.total_g,
            from_ball_g=clawback.from_ball_g,
            from_expired_g=clawback.from_expired_g,
            from_balance_g=clawback.from_balance_g,
            debt_g=clawback.debt_g,
            replayed=result.replayed,
        )


class ReversalsOut(BaseModel):
    """One result per reversal, in the order sent, and how many ended in each status."""

    counts: dict[ReversalStatus, int] = Field(description="Results by status.")
    results: list[ReversalOut]
